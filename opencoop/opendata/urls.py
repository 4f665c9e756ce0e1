"""Open data addresses (IATI files, downloads, API)."""

urlpatterns: list = []
