"""Canary records for two authorities: what must never reach someone not allowed to see it.

Each authority (Florence from the demo, and the generator's fictional "Comune di Esempio" with
its own cooperation section) gets:

- an embargoed activity (live, embargo in the future) with a budget, a disbursement, an
  allocation in the authority's latest annual plan and a document attached only to it;
- a never-published draft, with a document attached only to it;
- a control: a document attached to a public activity, which everyone may find and download;
- a public parent listing both among its children, and public children of each of them;
- a live sensitive activity with a hidden partner (``hide_name``) and hidden exact locations,
  whose visible partner's contact is the Partner user of the admin sweep.

Every canary string is fictional and distinctive (invented words, odd amounts and coordinates),
so finding one anywhere it must not be is a leak, never a coincidence. Each title holds two
invented words: a search for one of them still shows the other if the record leaks. Documents
have words of their own, so that a document's leak is told apart from its activity's. Every
document is filed in its authority's collection, as editors' uploads are.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from wagtail.models import Site

from opencoop.activities.models import Activity, Location, ParticipatingOrg
from opencoop.core.models import PortalSettings
from opencoop.demo.generator import authority_spec, generate
from opencoop.organisations.models import Organisation
from opencoop.plans.models import AnnualPlan, PlanAllocation
from tests.factories import (
    BudgetFactory,
    DocumentLinkFactory,
    LocationFactory,
    OrganisationFactory,
    ParticipatingOrgFactory,
    RecipientCountryFactory,
    TransactionFactory,
    make_activity,
    make_document,
)
from tests.opendata import sensitive


@dataclass(frozen=True)
class Canary:
    """A secret and the forms in which it could be written (labels say which secret)."""

    label: str
    forms: tuple[str, ...]


def amount_forms(amount: str) -> tuple[str, ...]:
    """Return the ways ``amount`` ("987654.32") could be written: raw, Italian, English, rounded.

    The rounded forms are prefixes of the decimal ones, so a leak is found however many decimals
    a page shows.
    """
    units, cents = amount.split(".")
    head, tail = units[:-3], units[-3:]
    forms = [amount, f"{units},{cents}", units]
    for separator in (".", ",", " ", "\xa0", "\u202f", "'"):
        forms.append(f"{head}{separator}{tail}")
    return tuple(dict.fromkeys(forms))


def coordinate_forms(value: str) -> tuple[str, ...]:
    """Return ``value`` ("36.2021") with a decimal point and with a decimal comma."""
    return (value, value.replace(".", ","))


@dataclass(frozen=True)
class Secrets:
    """The fictional strings of one authority's canaries."""

    key: str
    embargoed_title: dict[str, str]
    embargoed_words: tuple[str, ...]
    draft_title: dict[str, str]
    draft_words: tuple[str, ...]
    budget: str
    allocation: str
    disbursement: str
    embargoed_file: str
    embargoed_document_title: str
    draft_file: str
    draft_document_title: str
    public_file: str
    public_document_title: str
    hidden_name: dict[str, str]
    hidden_identifier: str
    hidden_slug: str
    hidden_place: dict[str, str]
    latitude: str
    longitude: str
    # Searched for on every search form: an invented word of each title and name, per language.
    search_words: tuple[str, ...]
    # The public records around the canaries (not secret: the sweep checks they are reached).
    sensitive_title: dict[str, str] = field(default_factory=dict)
    visible_name: dict[str, str] = field(default_factory=dict)


FLORENCE = Secrets(
    key="florence",
    embargoed_title={
        "it": "Vivaio Lucciolamarina di Quarzonero",
        "en": "Seafirefly nursery of Blackquartz",
    },
    embargoed_words=("Lucciolamarina", "Quarzonero", "Seafirefly", "Blackquartz"),
    draft_title={"it": "Bozza Cardoselva e Pietrabiadina", "en": "Thistlewood and Paleflint draft"},
    draft_words=("Cardoselva", "Pietrabiadina", "Thistlewood", "Paleflint"),
    budget="987654.32",
    allocation="876543.21",
    disbursement="765432.19",
    embargoed_file="fi-canary-vetrofumo-report.pdf",
    embargoed_document_title="Rapporto Vetrofumo",
    draft_file="fi-canary-mielospino-notes.pdf",
    draft_document_title="Appunti Mielospino",
    public_file="fi-control-public-report.pdf",
    public_document_title="Relazione pubblica di Firenze",
    # Florence's sensitive activity is the one the open data tests use.
    hidden_name=sensitive.HIDDEN_NAME,
    hidden_identifier=sensitive.HIDDEN_IDENTIFIER,
    hidden_slug=sensitive.HIDDEN_SLUG,
    hidden_place=sensitive.HIDDEN_PLACE,
    latitude="36.2021",
    longitude="37.1343",
    search_words=(
        "Lucciolamarina",
        "Blackquartz",
        "Cardoselva",
        "Paleflint",
        "Nascosto",
        "Riservato",
        "Vetrofumo",
        "Mielospino",
    ),
    sensitive_title=sensitive.SENSITIVE_TITLE,
    visible_name=sensitive.VISIBLE_NAME,
)

EXAMPLE = Secrets(
    key="example",
    embargoed_title={
        "it": "Granaio Pescevolante di Ambracupa",
        "en": "Flyingfish granary of Darkamber",
    },
    embargoed_words=("Pescevolante", "Ambracupa", "Flyingfish", "Darkamber"),
    draft_title={"it": "Bozza Ginestrella e Salicerosso", "en": "Broomling and Redwillow draft"},
    draft_words=("Ginestrella", "Salicerosso", "Broomling", "Redwillow"),
    budget="918273.64",
    allocation="827364.51",
    disbursement="736451.82",
    embargoed_file="ex-canary-sabbiargento-report.pdf",
    embargoed_document_title="Rapporto Sabbiargento",
    draft_file="ex-canary-corteccina-notes.pdf",
    draft_document_title="Appunti Corteccina",
    public_file="ex-control-public-report.pdf",
    public_document_title="Relazione pubblica di Esempio",
    hidden_name={"it": "Circolo Ombrafonda Onlus", "en": "Deepshade Circle Trust"},
    hidden_identifier="XM-OCHIDDEN-EX-9",
    hidden_slug="deepshade-circle-trust",
    hidden_place={"it": "Borgo Celatino", "en": "Hushhollow Hamlet"},
    latitude="-14.6173",
    longitude="28.4419",
    search_words=(
        "Pescevolante",
        "Darkamber",
        "Ginestrella",
        "Redwillow",
        "Ombrafonda",
        "Celatino",
        "Sabbiargento",
        "Corteccina",
    ),
    sensitive_title={
        "it": "Assistenza legale alle vittime di tratta",
        "en": "Legal aid for survivors of trafficking",
    },
    visible_name={"it": "Cooperativa Sole Aperto", "en": "Open Sun Cooperative"},
)


@dataclass
class AuthorityCanaries:
    """One authority's canary records and the strings that betray them."""

    secrets: Secrets
    authority: Organisation
    embargoed: Activity
    draft: Activity
    sensitive: Activity
    public_parent: Activity
    child_of_embargoed: Activity
    child_of_draft: Activity
    plan: AnnualPlan
    documents: list  # attached only to the embargoed activity and to the draft
    public_document: object  # the control: attached to the public parent, downloads with 200
    hidden_partner: Organisation
    visible_partner: Organisation

    @property
    def hidden_records(self) -> list[Activity]:
        """The activities the public must not see at all."""
        return [self.embargoed, self.draft]

    def canary(self, kind: str) -> Canary:
        """Return the canary of ``kind`` (one of ``KINDS``): the forms that betray it."""
        s = self.secrets
        embargoed_document, draft_document = self.documents
        forms = {
            "embargoed activity": (
                *s.embargoed_title.values(),
                *s.embargoed_words,
                self.embargoed.iati_identifier,
                self.embargoed.slug,
            ),
            "draft": (
                *s.draft_title.values(),
                *s.draft_words,
                self.draft.iati_identifier,
                self.draft.slug,
            ),
            "embargoed budget": amount_forms(s.budget),
            "embargoed allocation": amount_forms(s.allocation),
            "embargoed disbursement": amount_forms(s.disbursement),
            "embargoed document": _document_forms(embargoed_document),
            "draft document": _document_forms(draft_document),
            "hidden partner": (*s.hidden_name.values(), s.hidden_identifier, s.hidden_slug),
            "exact location": (
                *s.hidden_place.values(),
                *coordinate_forms(s.latitude),
                *coordinate_forms(s.longitude),
            ),
        }[kind]
        return Canary(f"{s.key}: {kind}", forms)


# What each canary stands for; every authority has one of each.
KINDS = (
    "embargoed activity",
    "draft",
    "embargoed budget",
    "embargoed allocation",
    "embargoed disbursement",
    "embargoed document",
    "draft document",
    "hidden partner",
    "exact location",
)
AUTHORITIES = ("florence", "example")


def _document_forms(document) -> tuple[str, ...]:
    """A document's title and the name of its file as stored (the storage may alter it)."""
    return (document.title, os.path.basename(document.file.name))


def _publish(activity: Activity) -> Activity:
    """Publish ``activity`` the way editors do (a revision), then record a second revision with
    a changed description, so that history and compare have two revisions to show."""
    activity.save_revision(log_action=False).publish(log_action=False)
    activity.refresh_from_db()
    activity.description = {**activity.description, "en": "Second revision, still reviewed."}
    activity.save_revision(log_action=False)
    return activity


def _attach(activity: Activity, filename: str, title: str):
    """Attach a new document, filed in the collection of the activity's authority."""
    document = make_document(filename)
    document.title = title
    collection = activity.reporting_org.collection
    assert collection is not None, f"{activity.reporting_org} has no collection of documents"
    document.collection = collection
    document.save()
    DocumentLinkFactory(
        activity=activity, title={"it": title, "en": title}, document=document, category="A07"
    )
    return document


def _hidden_records(canaries: Secrets, authority: Organisation, prefix: str) -> dict:
    """Create the embargoed activity, the draft and the public records around them."""
    embargoed = make_activity(
        authority,
        f"{prefix}-CANARY-EMBARGOED",
        title=canaries.embargoed_title,
        embargo_until=timezone.localdate() + datetime.timedelta(days=400),
        planned_start=datetime.date(2025, 1, 1),
        planned_end=datetime.date(2026, 12, 31),
    )
    BudgetFactory(
        activity=embargoed,
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 12, 31),
        value=Decimal(canaries.budget),
    )
    TransactionFactory(
        activity=embargoed,
        type="3",
        date=datetime.date(2025, 3, 1),
        value=Decimal(canaries.disbursement),
        provider_org=authority,
    )
    RecipientCountryFactory(activity=embargoed, code="SN", percentage=Decimal(100))
    embargoed_document = _attach(
        embargoed, canaries.embargoed_file, canaries.embargoed_document_title
    )
    _publish(embargoed)

    draft = make_activity(
        authority, f"{prefix}-CANARY-DRAFT", title=canaries.draft_title, live=False
    )
    RecipientCountryFactory(activity=draft, code="SN", percentage=Decimal(100))
    draft_document = _attach(draft, canaries.draft_file, canaries.draft_document_title)
    draft.save_revision(log_action=False)
    draft.description = {**draft.description, "en": "A second draft, never published."}
    draft.save_revision(log_action=False)

    parent = make_activity(authority, f"{prefix}-CANARY-PARENT")
    public_document = _attach(parent, canaries.public_file, canaries.public_document_title)
    parent = _publish(parent)
    for record in (embargoed, draft):
        record.parent = parent
        record.save(update_fields=["parent"])
    child_of_embargoed = _publish(
        make_activity(authority, f"{prefix}-CANARY-CHILD-E", parent=embargoed)
    )
    child_of_draft = _publish(make_activity(authority, f"{prefix}-CANARY-CHILD-D", parent=draft))

    plan = AnnualPlan.objects.filter(reporting_org=authority, live=True).order_by("-year").first()
    assert plan is not None, f"{authority} has no published annual plan to allocate to"
    PlanAllocation.objects.create(
        plan=plan, activity=parent, amount=Decimal("1000.00"), sort_order=900
    )
    PlanAllocation.objects.create(
        plan=plan, activity=embargoed, amount=Decimal(canaries.allocation), sort_order=901
    )
    PlanAllocation.objects.create(
        plan=plan, activity=draft, amount=Decimal(canaries.allocation), sort_order=902
    )
    return {
        "embargoed": embargoed,
        "draft": draft,
        "public_parent": parent,
        "child_of_embargoed": child_of_embargoed,
        "child_of_draft": child_of_draft,
        "plan": plan,
        "documents": [embargoed_document, draft_document],
        "public_document": public_document,
    }


def _example_sensitive(authority: Organisation) -> sensitive.Sensitive:
    """The second authority's sensitive activity, shaped like ``sensitive.make_sensitive_activity``."""
    s = EXAMPLE
    hidden = OrganisationFactory(
        name=s.hidden_name, slug=s.hidden_slug, identifier=s.hidden_identifier, country=""
    )
    visible = OrganisationFactory(
        name=s.visible_name, slug="open-sun-cooperative", identifier="XM-OCVISIBLE-EX-3", country=""
    )
    activity = make_activity(
        authority, "EX-CANARY-SENSITIVE", title=s.sensitive_title, hide_exact_locations=True
    )
    ParticipatingOrgFactory(activity=activity, organisation=hidden, hide_name=True)
    ParticipatingOrgFactory(activity=activity, organisation=hidden, role="3")
    ParticipatingOrgFactory(activity=activity, organisation=visible)
    RecipientCountryFactory(activity=activity, code="ZM", percentage=Decimal(100))
    LocationFactory(
        activity=activity,
        name=s.hidden_place,
        country="ZM",
        latitude=Decimal(s.latitude),
        longitude=Decimal(s.longitude),
    )
    TransactionFactory(
        activity=activity,
        type="3",
        date=datetime.date(2024, 5, 1),
        value=Decimal("4321.00"),
        provider_org=authority,
        receiver_org=hidden,
    )
    activity.save_revision(log_action=False).publish(log_action=False)
    return sensitive.Sensitive(activity, hidden, visible, authority)


def _revise_adding_hidden_parts(made: sensitive.Sensitive) -> None:
    """Publish a revision without the hidden partner and the places, then one with them.

    Comparing two revisions shows only what changed between them: the two latest revisions of a
    sensitive activity then differ exactly by what must stay hidden (the partner was named and
    the place pinned after the first publication).
    """
    activity = made.activity
    parts = list(ParticipatingOrg.objects.filter(activity=activity, organisation=made.hidden))
    places = list(Location.objects.filter(activity=activity))
    ParticipatingOrg.objects.filter(pk__in=[p.pk for p in parts]).delete()
    Location.objects.filter(pk__in=[p.pk for p in places]).delete()
    Activity.objects.get(pk=activity.pk).save_revision(log_action=False).publish(log_action=False)
    for row in (*parts, *places):
        row.pk = None
        row.save()
    Activity.objects.get(pk=activity.pk).save_revision(log_action=False).publish(log_action=False)
    activity.refresh_from_db()


def make_canaries() -> dict[str, AuthorityCanaries]:
    """Create the second authority (with its section) and both authorities' canaries."""
    # Both authorities on one site that shows every authority: each outlet holds both sets.
    generate(activities=4, seed=14, index=True, pages=True, on_default_site=True)
    PortalSettings.for_site(Site.objects.get(is_default_site=True)).authorities.clear()
    example = Organisation.objects.get(identifier=authority_spec(0).identifier)
    florence = Organisation.objects.get(slug="florence")
    result = {}
    for secrets, authority, prefix, make_sensitive in (
        (FLORENCE, florence, "FI", sensitive.make_sensitive_activity),
        (EXAMPLE, example, "EX", lambda: _example_sensitive(example)),
    ):
        made = make_sensitive()
        _revise_adding_hidden_parts(made)
        records = _hidden_records(secrets, authority, prefix)
        result[secrets.key] = AuthorityCanaries(
            secrets=secrets,
            authority=authority,
            sensitive=made.activity,
            hidden_partner=made.hidden,
            visible_partner=made.visible,
            **records,
        )
    return result
