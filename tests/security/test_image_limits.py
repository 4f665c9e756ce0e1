"""Images are capped in pixels: a small file that decodes to gigabytes is refused, by name."""

import io
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.models import Collection

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def png_of(width: int, height: int) -> bytes:
    """Return a black 1-bit PNG of this size, compressed row by row (never held decoded)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit, greyscale
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte "none", then the pixels
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


@pytest.fixture
def editor_client(client):
    user = get_user_model().objects.create_superuser("img", "img@example.org", "x-long-password-1")
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def upload_image(client, name: str, content: bytes):
    return client.post(
        "/admin/images/add/",
        {
            "title": "Pixel test",
            "description": "A black rectangle",
            "file": SimpleUploadedFile(name, content, content_type="image/png"),
            "collection": Collection.get_first_root_node().pk,
        },
    )


def form_errors(response) -> str:
    soup = BeautifulSoup(response.content, "html.parser")
    return " ".join(error.get_text(" ", strip=True) for error in soup.select(".error-message"))


@pytest.mark.parametrize(
    ("width", "height", "megapixels"),
    [(6404, 6404, "41.0"), (11000, 11000, "121.0")],  # over the cap; over Pillow's 2 × cap
)
def test_an_image_over_40_megapixels_is_refused_with_its_name_size_and_the_limit(
    editor_client, width, height, megapixels
):
    content = png_of(width, height)
    assert len(content) < 100_000  # a small file: the size limit in bytes would let it through
    before = get_image_model().objects.count()
    response = upload_image(editor_client, "poster.png", content)
    assert response.status_code == 200
    message = form_errors(response)
    assert "“poster.png”" in message
    assert f"{megapixels} megapixels" in message
    assert "at most 40.0 megapixels" in message
    assert get_image_model().objects.count() == before


def test_the_multiple_upload_refuses_it_too(editor_client):
    response = editor_client.post(
        "/admin/images/multiple/add/",
        {"files[]": SimpleUploadedFile("poster.png", png_of(6404, 6404), "image/png")},
    )
    assert response.status_code == 200
    result = response.json()
    assert result["success"] is False
    assert "“poster.png” has 41.0 megapixels" in result["error_message"]


def test_an_image_of_one_megapixel_is_accepted(editor_client):
    buffer = io.BytesIO()
    PILImage.new("P", (1000, 1000), 3).save(buffer, format="PNG")
    response = upload_image(editor_client, "map.png", buffer.getvalue())
    assert response.status_code == 302, form_errors(response)
    image = get_image_model().objects.get(title="Pixel test")
    assert (image.width, image.height) == (1000, 1000)
    image.file.delete(save=False)


def test_pillow_refuses_to_decode_an_image_over_the_cap_in_every_process(tmp_path):
    # Renditions and imports open images with Pillow too. pytest resets warning filters set
    # while Django starts, so a fresh process shows what a worker does.
    (tmp_path / "over.png").write_bytes(png_of(6404, 6404))
    (tmp_path / "under.png").write_bytes(png_of(6000, 6000))
    code = (
        "import django, sys; django.setup(); from PIL import Image\n"
        "print(Image.open(sys.argv[2]).size)\n"
        "try:\n    Image.open(sys.argv[1])\nexcept Image.DecompressionBombWarning as e:\n"
        "    print('refused:', e)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "over.png"), str(tmp_path / "under.png")],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "opencoop.settings.test"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "(6000, 6000)",
        "refused: Image size (41011216 pixels) exceeds limit of 40000000 pixels, "
        "could be decompression bomb DOS attack.",
    ]
