"""Load a demo authority (pages, records, settings) from a YAML file, idempotently.

Running the loader again with the same file changes nothing: every record is looked up by its
natural key and written (with a new published revision) only when its content differs.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.db import models, transaction
from wagtail.models import Locale, Page, Site

from opencoop.activities.models import (
    Activity,
)
from opencoop.activities.parts import part
from opencoop.catalogue.models import CataloguePage, SearchPage
from opencoop.core.models import PortalSettings
from opencoop.core.writes import Item, write_records
from opencoop.exchanges.models import Exchange
from opencoop.initiatives.models import (
    Initiative,
)
from opencoop.opendata.models import OpenDataPage
from opencoop.organisations.models import Organisation
from opencoop.pages.models import (
    HomePage,
    NoticePage,
    RecordIndexPage,
    SectionPage,
    StandardPage,
    SuggestionPage,
)
from opencoop.plans.models import AnnualPlan

logger = logging.getLogger(__name__)

FLORENCE_FILE = Path(__file__).parent / "data" / "florence.yaml"
LANGS = ("it", "en")


@dataclass
class LoadReport:
    """What a load created or changed, by kind."""

    created: dict[str, int] = field(default_factory=dict)
    changed: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, created: bool) -> None:
        bucket = self.created if created else self.changed
        bucket[kind] = bucket.get(kind, 0) + 1

    @property
    def is_empty(self) -> bool:
        return not self.created and not self.changed


def _set_fields(obj: models.Model, values: dict[str, Any]) -> bool:
    """Assign ``values``; return whether anything differed."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _replace_children(
    obj, relation: str, rows: list[dict], fields: Sequence[str], parts: dict[str, list]
) -> bool:
    """Put in ``parts`` the rows ``obj.<relation>`` should hold; return whether they differ.

    Rows are compared on ``fields``; those that differ replace the record's when it is written.
    """
    model = obj._meta.get_field(relation).related_model
    wanted = [model(**row) for row in rows]
    parts[relation] = wanted
    have = getattr(obj, relation).all() if obj.pk else []
    state = [tuple(getattr(child, f) for f in fields) for child in have]
    return state != [tuple(getattr(child, f) for f in fields) for child in wanted]


class DemoLoader:
    """Load one authority's demo from parsed YAML data."""

    def __init__(
        self, data: dict, report: LoadReport | None = None, host: str | None = None
    ) -> None:
        self.data = data
        # "hostname:port" of the authority's own site; None leaves the site's address alone.
        self.host = parse_host(host) if host else None
        self.report = report or LoadReport()
        self.orgs: dict[str, Organisation] = {}
        # The new and changed records of the kind being loaded, written together.
        self.pending: list[Item] = []

    def _publish(self, obj, is_new: bool, changed: bool, kind: str, parts=None) -> None:
        """Keep ``obj`` to be written published (``_write``) when it is new or changed."""
        if is_new or changed:
            self.pending.append(Item(obj, parts or {}, name=f"{kind} {obj.slug}"))
            self.report.count(kind, is_new)

    def _write(self, model) -> None:
        """Write the records kept by ``_publish``, validated, in one batch of the write service."""
        items, self.pending = self.pending, []
        if items:
            write_records(model, items, publish=True)

    def run(self) -> LoadReport:
        with transaction.atomic():
            self.locales = {
                code: Locale.objects.get_or_create(language_code=code)[0] for code in LANGS
            }
            self.load_organisations()
            self.load_activities()
            self.load_initiatives()
            self.load_exchanges()
            self.load_plans()
            self.load_pages()
            self.load_settings()
        return self.report

    # Organisations -------------------------------------------------------------------------
    def _upsert_org(self, item: dict, reporting: bool, contact: dict | None = None) -> Organisation:
        org = Organisation.objects.filter(slug=item["key"]).first()
        is_new = org is None
        org = org or Organisation(slug=item["key"])
        values = {
            "name": item["name"],
            "identifier": item.get("identifier", ""),
            "type": item.get("type", ""),
            "country": item.get("country", ""),
            "website": item.get("website", ""),
            "is_reporting": reporting,
        }
        if contact is not None:
            values.update(
                {
                    "contact_role": contact.get("role", {}),
                    "contact_person": contact.get("person", ""),
                    "contact_office": contact.get("office", {}),
                    "contact_address": contact.get("address", {}),
                    "contact_phone": contact.get("phone", ""),
                    "contact_fax": contact.get("fax", ""),
                    "contact_email": contact.get("email", ""),
                }
            )
        changed = _set_fields(org, values)
        if is_new or changed:
            org.full_clean()
            org.save()
            self.report.count("organisation", is_new)
        self.orgs[item["key"]] = org
        return org

    def load_organisations(self) -> None:
        # The office contact is the authority's: each section shows its own authority's office.
        self.reporting_org = self._upsert_org(
            self.data["reporting_org"], reporting=True, contact=self.data.get("contact", {})
        )
        for item in self.data.get("organisations", []):
            self._upsert_org(item, reporting=False)

    # Activities ----------------------------------------------------------------------------
    def load_activities(self) -> None:
        prefix = self.reporting_org.identifier
        for item in self.data.get("activities", []):
            identifier = f"{prefix}-{item['iati_suffix']}"
            activity = Activity.objects.filter(iati_identifier=identifier).first()
            is_new = activity is None
            activity = activity or Activity(iati_identifier=identifier)
            changed = _set_fields(
                activity,
                {
                    "reporting_org_id": self.reporting_org.pk,
                    "slug": item["slug"],
                    "title": item["title"],
                    "description": item.get("description", {}),
                    "hide_exact_locations": bool(item.get("hide_exact_locations")),
                    "classified_by_editor": bool(item.get("classified_by_editor")),
                },
            )
            children = {
                "recipient_countries": [
                    {"code": c["code"], "percentage": Decimal(str(c["percentage"]))}
                    for c in item.get("recipient_countries", [])
                ],
                "locations": [
                    {
                        "name": loc["name"],
                        "country": loc.get("country", ""),
                        "latitude": Decimal(str(loc["lat"])) if "lat" in loc else None,
                        "longitude": Decimal(str(loc["lon"])) if "lon" in loc else None,
                    }
                    for loc in item.get("locations", [])
                ],
                "sectors": [
                    {
                        "vocabulary": "1",
                        "code": s["code"],
                        "percentage": Decimal(str(s["percentage"])),
                    }
                    for s in item.get("sectors", [])
                ],
                "sdg_tags": [
                    {"vocabulary": "2", "code": str(goal)} for goal in item.get("sdgs", [])
                ],
                "participating_orgs": [
                    {
                        "organisation_id": self.orgs[p["org"]].pk,
                        "role": p["role"],
                        "hide_name": bool(p.get("hide_name")),
                    }
                    for p in item.get("participating_orgs", [])
                ],
                "documents": [
                    {
                        "title": d["title"],
                        "category": d.get("category", "A01"),
                        "language": d.get("language", ""),
                    }
                    for d in item.get("documents", [])
                ],
            }
            parts: dict[str, list] = {}
            for relation, rows in children.items():
                fields = part(relation).content
                changed = _replace_children(activity, relation, rows, fields, parts) or changed
            self._publish(activity, is_new, changed, "activity", parts)
        self._write(Activity)

    # Initiatives, exchanges, plans -----------------------------------------------------------
    def _record(self, model, lookup: dict) -> tuple[Any, bool]:
        obj = model.objects.filter(reporting_org=self.reporting_org, **lookup).first()
        if obj is None:
            return model(reporting_org=self.reporting_org, **lookup), True
        return obj, False

    def load_initiatives(self) -> None:
        for order, item in enumerate(self.data.get("initiatives", [])):
            obj, is_new = self._record(Initiative, {"slug": item["slug"]})
            changed = _set_fields(
                obj,
                {
                    "kind": item["kind"],
                    "title": item["title"],
                    "summary": item.get("summary", {}),
                    "body": item.get("body", {}),
                    "place": item.get("place", {}),
                    "sort_order": order,
                },
            )
            children = [
                (
                    "countries",
                    ["code"],
                    [{"code": code} for code in item.get("countries", [])],
                ),
                (
                    "partners",
                    ["organisation_id", "role"],
                    [
                        {"organisation_id": self.orgs[p["org"]].pk, "role": p.get("role", {})}
                        for p in item.get("partners", [])
                    ],
                ),
                (
                    "documents",
                    ["title", "category", "language"],
                    [
                        {
                            "title": d["title"],
                            "category": d.get("category", "A01"),
                            "language": d.get("language", ""),
                        }
                        for d in item.get("documents", [])
                    ],
                ),
            ]
            parts: dict[str, list] = {}
            for relation, fields, rows in children:
                changed = _replace_children(obj, relation, rows, fields, parts) or changed
            self._publish(obj, is_new, changed, "initiative", parts)
        self._write(Initiative)

    def load_exchanges(self) -> None:
        for order, item in enumerate(self.data.get("exchanges", [])):
            obj, is_new = self._record(Exchange, {"slug": item["slug"]})
            changed = _set_fields(
                obj,
                {
                    "kind": item["kind"],
                    "title": item["title"],
                    "country": item.get("country", ""),
                    "theme": item.get("theme", {}),
                    "place": item.get("place", {}),
                    "summary": item.get("summary", {}),
                    "sort_order": order,
                },
            )
            self._publish(obj, is_new, changed, "exchange")
        self._write(Exchange)

    def load_plans(self) -> None:
        for item in self.data.get("annual_plans", []):
            obj, is_new = self._record(AnnualPlan, {"year": item["year"]})
            changed = _set_fields(
                obj,
                {
                    "title": item["title"],
                    "slug": str(item["year"]),
                    "summary": item.get("summary", {}),
                },
            )
            docs = [item["document"]] if item.get("document") else []
            rows = [
                {
                    "title": d["title"],
                    "category": d.get("category", "A01"),
                    "language": d.get("language", ""),
                }
                for d in docs
            ]
            parts: dict[str, list] = {}
            fields = ["title", "category", "language"]
            changed = _replace_children(obj, "documents", rows, fields, parts) or changed
            self._publish(obj, is_new, changed, "plan", parts)
        self._write(AnnualPlan)

    # Pages -----------------------------------------------------------------------------------
    def _one_page(self, parent: Page, model, spec: dict, lang: str, key: str, **extra) -> Page:
        slug = spec["slug"][lang]
        values = {
            "title": spec["title"][lang],
            "slug": slug,
            **{
                name: (value[lang] if isinstance(value, dict) and lang in value else value)
                for name, value in extra.items()
            },
        }
        if "menu_title" in spec:
            values["seo_title"] = spec["title"][lang]
            values["title"] = spec["menu_title"][lang]
        existing = model.objects.child_of(parent).filter(slug=slug).first()
        if existing is None:
            page = model(**values, locale=self.locales[lang], show_in_menus=True)
            parent.add_child(instance=page)
            page.save_revision(log_action=False).publish(log_action=False)
            self.report.count(f"page:{key}", True)
            return page
        if _set_fields(existing, values) or not existing.live:
            existing.save_revision(log_action=False).publish(log_action=False)
            self.report.count(f"page:{key}", False)
        return existing

    def _translated(self, italian: Page, english_parent: Page, model, spec, key, **extra) -> Page:
        existing = italian.get_translation_or_none(self.locales["en"])
        if existing is None:
            copy = italian.copy_for_translation(self.locales["en"])
            copy.title = spec["title"]["en"]
            copy.slug = spec["slug"]["en"]
            copy.save()
            existing = copy.specific
        existing = existing.specific
        values = {
            "title": spec["title"]["en"],
            "slug": spec["slug"]["en"],
            **{
                name: (value["en"] if isinstance(value, dict) and "en" in value else value)
                for name, value in extra.items()
            },
        }
        if "menu_title" in spec:
            values["seo_title"] = spec["title"]["en"]
            values["title"] = spec["menu_title"]["en"]
        was_live = existing.live
        if _set_fields(existing, values) or not was_live:
            existing.save_revision(log_action=False).publish(log_action=False)
            self.report.count(f"page:{key}:en", not was_live)
        return existing

    def _pair(
        self, parents: tuple[Page, Page], model, spec: dict, key: str, **extra
    ) -> tuple[Page, Page]:
        italian = self._one_page(parents[0], model, spec, "it", key, **extra)
        english = self._translated(italian, parents[1], model, spec, key, **extra)
        return italian, english

    def load_pages(self) -> None:
        pages = self.data["pages"]
        root = Page.get_first_root_node()
        # Wagtail's placeholder "Welcome" page stands where the home page goes.
        Page.objects.filter(depth=2, content_type__model="page", slug="home").delete()
        root.refresh_from_db()
        # Both home pages sit under the root, where slugs must differ whatever the language.
        home_spec = {**pages["home"], "slug": {"it": "home", "en": "home-en"}}
        home_it = self._one_page(root, HomePage, home_spec, "it", "home")
        home_en = self._translated(home_it, root, HomePage, home_spec, "home")
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            hostname, port = self.host or ("localhost", 80)
            Site.objects.create(
                hostname=hostname,
                port=port,
                root_page=home_it,
                is_default_site=True,
                site_name="OpenCoop",
            )
        elif site.root_page_id != home_it.pk or (
            self.host is not None and (site.hostname, site.port) != self.host
        ):
            site.root_page = home_it
            if self.host is not None:
                site.hostname, site.port = self.host
            site.save()
            self.report.count("site", False)
        admin = self._pair(
            (home_it, home_en), StandardPage, pages["administration"], "administration"
        )
        intl = self._pair(admin, StandardPage, pages["international"], "international")
        section = self._pair(
            intl,
            SectionPage,
            pages["section"],
            "section",
            intro=pages["section"].get("intro", {}),
            reporting_org=self.reporting_org,
        )
        for key, record_type in (
            ("projects", "activities"),
            ("initiatives", "initiatives"),
            ("exchanges", "exchanges"),
            ("plans", "plans"),
        ):
            spec = pages[key]
            self._pair(
                section,
                RecordIndexPage,
                spec,
                key,
                intro=spec.get("intro", {}),
                record_type=record_type,
            )
        self._pair(
            section,
            CataloguePage,
            {
                "title": {"it": "Catalogo dei progetti", "en": "Project catalogue"},
                "slug": {"it": "catalogo", "en": "catalogue"},
            },
            "catalogue",
        )
        self._pair(
            section,
            OpenDataPage,
            {
                "title": {"it": "Dati aperti", "en": "Open data"},
                "slug": {"it": "dati-aperti", "en": "open-data"},
            },
            "open-data",
            intro=OPEN_DATA_INTRO,
        )
        if self.data.get("partnerships"):
            spec = pages["partnerships"]
            self._pair(
                section,
                RecordIndexPage,
                spec,
                "partnerships",
                intro=spec.get("intro", {}),
                record_type="partnerships",
            )
        site_data = self.data.get("site", {})
        self._pair(
            (home_it, home_en),
            SuggestionPage,
            {
                "title": {"it": "Suggerimenti", "en": "Suggestions"},
                "slug": {"it": "suggerimenti", "en": "suggestions"},
            },
            "suggestions",
            intro=site_data.get("suggestions_intro", {}),
        )
        self._pair(
            (home_it, home_en),
            SearchPage,
            {
                "title": {"it": "Cerca nel sito", "en": "Search the site"},
                "slug": {"it": "cerca", "en": "search"},
            },
            "search",
        )
        # The privacy page was a plain page before the notices had their own type.
        StandardPage.objects.child_of(home_it).filter(slug="privacy").delete()
        StandardPage.objects.child_of(home_en).filter(slug="privacy").delete()
        for key, title, slug in NOTICE_PAGES:
            self._pair(
                (home_it, home_en),
                NoticePage,
                {"title": title, "slug": slug},
                key,
                notice=key,
            )

    def load_settings(self) -> None:
        site = Site.objects.get(is_default_site=True)
        portal = PortalSettings.for_site(site)
        site_data = self.data.get("site", {})
        changed = _set_fields(
            portal,
            {
                "site_title": self.data["reporting_org"]["name"],
                "site_tagline": {
                    "it": "Cooperazione decentrata",
                    "en": "Decentralized cooperation",
                },
                "footer_text": site_data.get("footer", {}),
                "licence": self.data.get("licence", "cc-by-4.0"),
                "authority_url": self.data["reporting_org"].get("website", ""),
                **site_data.get("follow", {}),
            },
        )
        if changed or portal.pk is None:
            portal.save()
            self.report.count("settings", False)
        # Florence's own site shows Florence's records only (``opencoop.core.sites``).
        if set(portal.authorities.values_list("pk", flat=True)) != {self.reporting_org.pk}:
            portal.authorities.set([self.reporting_org])
            self.report.count("settings", False)


NOTICE_PAGES = (
    (
        "accessibility",
        {"it": "Dichiarazione di accessibilità", "en": "Accessibility statement"},
        {"it": "dichiarazione-di-accessibilita", "en": "accessibility-statement"},
    ),
    (
        "legal",
        {"it": "Note legali", "en": "Legal notes"},
        {"it": "note-legali", "en": "legal-notes"},
    ),
    ("privacy", {"it": "Privacy", "en": "Privacy"}, {"it": "privacy", "en": "privacy"}),
)

OPEN_DATA_INTRO = {
    "it": (
        "I dati della cooperazione decentrata pubblicati su questo portale, da scaricare e "
        "riutilizzare: file IATI e CRS, il catalogo dei progetti in CSV, XLSX e JSON, un'API e "
        "i feed degli aggiornamenti."
    ),
    "en": (
        "The decentralized cooperation data published on this portal, to download and reuse: "
        "IATI and CRS files, the project catalogue as CSV, XLSX and JSON, an API and the feeds "
        "of updates."
    ),
}


def publish_page_pair(
    parents: tuple[Page, Page], model, spec: dict, key: str, **extra
) -> tuple[Page, Page]:
    """Create or update a page in Italian and its English translation (also for the generator).

    ``spec`` holds ``title`` and ``slug`` by language; ``extra`` the page's other fields, a
    ``{"it": …, "en": …}`` value taking each language's text.
    """
    loader = DemoLoader({})
    loader.locales = {code: Locale.objects.get_or_create(language_code=code)[0] for code in LANGS}
    return loader._pair(parents, model, spec, key, **extra)


def load_demo(path: Path = FLORENCE_FILE, host: str | None = None) -> LoadReport:
    """Load the demo file at ``path``; return what was created or changed.

    ``host`` ("hostname:port") is where the authority's site answers, e.g. "127.0.0.1:8000".
    """
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    report = DemoLoader(data, host=host).run()
    # Pages and records are now public: their words are what "did you mean" may offer.
    from opencoop.catalogue.spelling import rebuild

    rebuild()
    return report


class HostError(ValueError):
    """A site address the demo cannot use; the message says which and why."""


def parse_host(host: str) -> tuple[str, int]:
    """Split "hostname:port" (port 80 when absent); raise HostError saying what is wrong."""
    hostname, _, port = host.strip().partition(":")
    if not hostname or any(c in hostname for c in "/ ?#"):
        raise HostError(f"“{host}” is not a host name: give one like 127.0.0.1:8000")
    if port and not (port.isdigit() and 0 < int(port) < 65536):
        raise HostError(f"“{host}”: the port must be a number from 1 to 65535")
    return hostname.lower(), int(port or 80)
