"""Images need an alternative text: in the image form, and before a record using one is published."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.images.forms import get_image_form

from opencoop.editorial.quality import publication_problems

pytestmark = pytest.mark.django_db


def png() -> SimpleUploadedFile:
    output = io.BytesIO()
    PILImage.new("RGB", (4, 4), "white").save(output, "PNG")
    return SimpleUploadedFile("well.png", output.getvalue(), content_type="image/png")


def test_the_image_form_requires_an_alternative_text(settings):
    settings.WAGTAILIMAGES_IMAGE_FORM_BASE = "opencoop.editorial.forms.ImageForm"
    form_class = get_image_form(get_image_model())
    form = form_class({"title": "Well"}, {"file": png()})
    assert not form.is_valid()
    assert "description" in form.errors
    described = form_class({"title": "Well", "description": "A new well"}, {"file": png()})
    assert described.is_valid(), described.errors


def test_a_record_whose_image_has_no_alternative_text_cannot_be_published(activity):
    image = get_image_model().objects.create(title="Well", file=png(), description="")
    activity.image = image
    problems = publication_problems(activity)
    assert [p.field for p in problems] == ["image"]
    image.description = "Women at the new well"
    assert publication_problems(activity) == []
