"""A new officer follows "How to add a project" of docs/editors.md in Chromium, step by step.

Every label the test clicks or types into is read from the doc itself (the English label for an
admin in English, the one in brackets for an admin in Italian), so a renamed button or tab
fails here until the doc says the same. The editor works in Italian, the reviewer in English:
both columns of the doc are used. Screenshots of each step go to var/screenshots/editor/.

The test writes to the shared test database (the live server must see its rows), so it
creates its own users and removes all it made, whatever the outcome: the other browser tests
count pages and records of the demo. Florence's demo has no statistics page (its original page
has none): as a site administrator would, the test adds one to Florence's section, in Italian
and English, and takes it away at the end.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.utils import formats, translation
from django.utils.text import slugify
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Locator, Page, expect
from wagtail.models import Locale, ModelLogEntry

from opencoop.activities.models import Activity
from opencoop.core.multilingual import text as in_language
from opencoop.demo.loader import publish_page_pair
from opencoop.editorial.models import EditorialMembership
from opencoop.editorial.roles import EDITOR, REVIEWER
from opencoop.geography.countries import country_url
from opencoop.geography.projection import Frame
from opencoop.organisations.models import Organisation
from opencoop.pages.models import SectionPage
from opencoop.stats.figure_models import FigureState
from opencoop.stats.figures import UNSTATED
from opencoop.stats.models import StatisticsPage
from opencoop.stats.tables import Column
from opencoop.stats.tasks import refresh_outdated_figures

from .conftest import SCREENSHOTS
from .location_map import click_on_map

pytestmark = pytest.mark.browser

DOC = settings.BASE_DIR / "docs" / "editors.md"
SHOTS = SCREENSHOTS / "editor"
PASSWORD = "walkthrough-password-1"
EDITOR_NAME = "walkthrough-editor"
REVIEWER_NAME = "walkthrough-reviewer"
# What the officer types: the doc's own examples where it gives one.
PROJECT = {
    "code": "WATER-2025",
    "title": {"it": "Acqua pulita a Betlemme", "en": "Clean water in Bethlehem"},
    "description": {
        "it": "Riparazione della rete idrica del quartiere di Aida.",
        "en": "Repair of the water network of the Aida district.",
    },
}
# The project's place, picked on the map of the recipient country (GeoNames' coordinates).
PLACE = {"it": "Betlemme", "en": "Bethlehem"}
BETHLEHEM = (31.70487, 35.20376)
# The rest of the water project (issue 17): a new partner NGO, a sector and a goal picked by label,
# a budget, a commitment and a disbursement, a result with its indicator.
PARTNER = {"it": "Rete Idrica Solidale (ONG)", "identifier": "IT-CF-99887766001"}
SECTOR = {"code": "14030", "word": "acqua potabile"}
SDG = {"code": "6", "word": "Acqua pulita"}
BUDGET = {"period_start": "2025-01-01", "period_end": "2025-12-31", "value": "48000"}
TRANSACTIONS = (
    {"type": "2", "date": "2025-01-15", "value": "48000"},  # the commitment
    {"type": "3", "date": "2025-03-01", "value": "20000"},  # the first disbursement
)
RESULT = {"it": "Famiglie con acqua sicura", "en": "Households with safe drinking water"}
INDICATOR = {"it": "Famiglie servite", "en": "Households served"}
BASELINE = {"baseline_year": "2025", "baseline_value": "0"}
NOTE = "Budget e partner confermati dal Comune."
COMMENT = "Approved: the budget matches the agreement."
TIMEOUT_MS = 30_000
#: A save writes the record with its parts, revision and checks: slower than a page on a busy machine.
SAVE_TIMEOUT_MS = 90_000


# The doc -----------------------------------------------------------------------------------------
@dataclass
class Step:
    number: int
    title: str
    text: str

    def labels(self) -> list[tuple[str, str]]:
        """Return the (English, Italian) labels the step names as *English* (*Italiano*)."""
        pairs = re.findall(r"\*([^*]+?)\*\s+\(\*([^*]+?)\*\)", self.text)
        return [(" ".join(en.split()), " ".join(it.split())) for en, it in pairs]


class HowTo:
    """The section "How to add a project" of docs/editors.md, read as a list of steps."""

    def __init__(self, path: Path) -> None:
        text = path.read_text(encoding="utf-8")
        match = re.search(r"^## How to add a project\n(.*?)(?=^## )", text, re.M | re.S)
        assert match, f"{path} has no section “How to add a project”"
        self.section = match.group(1)
        parts = re.split(r"^(\d+)\. \*\*(.+?)\*\*", self.section, flags=re.M)
        self.steps = [
            Step(int(number), title.rstrip("."), f"{title}\n{body}")
            for number, title, body in zip(parts[1::3], parts[2::3], parts[3::3], strict=True)
        ]
        assert [s.number for s in self.steps] == list(range(1, len(self.steps) + 1))

    def step(self, number: int) -> Step:
        return self.steps[number - 1]

    def example(self, number: int, english: str, lang: str) -> str:
        """Return the example (*English* (*Italiano*)) that step ``number`` gives after ``english``."""
        step = self.step(number)
        labels = step.labels()
        for index, (label_en, _label_it) in enumerate(labels):
            if label_en == english:
                label_en, label_it = labels[index + 1]
                return label_en if lang == "en" else label_it
        raise AssertionError(f"step {number} of the doc gives no example after *{english}*")

    def label(self, number: int, english: str, lang: str) -> str:
        """Return the label that step ``number`` gives for ``english``, in the admin's language."""
        step = self.step(number)
        for label_en, label_it in step.labels():
            if label_en == english:
                return label_en if lang == "en" else label_it
        if f"*{english}*" in step.text:  # one label in both languages
            return english
        raise AssertionError(f"step {number} of the doc does not name *{english}*: {step.text}")


def choose(select, label: str) -> None:
    """Pick the option the guide names: shown alone, or after its code ("2 – Attuazione")."""
    value = select.evaluate(
        """(select, label) => {
            const option = [...select.options].find((o) => {
                const text = o.textContent.trim()
                return text === label || text.endsWith("– " + label)
            })
            return option ? option.value : null
        }""",
        label,
    )
    assert value is not None, f"no option “{label}”"
    select.select_option(value=value)


def pick_code(page, field, label: str, typed: str = "") -> None:
    """Pick in a codelist picker the suggestion whose label the guide names, as an officer does:
    type a word of it, then choose the suggestion (which puts its code in the box)."""
    field.click()  # the picker loads its suggestions when first used
    if typed:
        field.fill(typed)
    suggestion = page.locator(f"datalist[id='{field.get_attribute('list')}'] option").filter(
        has_text=re.compile(rf"– {re.escape(label)}$")
    )
    expect(suggestion).to_have_count(1)
    field.fill(suggestion.get_attribute("value"))
    expect(field.locator("xpath=..").locator("[data-codelist-label]")).to_have_text(label)


def exact(label: str) -> re.Pattern:
    """Match ``label`` as the whole text of an element, whatever its case and a trailing '*'."""
    return re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$", re.I)


def same_value(shown: str, typed: str) -> bool:
    """Tell whether the form shows what was typed: the same text, or the same number
    (amounts come back as "48000.00", coordinates with the decimals they are kept with)."""
    if shown == typed:
        return True
    try:
        return abs(Decimal(shown) - Decimal(typed)) < Decimal("0.000001")
    except InvalidOperation:
        return False


def save_and_reload(officer, step: int, typed: dict[str, str]) -> None:
    """Press *Save draft* at once, open the page afresh and find every value typed so far."""
    page = officer.page
    # Wait for the answer to the save itself: reading or reloading the page before it arrives
    # would see the form as it was (the address does not change).
    with page.expect_navigation(timeout=SAVE_TIMEOUT_MS):
        officer.button(step, "Save draft").click()
    page.wait_for_load_state()
    expect(page.locator("[data-error-summary]")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/admin/snippets/activities/activity/edit/\d+/"))
    page.reload()
    page.wait_for_load_state()
    lost = {}
    for name, value in typed.items():
        field = page.locator(f"[name='{name}']")
        shown = field.input_value() if field.count() == 1 else None
        if shown is None or not same_value(shown, value):
            lost[name] = (value, shown)
    assert not lost, f"lost after saving (typed, shown): {lost}"


Figures = dict[str, dict[str, dict[str, Decimal]]]


def locale_number(text: str, lang: str) -> Decimal:
    """Read a figure as the page writes it in ``lang`` ("48.000,00" in Italian, "48,000.00")."""
    with translation.override(lang):
        group = formats.get_format("THOUSAND_SEPARATOR")
        point = formats.get_format("DECIMAL_SEPARATOR")
    plain = re.sub(r"\s", "", text).replace(group, "").replace(point, ".")
    assert re.fullmatch(r"-?\d+(\.\d+)?", plain), f"“{text}” is not a figure in {lang}"
    return Decimal(plain)


def page_figures(page: Page, address: str, lang: str) -> Figures:
    """Return every figure table of a page: by table (``data-figure``), row code, column heading.

    A page with no figures yet ("No figures to show yet.") has no tables: an empty dict.
    """
    page.goto(address)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("section.oc-figure").first).to_be_visible()
    tables = page.evaluate(
        """() => [...document.querySelectorAll("table[data-figure]")].map((table) => ({
            slug: table.dataset.figure,
            columns: [...table.querySelectorAll("thead th")].slice(1).map((th) => th.innerText),
            rows: [...table.querySelectorAll("tr[data-code]")].map((tr) => ({
                code: tr.dataset.code,
                cells: [...tr.querySelectorAll("td")].map((td) => td.innerText),
            })),
        }))"""
    )
    figures: Figures = {}
    for table in tables:
        rows = figures.setdefault(table["slug"], {})
        for row in table["rows"]:
            cells = zip(table["columns"], row["cells"], strict=True)
            rows[row["code"]] = {column: locale_number(cell, lang) for column, cell in cells}
    return figures


def growth(before: Figures, after: Figures) -> Figures:
    """Return what changed from ``before`` to ``after``: the cells that differ, by how much."""
    grown: Figures = {}
    for slug in before.keys() | after.keys():
        for code in before.get(slug, {}).keys() | after.get(slug, {}).keys():
            old, new = before.get(slug, {}).get(code, {}), after.get(slug, {}).get(code, {})
            for column in old.keys() | new.keys():
                change = new.get(column, Decimal(0)) - old.get(column, Decimal(0))
                if change:
                    grown.setdefault(slug, {}).setdefault(code, {})[column] = change
    return grown


def project_money(lang: str, currency: str, *, by_year: bool) -> dict[str, Decimal]:
    """Return what the project adds to a row of figures, by the column headings of ``lang``.

    A row of the table by year gets its budget, commitment and disbursement; a row of the
    tables by country, sector, goal or partner its transactions and one activity more.
    """
    money = {
        Column("committed", currency): sum(
            Decimal(t["value"]) for t in TRANSACTIONS if t["type"] == "2"
        ),
        Column("disbursed", currency): sum(
            Decimal(t["value"]) for t in TRANSACTIONS if t["type"] in ("3", "4")
        ),
    }
    if by_year:
        money[Column("budget", currency)] = Decimal(BUDGET["value"])
    else:
        money[Column("activities")] = Decimal(1)
    with translation.override(lang):
        return {column.label: value for column, value in money.items()}


# The officers ------------------------------------------------------------------------------------
def make_officer(username: str, role: str, organisation: Organisation):
    user = get_user_model().objects.create_user(username, f"{username}@example.org", PASSWORD)
    user.groups.add(Group.objects.get(name=role))
    EditorialMembership.objects.create(
        user=user, organisation=organisation, relation=EditorialMembership.STAFF
    )
    return user


def remove_everything_made(identifier: str) -> None:
    """Delete the project, its history and the officers: the demo is left as it was."""
    content_type = ContentType.objects.get_for_model(Activity)
    for project in Activity.objects.filter(iati_identifier=identifier):
        ModelLogEntry.objects.filter(content_type=content_type, object_id=str(project.pk)).delete()
        project.delete()
    organisation_type = ContentType.objects.get_for_model(Organisation)
    for partner in Organisation.objects.filter(identifier=PARTNER["identifier"]):
        ModelLogEntry.objects.filter(
            content_type=organisation_type, object_id=str(partner.pk)
        ).delete()
        partner.delete()
    get_user_model().objects.filter(username__in=[EDITOR_NAME, REVIEWER_NAME]).delete()


@pytest.fixture
def officers(monkeypatch, settings) -> Iterator[dict]:
    """An Editor and a Reviewer of Florence; the reviewer has two-factor sign-in set up."""
    # Playwright's sync API runs an event loop in this thread; the ORM calls here are plain
    # blocking calls between browser steps, which Django refuses by default next to a loop.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    florence = Organisation.objects.get(slug="florence")
    identifier = f"{florence.identifier}-{PROJECT['code']}"
    remove_everything_made(identifier)
    make_officer(EDITOR_NAME, EDITOR, florence)
    reviewer = make_officer(REVIEWER_NAME, REVIEWER, florence)
    device = TOTPDevice.objects.create(user=reviewer, name="authenticator", confirmed=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()
    try:
        yield {"florence": florence, "identifier": identifier, "device": device}
    finally:
        remove_everything_made(identifier)
        # Deleting the project marked Florence's kept figures out of date and queued the job
        # that refreshes them; run what the job runs, so that the demo's figures are kept again.
        refresh_outdated_figures.call()


STATISTICS = {
    "title": {"it": "Statistiche", "en": "Statistics"},
    "slug": {"it": "statistiche", "en": "statistics"},
}


@pytest.fixture
def statistics_pages(officers) -> Iterator[dict[str, str]]:
    """Add a statistics page of Florence to its section, in Italian and English, as a site
    administrator adds one (the generator's way); yield its address by language; remove it."""
    florence = officers["florence"]
    section_it = SectionPage.objects.get(reporting_org=florence, locale__language_code="it")
    section_en = section_it.get_translation(Locale.objects.get(language_code="en"))
    assert not StatisticsPage.objects.descendant_of(section_it).exists(), "the demo has one now"
    pages = publish_page_pair(
        (section_it, section_en),
        StatisticsPage,
        STATISTICS,
        "florence:statistics",
        reporting_org=florence,
    )
    try:
        yield {page.locale.language_code: page.get_url_parts()[2] for page in pages}
    finally:
        for page in StatisticsPage.objects.filter(pk__in=[page.pk for page in pages]):
            page.delete()


# Doing what the doc says -----------------------------------------------------------------------
class Officer:
    """One person at the admin, in one language, taking a screenshot after each step."""

    def __init__(self, page: Page, lang: str, how_to: HowTo, who: str) -> None:
        self.page, self.lang, self.how_to, self.who = page, lang, how_to, who
        page.set_default_timeout(TIMEOUT_MS)

    def label(self, step: int, english: str) -> str:
        return self.how_to.label(step, english, self.lang)

    def shot(self, step: int, what: str) -> None:
        name = f"{step:02d}-{self.who}-{self.lang}-{what}.png"
        self.page.screenshot(path=str(SHOTS / name), full_page=True)

    def button(self, step: int, english: str) -> Locator:
        return self.page.get_by_role("button", name=exact(self.label(step, english)))

    def tab(self, step: int, english: str) -> None:
        self.page.get_by_role("tab", name=exact(self.label(step, english))).click()

    def panel(self, step: int, english: str) -> Locator:
        """Return the visible form section headed by the doc's label."""
        heading = self.page.locator(".w-panel__heading:visible").filter(
            has_text=exact(self.label(step, english))
        )
        return self.page.locator("section.w-panel:visible").filter(has=heading).last

    def field(self, step: int, english: str) -> Locator:
        controls = self.page.locator("input:visible, select:visible, textarea:visible")
        return self.page.get_by_label(exact(self.label(step, english))).and_(controls)


def sign_in(officer: Officer, base_url: str, username: str, device: TOTPDevice | None) -> None:
    page = officer.page
    page.goto(base_url + "/admin/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    officer.shot(1, "sign-in")
    officer.button(1, "Sign in").click()
    page.wait_for_load_state()
    if device is not None:
        # The code the reviewer's authenticator app would show now.
        code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
        officer.field(1, "Code from your authenticator app").fill(code)
        officer.shot(1, "two-factor-code")
        officer.button(1, "Verify").first.click()
        page.wait_for_load_state()
    expect(page.locator("input[name=username]")).to_have_count(0)


# ``officers`` before ``new_context``: the browsers close before the officers are removed.
def test_a_new_officer_adds_a_project_and_a_reviewer_publishes_it(
    site, officers, statistics_pages, new_context
):
    how_to = HowTo(DOC)
    florence, identifier = officers["florence"], officers["identifier"]
    title, description = PROJECT["title"], PROJECT["description"]

    # What the figures say before, in each language: the authority's statistics page, and the
    # page of the recipient country.
    visitor = new_context().new_page()
    visitor.set_default_timeout(TIMEOUT_MS)
    country_pages = [country_url("PS", lang) for lang in ("en", "it")]
    figure_pages = [
        (lang, address)
        for lang in ("en", "it")
        for address in (statistics_pages[lang], country_url("PS", lang))
    ]
    before = {
        address: page_figures(visitor, site.url + address, lang) for lang, address in figure_pages
    }
    assert before[statistics_pages["it"]], "Florence's statistics page shows no figures"

    # The editor, with an admin in Italian.
    editor = Officer(new_context(locale="it-IT").new_page(), "it", how_to, "editor")
    page = editor.page

    # 1. Sign in.
    sign_in(editor, site.url, EDITOR_NAME, device=None)
    editor.shot(1, "dashboard")

    # 2. Start a new activity.
    page.get_by_role("link", name=exact(editor.label(2, "Activities"))).first.click()
    page.get_by_role("link", name=exact(editor.label(2, "Add activity"))).first.click()
    page.wait_for_load_state()
    editor.shot(2, "new-activity")

    # 3. Tab Content.
    editor.tab(3, "Content")
    reporting_org = editor.panel(3, "Reporting organisation").locator("select")
    assert florence.identifier in how_to.step(3).text
    expect(reporting_org.locator("option:checked")).to_have_text(
        in_language(florence.name, "it")  # the officer works in Italian
    )
    iati_identifier = editor.panel(3, "IATI identifier").locator("input")
    expect(iati_identifier).to_have_value(f"{florence.identifier}-")
    iati_identifier.press("End")
    iati_identifier.press_sequentially(PROJECT["code"])
    expect(editor.panel(3, "Slug").locator("input")).to_have_value("")
    for english, texts, names in (
        ("Title", title, ("title_0", "title_1")),
        ("General description", description, ("description_0", "description_1")),
    ):
        panel = editor.panel(3, english)
        assert all(name in how_to.step(3).text for name in names)
        for (lang, text), name in zip(texts.items(), names, strict=True):
            box = panel.get_by_label({"it": "Italiano", "en": "English"}[lang])
            expect(box).to_have_attribute("name", name)
            box.fill(text)
    editor.shot(3, "content")
    # Saved at once, as after each step below (the doc: *Save draft* after each part).
    typed = {"iati_identifier": identifier}
    for texts, names in (
        (title, ("title_0", "title_1")),
        (description, ("description_0", "description_1")),
    ):
        typed.update(zip(names, texts.values(), strict=True))
    save_and_reload(editor, 6, typed)

    # 4. Tab Where and what.
    editor.tab(4, "Where and what")
    status = editor.field(4, "Status")
    choose(status, editor.label(4, "Implementation"))
    assert "code 2" in how_to.step(4).text
    editor.field(4, "Planned start").fill("2025-01-01")
    editor.field(4, "Planned end").fill("2026-12-31")
    page.keyboard.press("Escape")  # close the date picker
    editor.button(4, "Add recipient countries").click()
    country = page.locator("input[name^=recipient_countries-][name$=-code]:visible").last
    palestine = re.search(r"\*[^*]+\* — \*([^*]+)\*", how_to.step(4).text).group(1)
    pick_code(page, country, palestine)
    # The place: named, then clicked on the map of the recipient country.
    editor.button(4, "Add locations").click()
    place = page.locator("[id^=inline_child_locations-]:visible").last
    place.get_by_label("Italiano").first.fill(PLACE["it"])
    picker = place.locator("[data-location-picker]")
    picker.get_by_role("button", name=exact(editor.label(4, "Pick on the map"))).click()
    svg = picker.locator("svg")
    expect(svg).to_be_visible()
    click_on_map(svg, *BETHLEHEM)
    row = picker.get_attribute("data-prefix")
    latitude = page.locator(f"input[name={row}-latitude]")
    longitude = page.locator(f"input[name={row}-longitude]")
    expect(latitude).not_to_have_value("")
    # One screen pixel of a country's map is a few kilometres at most.
    assert abs(float(latitude.input_value()) - BETHLEHEM[0]) < 0.1
    assert abs(float(longitude.input_value()) - BETHLEHEM[1]) < 0.1
    expect(picker.locator("[data-location-marker]")).to_have_count(1)
    editor.shot(4, "where-and-what")
    typed.update(
        {
            "status": "2",
            "planned_start": "2025-01-01",
            "planned_end": "2026-12-31",
            "recipient_countries-0-code": "PS",
            "locations-0-name_0": PLACE["it"],
            "locations-0-latitude": latitude.input_value(),
            "locations-0-longitude": longitude.input_value(),
        }
    )
    save_and_reload(editor, 6, typed)

    # 5. Tab Partners.
    editor.tab(5, "Partners")
    editor.button(5, "Add participating organisations").click()
    row = page.locator("[id^=inline_child_participating_orgs-]:visible").last
    row.get_by_role("button", name=exact(editor.label(5, "Choose organisation"))).click()
    modal = page.locator(".modal-dialog:visible")
    modal.get_by_role("link", name=str(florence)).first.click()
    expect(modal).to_have_count(0)
    choose(row.get_by_label(exact(editor.label(5, "Role"))), editor.label(5, "Funding"))
    editor.shot(5, "partners")
    typed.update(
        {"participating_orgs-0-organisation": str(florence.pk), "participating_orgs-0-role": "1"}
    )
    save_and_reload(editor, 6, typed)

    # 6. The other tabs, each part saved at once and found again after the page is reloaded.
    # Where and what: a sector and a goal, picked by their label.
    editor.tab(6, "Where and what")
    editor.button(6, "Add sectors").click()
    sector = (
        page.get_by_label(exact(editor.label(6, "Sector")))
        .and_(page.locator("input[name^=sectors-]:visible"))
        .last
    )
    pick_code(page, sector, how_to.example(6, "Sector", "it"), typed=SECTOR["word"])
    editor.button(6, "Add Sustainable Development Goals").click()
    goal = (
        page.get_by_label(exact(editor.label(6, "Goal or target")))
        .and_(page.locator("input[name^=sdg_tags-]:visible"))
        .last
    )
    pick_code(page, goal, how_to.example(6, "Goal or target", "it"), typed=SDG["word"])
    editor.shot(6, "sector-and-goal")
    typed.update(
        {sector.get_attribute("name"): SECTOR["code"], goal.get_attribute("name"): SDG["code"]}
    )
    save_and_reload(editor, 6, typed)

    # Partners: a new organisation, created from the chooser, implements the project.
    editor.tab(6, "Partners")
    editor.button(6, "Add participating organisations").click()
    row = page.locator("[id^=inline_child_participating_orgs-]:visible").last
    row.get_by_role("button", name=exact(editor.label(6, "Choose organisation"))).click()
    modal = page.locator(".modal-dialog:visible")
    modal.get_by_role(
        "tab", name=re.compile(re.escape(editor.label(6, "New organisation")), re.I)
    ).click()
    modal.get_by_label(re.compile(r"^\s*Italiano")).first.fill(PARTNER["it"])
    modal.get_by_label(exact(editor.label(6, "IATI organisation identifier"))).fill(
        PARTNER["identifier"]
    )
    editor.shot(6, "new-partner")
    modal.get_by_role("button", name=exact(editor.label(6, "Add a new organisation"))).click()
    expect(modal).to_have_count(0)
    partner = Organisation.objects.get(identifier=PARTNER["identifier"])
    assert partner.name["it"] == PARTNER["it"]
    choose(row.get_by_label(exact(editor.label(6, "Role"))), how_to.example(6, "Role", "it"))
    organisation = row.locator("input[name$=-organisation]")
    expect(organisation).to_have_value(str(partner.pk))
    prefix = organisation.get_attribute("name").removesuffix("-organisation")
    typed.update({f"{prefix}-organisation": str(partner.pk), f"{prefix}-role": "4"})
    editor.shot(6, "partners")
    save_and_reload(editor, 6, typed)

    # Finance: a budget, then a commitment and a disbursement.
    editor.tab(6, "Finance")
    editor.button(6, "Add budgets").click()
    budget = page.locator("[id^=inline_child_budgets-]:visible").last
    for english, key in (
        ("Period start", "period_start"),
        ("Period end", "period_end"),
        ("Amount", "value"),
    ):
        box = budget.get_by_label(exact(editor.label(6, english)))
        box.fill(BUDGET[key])
        page.keyboard.press("Escape")  # close a date picker
        typed[box.get_attribute("name")] = BUDGET[key]
    # The doc's examples: *Outgoing Commitment* after *Transaction type*, then *Disbursement*.
    examples = ("Transaction type", "Outgoing Commitment")
    for transaction, example in zip(TRANSACTIONS, examples, strict=True):
        editor.button(6, "Add transactions").click()
        row = page.locator("[id^=inline_child_transactions-]:visible").last
        kind = row.get_by_label(exact(editor.label(6, "Transaction type")))
        label = how_to.example(6, example, "it")
        pick_code(page, kind, label, typed=label.split()[0])
        typed[kind.get_attribute("name")] = transaction["type"]
        for english, key in (("Transaction date", "date"), ("Amount", "value")):
            box = row.get_by_label(exact(editor.label(6, english)))
            box.fill(transaction[key])
            page.keyboard.press("Escape")
            typed[box.get_attribute("name")] = transaction[key]
    editor.shot(6, "finance")
    save_and_reload(editor, 6, typed)

    # Results and documents: a result, and the indicator that comes with it.
    editor.tab(6, "Results and documents")
    editor.button(6, "Add results").click()
    result = page.locator(
        "[data-inline-panel-child][id^=inline_child_results-]:not([id*=-indicators-]):visible"
    ).last
    for english, texts in (("Result", RESULT), ("Indicator", INDICATOR)):
        heading = result.get_by_role("heading", name=exact(editor.label(6, english))).first
        boxes = heading.locator(
            "xpath=following::*[self::input or self::textarea][not(@type='hidden')]"
        )
        for index, text in enumerate(texts.values()):
            box = boxes.nth(index)
            assert box.get_attribute("name").endswith(f"title_{index}"), box.get_attribute("name")
            box.fill(text)
            typed[box.get_attribute("name")] = text
    for english, key in (("Baseline year", "baseline_year"), ("Baseline value", "baseline_value")):
        box = result.get_by_label(exact(editor.label(6, english)))
        box.fill(BASELINE[key])
        typed[box.get_attribute("name")] = BASELINE[key]
    editor.shot(6, "result")
    save_and_reload(editor, 6, typed)
    editor.shot(6, "saved")

    # 7. Save and send for review (no autosave on records with rows: the button is the save).
    with page.expect_navigation(timeout=SAVE_TIMEOUT_MS):
        editor.button(7, "Save draft").click()
    page.wait_for_load_state()
    project = Activity.objects.get(iati_identifier=identifier)
    assert not project.live
    # Nothing typed was lost: every part is in the draft, as typed.
    draft = project.get_latest_revision_as_object()
    [saved_place] = draft.locations.all()
    assert saved_place.name["it"] == PLACE["it"]
    assert abs(float(saved_place.latitude) - BETHLEHEM[0]) < 0.1
    assert [(p.organisation_id, p.role) for p in draft.participating_orgs.all()] == [
        (florence.pk, "1"),
        (partner.pk, "4"),
    ]
    assert [s.code for s in draft.sectors.all()] == [SECTOR["code"]]
    assert [g.code for g in draft.sdg_tags.all()] == [SDG["code"]]
    assert [(str(b.period_start), str(b.period_end), b.value) for b in draft.budgets.all()] == [
        (BUDGET["period_start"], BUDGET["period_end"], Decimal(BUDGET["value"]))
    ]
    assert [(t.type, str(t.date), t.value) for t in draft.transactions.all()] == [
        (t["type"], t["date"], Decimal(t["value"])) for t in TRANSACTIONS
    ]
    [saved_result] = draft.results.all()
    [saved_indicator] = saved_result.indicators.all()
    assert {lang: saved_result.title.get(lang) for lang in RESULT} == RESULT
    assert {lang: saved_indicator.title.get(lang) for lang in INDICATOR} == INDICATOR
    assert (str(saved_indicator.baseline_year), str(saved_indicator.baseline_value)) == (
        BASELINE["baseline_year"],
        BASELINE["baseline_value"],
    )
    assert project.slug == slugify(title["en"])  # "made from the English title"
    editor.tab(7, "Publishing and translations")
    expect(page.locator("[data-publication-ready]")).to_be_visible()
    expect(page.locator("[data-record-status] [data-language=it]")).to_have_attribute(
        "data-status", "complete"
    )
    editor.shot(7, "saved-draft")
    editor.field(7, "Note for the reviewer").fill(NOTE)
    editor.button(7, "More actions").click()
    with page.expect_navigation(timeout=SAVE_TIMEOUT_MS):
        editor.button(7, "Submit to Review").click()
    page.wait_for_load_state()
    editor.shot(7, "submitted")
    project.refresh_from_db()
    assert project.workflow_in_progress and not project.live

    # 8. The reviewer, with an admin in English and two-factor sign-in, opens it.
    reviewer = Officer(new_context(locale="en-GB").new_page(), "en", how_to, "reviewer")
    page = reviewer.page
    sign_in(reviewer, site.url, REVIEWER_NAME, device=officers["device"])
    # The dashboard names records by their title in Italian, the source language.
    awaiting = page.locator("section").filter(
        has=page.get_by_role("heading", name=exact(reviewer.label(8, "Awaiting your review")))
    )
    expect(awaiting.first).to_contain_text(title["it"])
    yours = page.locator("section").filter(
        has=page.get_by_role("heading", name=exact(reviewer.label(8, "Your records")))
    )
    reviewer.shot(8, "dashboard")
    yours.first.get_by_role("link", name=title["it"]).first.click()
    page.wait_for_load_state()
    reviewer.shot(8, "in-review")

    # The editor's note is on the reviewer's page, in the tab the guide names.
    reviewer.tab(8, "Publishing and translations")
    conversation = page.locator("[data-review]").filter(
        has=page.get_by_role("heading", name=exact(reviewer.label(8, "Review and comments")))
    )
    expect(conversation.locator("[data-review-comments] q")).to_have_text([NOTE])
    reviewer.shot(8, "editors-note")

    # 9. The reviewer previews the public page in each language, in a new window.
    previews = page.locator("[data-review-previews]")
    expect(previews).to_contain_text(
        reviewer.label(9, "Preview the public page of the version in review")
    )
    for lang, name in (("it", "Italiano"), ("en", "English")):
        assert f"*{name}*" in how_to.step(9).text, name
        with page.context.expect_page() as opened:
            previews.get_by_role("link", name=exact(name)).click()
        preview = opened.value
        preview.wait_for_load_state()
        expect(preview.get_by_role("heading", level=1)).to_have_text(title[lang])
        expect(preview.locator("main")).to_contain_text(description[lang])
        expect(preview.locator("html")).to_have_attribute("lang", lang)
        preview.screenshot(path=str(SHOTS / f"09-reviewer-preview-{lang}.png"), full_page=True)
        preview.close()
    project.refresh_from_db()
    assert not project.live  # looking publishes nothing

    # 10. The reviewer approves, with a comment.
    reviewer.button(10, "More actions").click()
    reviewer.button(10, "Approve with comment and Publish").click()
    dialog = page.locator(".modal-dialog:visible")
    dialog.get_by_label(exact(reviewer.label(10, "Comment"))).fill(COMMENT)
    reviewer.shot(10, "comment")
    dialog.locator("[type=submit]").first.click()
    # Approving sends the reviewer to the list: wait for it, or the next goto races it.
    page.wait_for_url(
        re.compile(r"/admin/snippets/activities/activity/(\?.*)?$"), timeout=SAVE_TIMEOUT_MS
    )
    reviewer.shot(10, "approved")
    project.refresh_from_db()
    assert project.live and not project.workflow_in_progress
    # The comment stays in the admin: in the conversation and in the history.
    page.goto(f"{site.url}/admin/snippets/activities/activity/edit/{project.pk}/")
    reviewer.tab(8, "Publishing and translations")
    expect(conversation.locator("[data-review-comments] q")).to_have_text([NOTE, COMMENT])

    # 11. See it on the public site, in both languages: the list, its own page, the catalogue.
    addresses = re.findall(r"`(/\w\w/[^`?]+/)`", how_to.step(11).text)
    listings = [a for a in addresses if not re.search(r"^/\w\w/(countries|paesi)/", a)]
    assert [a for a in addresses if a not in listings] == country_pages, addresses
    assert [listing[:4] for listing in listings] == ["/en/", "/it/"], listings
    every_search = re.findall(r"`(/\w\w/[^`]+/\?q=[^`]+)`", how_to.step(11).text)
    searches = [search for search in every_search if "/catalog" in search]
    assert [search[:4] for search in searches] == ["/en/", "/it/"], searches
    site_searches = [search for search in every_search if "/catalog" not in search]
    assert [search[:4] for search in site_searches] == ["/en/", "/it/"], site_searches
    own_pages = {}
    for lang, listing, search, site_search in zip(
        ("en", "it"), listings, searches, site_searches, strict=True
    ):
        visitor.goto(site.url + listing)
        link = visitor.get_by_role("link", name=title[lang])
        expect(link.first).to_be_visible()
        visitor.screenshot(path=str(SHOTS / f"11-visitor-{lang}-projects.png"), full_page=True)
        link.first.click()
        visitor.wait_for_load_state()
        expect(visitor.get_by_role("heading", level=1)).to_have_text(title[lang])
        expect(visitor.locator("main")).to_contain_text(description[lang])
        expect(visitor.locator("main")).to_contain_text(identifier)
        visitor.screenshot(path=str(SHOTS / f"11-visitor-{lang}-project.png"), full_page=True)
        own_page = own_pages[lang] = visitor.url

        # The catalogue, searched for a word of the title, lists it and links to that page.
        word = search.rsplit("=", 1)[1]
        assert word.lower() in title[lang].lower(), (search, title[lang])
        visitor.goto(site.url + search)
        expect(visitor.locator("input[name=q]").first).to_have_value(word)
        result = visitor.locator(".it-card-title a").filter(has_text=exact(title[lang]))
        expect(result).to_have_count(1)
        visitor.screenshot(path=str(SHOTS / f"11-visitor-{lang}-catalogue.png"), full_page=True)
        assert site.url + result.get_attribute("href") == own_page
        result.click()
        visitor.wait_for_load_state()
        expect(visitor.get_by_role("heading", level=1)).to_have_text(title[lang])
        # The site's search finds it too.
        visitor.goto(site.url + site_search)
        found = visitor.locator("main").get_by_role("link", name=exact(title[lang]))
        expect(found.first).to_be_visible()
        visitor.screenshot(path=str(SHOTS / f"11-visitor-{lang}-search.png"), full_page=True)

    # The authority's IATI file holds it, with its place on the map.
    [iati_file] = re.findall(r"`(/opendata/iati/[^`]+\.xml)`", how_to.step(11).text)
    assert florence.identifier in iati_file
    response = visitor.request.get(site.url + iati_file)
    assert response.ok, response.status
    activities = ET.fromstring(response.body()).findall("iati-activity")
    [activity] = [a for a in activities if a.findtext("iati-identifier") == identifier]
    assert activity.find("title/narrative").text in title.values()
    pos = [float(n) for n in activity.findtext("location/point/pos").split()]
    assert abs(pos[0] - BETHLEHEM[0]) < 0.1 and abs(pos[1] - BETHLEHEM[1]) < 0.1, pos

    # The data of the authority's map shows the place.
    [map_data] = re.findall(r"`(/geography/[^`]+/map\.json)`", how_to.step(11).text)
    response = visitor.request.get(site.url + map_data)
    assert response.ok, response.status
    points = [(p["latitude"], p["longitude"]) for p in response.json()["points"]]
    assert any(
        abs(latitude - float(saved_place.latitude)) < 0.01
        and abs(longitude - float(saved_place.longitude)) < 0.01
        for latitude, longitude in points
    ), points

    # The IATI file holds the rest of the project: partner, sector, budget, transactions, result.
    partners = {o.get("ref"): o.get("role") for o in activity.findall("participating-org")}
    assert partners.get(PARTNER["identifier"]) == "4", partners
    assert [s.get("code") for s in activity.findall("sector")] == [SECTOR["code"]]
    [budget] = activity.findall("budget")
    assert budget.find("period-start").get("iso-date") == BUDGET["period_start"]
    assert budget.find("period-end").get("iso-date") == BUDGET["period_end"]
    assert Decimal(budget.findtext("value")) == Decimal(BUDGET["value"])
    transactions = [
        (
            t.find("transaction-type").get("code"),
            t.find("transaction-date").get("iso-date"),
            Decimal(t.findtext("value")),
        )
        for t in activity.findall("transaction")
    ]
    assert transactions == [(t["type"], t["date"], Decimal(t["value"])) for t in TRANSACTIONS], (
        transactions
    )
    [result] = activity.findall("result")
    assert result.findtext("title/narrative") in RESULT.values()
    assert result.findtext("indicator/title/narrative") in INDICATOR.values()
    assert result.find("indicator/baseline").get("year") == BASELINE["baseline_year"]

    # The figures count it, in each language, by exactly what the project states: its budget,
    # commitment and disbursement in their year; one activity more, with its commitment and
    # disbursement, in its country, sector, sector group, goal and type of partner (a partner
    # with no type: "Type not stated"). Nothing else changes.
    # Publishing refreshed the authority's kept figures in the publication's own transaction
    # (opencoop.stats.signals): the page reads them, not figures read afresh.
    state = FigureState.objects.get(authority=florence)
    assert not state.dirty, "Florence's kept figures are out of date after publishing"
    currency = project.default_currency
    partner.refresh_from_db()
    year = {row["date"][:4] for row in TRANSACTIONS} | {BUDGET["period_start"][:4]}
    assert len(year) == 1, year  # one row of the year table takes all the project's money
    [year] = year
    for lang, address in figure_pages:
        after = page_figures(visitor, site.url + address, lang)
        kind = "statistics" if address == statistics_pages[lang] else "country"
        visitor.screenshot(path=str(SHOTS / f"11-visitor-{lang}-{kind}.png"), full_page=True)
        money = project_money(lang, currency, by_year=True)
        if kind == "country":
            expected = {"by-year": {year: money, "total": money}}
        else:
            counted = project_money(lang, currency, by_year=False)
            expected = {
                "by-year": {year: money, "total": money},
                "by-country": {"PS": counted},
                "by-sector": {SECTOR["code"]: counted},
                "by-sector-group": {SECTOR["code"][:3]: counted},
                "by-sdg": {SDG["code"]: counted},
                "by-partner-type": {partner.type or UNSTATED: counted},
            }
        assert growth(before[address], after) == expected, (lang, address)
        as_of = visitor.locator("[data-figures-as-of]").get_attribute("data-figures-as-of")
        assert datetime.fromisoformat(as_of) == state.refreshed_at, (as_of, state.refreshed_at)
        if kind == "country":
            # The country's map has the place: a dot where the saved coordinates are, which
            # leads to the project's page.
            dot = visitor.locator("figure.oc-map-figure svg a").and_(
                visitor.locator(f"[href$='{urlsplit(own_pages[lang]).path}']")
            )
            expect(dot).to_have_count(1)
            circle = dot.locator("circle.oc-map-point")
            x, y = Frame().point(float(saved_place.longitude), float(saved_place.latitude))
            assert abs(float(circle.get_attribute("cx")) - x) <= 0.1, (circle, x)
            assert abs(float(circle.get_attribute("cy")) - y) <= 0.1, (circle, y)
            dot.click()
            visitor.wait_for_load_state()
            expect(visitor.get_by_role("heading", level=1)).to_have_text(title[lang])
