"""Addresses of the catalogue app (outside the language prefix)."""

urlpatterns: list = []
