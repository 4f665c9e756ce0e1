"""Measure every public page type: bytes and requests a first visit costs, and Lighthouse scores.

By default the script builds a throw-away production-like site in a temporary folder
(``opencoop.settings.page_budget``: the shared settings, SQLite, the demo of ``make run``,
``collectstatic`` with WhiteNoise's compressed, hashed files, the security headers, ``DEBUG`` off,
and pages gzip-compressed as the reverse proxy compresses them in production; the production
settings add PostgreSQL, Redis and HTTPS, which change neither the pages nor their assets), serves
it on 127.0.0.1:8015-8019 and visits each page type of ``tests/browser/page_types.py`` with
Debian's Chromium, in a fresh browser (empty cache) each time. Lighthouse rates the page types
the issue names (``LIGHTHOUSE_PAGES``: home, catalogue, project, country, map, statistics; all
of them with ``--lighthouse-pages all``). It prints a table, writes the figures to
``var/page-budget.json`` and the table to ``docs/page-budget.md``.

    .venv/bin/python scripts/page_budget.py                  # all page types, both languages
    .venv/bin/python scripts/page_budget.py --langs en --preset desktop
    .venv/bin/python scripts/page_budget.py --no-lighthouse  # bytes and requests only (~1 min)

Bytes: "wire" is what the server sent (bodies as encoded, plus headers); "compressed" counts each
text response as gzip (level 6) would send it when the server did not compress it itself (Django
does not compress HTML; a reverse proxy usually does), fonts and other binary files as sent. The
budget is 150 KB compressed per page type before images (anything served as ``image/*``, which
includes the SVG icon sprite: it is shown in its own column).

Needs what the browser tests need: /usr/bin/chromium and, for Lighthouse 12, the npm tools in
tests/browser/node (``npm ci`` there); the built front end (``make assets``).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
NODE_DIR = BASE_DIR / "tests" / "browser" / "node"
LIGHTHOUSE = NODE_DIR / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PORTS = range(8015, 8020)
BUDGET = 150 * 1024
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
# The page types Lighthouse rates by default: those issue 18 sets targets for.
LIGHTHOUSE_PAGES = ("home", "catalogue", "activity", "country", "map", "statistics")
# Lighthouse's targets (issue 18): performance at least 95, the other three categories 100.
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100}
TEXT_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml")


@dataclass
class Measure:
    """What a first visit to one page in one language costs, and how Lighthouse rates it."""

    page_type: str
    lang: str
    path: str
    requests: int = 0
    wire_bytes: int = 0
    compressed_bytes: int = 0
    image_bytes: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    scores: dict[str, int | None] = field(default_factory=dict)
    #: Lighthouse audits that count in a score and did not get full marks.
    shortfalls: list[str] = field(default_factory=list)

    @property
    def within_budget(self) -> bool:
        return self.compressed_bytes < BUDGET


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--base-url",
        help="measure this running site instead of building one (its database must be the "
        "one DATABASE_URL / OPENCOOP_VAR_DIR point to, to find the record pages)",
    )
    parser.add_argument("--langs", default="it,en", help="languages, comma-separated")
    parser.add_argument("--pages", default="", help="page types, comma-separated (all)")
    parser.add_argument("--no-lighthouse", action="store_true", help="skip Lighthouse")
    parser.add_argument(
        "--lighthouse-pages",
        default=",".join(LIGHTHOUSE_PAGES),
        help="page types Lighthouse rates, comma-separated, or 'all' (default: %(default)s)",
    )
    parser.add_argument(
        "--preset",
        choices=["mobile", "desktop"],
        default="mobile",
        help="Lighthouse's device and throttling (default: mobile, the stricter)",
    )
    parser.add_argument(
        "--json", type=Path, default=BASE_DIR / "var" / "page-budget.json", help="figures file"
    )
    parser.add_argument(
        "--doc",
        type=Path,
        default=BASE_DIR / "docs" / "page-budget.md",
        help="the table as Markdown (default: %(default)s); '-' for none",
    )
    return parser.parse_args(argv)


def free_port() -> int:
    """Return the first free port of the range reserved to these measurements."""
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit(f"ports {PORTS.start}-{PORTS.stop - 1} are all taken")


def production_like_environment(folder: Path) -> dict[str, str]:
    """Return the environment of a production-settings site kept entirely in ``folder``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "opencoop.settings.page_budget",
            "SECRET_KEY": "page-budget-only-" + os.urandom(32).hex(),
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "OPENCOOP_VAR_DIR": str(folder),
            "STATIC_ROOT": str(folder / "static"),
            "MEDIA_ROOT": str(folder / "media"),
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def address(base_url: str, path: str) -> str:
    """Return the address of a page type's ``path`` (already whole for the atlas's pages)."""
    return path if path.startswith("http") else base_url + path


def prepare_site() -> None:
    """Create the database, load the demo as ``make run`` does, collect the static files.

    The Florence demo has no statistics or map page: the fictional Comune di Esempio
    (``generate_authority``, 60 activities) brings them, with projects that have results tables,
    on the atlas's site (``atlas_at``).
    """
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_demo", verbosity=0)
    call_command("generate_authority", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)


def atlas_at(port: int) -> None:
    """Make the atlas's site answer at localhost:``port``, beside the portal at 127.0.0.1.

    Done once the port is chosen, just before serving: chosen earlier, the port could be taken
    by another measurement while the site is built.
    """
    from wagtail.models import Site

    for site in Site.objects.filter(site_name="atlas"):
        site.hostname, site.port = "localhost", port
        site.save()  # saved, not updated: Wagtail forgets the sites' addresses it remembered


def serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    """Start the site on 127.0.0.1:``port``, its log in ``log``, and wait until it answers."""
    with log.open("w") as output:
        # A file, not a pipe: nobody reads the log meanwhile, and a full pipe would stop the server.
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server stopped:\n" + log.read_text()[-2000:])
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/it/", timeout=2)
            return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit(f"the server did not answer on port {port} within 60 s")


def compressed_size(body: bytes, content_type: str, encoding: str, sent: int) -> int:
    """Return the body's size as a compressing server would send it."""
    if encoding or not content_type.startswith(TEXT_TYPES):
        return sent
    return len(gzip.compress(body, compresslevel=6))


def measure_transfer(browser, url: str, measure: Measure) -> None:
    """Load ``url`` once with an empty cache and add up every response it needed."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    finished = []
    context.on("requestfinished", lambda request: finished.append(request))
    page = context.new_page()
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    for request in finished:
        response = request.response()
        if response is None:
            continue
        sizes = request.sizes()
        headers = response.headers
        content_type = headers.get("content-type", "").split(";")[0].strip()
        sent = sizes["responseBodySize"]
        size = sizes["responseHeadersSize"] + compressed_size(
            response.body(), content_type, headers.get("content-encoding", ""), sent
        )
        measure.requests += 1
        measure.wire_bytes += sizes["responseHeadersSize"] + sent
        kind = content_type.split("/")[-1] or "other"
        measure.by_type[kind] = measure.by_type.get(kind, 0) + size
        if content_type.startswith("image/"):
            measure.image_bytes += size
        else:
            measure.compressed_bytes += size
    context.close()


def lighthouse(url: str, preset: str, measure: Measure, attempts: int = 2) -> None:
    """Run Lighthouse 12 with Debian's Chromium; record its four scores (0-100) and shortfalls."""
    command = [
        "node",
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        "--output-path=stdout",
        "--only-categories=" + ",".join(CATEGORIES),
        "--chrome-flags=" + " ".join(["--headless=new", *CHROMIUM_ARGS]),
    ]
    if preset == "desktop":
        command.append("--preset=desktop")
    run = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={**os.environ, "CHROME_PATH": CHROMIUM},
    )
    if run.returncode != 0 and attempts > 1:
        # Chromium sometimes loses the trace of a run (NO_NAVSTART): try again.
        print(f"  Lighthouse failed on {url}, again: {run.stderr.strip()[-300:]}", file=sys.stderr)
        return lighthouse(url, preset, measure, attempts - 1)
    if run.returncode != 0:
        print(f"  Lighthouse failed on {url}: {run.stderr.strip()[-500:]}", file=sys.stderr)
        measure.scores = {name: None for name in CATEGORIES}
        return
    report = json.loads(run.stdout)
    for name in CATEGORIES:
        category = report["categories"][name]
        score = category["score"]
        measure.scores[name] = None if score is None else round(score * 100)
        for ref in category["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref["weight"] > 0 and audit["score"] is not None and audit["score"] < 1:
                measure.shortfalls.append(f"{name}: {ref['id']} ({audit['score']:.2f})")


def print_table(measures: list[Measure]) -> None:
    """Print one line per page type and language."""
    head = (
        f"{'page type':<20}{'lang':<6}{'req':>4}{'wire KB':>9}{'compr. KB':>11}"
        f"{'img KB':>8}  {'budget':<7}{'perf':>5}{'a11y':>6}{'b.p.':>6}{'seo':>5}"
    )
    print(head)
    print("-" * len(head))
    for m in measures:
        score = [m.scores.get(name) for name in CATEGORIES]
        cells = "".join(
            f"{'-' if s is None else s:>{w}}" for s, w in zip(score, (5, 6, 6, 5), strict=True)
        )
        print(
            f"{m.page_type:<20}{m.lang:<6}{m.requests:>4}{m.wire_bytes / 1024:>9.1f}"
            f"{m.compressed_bytes / 1024:>11.1f}{m.image_bytes / 1024:>8.1f}  "
            f"{'ok' if m.within_budget else 'OVER':<7}{cells}"
        )
    print(f"\nbudget: < {BUDGET // 1024} KB compressed before images, per page type")


def markdown(measures: list[Measure], args: argparse.Namespace) -> str:
    """Return the figures as the Markdown page kept in docs/ (one run: run again to compare)."""
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    lines = [
        "# Page budget and Lighthouse",
        "",
        "Written by `make page-budget` (scripts/page_budget.py); do not edit by hand. Figures are",
        f"of one run, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, on a machine shared",
        f"with other work (load average at the end: {load}; {os.cpu_count()} processors).",
        "",
        "- Site: production-like settings (`opencoop.settings.page_budget`: DEBUG off, WhiteNoise's",
        "  compressed static files, pages gzip-compressed), SQLite, the Florence demo and the",
        "  fictional Comune di Esempio (`generate_authority`, 60 activities) on the atlas's site,",
        "  whose statistics and map pages are the ones measured.",
        f"- Lighthouse 12, preset {'none' if args.no_lighthouse else args.preset}, Debian's",
        f"  Chromium ({CHROMIUM}); targets: "
        + ", ".join(f"{name} ≥ {value}" for name, value in TARGETS.items())
        + ".",
        f"- Budget: < {BUDGET // 1024} KB compressed per page type before images.",
        "",
        "| Page type | Lang | Requests | Wire KB | Compressed KB | Images KB | Budget "
        "| Perf. | A11y | Best pr. | SEO |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for m in measures:
        scores = [m.scores.get(name) for name in CATEGORIES]
        cells = " | ".join(
            "–" if score is None else (f"{score}" if score >= TARGETS[name] else f"**{score}**")
            for name, score in zip(CATEGORIES, scores, strict=True)
        )
        lines.append(
            f"| {m.page_type} | {m.lang} | {m.requests} | {m.wire_bytes / 1024:.1f} "
            f"| {m.compressed_bytes / 1024:.1f} | {m.image_bytes / 1024:.1f} "
            f"| {'ok' if m.within_budget else 'OVER'} | {cells} |"
        )
    lines += ["", "Scores in bold miss their target; – : not rated.", ""]
    short = [m for m in measures if m.shortfalls]
    if short:
        lines += ["## Audits without full marks", ""]
        for m in short:
            lines.append(f"- {m.page_type}-{m.lang}: " + "; ".join(m.shortfalls))
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install -y chromium")
    if not args.no_lighthouse and not LIGHTHOUSE.exists():
        raise SystemExit(f"{LIGHTHOUSE} is missing: cd {NODE_DIR} && npm ci")
    sys.path.insert(0, str(BASE_DIR))
    folder = Path(tempfile.mkdtemp(prefix="opencoop-budget-"))
    server = None
    try:
        if args.base_url:
            base_url = args.base_url.rstrip("/")
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opencoop.settings.dev")
            env = None
        else:
            env = production_like_environment(folder)
            os.environ.clear()
            os.environ.update(env)
        import django

        django.setup()
        if env is not None:
            print(
                "Building the site (migrate, demo, generated authority, collectstatic)…",
                file=sys.stderr,
            )
            prepare_site()
            port = free_port()
            atlas_at(port)
            server = serve(env, port, folder / "server.log")
            base_url = f"http://127.0.0.1:{port}"

        from tests.browser.page_types import PAGE_TYPES, Absent

        wanted = set(filter(None, args.pages.split(",")))
        targets = []
        for page_type in PAGE_TYPES:
            if not page_type.budget or (wanted and page_type.key not in wanted):
                continue
            for lang in args.langs.split(","):
                try:
                    targets.append((page_type, lang, page_type.path(lang)))
                except Absent:
                    continue

        from playwright.sync_api import sync_playwright

        measures = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for page_type, lang, path in targets:
                print(f"  {page_type.key}-{lang}: {path}", file=sys.stderr)
                measure = Measure(page_type=page_type.key, lang=lang, path=path)
                measure_transfer(browser, address(base_url, path), measure)
                measures.append(measure)
            browser.close()
        if not args.no_lighthouse:
            statuses = {t.key: t.status for t, _lang, _path in targets}
            rated = set(args.lighthouse_pages.split(","))
            for measure in measures:
                if statuses[measure.page_type] != 200:
                    continue  # Lighthouse refuses to rate a page answered with an error status
                if "all" not in rated and measure.page_type not in rated:
                    continue
                print(f"  Lighthouse {measure.page_type}-{measure.lang}…", file=sys.stderr)
                lighthouse(address(base_url, measure.path), args.preset, measure)
        print_table(measures)
        for measure in measures:
            if measure.shortfalls:
                print(f"{measure.page_type}-{measure.lang}: " + "; ".join(measure.shortfalls))
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "preset": None if args.no_lighthouse else args.preset,
                    "budget_bytes": BUDGET,
                    "pages": [asdict(m) | {"within_budget": m.within_budget} for m in measures],
                },
                indent=2,
            ),
            encoding="utf-8",
        )
        print(f"figures written to {args.json}", file=sys.stderr)
        if str(args.doc) != "-":
            args.doc.write_text(markdown(measures, args), encoding="utf-8")
            print(f"table written to {args.doc}", file=sys.stderr)
        return 0 if all(m.within_budget for m in measures) else 1
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
