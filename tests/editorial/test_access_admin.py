"""What staff users see in the back office: the access policy's staff side, outlet by outlet.

A sensitive activity of Florence (``tests.opendata.sensitive``) has a hidden partner and exact
places; a partner's contact proposing its texts, and staff of another authority, must read none
of them in history, compare, bulk actions, filters, choosers or reports. Florence's own staff
read everything.
"""

from __future__ import annotations

import pytest

from opencoop.activities.models import Location, ParticipatingOrg
from opencoop.editorial.models import EditorialMembership
from opencoop.editorial.roles import EDITOR, PARTNER
from tests.factories import make_user
from tests.opendata.sensitive import HIDDEN_NAME, SECRETS, make_sensitive_activity

from .helpers import refused, soup, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def sensitive():
    return make_sensitive_activity()


@pytest.fixture
def sensitive_partner(sensitive):
    """The contact of the activity's visible partner: reaches it to propose texts."""
    return make_user(
        "visible-partner",
        PARTNER,
        organisation=sensitive.visible,
        relation=EditorialMembership.PARTNER,
    )


def leaks(response) -> list[str]:
    content = response.content.decode()
    return [secret for secret in SECRETS if secret in content]


def second_revision_without_secrets(activity) -> tuple[int, int]:
    """Save a revision that drops the hidden partner and the exact place: the comparison of the
    two versions then shows them as removed. Returns the two revision ids."""
    first = activity.latest_revision_id
    ParticipatingOrg.objects.filter(
        activity=activity, organisation__slug="hidden-refuge-trust"
    ).delete()
    Location.objects.filter(activity=activity).delete()
    activity.refresh_from_db()
    activity.title = {**activity.title, "en": "Support for families, second version"}
    second = activity.save_revision(log_action=True)
    return first, second.pk


def compare_url(activity, a, b) -> str:
    return f"{url(activity, 'history')}revisions/compare/{a}...{b}/"


# 1. History and compare -----------------------------------------------------------------------
def test_a_partner_comparing_versions_reads_a_local_partner_and_no_coordinates(
    client, sensitive, sensitive_partner
):
    activity = sensitive.activity
    first, second = second_revision_without_secrets(activity)
    client.force_login(sensitive_partner)
    for address in (
        compare_url(activity, first, second),
        compare_url(activity, "earliest", "latest"),
        compare_url(activity, "live", "latest"),
        url(activity, "history"),
    ):
        response = client.get(address)
        assert response.status_code == 200, address
        assert leaks(response) == [], address
    response = client.get(compare_url(activity, first, second))
    page = soup(response).get_text(" ")
    assert "un partner locale" in page or "a local partner" in page
    # The comparison still shows what changed, only masked.
    assert "second version" in page


def test_the_authoritys_own_editor_compares_versions_with_every_name(client, sensitive):
    activity = sensitive.activity
    first, second = second_revision_without_secrets(activity)
    client.force_login(make_user("florence-editor", EDITOR, organisation=sensitive.florence))
    response = client.get(compare_url(activity, first, second))
    assert response.status_code == 200
    content = response.content.decode()
    assert HIDDEN_NAME["en"] in content or HIDDEN_NAME["it"] in content
    assert "36.202100" in content


@pytest.mark.parametrize("role", [EDITOR, "Reviewer"])
def test_staff_of_another_authority_open_no_version_of_the_record(
    client, sensitive, other_authority, role
):
    activity = sensitive.activity
    first, second = second_revision_without_secrets(activity)
    client.force_login(make_user("other-staff", role, organisation=other_authority))
    for address in (
        url(activity, "history"),
        compare_url(activity, first, second),
        f"{url(activity, 'history')}revisions/{first}/revert/",
        url(activity, "edit"),
    ):
        assert refused(client.get(address)), address


def test_a_partner_editing_the_texts_reads_no_hidden_partner_or_coordinates(
    client, sensitive, sensitive_partner
):
    client.force_login(sensitive_partner)
    response = client.get(url(sensitive.activity, "edit"))
    assert response.status_code == 200
    assert soup(response).select_one('[name="title_1"]') is not None  # the texts form
    assert leaks(response) == []


# 2. Bulk actions ------------------------------------------------------------------------------
def bulk_url(model, action: str, *records) -> str:
    opts = model._meta
    ids = "&".join(f"id={record.pk}" for record in records)
    return f"/admin/bulk/{opts.app_label}/{opts.model_name}/{action}/?next=/admin/&{ids}"


def draft_of(authority, code: str):
    from tests.factories import make_activity

    record = make_activity(authority, code)
    record.title = {"it": f"Bozza riservata {code}", "en": f"Confidential draft {code}"}
    record.live = False
    record.save()
    return record


def test_a_bulk_action_neither_names_nor_deletes_another_authoritys_records(
    client, florence, other_authority
):
    from opencoop.activities.models import Activity

    theirs = draft_of(other_authority, "THEIRS")
    ours = draft_of(florence, "OURS")
    client.force_login(make_user("florence-editor", EDITOR, organisation=florence))
    response = client.get(bulk_url(Activity, "delete", theirs, ours))
    assert response.status_code == 200
    assert "Confidential draft THEIRS" not in response.content.decode()
    assert "Bozza riservata THEIRS" not in response.content.decode()
    # Only the other authority's record: refused, as any record out of scope.
    assert refused(client.get(bulk_url(Activity, "delete", theirs)))
    assert refused(client.post(bulk_url(Activity, "delete", theirs)))
    assert Activity.objects.filter(pk=theirs.pk).exists()


def test_a_partner_cannot_read_drafts_through_bulk_actions(
    client, other_authority, sensitive, sensitive_partner
):
    from opencoop.activities.models import Activity

    theirs = draft_of(other_authority, "EMBARGOED")
    client.force_login(sensitive_partner)
    response = client.get(bulk_url(Activity, "delete", theirs))
    assert refused(response)
    assert "EMBARGOED" not in client.get(response.url).content.decode()
    # The activity the partner joins is theirs to see, but not to delete.
    response = client.get(bulk_url(Activity, "delete", sensitive.activity))
    assert response.status_code == 200
    assert soup(response).select_one("form [type=submit]") is None


def test_an_administrator_deletes_any_authoritys_records_in_bulk(client, florence, other_authority):
    from opencoop.activities.models import Activity
    from opencoop.editorial.roles import ADMINISTRATOR

    theirs, ours = draft_of(other_authority, "A1"), draft_of(florence, "A2")
    client.force_login(make_user("administrator", ADMINISTRATOR))
    response = client.post(bulk_url(Activity, "delete", theirs, ours))
    assert response.status_code == 302
    assert not Activity.objects.filter(pk__in=[theirs.pk, ours.pk]).exists()


# 3. Filters and choosers ----------------------------------------------------------------------
def filter_choices(response, name: str) -> list[str]:
    assert response.status_code == 200
    field = soup(response).select_one(f'[name="{name}"]')
    assert field is not None, f"no filter {name}"
    return [option.get_text(" ", strip=True) for option in field.find_all("option")]


ORGANISATION_CHOOSER = "/admin/snippets/choose/organisations/organisation/"


def test_the_organisation_filter_offers_a_partner_only_what_they_may_see(
    client, sensitive, sensitive_partner
):
    from opencoop.activities.models import Activity

    client.force_login(sensitive_partner)
    choices = filter_choices(client.get(url(Activity, "list")), "reporting_org")
    assert sensitive.florence.name["it"] in " ".join(choices)
    assert not {HIDDEN_NAME["it"], HIDDEN_NAME["en"]} & set(choices)
    # Not even by asking for it: an organisation out of sight is not a valid choice.
    response = client.get(url(Activity, "list"), {"reporting_org": sensitive.hidden.pk})
    assert leaks(response) == []


def test_the_organisation_filter_offers_an_editor_only_their_authoritys(
    client, sensitive, other_authority
):
    from opencoop.activities.models import Activity

    draft_of(other_authority, "OWN")
    client.force_login(make_user("other-editor", EDITOR, organisation=other_authority))
    choices = " ".join(filter_choices(client.get(url(Activity, "list")), "reporting_org"))
    assert other_authority.name["it"] in choices
    assert HIDDEN_NAME["it"] not in choices and HIDDEN_NAME["en"] not in choices
    assert sensitive.florence.name["it"] not in choices


def test_the_organisation_chooser_hides_other_authorities_hidden_partners(
    client, sensitive, sensitive_partner, other_authority
):
    for user in (
        sensitive_partner,
        make_user("other-editor", EDITOR, organisation=other_authority),
    ):
        client.force_login(user)
        for address in (ORGANISATION_CHOOSER, f"{ORGANISATION_CHOOSER}results/?q=Rifugio"):
            response = client.get(address)
            assert response.status_code == 200, address
            assert leaks(response) == [], (user, address)
        chosen = client.get(f"{ORGANISATION_CHOOSER}chosen/{sensitive.hidden.pk}/")
        assert refused(chosen) or leaks(chosen) == []
    # The visible partner stays on offer (it is named in a public activity).
    assert sensitive.visible.name["it"] in client.get(ORGANISATION_CHOOSER).content.decode()


def test_the_authoritys_own_editor_chooses_its_hidden_partner(client, sensitive):
    client.force_login(make_user("florence-editor", EDITOR, organisation=sensitive.florence))
    assert HIDDEN_NAME["it"] in client.get(ORGANISATION_CHOOSER).content.decode()


# 4. Reports -----------------------------------------------------------------------------------
CANARY = "Canary Embargo Zebra"


@pytest.fixture
def canary_in_review(florence):
    """An embargoed Florence draft, edited (site history) and submitted for review."""
    import datetime

    from wagtail.models import Workflow

    from tests.factories import make_activity

    author = make_user("florence-author", EDITOR, organisation=florence)
    record = make_activity(florence, "CANARY")
    record.title = {"it": CANARY, "en": CANARY}
    record.embargo_until = datetime.date(2099, 1, 1)
    record.save()
    record.save_revision(user=author, log_action=True)
    Workflow.objects.get(name="Review").start(record, author)
    return record


REPORTS = [
    "/admin/reports/site-history/",
    "/admin/reports/site-history/results/",
    "/admin/reports/site-history/?export=csv",
    "/admin/reports/workflow/",
    "/admin/reports/workflow_tasks/",
]


def body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


@pytest.mark.parametrize("role", [EDITOR, "Reviewer", PARTNER])
def test_reports_show_no_other_authoritys_records(
    client, canary_in_review, other_authority, sensitive, role
):
    if role == PARTNER:
        user = make_user(
            "visible-partner",
            PARTNER,
            organisation=sensitive.visible,
            relation=EditorialMembership.PARTNER,
        )
    else:
        user = make_user("other-staff", role, organisation=other_authority)
    client.force_login(user)
    for address in REPORTS:
        response = client.get(address)
        if refused(response):
            continue
        assert response.status_code == 200, address
        if "export=csv" in address:
            assert response["Content-Type"].startswith("text/csv")
        assert CANARY not in body(response), (role, address)


def test_the_authoritys_reviewer_finds_its_records_in_the_reports(
    client, florence, canary_in_review
):
    client.force_login(make_user("florence-reviewer", "Reviewer", organisation=florence))
    for address in ("/admin/reports/site-history/", "/admin/reports/workflow/"):
        response = client.get(address)
        assert response.status_code == 200, address
        assert CANARY in body(response), address


# 5. The policy's staff side -------------------------------------------------------------------
def test_the_policy_tells_each_role_which_organisations_and_records_it_sees(
    sensitive, sensitive_partner, other_authority
):
    from opencoop.access import masking, policy
    from opencoop.activities.models import Activity
    from opencoop.editorial.roles import ADMINISTRATOR
    from opencoop.organisations.models import Organisation

    theirs = draft_of(other_authority, "POLICY")
    other_editor = make_user("other-editor", EDITOR, organisation=other_authority)
    florence_editor = make_user("florence-editor", EDITOR, organisation=sensitive.florence)
    administrator = make_user("administrator", ADMINISTRATOR)
    hidden, activity = sensitive.hidden, sensitive.activity

    def sees_hidden_org(user) -> bool:
        return policy.visible_to(user, Organisation).filter(pk=hidden.pk).exists()

    assert not sees_hidden_org(sensitive_partner) and not sees_hidden_org(other_editor)
    assert sees_hidden_org(florence_editor) and sees_hidden_org(administrator)
    assert not policy.may_see(sensitive_partner, hidden)
    assert policy.may_see(sensitive_partner, sensitive.visible)
    assert policy.may_see(sensitive_partner, other_authority)  # a reporting authority

    # Records: the reachable ones, drafts included; an administrator, every one.
    assert list(policy.visible_to(other_editor, Activity).values_list("pk", flat=True)) == [
        theirs.pk
    ]
    assert policy.visible_to(sensitive_partner, Activity).filter(pk=activity.pk).exists()
    assert not policy.may_see(sensitive_partner, theirs)
    assert policy.may_see(administrator, theirs) and policy.may_see(other_editor, theirs)

    # Who reads a sensitive activity's hidden parts: its authority's staff and administrators.
    assert masking.sees_hidden(florence_editor, activity)
    assert masking.sees_hidden(administrator, activity)
    assert not masking.sees_hidden(sensitive_partner, activity)


# 6. The admin's JSON APIs ---------------------------------------------------------------------
LOCALIZE_API = "/admin/localize/api/snippets"


def gone(client, address: str) -> bool:
    """Say whether ``address`` answers 404 (Django's locale middleware first redirects an
    unknown address to its language-prefixed form, which is not found either)."""
    return client.get(address, follow=True).status_code == 404


def api_titles(response) -> str:
    assert response.status_code == 200, response.content[:300]
    return response.content.decode()


def test_the_localize_snippet_api_lists_only_reachable_records(
    client, florence, other_authority, sensitive, sensitive_partner
):
    theirs = draft_of(other_authority, "LOCALIZE")
    ours = draft_of(florence, "OURS")
    listing = f"{LOCALIZE_API}/activities/activity/"
    for user in (
        sensitive_partner,
        make_user("florence-editor", EDITOR, organisation=florence),
        make_user("florence-reviewer", "Reviewer", organisation=florence),
    ):
        client.force_login(user)
        content = api_titles(client.get(listing, {"limit": 20}))
        assert "LOCALIZE" not in content, user
        assert gone(client, f"{listing}{theirs.pk}/"), user
    # Florence's own staff still find their draft, by list and by address.
    assert "Bozza riservata OURS" in api_titles(client.get(listing, {"limit": 20}))
    assert client.get(f"{listing}{ours.pk}/").status_code == 200
    client.force_login(sensitive_partner)
    assert "OURS" not in api_titles(client.get(listing, {"limit": 20}))
    assert sensitive.activity.title["it"] in api_titles(client.get(listing, {"limit": 20}))


def test_the_localize_snippet_api_hides_other_authorities_hidden_partners(
    client, sensitive, sensitive_partner, other_authority
):
    listing = f"{LOCALIZE_API}/organisations/organisation/"
    for user in (
        sensitive_partner,
        make_user("other-editor", EDITOR, organisation=other_authority),
    ):
        client.force_login(user)
        response = client.get(listing, {"limit": 20})
        detail = client.get(f"{listing}{sensitive.hidden.pk}/", follow=True)
        assert leaks(response) == [] and leaks(detail) == [], user
        # A partner's contact works on no organisation: refused; an editor: the visible ones.
        if user == sensitive_partner:
            assert response.status_code == detail.status_code == 403
        else:
            assert sensitive.visible.name["it"] in api_titles(response)
            assert detail.status_code == 404
    client.force_login(make_user("florence-editor", EDITOR, organisation=sensitive.florence))
    assert HIDDEN_NAME["it"] in api_titles(client.get(listing, {"limit": 20}))


def attached_document(activity, title: str):
    from opencoop.activities.models import DocumentLink
    from tests.factories import make_document

    document = make_document(f"{title.lower()}.pdf")
    document.title = title
    document.collection = activity.reporting_org.collection
    document.save()
    DocumentLink.objects.create(
        activity=activity, title={"it": title, "en": title}, document=document, category="A07"
    )
    return document


@pytest.mark.parametrize("role", [EDITOR, "Reviewer", PARTNER])
def test_the_document_api_lists_only_the_users_collections(
    client, florence, other_authority, sensitive, role
):
    from opencoop.editorial.roles import ADMINISTRATOR

    theirs = attached_document(draft_of(other_authority, "DOCS"), "Quartzwillow")
    if role == PARTNER:
        user = make_user(
            "visible-partner",
            PARTNER,
            organisation=sensitive.visible,
            relation=EditorialMembership.PARTNER,
        )
    else:
        user = make_user("florence-staff", role, organisation=florence)
    client.force_login(user)
    for address in (
        "/admin/api/main/documents/?search=Quartzwillow",
        "/admin/api/main/documents/?limit=20",
    ):
        assert "Quartzwillow" not in api_titles(client.get(address)), address
    assert gone(client, f"/admin/api/main/documents/{theirs.pk}/")
    # Their own authority's staff and administrators find it.
    for own in (
        make_user("other-editor", EDITOR, organisation=other_authority),
        make_user("administrator", ADMINISTRATOR),
    ):
        client.force_login(own)
        assert "Quartzwillow" in api_titles(
            client.get("/admin/api/main/documents/?search=Quartzwillow")
        )
        assert client.get(f"/admin/api/main/documents/{theirs.pk}/").status_code == 200


def test_the_image_api_lists_only_the_users_collections(client, florence, other_authority):
    from wagtail.images import get_image_model

    from .test_permission_matrix import png

    image = get_image_model().objects.create(
        title="Ambersleet", file=png("ambersleet.png"), collection=other_authority.collection
    )
    client.force_login(make_user("florence-editor", EDITOR, organisation=florence))
    assert "Ambersleet" not in api_titles(client.get("/admin/api/main/images/?limit=20"))
    assert gone(client, f"/admin/api/main/images/{image.pk}/")
    client.force_login(make_user("other-editor", EDITOR, organisation=other_authority))
    assert "Ambersleet" in api_titles(client.get("/admin/api/main/images/?limit=20"))


def test_the_localize_snippet_api_lists_no_model_the_user_may_not_work_on(
    client, florence, sensitive_partner
):
    """Memberships (who works for which authority) are the administrators' business."""
    make_user("florence-editor", EDITOR, organisation=florence)
    client.force_login(sensitive_partner)
    response = client.get(f"{LOCALIZE_API}/editorial/editorialmembership/")
    assert response.status_code == 403
    assert "florence-editor" not in response.content.decode()


def test_the_translations_report_lists_only_translations_of_pages_the_user_may_see(
    client, other_authority, florence
):
    from wagtail.models import Locale
    from wagtail_localize.models import Translation, TranslationSource

    from opencoop.pages.models import HomePage, SectionPage, StandardPage

    section = SectionPage(title="Sezione di Prova", slug="prova", reporting_org=other_authority)
    HomePage.objects.filter(locale__language_code="it").first().add_child(instance=section)
    draft = StandardPage(title="Pagina Brinacorvo", slug="brinacorvo", live=False)
    section.add_child(instance=draft)
    source, _ = TranslationSource.get_or_create_from_instance(draft)
    Translation.objects.create(source=source, target_locale=Locale.objects.get(language_code="en"))
    report = "/admin/localize/reports/translations/"
    client.force_login(make_user("florence-editor", EDITOR, organisation=florence))
    response = client.get(report)
    assert response.status_code == 200
    assert "Brinacorvo" not in response.content.decode()
    # Nor does the admin's page API (the explorer's menus) name the draft.
    pages = client.get("/admin/api/main/pages/", {"child_of": section.pk})
    assert "Brinacorvo" not in pages.content.decode()
    assert gone(client, f"/admin/api/main/pages/{draft.pk}/")
    client.force_login(make_user("other-editor", EDITOR, organisation=other_authority))
    assert "Brinacorvo" in client.get(report).content.decode()
    assert "Brinacorvo" in client.get(f"/admin/api/main/pages/{draft.pk}/").content.decode()
