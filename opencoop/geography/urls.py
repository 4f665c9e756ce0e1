"""Addresses of the geography app (outside the language prefix)."""

urlpatterns: list = []
