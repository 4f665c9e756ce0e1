"""Addresses of the operations app (outside the language prefix)."""

urlpatterns: list = []
