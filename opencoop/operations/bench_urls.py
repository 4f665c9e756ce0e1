"""The portal's addresses plus a minimal view, for the benchmark only (settings ``bench``)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from opencoop.urls import handler404, handler500
from opencoop.urls import urlpatterns as site_urlpatterns

__all__ = ["handler404", "handler500", "urlpatterns"]


def minimal(request: HttpRequest) -> HttpResponse:
    """Answer a few bytes without the database: the stack's own cost, for comparison."""
    return HttpResponse(b"ok\n", content_type="text/plain")


urlpatterns = [path("bench/minimal/", minimal, name="bench-minimal"), *site_urlpatterns]
