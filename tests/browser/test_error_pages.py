"""Error pages (404, 500, 503) as a visitor meets them: the site's design, their language, no trace."""

import pytest
from bs4 import BeautifulSoup
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError
from wagtail.models import Site

from .conftest import SCREENSHOTS, describe_violations, run_axe

pytestmark = pytest.mark.browser

HEADINGS = {
    404: {"it": "Pagina non trovata", "en": "Page not found"},
    500: {"it": "Si è verificato un errore", "en": "Something went wrong"},
    503: {"it": "Temporaneamente non disponibile", "en": "Temporarily unavailable"},
}
LEADS = {
    404: {
        "it": "La pagina richiesta non esiste o è stata spostata.",
        "en": "The page you asked for does not exist or has been moved.",
    },
    500: {"it": "Un errore imprevisto ha interrotto", "en": "An unexpected error stopped"},
    503: {
        "it": "il portale non riesce a raggiungere i suoi dati",
        "en": "The portal cannot reach its data",
    },
}
SECRET = "internals a visitor must never see"


def _broken(*args, **kwargs):
    raise ZeroDivisionError(SECRET)


def _database_gone(*args, **kwargs):
    raise OperationalError(f"could not connect to server: {SECRET}")


# The live server runs in this process: breaking the site lookup breaks every public page it
# serves, breaking the session store every request that brings a session cookie (the admin's).
FAULTS = {404: None, 500: _broken, 503: _database_gone}
CASES = [
    (status, path, langs)
    for status in (404, 500, 503)
    for path, langs in (
        ("/it/pagina-che-non-esiste/", ["it"]),
        ("/en/no-such-page/", ["en"]),
        ("/documents/999999/missing.pdf" if status == 404 else "/admin/", ["it", "en"]),
    )
]


@pytest.mark.parametrize(
    ("status", "path", "langs"), CASES, ids=[f"{s}-{'-'.join(ls)}" for s, _p, ls in CASES]
)
def test_error_pages_have_the_site_design_their_language_and_no_trace(
    site, new_context, monkeypatch, status, path, langs
):
    context = new_context()
    if FAULTS[status] is not None and path.startswith("/admin/"):
        monkeypatch.setattr(SessionStore, "load", FAULTS[status])
        context.add_cookies([{"name": "sessionid", "value": "x" * 32, "url": site.url}])
    elif FAULTS[status] is not None:
        monkeypatch.setattr(Site, "find_for_request", FAULTS[status])
    page = context.new_page()
    response = page.goto(site.url + path)
    assert response.status == status
    html = response.text()
    assert SECRET not in html and "Traceback" not in html
    soup = BeautifulSoup(html, "html.parser")
    assert soup.html["lang"] == langs[0]
    sections = soup.select("main section[lang]")
    assert [s["lang"] for s in sections] == langs
    for section, lang in zip(sections, langs, strict=True):
        assert section.h1.get_text(strip=True) == HEADINGS[status][lang]
        assert LEADS[status][lang] in section.select_one("p.lead").get_text()
    assert soup.select_one(".skiplinks a[href='#main']") is not None
    assert soup.select_one("footer#footer") is not None
    assert soup.select_one("main#main") is not None
    hreflangs = [a["hreflang"] for a in soup.select("header .oc-lang-switch a")]
    assert hreflangs == ["it", "en"]
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"
    violations = run_axe(page)
    assert not violations, describe_violations(violations)
    page.screenshot(path=str(SCREENSHOTS / f"error-{status}-{'-'.join(langs)}.png"), full_page=True)
