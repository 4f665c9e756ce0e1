"""Images and their renditions are served under /media/ with safe headers; nothing else is."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

pytestmark = pytest.mark.django_db


def png(size=(64, 48), colour="teal") -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def image():
    image = get_image_model().objects.create(
        title="Well in Niamey", file=ImageFile(io.BytesIO(png()), name="well-niamey.png")
    )
    yield image
    for rendition in image.renditions.all():
        rendition.file.delete(save=False)
    image.file.delete(save=False)


def assert_safe_image_response(response, content_type: str) -> bytes:
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert "Last-Modified" in response
    return b"".join(response.streaming_content)


def test_a_rendition_is_served_with_its_type_and_the_documents_headers(client, image):
    rendition = image.get_rendition("fill-32x32|format-webp")
    assert rendition.url.startswith("/media/images/")
    body = assert_safe_image_response(client.get(rendition.url), "image/webp")
    assert PILImage.open(io.BytesIO(body)).size == (32, 32)


def test_the_original_image_is_served(client, image):
    assert image.file.url.startswith("/media/original_images/")
    body = assert_safe_image_response(client.get(image.file.url), "image/png")
    assert body == png()


def test_an_unchanged_image_answers_304(client, image):
    first = client.get(image.file.url)
    again = client.get(image.file.url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 304


@pytest.mark.parametrize(
    "url",
    [
        "/media/original_images/no-such-image.png",
        "/media/images/",
        "/media/original_images",
        "/media/../opencoop/settings/base.py",
        "/media/images/../../../../etc/passwd",
        "/media/%2e%2e/%2e%2e/etc/passwd",
        "/media//etc/passwd",
        "/media/images/%00.png",
    ],
)
def test_missing_files_folders_and_paths_outside_media_answer_404(client, image, url):
    # A folder's URL may first be redirected to the language-prefixed site, which has no page.
    response = client.get(url, follow=True)
    # A NUL byte is refused before routing (400, RequestHygieneMiddleware); the rest find nothing.
    assert response.status_code == (400 if "%00" in url else 404)
    assert b"root:" not in response.content


def test_documents_and_other_files_under_media_are_not_served(client, image):
    # Documents go through /documents/, which applies privacy and forces a download.
    document = get_document_model().objects.create(
        title="Private report", file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="private-report.pdf")
    )
    stray = Path(settings.MEDIA_ROOT) / "images" / "notes.html"
    stray.write_text("<script>alert(1)</script>")
    try:
        assert client.get(f"/media/{document.file.name}").status_code == 404
        assert client.get("/media/images/notes.html").status_code == 404
    finally:
        stray.unlink()
        document.file.delete(save=False)


def test_media_is_read_only(client, image):
    assert client.post(image.file.url).status_code == 405
