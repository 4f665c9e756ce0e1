"""The public side of the access policy: what visitors see of drafts, embargoes, sensitive
activities and documents, asked of ``opencoop.access.policy`` by every public outlet.

Canary strings are fictional and distinctive: finding one where the policy hides it is a leak.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from wagtail.models import PageViewRestriction

from opencoop.access import policy
from opencoop.activities.models import Activity, DocumentLink, Location, ParticipatingOrg
from opencoop.editorial.roles import EDITOR, PARTNER
from opencoop.organisations.models import Organisation
from opencoop.pages.models import StandardPage
from opencoop.plans.models import AnnualPlan, PlanAllocation, PlanDocument
from tests.factories import BareActivityFactory, make_document, make_user

from .conftest import SECTION_EN, SECTION_IT

pytestmark = pytest.mark.django_db

FUTURE = datetime.date(2999, 1, 1)
EMBARGOED_TITLE = {"it": "Canarino sotto embargo Quokka", "en": "Embargoed canary Quokka"}
EMBARGOED_AMOUNT = Decimal("987654.32")
PUBLIC_AMOUNT = Decimal("123456.78")
SEARCH_IT = "/it/cerca/"
SEARCH_EN = "/en/search/"


@pytest.fixture
def florence() -> Organisation:
    return Organisation.objects.get(identifier="IT-CF-01307110484")


def body_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def publish(record):
    record.save()
    record.save_revision().publish()
    record.refresh_from_db()
    return record


def make_activity(florence: Organisation, slug: str, title: dict, **fields) -> Activity:
    activity = BareActivityFactory(
        reporting_org=florence, suffix=slug.upper(), slug=slug, title=title, **fields
    )
    return publish(activity)


def embargoed(florence: Organisation, slug: str = "canary-embargoed") -> Activity:
    return make_activity(florence, slug, EMBARGOED_TITLE, embargo_until=FUTURE)


# --- One rule ---------------------------------------------------------------------------------


def test_published_querysets_are_names_for_the_policy(florence):
    hidden = embargoed(florence)
    draft = Activity.objects.create(
        reporting_org=florence,
        iati_identifier=f"{florence.identifier}-CANARY-DRAFT",
        slug="canary-draft",
        title={"en": "Draft canary"},
        live=False,
    )
    for qs in (Activity.objects.published(), policy.public(Activity)):
        ids = set(qs.values_list("pk", flat=True))
        assert hidden.pk not in ids and draft.pk not in ids
    assert hidden.pk in policy.public(Activity, today=FUTURE).values_list("pk", flat=True)
    assert set(AnnualPlan.objects.published()) == set(policy.public(AnnualPlan))


def test_templates_do_not_decide_visibility():
    """Templates get what the policy let through; none reads the raw switches."""
    root = Path(__file__).resolve().parent.parent / "opencoop"
    forbidden = re.compile(r"\.live\b|embargo_until|hide_name|hide_exact_locations")
    offenders = []
    for template in root.rglob("templates/**/*.html"):
        for number, line in enumerate(template.read_text().splitlines(), 1):
            if "{" in line and forbidden.search(line):
                offenders.append(f"{template.relative_to(root)}:{number}")
    for tags in root.rglob("templatetags/*.py"):
        for number, line in enumerate(tags.read_text().splitlines(), 1):
            if forbidden.search(line):
                offenders.append(f"{tags.relative_to(root)}:{number}")
    assert offenders == []


# --- Annual plans -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "section, index", [(SECTION_EN, "annual-plans/"), (SECTION_IT, "piani-annuali/")]
)
def test_a_plan_page_leaves_out_the_allocation_of_an_embargoed_activity(
    client, florence, section, index
):
    hidden = embargoed(florence)
    shown = make_activity(florence, "canary-shown", {"it": "Progetto visibile", "en": "Shown one"})
    plan = AnnualPlan(
        reporting_org=florence, year=2031, slug="canary-2031", title={"it": "P", "en": "P"}
    )
    plan.allocations = [
        PlanAllocation(activity=hidden, amount=EMBARGOED_AMOUNT),
        PlanAllocation(activity=shown, amount=PUBLIC_AMOUNT),
    ]
    publish(plan)
    body = body_of(client, section + index + "canary-2031/")
    assert "123,456.78" in body or "123.456,78" in body
    assert EMBARGOED_TITLE["en"] not in body and EMBARGOED_TITLE["it"] not in body
    assert "987,654.32" not in body and "987.654,32" not in body


def test_plans_overview_and_api_leave_out_the_embargoed_allocation(client, florence):
    """The overview's list and totals and the JSON API count public activities only."""
    from opencoop.stats.selectors import Scope, plans_overview

    hidden = embargoed(florence)
    shown = make_activity(florence, "canary-shown", {"it": "Progetto visibile", "en": "Shown one"})
    plan = AnnualPlan(
        reporting_org=florence, year=2031, slug="canary-2031", title={"it": "P", "en": "P"}
    )
    plan.allocations = [
        PlanAllocation(activity=hidden, amount=EMBARGOED_AMOUNT),
        PlanAllocation(activity=shown, amount=PUBLIC_AMOUNT),
    ]
    publish(plan)
    (item,) = [o for o in plans_overview(Scope(florence)) if o.plan.pk == plan.pk]
    assert [f.activity.pk for f in item.funded] == [shown.pk]
    assert item.allocated == PUBLIC_AMOUNT
    data = client.get("/api/v1/plans", {"org": florence.slug, "year": 2031}).json()
    allocations = [a for p in data["results"] for a in p["allocations"]]
    assert [a["iati_identifier"] for a in allocations] == [shown.iati_identifier]


# --- Parent and children ----------------------------------------------------------------------


@pytest.mark.parametrize("section, index", [(SECTION_EN, "projects/"), (SECTION_IT, "progetti/")])
def test_a_child_page_does_not_link_its_embargoed_parent(client, florence, section, index):
    parent = embargoed(florence, "canary-parent")
    make_activity(florence, "canary-child", {"it": "Figlio", "en": "Child"}, parent=parent)
    soup = BeautifulSoup(body_of(client, section + index + "canary-child/"), "html.parser")
    text = soup.get_text(" ")
    assert EMBARGOED_TITLE["en"] not in text and EMBARGOED_TITLE["it"] not in text
    assert not soup.find("a", href=lambda h: h and "canary-parent" in h)
    # Once the embargo is over, the link is there.
    parent.embargo_until = None
    publish(parent)
    soup = BeautifulSoup(body_of(client, section + index + "canary-child/"), "html.parser")
    assert soup.find("a", href=lambda h: h and h.endswith("canary-parent/"))


def test_a_child_page_does_not_link_its_draft_parent(client, florence):
    parent = Activity.objects.create(
        reporting_org=florence,
        iati_identifier=f"{florence.identifier}-CANARY-DRAFT-PARENT",
        slug="canary-draft-parent",
        title=EMBARGOED_TITLE,
        live=False,
    )
    make_activity(florence, "canary-child", {"en": "Child"}, parent=parent)
    body = body_of(client, SECTION_EN + "projects/canary-child/")
    assert EMBARGOED_TITLE["en"] not in body and "canary-draft-parent" not in body


@pytest.mark.parametrize("section, index", [(SECTION_EN, "projects/"), (SECTION_IT, "progetti/")])
def test_a_parent_page_does_not_list_its_embargoed_child(client, florence, section, index):
    parent = make_activity(florence, "canary-parent", {"it": "Padre", "en": "Parent"})
    make_activity(florence, "canary-child", EMBARGOED_TITLE, parent=parent, embargo_until=FUTURE)
    body = body_of(client, section + index + "canary-parent/")
    assert EMBARGOED_TITLE["en"] not in body and EMBARGOED_TITLE["it"] not in body
    assert "canary-child" not in body
    # "Sub-projects" / "Sottoprogetti" is not even announced with nothing under it.
    assert "Sub-projects" not in body and "Sottoprogetti" not in body


# --- Documents --------------------------------------------------------------------------------


def titled_document(filename: str, title: str):
    """A library document whose title the search can find word by word on every database."""
    document = make_document(filename)
    document.title = title
    document.save()
    return document


def attach(activity: Activity, filename: str, title: str = "Quokkadossier"):
    document = titled_document(filename, title)
    DocumentLink.objects.create(activity=activity, document=document, title={"en": filename})
    return document


def test_a_document_of_an_embargoed_activity_is_neither_found_nor_served(client, florence):
    document = attach(embargoed(florence), "quokkadossier-embargo.pdf", "Quokkadossier embargo")
    assert client.get(document.url).status_code == 404
    for search in (SEARCH_EN, SEARCH_IT):
        assert "Quokkadossier embargo" not in body_of(client, search + "?q=quokkadossier")
    assert document not in policy.public_documents()


def test_a_document_of_a_draft_record_is_not_served(client, florence):
    plan = AnnualPlan.objects.create(
        reporting_org=florence,
        year=2032,
        slug="canary-2032",
        title={"en": "Draft plan"},
        live=False,
    )
    document = make_document("quokkadossier-draft.pdf")
    PlanDocument.objects.create(plan=plan, document=document, title={"en": "x"})
    assert client.get(document.url).status_code == 404


def test_staff_of_the_authority_still_download_it(client, florence):
    document = attach(embargoed(florence), "quokkadossier-staff.pdf")
    client.force_login(make_user("florence-editor", EDITOR, organisation=florence))
    assert client.get(document.url).status_code == 200
    other = Organisation.objects.create(
        name={"en": "Other town"}, slug="other-town", identifier="IT-OTHER-1", is_reporting=True
    )
    client.force_login(make_user("other-editor", EDITOR, organisation=other))
    assert client.get(document.url).status_code == 404


def test_public_and_library_documents_stay_public(client, florence):
    shown = make_activity(florence, "canary-shown", {"en": "Shown"})
    attached = attach(shown, "quokkadossier-public.pdf", "Quokkadossier public")
    library = titled_document("quokkadossier-library.pdf", "Quokkadossier library")
    # Attached to an embargoed record and to a public one: public.
    DocumentLink.objects.create(activity=embargoed(florence), document=attached, title={"en": "a"})
    for document in (attached, library):
        assert client.get(document.url).status_code == 200
        assert document in policy.public_documents()
    body = body_of(client, SEARCH_EN + "?q=quokkadossier")
    assert "Quokkadossier public" in body and "Quokkadossier library" in body


def test_a_document_used_only_by_an_unpublished_page_is_public_once_the_page_is(client):
    document = make_document("quokkadossier-page.pdf")
    parent = StandardPage.objects.live().filter(locale__language_code="en").first()
    page = StandardPage(
        title="Quokka notice",
        slug="quokka-notice",
        live=False,
        body=f'<p><a linktype="document" id="{document.pk}">the notice</a></p>',
    )
    parent.add_child(instance=page)
    assert client.get(document.url).status_code == 404
    page.save_revision().publish()
    assert client.get(document.url).status_code == 200


def test_a_restricted_collection_still_asks_for_a_sign_in(client, florence):
    """The policy leaves collection restrictions to Wagtail: a sign-in, not a 404."""
    from wagtail.models import Collection, CollectionViewRestriction

    collection = Collection.get_first_root_node().add_child(name="Quokka reserved")
    CollectionViewRestriction.objects.create(
        collection=collection, restriction_type=CollectionViewRestriction.LOGIN
    )
    document = attach(make_activity(florence, "canary-shown", {"en": "Shown"}), "quokka-r.pdf")
    document.collection = collection
    document.save()
    response = client.get(document.url)
    assert response.status_code == 302 and "login" in response["Location"]
    assert document not in policy.public_documents()


# --- Pages ------------------------------------------------------------------------------------


def test_a_restricted_page_is_not_listed_among_a_page_s_children(client):
    parent = StandardPage.objects.live().filter(locale__language_code="en").first()
    assert parent is not None
    child = StandardPage(title="Quokka members only", slug="quokka-members", show_in_menus=True)
    parent.add_child(instance=child)
    child.save_revision().publish()
    PageViewRestriction.objects.create(
        page=child, restriction_type=PageViewRestriction.PASSWORD, password="x"
    )
    assert "Quokka members only" not in body_of(client, parent.url)
    assert child not in policy.public_pages()


# --- Fields of a sensitive activity -----------------------------------------------------------


@pytest.fixture
def sensitive(florence):
    secret = Organisation.objects.create(
        name={"en": "Quokka Secret Partner"}, slug="quokka-secret", identifier="XM-QUOKKA-1"
    )
    activity = Activity(
        reporting_org=florence,
        iati_identifier=f"{florence.identifier}-QUOKKA-SENSITIVE",
        slug="quokka-sensitive",
        title={"en": "Sensitive canary"},
        hide_exact_locations=True,
    )
    activity.participating_orgs = [
        ParticipatingOrg(organisation=secret, role="4", hide_name=True),
        ParticipatingOrg(organisation=florence, role="1"),
    ]
    activity.locations = [
        Location(name={"en": "Quokka village"}, country="IQ", latitude=33.1, longitude=44.1)
    ]
    publish(activity)
    return activity, secret


def test_field_rules_of_a_sensitive_activity(florence, sensitive):
    from django.contrib.auth.models import AnonymousUser

    activity, secret = sensitive
    location = activity.locations.get()
    hidden = activity.participating_orgs.get(organisation=secret)
    named = activity.participating_orgs.get(organisation=florence)
    staff = make_user("florence-staff", EDITOR, organisation=florence)
    other = Organisation.objects.create(
        name={"en": "Other town"}, slug="other-town", identifier="IT-OTHER-1", is_reporting=True
    )
    outsider = make_user("other-staff", EDITOR, organisation=other)
    partner = make_user("secret-contact", PARTNER, organisation=secret, relation="partner")
    for user in (AnonymousUser(), outsider, partner):
        assert not policy.may_see_field(user, location, "latitude")
        assert not policy.may_see_field(user, location, "name")
        assert policy.may_see_field(user, location, "country")
        assert not policy.may_see_field(user, hidden, "organisation")
        assert policy.may_see_field(user, hidden, "role")
        assert policy.may_see_field(user, named, "organisation")
    assert policy.may_see_field(staff, location, "latitude")
    assert policy.may_see_field(staff, hidden, "organisation")


def test_field_rules_hide_everything_of_a_record_the_public_may_not_see(florence):
    activity = embargoed(florence)
    location = Location.objects.create(activity=activity, country="IQ", latitude=1, longitude=1)
    from django.contrib.auth.models import AnonymousUser

    assert not policy.may_see_field(AnonymousUser(), location, "country")
    assert not policy.may_see_field(AnonymousUser(), activity, "title")


def test_the_sensitive_note_comes_from_the_policy(client, sensitive):
    body = body_of(client, SECTION_EN + "projects/quokka-sensitive/")
    assert "Exact places are not published" in body
    assert "Quokka village" not in body and "Quokka Secret Partner" not in body
