"""The organisation chooser: add a partner from it, find every organisation in it."""

from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from wagtail.models import ModelLogEntry
from wagtail.users.models import UserProfile

from opencoop.core.multilingual import portal_languages
from opencoop.organisations.models import Organisation

from .helpers import form_data

CHOOSER = "wagtailsnippetchoosers_organisations_organisation"


def _creation_form(client) -> tuple[dict, BeautifulSoup]:
    response = client.get(reverse(f"{CHOOSER}:choose"))
    assert response.status_code == 200
    html = json.loads(response.content)["html"]
    page = BeautifulSoup(html, "html.parser")
    form = page.select_one("form[data-chooser-modal-creation-form]") or page.select_one(
        f"form[action^='{reverse(f'{CHOOSER}:create')}']"
    )
    assert form is not None, "the chooser offers no creation form"
    return form_data(_Fake(str(form)), "form"), page


class _Fake:
    def __init__(self, html: str) -> None:
        self.content = html.encode()


def _names(**texts: str) -> dict[str, str]:
    """Post the multilingual name as its widget does: one input per portal language."""
    return {f"name_{i}": texts.get(code, "") for i, code in enumerate(portal_languages())}


def _post(client, data: dict):
    response = client.post(reverse(f"{CHOOSER}:create"), data)
    assert response.status_code == 200
    return json.loads(response.content)


@pytest.mark.django_db
def test_the_chooser_creates_an_organisation_with_a_slug(client, editor):
    client.force_login(editor)
    data, page = _creation_form(client)
    assert "IT-CF-01307110484" in page.get_text()  # the help says what an identifier looks like
    data.update(_names(it="Comitato Fontane", en="Fountains Committee"))
    data["identifier"] = "IT-CF-99887766554"
    before = Organisation.objects.count()
    result = _post(client, data)
    assert result["step"] == "chosen", result
    created = Organisation.objects.get(identifier="IT-CF-99887766554")
    assert Organisation.objects.count() == before + 1
    assert created.slug == "fountains-committee"
    assert str(result["result"]["id"]) == str(created.pk)
    assert ModelLogEntry.objects.filter(
        object_id=str(created.pk), action="wagtail.create", user=editor
    ).exists()

    # The same name again gets a slug of its own.
    data["identifier"] = "IT-CF-99887766555"
    assert _post(client, data)["step"] == "chosen"
    assert Organisation.objects.get(identifier="IT-CF-99887766555").slug == "fountains-committee-2"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "identifier, message",
    [
        ("IT-CF 99887766554", "contiene uno spazio"),
        ("IT-CF", "non ha un numero dopo"),
    ],
)
def test_the_chooser_refuses_a_bad_identifier_in_italian(client, editor, identifier, message):
    profile = UserProfile.get_for_user(editor)
    profile.preferred_language = "it"
    profile.save()
    client.force_login(editor)
    data, _page = _creation_form(client)
    data.update({**_names(it="Comitato Fontane"), "identifier": identifier})
    before = Organisation.objects.count()
    result = _post(client, data)
    assert result["step"] == "reshow_creation_form"
    errors = BeautifulSoup(result["htmlFragment"], "html.parser").get_text(" ")
    assert message in errors
    assert identifier in errors
    assert Organisation.objects.count() == before


@pytest.mark.django_db
def test_the_chooser_finds_every_demo_organisation(client, admin_user):
    """Each demo organisation is found by the chooser's search for its name."""
    client.force_login(admin_user)
    found = set()
    organisations = list(Organisation.objects.all())
    assert organisations
    for organisation in organisations:
        response = client.get(reverse(f"{CHOOSER}:choose_results"), {"q": str(organisation)})
        assert response.status_code == 200
        chosen = reverse(f"{CHOOSER}:chosen", args=[organisation.pk])
        if chosen in response.content.decode():
            found.add(organisation.pk)
    assert len(found) == Organisation.objects.count()


@pytest.mark.django_db
def test_generated_partners_are_in_the_search_index(django_capture_on_commit_callbacks):
    """The generator's partners, created in bulk, are indexed in bulk with the others."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.search.models import IndexEntry

    from opencoop.demo.generator import generate

    with django_capture_on_commit_callbacks(execute=True):
        generate(activities=5, seed=1, pages=False)
    content_type = ContentType.objects.get_for_model(Organisation)
    indexed = set(
        IndexEntry.objects.filter(content_type=content_type).values_list("object_id", flat=True)
    )
    organisations = {str(pk) for pk in Organisation.objects.values_list("pk", flat=True)}
    assert len(organisations) > 6
    assert organisations <= indexed, len(organisations - indexed)


@pytest.mark.django_db
def test_the_organisation_form_makes_the_slug_when_left_empty(client, admin_user):
    from .helpers import url

    client.force_login(admin_user)
    data = form_data(client.get(url(Organisation, "add")))
    data.update({**_names(it="Comitato Pozzi", en="Wells Committee"), "slug": ""})
    data["identifier"] = "IT-CF-11223344556"
    response = client.post(url(Organisation, "add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Organisation.objects.get(identifier="IT-CF-11223344556").slug == "wells-committee"
