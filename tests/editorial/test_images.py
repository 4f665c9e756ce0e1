"""Images need an alternative text: at upload in the admin, and before a record using one is
published."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.images.forms import get_image_form
from wagtail.models import Collection

from opencoop.editorial.forms import RequiredAltTextMixin
from opencoop.editorial.quality import publication_problems

from .helpers import soup

pytestmark = pytest.mark.django_db


def png() -> SimpleUploadedFile:
    output = io.BytesIO()
    PILImage.new("RGB", (4, 4), "white").save(output, "PNG")
    return SimpleUploadedFile("well.png", output.getvalue(), content_type="image/png")


def upload(client, language: str = "en", **fields):
    return client.post(
        reverse("wagtailimages:add"),
        {"file": png(), "collection": Collection.get_first_root_node().pk, **fields},
        HTTP_ACCEPT_LANGUAGE=language,
    )


def test_the_configured_image_form_requires_an_alternative_text():
    form_class = get_image_form(get_image_model())
    assert issubclass(form_class, RequiredAltTextMixin)
    assert form_class().fields["description"].required


def test_an_upload_without_alternative_text_is_refused_naming_the_field(login, florence_editor):
    Image = get_image_model()
    before = Image.objects.count()
    response = upload(login(florence_editor), title="Well")
    assert response.status_code == 200
    assert Image.objects.count() == before
    field = soup(response).select_one('[data-field-wrapper]:has([name="description"])')
    assert field is not None, "the form has no description field"
    assert "Alternative text (description)" in field.get_text(" ", strip=True)
    assert "This field is required" in field.get_text(" ", strip=True)


def test_an_upload_is_refused_in_italian_naming_the_field(login, florence_editor):
    response = upload(login(florence_editor), language="it", title="Pozzo")
    assert response.status_code == 200
    assert get_image_model().objects.filter(title="Pozzo").count() == 0
    field = soup(response).select_one('[data-field-wrapper]:has([name="description"])')
    assert "Testo alternativo (descrizione)" in field.get_text(" ", strip=True)
    assert "Questo campo è obbligatorio" in field.get_text(" ", strip=True)


def test_an_upload_with_alternative_text_is_saved(login, florence_editor):
    response = upload(login(florence_editor), title="Well", description="Women at the new well")
    assert response.status_code == 302, soup(response).select(".error-message")
    image = get_image_model().objects.get(title="Well")
    assert image.description == "Women at the new well"


def test_the_multiple_upload_keeps_the_file_until_the_alternative_text_is_given(
    login, florence_editor
):
    Image = get_image_model()
    before = Image.objects.count()
    client = login(florence_editor)
    response = client.post(
        reverse("wagtailimages:add_multiple"),
        {"title": "Well", "files[]": png(), "collection": Collection.get_first_root_node().pk},
    )
    assert response.status_code == 200
    data = response.json()
    assert data["success"] and "uploaded_file_id" in data
    assert Image.objects.count() == before
    prefix = f"uploaded-image-{data['uploaded_file_id']}"
    url = reverse(
        "wagtailimages:create_multiple_from_uploaded_image", args=[data["uploaded_file_id"]]
    )
    refused = client.post(url, {f"{prefix}-title": "Well", f"{prefix}-description": ""})
    assert not refused.json()["success"]
    assert Image.objects.count() == before
    accepted = client.post(
        url, {f"{prefix}-title": "Well", f"{prefix}-description": "Women at the new well"}
    )
    assert accepted.json()["success"], accepted.json()
    assert Image.objects.get(pk=accepted.json()["image_id"]).description == "Women at the new well"


def test_a_record_whose_image_has_no_alternative_text_cannot_be_published(activity):
    image = get_image_model().objects.create(title="Well", file=png(), description="")
    activity.image = image
    problems = publication_problems(activity)
    assert [p.field for p in problems] == ["image"]
    image.description = "Women at the new well"
    assert publication_problems(activity) == []
