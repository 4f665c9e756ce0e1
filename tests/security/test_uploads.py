"""Uploads are checked by content, capped in size, never SVG or HTML; documents download safely."""

import io
import zipfile

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import translation
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection

from opencoop.operations.uploads import check_document, check_image

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """The messages are read in English here (Italian is the portal's default language)."""
    with translation.override("en"):
        yield


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(2)</script></svg>"
)


def office_file(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<document/>")
    return buffer.getvalue()


def opendocument(mimetype: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", mimetype)
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def image_bytes(fmt: str) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (8, 8), "red").save(buffer, format=fmt)
    return buffer.getvalue()


def check(checker, name: str, content: bytes) -> None:
    checker(name=name, size=len(content), stream=io.BytesIO(content))


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("report.pdf", PDF),
        ("notes.txt", "Relazione annuale – città".encode()),
        ("figures.csv", b"year;amount\n2024;1000\n"),
        ("plan.docx", office_file("word/document.xml")),
        ("budget.xlsx", office_file("xl/workbook.xml")),
        ("text.odt", opendocument("application/vnd.oasis.opendocument.text")),
        ("sheet.ods", opendocument("application/vnd.oasis.opendocument.spreadsheet")),
    ],
)
def test_real_documents_are_accepted(name, content):
    check(check_document, name, content)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("report.pdf", HTML, "web page"),
        ("report.pdf", SVG, "SVG"),
        ("notes.txt", SVG, "SVG"),
        ("notes.txt", b"\xef\xbb\xbf  <html><script>x</script>", "web page"),
        ("report.pdf", b"MZ\x90\x00 not a pdf", "does not start as a PDF"),
        ("plan.docx", PDF, "does not match its extension"),
        ("plan.docx", office_file("xl/workbook.xml"), "does not match its extension"),
        ("text.odt", opendocument("application/x-evil"), "does not match its extension"),
        ("figures.csv", b"a,b\n\x00\x01\x02", "binary data"),
    ],
)
def test_documents_whose_content_lies_are_refused_with_a_clear_message(name, content, reason):
    with pytest.raises(ValidationError) as caught:
        check(check_document, name, content)
    message = caught.value.messages[0]
    assert f"“{name}”" in message
    assert reason in message


@override_settings(OPENCOOP_MAX_DOCUMENT_SIZE=1024)
def test_documents_over_the_size_limit_are_refused():
    with pytest.raises(ValidationError, match=r"may be at most 1\.0"):
        check(check_document, "big.pdf", PDF + b"0" * 2048)


@pytest.mark.parametrize("fmt,name", [("PNG", "a.png"), ("JPEG", "a.jpg"), ("WEBP", "a.webp")])
def test_real_images_are_accepted(fmt, name):
    check(check_image, name, image_bytes(fmt))


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("logo.png", SVG, "SVG"),
        ("photo.jpg", image_bytes("PNG"), "does not match its extension"),
        ("photo.png", HTML, "web page"),
        ("photo.png", PDF, "does not match its extension"),
    ],
)
def test_images_whose_content_lies_are_refused(name, content, reason):
    with pytest.raises(ValidationError, match=reason):
        check(check_image, name, content)


@pytest.fixture
def editor_client(client):
    user = get_user_model().objects.create_superuser("up", "up@example.org", "x-long-password-1")
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the admin in English, to read its messages
    return client


def upload_document(client, name: str, content: bytes):
    return client.post(
        "/admin/documents/add/",
        {
            "title": "Upload test",
            "file": SimpleUploadedFile(name, content),
            "collection": Collection.get_first_root_node().pk,
        },
    )


def test_the_admin_document_form_refuses_html_named_pdf(editor_client):
    Document = get_document_model()
    before = Document.objects.count()
    response = upload_document(editor_client, "report.pdf", HTML)
    assert response.status_code == 200
    text = BeautifulSoup(response.content, "html.parser").get_text()
    assert "“report.pdf” is not a valid PDF file" in text
    assert Document.objects.count() == before


def test_the_admin_document_form_accepts_a_real_pdf(editor_client):
    Document = get_document_model()
    response = upload_document(editor_client, "report.pdf", PDF)
    assert response.status_code == 302
    assert Document.objects.filter(title="Upload test").exists()


def test_the_admin_image_form_refuses_an_svg_with_script(editor_client):
    Image = get_image_model()
    before = Image.objects.count()
    response = editor_client.post(
        "/admin/images/add/",
        {
            "title": "Logo",
            "description": "The logo",  # complete but for the file: the file is what is refused
            "file": SimpleUploadedFile("logo.png", SVG),
            "collection": Collection.get_first_root_node().pk,
        },
    )
    assert response.status_code == 200
    assert Image.objects.count() == before
    errors = BeautifulSoup(response.content, "html.parser").select(".error-message")
    assert errors, "the form shows no error"
    assert "file format (svg)" in " ".join(error.get_text() for error in errors)


def test_documents_are_served_as_downloads_with_safe_headers(client):
    document = get_document_model().objects.create(
        title="Served", file=ContentFile(PDF, name="served.pdf")
    )
    response = client.get(document.url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == PDF
