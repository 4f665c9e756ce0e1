"""A small crawler over Django's test client for the canary sweep.

It fetches addresses of the site (one client, each address once), reads every body as text the
way a reader would meet it (HTML with its visible text, JSON decoded, XLSX cells, CSV, XML), follows
the links it finds within bounds, and says where given strings appear.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote_plus, urlencode, urljoin, urlsplit

from bs4 import BeautifulSoup
from django.test import Client
from openpyxl import load_workbook

HOST = "testserver"
# Quoted site paths in JSON, scripts and data attributes ("/it/…", "/api/v1/…").
QUOTED_PATH = re.compile(r"""["'](/[A-Za-z][^"'\s<>\\]*)["']""")
ABSOLUTE = re.compile(r"""https?://testserver(/[^\s"'<>\\]*)""")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Bodies read as text; anything else (PDF files, images) is fetched for its status only.
TEXT_TYPES = ("text/", "application/json", "application/xml", "application/atom", "application/rss")


@dataclass
class Fetched:
    url: str
    status: int
    content_type: str
    text: str = ""
    links: list[str] = field(default_factory=list)
    location: str = ""
    seconds: float = 0.0


def canonical(url: str) -> str | None:
    """Return ``url`` as path and sorted query on this site, or None when it leaves the site."""
    parts = urlsplit(url)
    if parts.scheme not in ("", "http", "https") or (parts.netloc and parts.netloc != HOST):
        return None
    if not parts.path.startswith("/"):
        return None
    query = sorted(parse_qsl(parts.query, keep_blank_values=True))
    return parts.path + (f"?{urlencode(query)}" if query else "")


def _read_xlsx(content: bytes) -> str:
    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    cells = []
    for sheet in workbook.worksheets:
        cells.append(sheet.title)
        for row in sheet.iter_rows(values_only=True):
            cells.extend(str(value) for value in row if value is not None)
    return "\n".join(cells)


def _html_text_and_links(body: str, base: str) -> tuple[str, list[str]]:
    soup = BeautifulSoup(body, "html.parser")
    links = []
    for tag in soup.find_all(True):
        if tag.name in ("img", "script", "source"):
            continue
        for name, value in tag.attrs.items():
            if name in ("href", "action") or name.startswith("data-"):
                if isinstance(value, str) and (value.startswith("/") or value.startswith("http")):
                    links.append(urljoin(base, value))
    # A GET form's choices (the catalogue's facets): one address per choice.
    for form in soup.find_all("form"):
        if form.get("method", "get").lower() != "get":
            continue
        action = urljoin(base, form.get("action") or base)
        for field_ in form.find_all(["input", "select"]):
            name = field_.get("name")
            if not name:
                continue
            if field_.name == "select":
                values = [o.get("value", o.get_text()) for o in field_.find_all("option")]
            elif field_.get("type") in ("checkbox", "radio"):
                values = [field_.get("value", "on")]
            else:
                continue
            links += [f"{action.split('?')[0]}?{urlencode({name: v})}" for v in values]
    # The visible text, so that a name split by markup (<mark>, entities) is still found.
    return soup.get_text(), links


def read(url: str, response) -> Fetched:
    """Turn a test-client response into text and links."""
    content_type = response.get("Content-Type", "").split(";")[0].strip()
    content = b"".join(response.streaming_content) if response.streaming else response.content
    fetched = Fetched(
        url, response.status_code, content_type, location=response.get("Location", "")
    )
    if content_type == XLSX:
        fetched.text = _read_xlsx(content)
        return fetched
    if not content_type.startswith(TEXT_TYPES) and "+xml" not in content_type:
        return fetched
    body = content.decode(response.charset or "utf-8", errors="replace")
    texts = [body]
    if content_type == "text/csv":
        cells = [cell for row in csv.reader(io.StringIO(body)) for cell in row]
        fetched.text = body
        fetched.links = [c for c in cells if c.startswith(("/", f"http://{HOST}/"))]
        return fetched
    links = [m.group(1) for m in ABSOLUTE.finditer(body)]
    if content_type == "text/html":
        visible, found = _html_text_and_links(body, url)
        texts.append(" ".join(visible.split()))
        links += found
    else:
        links += [m.group(1) for m in QUOTED_PATH.finditer(body)]
        if content_type == "application/json":
            try:
                texts.append(json.dumps(json.loads(body), ensure_ascii=False))
            except ValueError:
                pass
    fetched.text = "\n".join(texts)
    fetched.links = links
    return fetched


@dataclass
class Crawler:
    """Fetch addresses with one client, each once; follow links that ``follow`` accepts."""

    client: Client
    follow: Callable[[str], bool]
    limit: int
    fetched: dict[str, Fetched] = field(default_factory=dict)
    skipped_over_limit: set[str] = field(default_factory=set)
    headers: dict[str, str] = field(default_factory=dict)

    def get(self, url: str) -> Fetched:
        """Fetch ``url`` (once: later calls return the first answer)."""
        key = canonical(url) or url
        if key not in self.fetched:
            started = time.perf_counter()
            response = self.client.get(key, **self.headers)
            self.fetched[key] = read(key, response)
            self.fetched[key].seconds = time.perf_counter() - started
        return self.fetched[key]

    def crawl(self, seeds: Iterable[str]) -> None:
        """Fetch ``seeds`` and every address reachable from them through followed links."""
        queue = deque(canonical(seed) or seed for seed in seeds)
        seen = set(queue)
        while queue:
            url = queue.popleft()
            if url not in self.fetched and len(self.fetched) >= self.limit:
                self.skipped_over_limit.add(url)
                continue
            page = self.get(url)
            targets = list(page.links)
            if page.location:
                targets.append(urljoin(url, page.location))
            for target in targets:
                link = canonical(target)
                if link and link not in seen and self.follow(link):
                    seen.add(link)
                    queue.append(link)

    def errors(self) -> list[str]:
        """Return the addresses that answered with a server error."""
        return [f"{f.status} {url}" for url, f in self.fetched.items() if f.status >= 500]


def appearances(fetched: Fetched, forms: Iterable[str]) -> list[str]:
    """Return the forms found in ``fetched``'s body, except those in its own address (a page may
    echo what the visitor typed, as a search or a 404 page does)."""
    address = unquote_plus(fetched.url)
    return [form for form in forms if form in fetched.text and form not in address]
