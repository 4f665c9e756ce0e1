"""Browser suite: a live server on the test database and one headless Chromium for the whole run.

The Florence demo is already in the test database (tests/conftest.py loads it once, committed), so
the live server only reads it: no transactional test, no flush, nothing else in the suite slows down.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from .page_types import PAGE_TYPES, PageType, locate_all, present

BROWSER_DIR = Path(__file__).resolve().parent
NODE_DIR = BROWSER_DIR / "node"
AXE_JS = NODE_DIR / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = NODE_DIR / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PORTS = range(8015, 8020)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SCREENSHOTS = settings.VAR_DIR / "screenshots"
CSS = settings.BASE_DIR / "opencoop" / "static" / "dist" / "opencoop.css"
DESKTOP = {"width": 1280, "height": 800}

INSTALL_HINT = (
    "`make test` installs them (as root); by hand: `apt-get install -y chromium "
    "default-jre-headless`, `.venv/bin/pip install -r requirements/test.txt` and "
    "`cd tests/browser/node && npm ci`."
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the browser tests last, so that the quick tests report first."""
    items.sort(key=lambda item: BROWSER_DIR in Path(str(item.path)).parents)


@dataclass
class Visit:
    """What one anonymous visitor's browser met on one page."""

    key: str
    lang: str
    url: str
    status: int
    html: str
    requests: list[str] = field(default_factory=list)
    cookies: list[dict] = field(default_factory=list)
    violations: list[dict] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    screenshot: Path | None = None
    #: How many CSS pixels the page is wider than the window (0: no sideways scroll).
    overflow: int = 0

    @property
    def name(self) -> str:
        return f"{self.key}-{self.lang}"


@dataclass
class LiveSite:
    """The live server and the address of every page type in every language."""

    url: str
    paths: dict[tuple[str, str], str]
    #: Why an optional page type is not in the demo (yet), by (page type, language).
    absent: dict[tuple[str, str], str]

    @property
    def netloc(self) -> str:
        return urlsplit(self.url).netloc

    def address(self, key: str, lang: str) -> str:
        """Return the page's full address; skip the test when the demo has no such page yet."""
        if (key, lang) in self.absent:
            pytest.skip(f"{key}-{lang}: {self.absent[(key, lang)]}")
        return self.url + self.paths[(key, lang)]

    def cases(self) -> list[tuple[PageType, str]]:
        """Return (page type, language) for every page the demo has."""
        return [(t, lang) for t, lang in present() if (t.key, lang) in self.paths]

    def is_same_site(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in {"data", "blob", "about"} or parts.netloc == self.netloc


def free_port() -> int:
    """Return the first free port of the range reserved to these tests."""
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"ports {PORTS.start}-{PORTS.stop - 1} are all taken")


@pytest.fixture
def db(django_db_setup) -> None:
    """Stand in for pytest-django's ``db``: the test database exists, no transaction is opened.

    Asking for ``db`` is what makes pytest-django create the test database; its own fixture would
    also wrap each test in a transaction on a connection the live server shares (in-memory SQLite).
    """


@pytest.fixture(autouse=True)
def _test_database(db) -> None:
    """Have the test database (with the demo) created for every browser test."""


@pytest.fixture(scope="package")
def tools() -> None:
    """Fail with the way out when a tool of the browser suite is missing."""
    missing = [str(path) for path in (CHROMIUM, AXE_JS, VNU_JAR) if not path.exists()]
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing.append("the playwright Python package")
    if shutil.which("java") is None:
        missing.append("java (a headless JRE)")
    if missing:
        pytest.fail("The browser tests need " + ", ".join(missing) + ". " + INSTALL_HINT)
    if not CSS.exists():
        pytest.fail(f"{CSS} is missing: build the front end with `make assets`.")


@pytest.fixture(scope="package")
def site(tools, django_db_setup, django_db_blocker) -> Iterator[LiveSite]:
    """Serve the test database (with the demo) and the built assets on 127.0.0.1:8015-8019."""
    from django.core.cache import cache
    from pytest_django.live_server_helper import LiveServer

    # The tests before this suite post forms from the same address (127.0.0.1) and fill the cache:
    # start with no suggestion counted against the rate limit and no page kept.
    cache.clear()
    # The server's threads read the database while the tests run: keep access open meanwhile.
    with django_db_blocker.unblock():
        paths, absent = locate_all(present())
        server = LiveServer(f"127.0.0.1:{free_port()}", start=False)
        server._live_server_modified_settings.enable()
        server.start()
        try:
            yield LiveSite(url=server.url, paths=paths, absent=absent)
        finally:
            server.stop()
            server._live_server_modified_settings.disable()


@pytest.fixture(scope="package")
def browser(site):
    """Start Debian's Chromium once for the whole browser suite."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_context(browser) -> Iterator[Callable]:
    """Open fresh browser contexts (no cookie, no storage): one anonymous visitor each."""
    opened = []

    def open_context(**options):
        # axe-core is injected as an inline script, which a strict CSP would refuse.
        context = browser.new_context(bypass_csp=True, **{"viewport": DESKTOP, **options})
        opened.append(context)
        return context

    yield open_context
    for context in opened:
        context.close()


def run_axe(page) -> list[dict]:
    """Run axe-core with the WCAG 2.0-2.2 A and AA rules; return its violations."""
    page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(
        """tags => axe.run(document, {runOnly: {type: 'tag', values: tags},
                                      resultTypes: ['violations']})
                   .then(result => result.violations)""",
        AXE_TAGS,
    )


def describe_violations(violations: list[dict]) -> str:
    """Return axe-core's violations as lines a person can act on."""
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            target = " ".join(str(part) for part in node["target"])
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    {target}: {summary}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    … and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


@pytest.fixture(scope="package")
def visit(site, browser) -> Callable[[PageType, str], Visit]:
    """Visit a page type as an anonymous visitor once; later calls return the same visit."""
    by_key = {t.key: t for t in PAGE_TYPES}
    cache: dict[tuple[str, str], Visit] = {}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def visit_page(page_type: PageType | str, lang: str) -> Visit:
        page_type = by_key[page_type] if isinstance(page_type, str) else page_type
        if (page_type.key, lang) in cache:
            return cache[(page_type.key, lang)]
        context = browser.new_context(bypass_csp=True, viewport=DESKTOP)
        requests: list[str] = []
        errors: list[str] = []
        context.on("request", lambda request: requests.append(request.url))
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and errors.append(f"{m.text} {m.location}"))
        page.on("pageerror", lambda error: errors.append(str(error)))
        try:
            response = page.goto(site.address(page_type.key, lang), wait_until="load")
            if page_type.action is not None:
                with page.expect_navigation(wait_until="load") as navigation:
                    page_type.action(page)
                response = navigation.value
            screenshot = SCREENSHOTS / f"{page_type.key}-{lang}.png"
            page.screenshot(path=str(screenshot), full_page=True)
            result = Visit(
                key=page_type.key,
                lang=lang,
                url=page.url,
                status=response.status,
                html=response.text(),
                requests=requests,
                violations=run_axe(page),
                overflow=page.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                ),
                console_errors=errors,
                cookies=context.cookies(),
                screenshot=screenshot,
            )
        finally:
            context.close()
        cache[(page_type.key, lang)] = result
        return result

    return visit_page


@pytest.fixture(scope="package")
def nu_messages(site, visit, tmp_path_factory) -> dict[str, list[dict]]:
    """Run the Nu Html Checker once over every page type; return its messages by page name."""
    folder = tmp_path_factory.mktemp("nu")
    files = {}
    for page_type, lang in site.cases():
        page = visit(page_type, lang)
        path = folder / f"{page.name}.html"
        path.write_text(page.html, encoding="utf-8")
        files[path.resolve().as_uri()] = page.name
    run = subprocess.run(
        [
            "java",
            "-jar",
            str(VNU_JAR),
            "--format",
            "json",
            "--stdout",
            *map(str, sorted(folder.iterdir())),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    report = json.loads(run.stdout)
    (SCREENSHOTS / "nu-html-checker.json").write_text(run.stdout, encoding="utf-8")
    messages: dict[str, list[dict]] = {name: [] for name in files.values()}
    for message in report["messages"]:
        url = message.get("url", "")
        name = files.get(url) or files.get(url.replace("file:/", "file:///", 1))
        if name is None:
            raise AssertionError(f"Nu Html Checker: {message}")
        messages[name].append(message)
    return messages
