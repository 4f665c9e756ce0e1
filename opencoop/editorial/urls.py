"""Addresses of the editorial app (outside the language prefix)."""

urlpatterns: list = []
