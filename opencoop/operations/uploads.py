"""Uploads: the portal's size limit, and documents and images checked by content.

Every request body is capped at ``OPENCOOP_MAX_UPLOAD_MB`` (the figure nginx's
``client_max_body_size`` repeats in docs/deploy.md): ``UploadLimitMiddleware`` refuses a larger
request by its Content-Length before reading it; the admin import forms refuse a larger file,
in the browser before it is sent (``static/operations/upload-limit.js``, reading the attributes
``upload_limit_attrs`` puts on the input) and again on the server (``check_upload_size``).

Documents and images: type checked by content, size capped, SVG and HTML refused.

Wagtail checks the extension only; a file named ``report.pdf`` may hold a web page with scripts.
These checks read the bytes, and the forms below plug them into Wagtail through
``WAGTAILDOCS_DOCUMENT_FORM_BASE`` and ``WAGTAILIMAGES_IMAGE_FORM_BASE``.

Images are also capped in pixels (``WAGTAILIMAGES_MAX_IMAGE_PIXELS``): a small, well-compressed
PNG can decode to gigabytes, and a thumbnail is made from the decoded image.
``bound_image_decoding`` makes Pillow refuse anything larger in every process, renditions
included.
"""

from __future__ import annotations

import os
import re
import warnings
import zipfile
from typing import IO, Any

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from PIL import Image as PILImage
from wagtail.documents.forms import BaseDocumentForm
from wagtail.images.fields import WagtailImageField
from wagtail.images.forms import BaseImageForm

from opencoop.editorial.forms import RequiredAltTextMixin

HEAD_BYTES = 64 * 1024
MARKUP_RE = re.compile(rb"^\s*<(\?xml|!doctype|html|svg|script|head|body|iframe)\b", re.IGNORECASE)
SVG_RE = re.compile(rb"<svg[\s>]", re.IGNORECASE)

# What each allowed extension must contain, checked on the bytes.
IMAGE_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
OOXML_PARTS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
ODF_TYPES = {
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
FORMAT_NAMES = {
    "pdf": "PDF",
    "docx": "Word (.docx)",
    "xlsx": "Excel (.xlsx)",
    "odt": "OpenDocument text (.odt)",
    "ods": "OpenDocument spreadsheet (.ods)",
    "csv": "CSV",
    "txt": _("plain text"),
    "jpg": "JPEG",
    "jpeg": "JPEG",
    "png": "PNG",
    "webp": "WebP",
}


def extension_of(name: str) -> str:
    return os.path.splitext(name)[1].lstrip(".").lower()


def max_upload_bytes() -> int:
    return settings.OPENCOOP_MAX_UPLOAD_MB * 1024 * 1024


def too_large_message() -> str:
    """Say, in the active language, how large an upload may be."""
    return gettext(
        "The file is larger than %(limit)d MB, the most the portal accepts: nothing was sent. "
        "Split it, or ask an administrator to import it with the command."
    ) % {"limit": settings.OPENCOOP_MAX_UPLOAD_MB}


def upload_limit_attrs() -> dict[str, str]:
    """Return the attributes with which the browser refuses an upload over the limit."""
    return {"data-max-bytes": str(max_upload_bytes()), "data-too-large": too_large_message()}


def check_upload_size(files: list[UploadedFile]) -> None:
    """Raise ``ValidationError`` when ``files`` together are over the portal's upload limit."""
    size = sum(upload.size for upload in files)
    if size > max_upload_bytes():
        raise ValidationError(
            _("“%(name)s” is %(size)s; uploads may be at most %(limit)d MB."),
            code="upload_too_large",
            params={
                "name": ", ".join(upload.name for upload in files),
                "size": filesizeformat(size),
                "limit": settings.OPENCOOP_MAX_UPLOAD_MB,
            },
        )


class UploadLimitMiddleware:
    """Refuse a request whose body is announced larger than the limit, without reading it."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > max_upload_bytes():
            return HttpResponse(
                format_html(
                    '<!doctype html><html lang="{}"><meta charset="utf-8"><title>413</title>'
                    "<p>{}</p></html>",
                    request.LANGUAGE_CODE if hasattr(request, "LANGUAGE_CODE") else "en",
                    too_large_message(),
                ),
                status=413,
            )
        return self.get_response(request)


def _refuse(name: str, extension: str, reason: str) -> ValidationError:
    return ValidationError(
        _("“%(name)s” is not a valid %(format)s file: %(reason)s"),
        code="invalid_content",
        params={"name": name, "format": FORMAT_NAMES.get(extension, extension), "reason": reason},
    )


def _check_size(name: str, size: int, limit: int) -> None:
    if size > limit:
        raise ValidationError(
            _("“%(name)s” is %(size)s; files of this kind may be at most %(limit)s."),
            code="file_too_large",
            params={"name": name, "size": filesizeformat(size), "limit": filesizeformat(limit)},
        )


def _check_not_markup(name: str, extension: str, head: bytes) -> None:
    """Refuse SVG and web pages whatever their name: a browser would run their scripts."""
    body = head.removeprefix(b"\xef\xbb\xbf")
    if SVG_RE.search(body[:4096]) and MARKUP_RE.match(body):
        raise _refuse(name, extension, _("it is an SVG drawing, which may carry scripts."))
    if MARKUP_RE.match(body):
        raise _refuse(name, extension, _("its content is a web page or XML, not a document."))


def _check_zip(name: str, extension: str, stream: IO[bytes]) -> None:
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            if extension in OOXML_PARTS:
                ok = "[Content_Types].xml" in names and OOXML_PARTS[extension] in names
            else:
                ok = (
                    "mimetype" in names
                    and archive.read("mimetype").decode("ascii", "replace").strip()
                    == ODF_TYPES[extension]
                )
    except (zipfile.BadZipFile, KeyError, OSError):
        ok = False
    if not ok:
        raise _refuse(name, extension, _("its content does not match its extension."))


def _check_text(name: str, extension: str, head: bytes) -> None:
    if b"\x00" in head:
        raise _refuse(name, extension, _("it contains binary data, not text."))


def check_document(*, name: str, size: int, stream: IO[bytes]) -> None:
    """Raise ``ValidationError`` unless ``stream`` holds a document of the kind its name says."""
    extension = extension_of(name)
    _check_size(name, size, settings.OPENCOOP_MAX_DOCUMENT_SIZE)
    stream.seek(0)
    head = stream.read(HEAD_BYTES)
    stream.seek(0)
    _check_not_markup(name, extension, head)
    if extension == "pdf":
        if not head.startswith(b"%PDF-"):
            raise _refuse(name, extension, _("its content does not start as a PDF does."))
    elif extension in OOXML_PARTS or extension in ODF_TYPES:
        _check_zip(name, extension, stream)
        stream.seek(0)
    elif extension in {"csv", "txt"}:
        _check_text(name, extension, head)
    else:
        raise _refuse(name, extension, _("this kind of file is not accepted."))


def check_image(*, name: str, size: int, stream: IO[bytes]) -> None:
    """Raise ``ValidationError`` unless ``stream`` holds a JPEG, PNG or WebP matching its name."""
    extension = extension_of(name)
    _check_size(name, size, settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE)
    stream.seek(0)
    head = stream.read(HEAD_BYTES)
    stream.seek(0)
    _check_not_markup(name, extension, head)
    kind = filetype.guess(head)
    if extension not in IMAGE_TYPES or kind is None or kind.mime != IMAGE_TYPES[extension]:
        raise _refuse(name, extension, _("its content does not match its extension."))


# Pillow's own message on a decompression bomb: "Image size (121000000 pixels) exceeds …".
BOMB_PIXELS_RE = re.compile(r"Image size \((\d+) pixels\)")


def bound_image_decoding() -> None:
    """Make Pillow refuse to open an image over the pixel cap, wherever it is opened.

    Pillow only warns between ``MAX_IMAGE_PIXELS`` and twice that, and raises above; turning the
    warning into an error makes the cap exact, so no worker decodes more than the cap for an
    upload, a rendition or an import (a thumbnail of 40 megapixels of RGB peaks near 310 MB,
    one of 121 megapixels near 920 MB).
    """
    PILImage.MAX_IMAGE_PIXELS = settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS
    warnings.filterwarnings("error", category=PILImage.DecompressionBombWarning)


def _megapixels(pixels: int) -> str:
    return number_format(pixels / 1_000_000, decimal_pos=1)


def too_many_pixels(name: str, pixels: int | None, limit: int) -> ValidationError:
    """Say which image is too large, by how much, and what the limit is."""
    if pixels is None:
        return ValidationError(
            _("“%(name)s” has more pixels than images may have (%(limit)s megapixels)."),
            code="file_too_many_pixels",
            params={"name": name, "limit": _megapixels(limit)},
        )
    return ValidationError(
        _(
            "“%(name)s” has %(pixels)s megapixels; images may have at most %(limit)s "
            "megapixels. Scale it down before uploading it."
        ),
        code="file_too_many_pixels",
        params={"name": name, "pixels": _megapixels(pixels), "limit": _megapixels(limit)},
    )


class ImageFileField(WagtailImageField):
    """Wagtail's image field, whose pixel check names the file and never decodes a bomb."""

    def check_image_pixel_size(self, f: Any) -> None:
        limit = self.max_image_pixels
        try:
            # Reads the header only; Pillow refuses sizes over its cap here (see above).
            width, height = f.image.get_size()
        except (PILImage.DecompressionBombWarning, PILImage.DecompressionBombError) as exc:
            found = BOMB_PIXELS_RE.search(str(exc))
            raise too_many_pixels(
                f.name, int(found.group(1)) if found else None, limit or PILImage.MAX_IMAGE_PIXELS
            ) from None
        pixels = width * height * f.image.get_frame_count()
        if limit and pixels > limit:
            raise too_many_pixels(f.name, pixels, limit)


class DocumentForm(BaseDocumentForm):
    """Wagtail's document form with the content checks."""

    def clean_file(self):
        uploaded = self.cleaned_data.get("file")
        if isinstance(uploaded, UploadedFile):
            check_document(name=uploaded.name, size=uploaded.size, stream=uploaded)
        return uploaded


class ImageForm(RequiredAltTextMixin, BaseImageForm):
    """Wagtail's image form with the content and pixel checks and the alternative text required."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields.get("file")
        if field is not None and not isinstance(field, ImageFileField):
            # Wagtail builds the field in its form factory; ours differs only in the pixel check.
            replacement = ImageFileField(
                label=field.label, required=field.required, widget=field.widget
            )
            replacement.help_text = field.help_text
            self.fields["file"] = replacement

    def clean_file(self):
        uploaded = self.cleaned_data.get("file")
        if isinstance(uploaded, UploadedFile):
            check_image(name=uploaded.name, size=uploaded.size, stream=uploaded)
        return uploaded
