"""Serve uploaded images (originals and renditions) from ``MEDIA_ROOT``, safely.

The documented production set-up lets nginx serve ``/media/images/`` and
``/media/original_images/`` (docs/deploy.md); this view is the fallback for set-ups without it,
as WhiteNoise is for static files, and answers with the same headers. Only image files in those
two folders are served: documents live under ``MEDIA_ROOT`` too, but go through Wagtail's
``/documents/`` view, which applies privacy and always downloads them.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from csp.utils import build_policy
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse, Http404, HttpRequest
from django.utils._os import safe_join
from django.views.decorators.http import condition, require_safe

# Wagtail writes originals and renditions here (AbstractImage.get_upload_to, AbstractRendition).
IMAGE_FOLDERS = ("original_images", "images")
# The formats uploads accept (WAGTAILIMAGES_EXTENSIONS) and the ones renditions may be made in.
IMAGE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".avif": "image/avif",
}
CACHE_SECONDS = 24 * 60 * 60


def media_file(path: str) -> Path:
    """Return the image file at ``path`` under ``MEDIA_ROOT``, or raise ``Http404``.

    Refuses anything outside the image folders (``..``, absolute paths, links leading out,
    NUL bytes), directories, and files that are not images by their extension.
    """
    root = Path(settings.MEDIA_ROOT).resolve()
    try:
        target = Path(safe_join(root, path)).resolve(strict=True)
    except (SuspiciousFileOperation, OSError, ValueError):
        raise Http404("No such media file.") from None
    folder = target.relative_to(root).parts[0] if target.is_relative_to(root) else ""
    if (
        folder not in IMAGE_FOLDERS
        or not target.is_file()
        or target.suffix.lower() not in IMAGE_TYPES
    ):
        raise Http404("No such media file.")
    return target


def _modified(request: HttpRequest, path: str) -> datetime.datetime:
    mtime = media_file(path).stat().st_mtime
    return datetime.datetime.fromtimestamp(mtime, tz=datetime.UTC)


@require_safe
@condition(last_modified_func=_modified)
def serve_media(request: HttpRequest, path: str) -> FileResponse:
    """Send one image with the documents' safety headers; never list a folder."""
    target = media_file(path)
    response = FileResponse(target.open("rb"), content_type=IMAGE_TYPES[target.suffix.lower()])
    response["X-Content-Type-Options"] = "nosniff"
    # Opened on its own, an image needs nothing: no script, no style, sandboxed.
    response["Content-Security-Policy"] = build_policy(config=settings.OPENCOOP_DOCUMENT_CSP)
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return response
