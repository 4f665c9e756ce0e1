"""Organisations, documents, images and pages belong to authorities: an editor of one does not
change another's, only administrators make an organisation a reporting authority, and a partner
shared by several authorities changes only through review."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection, Page

from opencoop.access import policy
from opencoop.activities.models import ParticipatingOrg
from opencoop.organisations.models import Organisation
from opencoop.pages.models import HomePage, SectionPage, StandardPage
from tests.factories import make_activity, make_organisation

from .helpers import field_errors, form_data, refused, soup, url
from .test_permission_matrix import png

pytestmark = pytest.mark.django_db


def partner_of(*authorities: Organisation) -> Organisation:
    """A partner NGO named by an activity of each of ``authorities``."""
    partner = make_organisation(
        name={"it": "ONG Partner", "en": "Partner NGO"}, website="https://old.example.org/"
    )
    for number, authority in enumerate(authorities):
        activity = make_activity(authority, f"SH{partner.pk}X{number}")
        ParticipatingOrg.objects.create(activity=activity, organisation=partner, role="4")
    return partner


def section_of(authority: Organisation) -> SectionPage:
    section = SectionPage.objects.filter(reporting_org=authority).first()
    if section is None:
        section = SectionPage(title=str(authority), slug=authority.slug, reporting_org=authority)
        HomePage.objects.first().add_child(instance=section)
        section.save_revision().publish()
    return section


def live_page_in(section: SectionPage, slug: str) -> Page:
    page = StandardPage(title=f"News {slug}", slug=slug)
    section.add_child(instance=page)
    page.save_revision().publish()
    return Page.objects.get(pk=page.pk)


def document_of(authority: Organisation):
    document = get_document_model()(title="Convenzione", collection=authority.collection)
    document.file.save("convenzione.pdf", io.BytesIO(b"%PDF-1.4\n"), save=False)
    document.save()
    return document


# Organisations ---------------------------------------------------------------------------------
def test_an_editor_cannot_change_another_authoritys_organisation(
    login, florence_editor, other_authority
):
    client = login(florence_editor)
    other_authority.website = "https://prova.example.org/"
    other_authority.save()
    edit = url(other_authority, "edit")
    assert refused(client.get(edit))
    data = {"name_1": "Comune di Prova", "website": "https://taken.example.org/"}
    assert refused(client.post(edit, {**data, "action-publish": "action-publish"}))
    other_authority.refresh_from_db()
    assert other_authority.is_reporting
    assert other_authority.website == "https://prova.example.org/"
    assert not other_authority.revisions.exists()
    assert not policy.may_change(florence_editor, other_authority)


def test_an_editor_changes_her_own_authority(login, florence_editor, florence):
    client = login(florence_editor)
    page = client.get(url(florence, "edit"))
    assert page.status_code == 200
    data = form_data(page)
    data["website"] = "https://www.comune.fi.it/cooperazione"
    data["action-publish"] = "action-publish"
    response = client.post(url(florence, "edit"), data)
    assert response.status_code == 302, soup(response).select(".error-message")
    florence.refresh_from_db()
    assert florence.website == "https://www.comune.fi.it/cooperazione"
    assert florence.is_reporting  # the disabled box, not sent by the browser, stays ticked


def test_only_an_administrator_makes_an_organisation_a_reporting_authority(
    login, florence_editor, administrator, florence
):
    partner = partner_of(florence)
    client = login(florence_editor)
    page = client.get(url(partner, "edit"))
    assert page.status_code == 200
    box = soup(page).select_one('input[name="is_reporting"]')
    assert box is not None and box.has_attr("disabled"), "the editor can tick the box"
    data = form_data(page)
    data["is_reporting"] = "on"
    data["action-publish"] = "action-publish"
    response = client.post(url(partner, "edit"), data)
    assert response.status_code == 200
    # The admin speaks Italian to a new user.
    assert "solo gli amministratori possono rendere un'organizzazione un ente" in " ".join(
        field_errors(response, "is_reporting")
    )
    partner.refresh_from_db()
    assert not partner.is_reporting
    assert not partner.revisions.exists()

    client = login(administrator)
    page = client.get(url(partner, "edit"))
    assert not soup(page).select_one('input[name="is_reporting"]').has_attr("disabled")
    data = form_data(page)
    data["is_reporting"] = "on"
    data["action-publish"] = "action-publish"
    assert client.post(url(partner, "edit"), data).status_code == 302
    partner.refresh_from_db()
    assert partner.is_reporting
    assert partner.collection is not None  # an authority gets its collection at once


def test_a_shared_partner_changes_only_through_review(
    login, florence_editor, florence_reviewer, florence, other_authority
):
    partner = partner_of(florence, other_authority)
    client = login(florence_editor)
    page = client.get(url(partner, "edit"))
    assert page.status_code == 200
    assert soup(page).select_one('[name="action-publish"]') is None
    data = form_data(page)
    data["website"] = "https://new.example.org/"
    data["action-publish"] = "action-publish"  # as a crafted request would
    response = client.post(url(partner, "edit"), data)
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.website == "https://old.example.org/", "the change went live without review"
    assert partner.has_unpublished_changes
    assert partner.get_latest_revision_as_object().website == "https://new.example.org/"
    assert refused(client.post(url(partner, "unpublish")))

    client = login(florence_reviewer)
    page = client.get(url(partner, "edit"))
    assert soup(page).select_one('[name="action-publish"]') is not None
    data = form_data(page)
    data["action-publish"] = "action-publish"
    assert client.post(url(partner, "edit"), data).status_code == 302
    partner.refresh_from_db()
    assert partner.website == "https://new.example.org/"
    assert not partner.has_unpublished_changes


def test_a_partner_of_one_authority_is_changed_by_its_editor_at_once(
    login, florence_editor, editor, florence
):
    partner = partner_of(florence)
    client = login(florence_editor)
    data = form_data(client.get(url(partner, "edit")))
    data["website"] = "https://new.example.org/"
    data["action-publish"] = "action-publish"
    assert client.post(url(partner, "edit"), data).status_code == 302
    partner.refresh_from_db()
    assert partner.website == "https://new.example.org/"
    # The other authority's editor does not reach it.
    assert refused(login(editor).get(url(partner, "edit")))


# Documents and images --------------------------------------------------------------------------
def test_each_authority_has_its_collection(florence, other_authority):
    assert florence.collection is not None and other_authority.collection is not None
    assert florence.collection != other_authority.collection
    assert other_authority.collection.get_parent() == Collection.get_first_root_node()
    assert other_authority.collection.name == "Municipality of Prova"


def test_an_editor_cannot_delete_or_change_another_authoritys_document(
    login, florence_editor, other_authority
):
    document = document_of(other_authority)
    client = login(florence_editor)
    assert refused(client.get(reverse("wagtaildocs:edit", args=[document.pk])))
    assert refused(client.post(reverse("wagtaildocs:delete", args=[document.pk])))
    assert get_document_model().objects.filter(pk=document.pk).exists()
    listing = client.get(reverse("wagtaildocs:index"))
    assert "Convenzione" not in listing.content.decode()
    assert not policy.may_delete(florence_editor, document)


def test_an_editor_cannot_delete_another_authoritys_image(login, florence_editor, other_authority):
    image = get_image_model().objects.create(
        title="Pozzo",
        description="Il pozzo",
        file=png("pozzo.png"),
        collection=other_authority.collection,
    )
    client = login(florence_editor)
    assert refused(client.post(reverse("wagtailimages:delete", args=[image.pk])))
    assert get_image_model().objects.filter(pk=image.pk).exists()


def test_an_editor_uploads_into_her_authoritys_collection(login, florence_editor, florence):
    client = login(florence_editor)
    response = client.post(
        reverse("wagtaildocs:add"),
        {
            "title": "Delibera",
            "file": SimpleUploadedFile("delibera.pdf", b"%PDF-1.4\n", "application/pdf"),
            "collection": Collection.get_first_root_node().pk,
        },
    )
    assert response.status_code == 302, soup(response).select(".error-message")
    document = get_document_model().objects.filter(title="Delibera").first()
    assert document is not None and document.collection_id == florence.collection_id
    assert policy.may_delete(florence_editor, document)


# Pages -----------------------------------------------------------------------------------------
def test_a_reviewer_does_not_publish_or_unpublish_another_authoritys_pages(
    login, florence_reviewer, other_authority
):
    page = live_page_in(section_of(other_authority), "notizie")
    client = login(florence_reviewer)
    assert refused(client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])))
    assert refused(client.post(reverse("wagtailadmin_pages:unpublish", args=[page.pk])))
    assert Page.objects.get(pk=page.pk).live
    assert not policy.may_publish(florence_reviewer, page)


def test_an_editor_does_not_add_pages_under_another_authoritys_section(
    login, florence_editor, other_authority
):
    section = section_of(other_authority)
    client = login(florence_editor)
    add = reverse("wagtailadmin_pages:add", args=["pages", "standardpage", section.pk])
    assert refused(client.get(add))
    client.post(add, {"title": "Intrusa", "slug": "intrusa"})
    assert not Page.objects.filter(slug="intrusa").exists()


def test_a_reviewer_publishes_and_unpublishes_her_own_sections_pages(
    login, florence_reviewer, florence
):
    page = live_page_in(section_of(florence), "notizie-firenze")
    client = login(florence_reviewer)
    response = client.post(reverse("wagtailadmin_pages:unpublish", args=[page.pk]))
    assert response.status_code == 302
    assert not Page.objects.get(pk=page.pk).live
    assert policy.may_publish(florence_reviewer, page)


def test_pages_outside_every_section_are_the_administrators(login, florence_editor, administrator):
    home = HomePage.objects.first()
    assert refused(login(florence_editor).get(reverse("wagtailadmin_pages:edit", args=[home.pk])))
    assert (
        login(administrator).get(reverse("wagtailadmin_pages:edit", args=[home.pk])).status_code
        == 200
    )


def test_existing_files_move_into_the_collection_of_the_authority_using_them(other_authority):
    from importlib import import_module

    from django.apps import apps

    from opencoop.activities.models import DocumentLink

    migration = import_module(
        "opencoop.organisations.migrations.0005_files_into_authority_collections"
    )
    root = Collection.get_first_root_node()
    own = get_document_model()(title="Solo nostro", collection=root)
    own.file.save("solo.pdf", io.BytesIO(b"%PDF-1.4\n"), save=False)
    own.save()
    shared = get_document_model()(title="Di tutti", collection=root)
    shared.file.save("tutti.pdf", io.BytesIO(b"%PDF-1.4\n"), save=False)
    shared.save()
    florence = Organisation.objects.get(slug="florence")
    for authority, number in ((other_authority, 1), (florence, 2)):
        activity = make_activity(authority, f"MIG{number}")
        DocumentLink.objects.create(activity=activity, title={"it": "Doc"}, document=shared)
        if authority == other_authority:
            DocumentLink.objects.create(activity=activity, title={"it": "Doc"}, document=own)
    migration.file_by_authority(apps, None)
    own.refresh_from_db()
    shared.refresh_from_db()
    assert own.collection_id == other_authority.collection_id
    assert shared.collection_id == root.pk  # used by two authorities: the administrators file it


def test_an_editor_cannot_hand_her_section_to_another_authority(
    login, florence_editor, florence, other_authority
):
    section = section_of(florence)
    edit = reverse("wagtailadmin_pages:edit", args=[section.pk])
    client = login(florence_editor)
    page = client.get(edit)
    assert page.status_code == 200
    data = form_data(page, "form#page-edit-form")
    assert data["reporting_org"] == str(florence.pk)
    data["reporting_org"] = str(other_authority.pk)
    response = client.post(edit, data)
    assert response.status_code == 200  # the form again, with the choice refused
    assert field_errors(response, "reporting_org"), "no error on the reporting organisation"
    section.refresh_from_db()
    assert section.get_latest_revision_as_object().reporting_org_id == florence.pk
