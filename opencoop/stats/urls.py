"""Addresses of the stats app (outside the language prefix)."""

urlpatterns: list = []
