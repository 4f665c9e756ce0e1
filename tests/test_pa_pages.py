"""The conventions of an Italian public site: notices, the authority's link, home page, 404."""

import datetime

import pytest
from bs4 import BeautifulSoup
from wagtail.models import Site

from opencoop.core.models import PortalSettings
from opencoop.pages.models import NoticePage

from .conftest import SECTION_EN, SECTION_IT

pytestmark = pytest.mark.django_db

NOTICES = {
    "it": {
        "accessibility": "/it/dichiarazione-di-accessibilita/",
        "legal": "/it/note-legali/",
        "privacy": "/it/privacy/",
    },
    "en": {
        "accessibility": "/en/accessibility-statement/",
        "legal": "/en/legal-notes/",
        "privacy": "/en/privacy/",
    },
}


def soup_of(client, url: str, status: int = 200) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == status, url
    return BeautifulSoup(response.content, "html.parser")


def headings(soup: BeautifulSoup) -> list[str]:
    return [h.get_text(" ", strip=True) for h in soup.select("main h2")]


@pytest.fixture
def portal():
    return PortalSettings.for_site(Site.objects.get(is_default_site=True))


@pytest.mark.parametrize("lang", ["it", "en"])
def test_every_notice_is_in_the_footer_of_every_page_in_both_languages(client, lang):
    section = SECTION_IT if lang == "it" else SECTION_EN
    footer = soup_of(client, section).select_one("footer .it-footer-small-prints-list")
    assert [a["href"] for a in footer.select("a")][-3:] == list(NOTICES[lang].values())
    for url in NOTICES[lang].values():
        assert soup_of(client, url).html["lang"] == lang


@pytest.mark.parametrize(
    "lang, expected",
    [
        (
            "it",
            [
                "Stato di conformità",
                "Contenuti non accessibili",
                "Redazione della dichiarazione",
                "Meccanismo di feedback e recapiti",
                "Procedura di attuazione",
            ],
        ),
        (
            "en",
            [
                "Conformity status",
                "Content that is not accessible",
                "Preparation of this statement",
                "Feedback and contact details",
                "Enforcement procedure",
            ],
        ),
    ],
)
def test_accessibility_statement_follows_the_agid_model(client, lang, expected):
    soup = soup_of(client, NOTICES[lang]["accessibility"])
    assert headings(soup) == expected
    feedback = soup.select_one("#accessibility-feedback")
    suggestions = "/it/suggerimenti/" if lang == "it" else "/en/suggestions/"
    assert suggestions in [a["href"] for a in feedback.select("a")]
    enforcement = soup.select_one("#accessibility-enforcement")
    assert enforcement.select_one("a")["href"] == "https://www.agid.gov.it/"
    # The demo states nothing the original page does not: the gaps are shown, not filled.
    assert len(soup.select("#accessibility-conformity .oc-to-complete")) == 1


def test_accessibility_statement_shows_its_dates_and_status_from_the_settings(client, portal):
    portal.accessibility_conformity = "partially"
    portal.accessibility_statement_date = datetime.date(2025, 9, 1)
    portal.accessibility_checked_on = datetime.date(2025, 11, 3)
    portal.accessibility_not_accessible = {"it": "I grafici più vecchi.", "en": "Older charts."}
    portal.save()
    italian = soup_of(client, NOTICES["it"]["accessibility"])
    text = " ".join(italian.select_one("main").get_text(" ").split())
    assert "Questo sito è parzialmente conforme ai requisiti" in text
    assert "redatta il 1 settembre 2025" in text
    assert "del 3 novembre 2025" in text
    assert "I grafici più vecchi." in text
    assert italian.select(".oc-to-complete") == []
    english = " ".join(soup_of(client, NOTICES["en"]["accessibility"]).get_text(" ").split())
    assert "prepared on 1 September 2025" in english
    assert "last checked on 3 November 2025" in english


@pytest.mark.parametrize(
    "lang, expected",
    [
        (
            "it",
            [
                "Titolare del trattamento",
                "Responsabile della protezione dei dati",
                "Finalità del trattamento",
                "Base giuridica",
                "Periodo di conservazione dei dati",
                "I tuoi diritti",
                "Che cosa raccoglie questo portale",
            ],
        ),
        (
            "en",
            [
                "Data controller",
                "Data protection officer",
                "Purposes of processing",
                "Legal basis",
                "How long data are kept",
                "Your rights",
                "What this portal collects",
            ],
        ),
    ],
)
def test_privacy_notice_has_every_part_and_marks_what_is_missing(client, lang, expected):
    soup = soup_of(client, NOTICES[lang]["privacy"])
    assert headings(soup) == expected
    assert len(soup.select(".oc-to-complete")) == 6


def test_privacy_notice_shows_the_values_of_the_settings(client, portal):
    portal.privacy_controller = {"it": "Ente di prova, piazza Uno 1", "en": "Test authority"}
    portal.privacy_dpo = {"it": "dpo@example.org"}
    portal.privacy_legal_basis = {"it": "Art. 6(1)(e) GDPR", "en": "Art. 6(1)(e) GDPR"}
    portal.save()
    soup = soup_of(client, NOTICES["it"]["privacy"])
    assert soup.select_one("#privacy-controller p").get_text() == "Ente di prova, piazza Uno 1"
    assert soup.select_one("#privacy-dpo p").get_text() == "dpo@example.org"
    assert soup.select_one("#privacy-legal_basis p").get_text() == "Art. 6(1)(e) GDPR"
    assert len(soup.select(".oc-to-complete")) == 3
    english = soup_of(client, NOTICES["en"]["privacy"])
    assert english.select_one("#privacy-controller p").get_text() == "Test authority"


@pytest.mark.parametrize("lang", ["it", "en"])
def test_legal_notes_state_the_licence(client, lang):
    soup = soup_of(client, NOTICES[lang]["legal"])
    licence = soup.select_one("#legal-licence a[rel=license]")
    assert licence["href"] == "https://creativecommons.org/licenses/by/4.0/"
    assert soup.select_one("#legal-notes .oc-to-complete") is not None


@pytest.mark.parametrize(
    "url, note",
    [
        ("/it/suggerimenti/", "sono usati solo per risponderti"),
        ("/en/suggestions/", "are used only to answer you"),
    ],
)
def test_suggestions_form_carries_a_privacy_note_before_sending(client, url, note):
    form = soup_of(client, url).select_one("main form")
    privacy_note = form.select_one(".oc-privacy-note")
    assert note in privacy_note.get_text()
    assert privacy_note.select_one("a")["href"] == url[:4] + "privacy/"
    # The note comes before the button that sends the e-mail address.
    assert privacy_note.find_next("button")["type"] == "submit"


def test_header_names_the_authority_with_a_link_to_its_own_site(client, portal):
    brand = soup_of(client, SECTION_IT).select_one(".it-header-slim-wrapper .navbar-brand")
    assert brand.name == "a" and brand["href"] == "https://www.comune.fi.it"
    assert brand.get_text() == "Comune di Firenze"
    portal.authority_url = ""
    portal.save()
    brand = soup_of(client, SECTION_EN).select_one(".it-header-slim-wrapper .navbar-brand")
    assert brand.name == "span"


def test_follow_links_show_only_once_an_address_is_configured(client, portal):
    assert soup_of(client, SECTION_IT).select(".oc-follow a") == []
    portal.youtube_url = "https://video.example.org/channel"
    portal.save()
    links = soup_of(client, SECTION_IT).select(".oc-follow a")
    assert [a["href"] for a in links] == ["https://video.example.org/channel"]


@pytest.mark.parametrize(
    "url, h1, numbers, latest, contact",
    [
        ("/it/", "Comune di Firenze", "13 Progetti", "Ultimi progetti", "Nicoletta Mantovani"),
        (
            "/en/",
            "Municipality of Florence",
            "13 Projects",
            "Latest projects",
            "Nicoletta Mantovani",
        ),
    ],
)
def test_home_page_says_what_the_section_does_with_projects_numbers_and_contact(
    client, url, h1, numbers, latest, contact
):
    soup = soup_of(client, url)
    assert soup.select_one("main h1").contents[0].strip() == h1
    section = soup.select_one(".oc-home-section")
    assert "cooperazione decentrata" in section.get_text().lower() or (
        "decentralized cooperation" in section.get_text().lower()
    )
    assert numbers in " ".join(section.select_one(".oc-home-numbers").get_text().split())
    assert latest in [h.get_text() for h in section.select("h3")]
    project_links = section.select(".oc-home-latest a")
    assert len(project_links) == 3
    for link in project_links:
        assert client.get(link["href"]).status_code == 200
    assert contact in section.select_one(".oc-contact").get_text()


@pytest.mark.parametrize(
    "url, lang, action",
    [
        ("/it/pagina-che-non-esiste/", "it", "/it/cerca/"),
        ("/en/no-such-page/", "en", "/en/search/"),
    ],
)
def test_not_found_page_offers_the_site_search_in_the_site_design(client, url, lang, action):
    soup = soup_of(client, url, status=404)
    form = soup.select_one("main form[role=search]")
    assert form["action"] == action and form["method"] == "get"
    assert form.select_one("input[type=search]")["name"] == "q"
    assert soup.select_one("label")["for"] == form.select_one("input")["id"]
    assert "OpenCoop" not in soup.select_one(".it-brand-title").get_text()
    assert soup.html["lang"] == lang


def test_notices_are_one_page_type_in_both_languages():
    pages = NoticePage.objects.live()
    assert sorted((p.notice, p.locale.language_code) for p in pages) == sorted(
        (kind, lang) for lang in ("it", "en") for kind in ("accessibility", "legal", "privacy")
    )


def test_the_home_lists_the_latest_public_projects_a_plain_reading_finds(client):
    """Read for every section in one query, they are the section's newest public projects:
    an embargoed or unpublished one leaves the list at once."""
    from django.db.models import F
    from django.utils import translation

    from opencoop.access import policy
    from opencoop.activities.models import Activity
    from opencoop.core.multilingual import text
    from opencoop.organisations.models import Organisation

    florence = Organisation.objects.get(identifier="IT-CF-01307110484")

    def shown() -> list[str]:
        section = soup_of(client, "/en/").select_one(".oc-home-section")
        return [a.get_text(strip=True) for a in section.select(".oc-home-latest a")]

    def newest() -> list[Activity]:
        public = policy.public(Activity).filter(reporting_org=florence)
        return list(public.order_by(F("last_published_at").desc(nulls_last=True), "-pk")[:3])

    def titles(activities: list[Activity]) -> list[str]:
        with translation.override("en"):
            return [text(activity.title) for activity in activities]

    first = newest()
    assert len(first) == 3 and shown() == titles(first)
    embargoed = first[0]
    embargoed.embargo_until = datetime.date.today() + datetime.timedelta(days=30)
    embargoed.save()
    assert shown() == titles(newest()) and titles([embargoed])[0] not in shown()
    first[1].unpublish()
    assert shown() == titles(newest()) and titles([first[1]])[0] not in shown()


def test_a_published_change_to_a_section_or_its_lists_shows_on_the_home_at_once(client):
    """The home remembers its sections, their lists and addresses until the next publication:
    a section renamed, or a list unpublished, shows on the next request."""
    from opencoop.pages.models import RecordIndexPage, SectionPage

    def section_soup():
        return soup_of(client, "/en/").select_one(".oc-home-section")

    first = section_soup()
    link = first.select_one("h2 a")
    section = SectionPage.objects.live().get(
        locale__language_code="en", url_path__endswith=link["href"].split("/en/", 1)[1]
    )
    assert [a.get_text(strip=True) for a in first.select(".oc-home-numbers a")][:1] == [
        RecordIndexPage.objects.child_of(section).get(record_type="activities").title
    ]
    section.seo_title = "Cooperation, renamed"
    section.save_revision().publish()
    initiatives = RecordIndexPage.objects.child_of(section).get(record_type="initiatives")
    initiatives.unpublish()
    after = section_soup()
    assert after.select_one("h2 a").get_text(strip=True) == "Cooperation, renamed"
    numbers = after.select_one(".oc-home-numbers")
    assert initiatives.title not in [a.get_text(strip=True) for a in numbers.select("a")]
    assert "Initiatives" in numbers.get_text()  # the count stays, named without a link


def test_the_homes_numbers_agree_with_the_sections_lists_after_every_change(client):
    """Kept counts, not a count of the records: an embargo set by a plain save and an
    unpublished initiative show in the home's numbers on the next request."""
    from django.utils import translation

    from opencoop.access import policy
    from opencoop.activities.models import Activity
    from opencoop.initiatives.models import Initiative
    from opencoop.organisations.models import Organisation
    from opencoop.pages.records import KINDS

    florence = Organisation.objects.get(identifier="IT-CF-01307110484")

    def shown() -> dict[str, int]:
        numbers = soup_of(client, "/en/").select_one(".oc-home-section .oc-home-numbers")
        return {
            " ".join(li.get_text().split()[1:]): int(li.strong.get_text().replace(",", ""))
            for li in numbers.select("li")
        }

    def expected() -> dict[str, int]:
        with translation.override("en"):
            return {
                str(KINDS[key].label): policy.public(KINDS[key].model)
                .filter(reporting_org=florence)
                .count()
                for key in ("activities", "initiatives", "exchanges")
            }

    def titles_of_lists(numbers: dict[str, int]) -> dict[str, int]:
        # The home names each number by its list page's title: "Projects", "Initiatives", ...
        return dict(zip(expected(), numbers.values(), strict=True))

    before = shown()
    assert titles_of_lists(before) == expected() and all(before.values())
    activity = policy.public(Activity).filter(reporting_org=florence).first()
    activity.embargo_until = datetime.date.today() + datetime.timedelta(days=10)
    activity.save()
    policy.public(Initiative).filter(reporting_org=florence).first().unpublish()
    after = shown()
    assert titles_of_lists(after) == expected()
    assert list(after.values()) == [n - 1 for n in list(before.values())[:2]] + [
        list(before.values())[2]
    ]
