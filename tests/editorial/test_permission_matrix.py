"""The permission matrix: role × own/other authority × object kind × action, through the admin.

For every cell of ``permission_table`` the test asks the access policy (``may_change``,
``may_publish``, ``may_delete``) and then does the action through the admin's own addresses:
the edit view (GET to view, POST to save, POST with "Publish"), the delete view, the bulk-delete
view, the page views (edit, publish, unpublish, delete), the document and image views. Both must
give the table's answer.
"""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page

from opencoop.access import policy
from opencoop.activities.models import ParticipatingOrg
from opencoop.editorial.models import EditorialMembership
from opencoop.organisations.models import Organisation
from opencoop.pages.models import HomePage, SectionPage, StandardPage
from tests.factories import (
    DocumentFactory,
    ExchangeFactory,
    InitiativeFactory,
    ParticipatingOrgFactory,
    PartnershipFactory,
    make_activity,
    make_organisation,
    make_plan,
    make_user,
)

from . import permission_table as table
from .helpers import form_data, refused, soup

pytestmark = pytest.mark.django_db


# The world: two authorities with one object of each kind ---------------------------------------
def png(name: str) -> SimpleUploadedFile:
    output = io.BytesIO()
    PILImage.new("RGB", (4, 4), "white").save(output, "PNG")
    return SimpleUploadedFile(name, output.getvalue(), content_type="image/png")


def published(record):
    record.save_revision().publish()
    record.refresh_from_db()
    return record


_numbers = itertools.count(1)


def make_object(kind: str, authority: Organisation, third: Organisation):
    """Create the object of ``kind`` belonging to ``authority`` (only what the case needs)."""
    tag = authority.slug.upper().replace("-", "")[:8] + str(next(_numbers))
    title = {"it": f"Titolo {tag}", "en": f"Title {tag}"}
    slug = f"{kind[:4]}-{tag}".lower()
    if kind in ("activity", "organisation", "shared organisation"):
        activity = make_activity(authority, f"M{tag}")
        single = make_organisation(name={"it": f"Solo {tag}", "en": f"Only {tag}"})
        ParticipatingOrgFactory(activity=activity, organisation=single)
        if kind == "shared organisation":
            # Also named by a third authority's activity.
            third_activity = make_activity(third, f"T{tag}")
            ParticipatingOrgFactory(activity=third_activity, organisation=single)
        return published(activity) if kind == "activity" else single
    if kind == "initiative":
        return published(InitiativeFactory(reporting_org=authority, slug=slug, title=title))
    if kind == "exchange":
        return published(ExchangeFactory(reporting_org=authority, slug=slug, title=title))
    if kind == "partnership":
        return published(PartnershipFactory(reporting_org=authority, slug=slug, title=title))
    if kind == "plan":
        return published(make_plan(authority, 2031, slug=slug))
    if kind == "reporting authority":
        return authority
    if kind == "document":
        return DocumentFactory(
            title=f"Document {tag}",
            collection=authority.collection,
            file__filename=f"{slug}.pdf",
            file__data=b"%PDF-1.4\n",
        )
    if kind == "image":
        return get_image_model().objects.create(
            title=f"Image {tag}",
            description=f"Picture {tag}",
            file=png(f"{slug}.png"),
            collection=authority.collection,
        )
    if kind == "page":
        section = SectionPage.objects.filter(reporting_org=authority).first()
        if section is None:
            section = SectionPage(
                title=str(authority), slug=authority.slug, reporting_org=authority
            )
            HomePage.objects.first().add_child(instance=section)
            section.save_revision().publish()
        page = StandardPage(title=f"Page {tag}", slug=slug)
        section.add_child(instance=page)
        page.save_revision().publish()
        return Page.objects.get(pk=page.pk)
    raise AssertionError(kind)


def reporting_org(slug: str, name: str, number: int) -> Organisation:
    return Organisation.objects.create(
        name={"it": f"Comune di {name}", "en": f"Municipality of {name}"},
        slug=slug,
        identifier=f"IT-CF-0000000000{number}",
        type="11",
        country="IT",
        is_reporting=True,
    )


@dataclass
class World:
    own: Organisation
    other: Organisation
    third: Organisation
    users: dict

    def object(self, relation: str, kind: str):
        return make_object(kind, getattr(self, relation), self.third)


@pytest.fixture
def world(media_root) -> World:
    """Florence (the users' own authority), "Comune di Esempio" (another) and a third one."""
    florence = Organisation.objects.get(slug="florence")
    users = {
        table.EDITOR: make_user("m-editor", table.EDITOR, organisation=florence),
        table.REVIEWER: make_user("m-reviewer", table.REVIEWER, organisation=florence),
        table.ADMINISTRATOR: make_user("m-administrator", table.ADMINISTRATOR),
    }
    return World(
        own=florence,
        other=reporting_org("esempio", "Esempio", 1),
        third=reporting_org("terzo", "Terzo", 2),
        users=users,
    )


def partner_for(activity) -> object:
    """A partner's contact whose organisation joins ``activity``."""
    contact_org = make_organisation(name={"it": "Contatto", "en": "Contact"})
    ParticipatingOrg.objects.create(activity=activity, organisation=contact_org, role="4")
    published(activity)
    return make_user(
        "m-partner", table.PARTNER, organisation=contact_org, relation=EditorialMembership.PARTNER
    )


# Doing each action through the admin -----------------------------------------------------------
def admin_urls(obj) -> dict[str, str]:
    if isinstance(obj, Page):
        return {
            "edit": reverse("wagtailadmin_pages:edit", args=[obj.pk]),
            "delete": reverse("wagtailadmin_pages:delete", args=[obj.pk]),
            "unpublish": reverse("wagtailadmin_pages:unpublish", args=[obj.pk]),
            "bulk": reverse("wagtail_bulk_action", args=["wagtailcore", "page", "delete"])
            + f"?id={obj.pk}",
        }
    if isinstance(obj, get_document_model()):
        app, name = "wagtaildocs", "document"
    elif isinstance(obj, get_image_model()):
        app, name = "wagtailimages", "image"
    else:
        opts = obj._meta
        prefix = f"wagtailsnippets_{opts.app_label}_{opts.model_name}"
        bulk = reverse("wagtail_bulk_action", args=[opts.app_label, opts.model_name, "delete"])
        return {
            "edit": reverse(f"{prefix}:edit", args=[obj.pk]),
            "delete": reverse(f"{prefix}:delete", args=[obj.pk]),
            "bulk": f"{bulk}?id={obj.pk}",
        }
    bulk = reverse("wagtail_bulk_action", args=[app, name, "delete"])
    return {
        "edit": reverse(f"{app}:edit", args=[obj.pk]),
        "delete": reverse(f"{app}:delete", args=[obj.pk]),
        "bulk": f"{bulk}?id={obj.pk}",
    }


def edit_form(response) -> dict:
    for selector in ("form[data-edit-form]", "form#page-edit-form", "form.edit-form"):
        if soup(response).select_one(selector) is not None:
            return form_data(response, selector)
    for form in soup(response).select("form[method=post], form[method=POST]"):
        if form.select_one('[name="title"]'):
            return form_data(response, "form:has([name=title])")
    raise AssertionError("no edit form in the page")


def changed_text(data: dict, marker: str) -> dict:
    """Change one visible text of the form (the title, or the organisation's website)."""
    for name in ("title_1", "name_1", "title"):
        if name in data:
            data[name] = f"{data[name]} {marker}"
            return data
    raise AssertionError(f"no title field in {sorted(data)[:20]}")


def latest_text(obj) -> str:
    obj = type(obj)._default_manager.get(pk=obj.pk)
    if hasattr(obj, "get_latest_revision_as_object") and obj.latest_revision_id:
        obj = obj.get_latest_revision_as_object()
    if isinstance(obj, Page):
        obj = obj.specific
    value = getattr(obj, "title", None) or getattr(obj, "name", "")
    return str(value)


def live_text(obj) -> str:
    obj = type(obj)._default_manager.get(pk=obj.pk)
    value = getattr(obj, "title", None) or getattr(obj, "name", "")
    return str(value)


def exercise(client, obj) -> str:
    """Try every action on ``obj`` through the admin; return the letters of those that worked."""
    urls = admin_urls(obj)
    done = ""
    page = client.get(urls["edit"])
    if page.status_code == 200:
        done += "v"
        data = edit_form(page)
        response = client.post(urls["edit"], changed_text(dict(data), "EDITED"))
        if not refused(response) and "EDITED" in latest_text(obj):
            done += "e"
        if hasattr(obj, "live"):
            publish = changed_text(dict(data), "PUBLISHED")
            publish["action-publish"] = "action-publish"
            response = client.post(urls["edit"], publish)
            published_ok = not refused(response) and "PUBLISHED" in live_text(obj)
            if published_ok and "unpublish" in urls:
                response = client.post(urls["unpublish"])
                published_ok = not refused(response) and not Page.objects.get(pk=obj.pk).live
            if published_ok:
                done += "p"
    else:
        assert refused(page), page.status_code
    bulk = client.get(urls["bulk"])
    if bulk.status_code == 200 and bulk.context is not None:
        if any(item["item"].pk == obj.pk for item in bulk.context.get("items", [])):
            done += "b"
    else:
        assert refused(bulk), bulk.status_code
    confirm = client.get(urls["delete"])
    if confirm.status_code == 200:
        if isinstance(obj, Organisation):
            # Records name it (the delete view says so): that it may be deleted is enough.
            done += "d"
        else:
            client.post(urls["delete"])
            if not type(obj)._default_manager.filter(pk=obj.pk).exists():
                done += "d"
    else:
        assert refused(confirm), confirm.status_code
    return "".join(letter for letter in table.ACTIONS if letter in done)


def policy_answer(user, obj) -> str:
    """The access policy's answer, in the table's letters."""
    answer = ""
    if policy.may_change(user, obj):
        answer += "ve"
    if hasattr(obj, "live") and policy.may_publish(user, obj):
        answer += "p"
    if policy.may_delete(user, obj):
        answer += "db"
    return answer


@pytest.mark.parametrize(("role", "relation", "kind"), table.cases())
def test_the_admin_and_the_policy_give_the_tables_answer(world, client, role, relation, kind):
    obj = world.object(relation, kind)
    if role == table.PARTNER:
        # Their "own" activity is one their organisation joins; "other" one it does not.
        own_activity = obj if relation == "own" and kind == "activity" else None
        user = partner_for(own_activity or world.object("own", "activity"))
    else:
        user = world.users[role]
    wanted = table.expected(role, relation, kind)
    assert policy_answer(user, obj) == wanted, "the access policy disagrees with the table"
    client.force_login(user)
    assert exercise(client, obj) == wanted, "the admin disagrees with the table"


def test_the_deploy_guide_table_is_the_tested_one():
    """docs/deploy.md says what each role can do with the table this module tests."""
    guide = (Path(__file__).resolve().parents[2] / "docs" / "deploy.md").read_text()
    start, end = "<!-- roles-table:start -->", "<!-- roles-table:end -->"
    assert start in guide and end in guide, "the deploy guide has lost its roles table"
    written = guide.split(start, 1)[1].split(end, 1)[0].strip()
    assert written == table.markdown_table(), (
        "docs/deploy.md's roles table differs from tests/editorial/permission_table.py: "
        "regenerate it with `python -m tests.editorial.permission_table`"
    )
