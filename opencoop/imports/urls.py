"""Addresses of the imports app (outside the language prefix)."""

urlpatterns: list = []
