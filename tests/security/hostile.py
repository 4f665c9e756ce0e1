"""Hostile strings, and a check that a rendered page carries none of them as markup or script."""

import json

from bs4 import BeautifulSoup

HOSTILE_STRINGS = {
    "script tag": "<script>alert('xss-1')</script>",
    "closing tags first": "</h1></title><script>alert('xss-2')</script>",
    "img onerror": "<img src=x onerror=\"alert('xss-3')\">",
    "attribute breakout": '" onmouseover="alert(\'xss-4\')" data-x="',
    "single-quote breakout": "' onfocus='alert(5)' autofocus='",
    "javascript url": "javascript:alert('xss-6')",
    "svg onload": "<svg onload=alert('xss-7')><circle r=1></circle></svg>",
    "iframe srcdoc": '<iframe srcdoc="<script>alert(8)</script>"></iframe>',
    "template injection": "{{ 7|add:7 }}{% now 'Y' %}${7*7}",
    "unicode rlo": "invoice\u202egnp.exe",
    "sql-ish": "'; DROP TABLE activities_activity; --",
    "very long": "A" * 20_000 + "<b>end</b>",
}


URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset"}


def assert_no_injected_markup(html: bytes | str) -> BeautifulSoup:
    """Fail if the page has a script of its own making, an event handler or a script URL."""
    soup = BeautifulSoup(html, "html.parser")
    for script in soup.find_all("script"):
        if script.get("type") == "application/ld+json":
            # Structured data is not executed; it must be JSON with every "<" escaped.
            json.loads(script.string)
            assert "<" not in script.string, f"unescaped markup in JSON-LD: {script}"
            continue
        # The portal's only scripts are its own static files; any inline script is injected.
        assert script.get("src", "").startswith("/static/"), f"injected script: {script}"
        assert not script.string, f"inline script: {script}"
    for element in soup.find_all(True):
        for attribute, value in element.attrs.items():
            assert not attribute.lower().startswith("on"), f"event handler: {element}"
            if attribute.lower() in URL_ATTRIBUTES:
                assert not str(value).strip().lower().startswith("javascript:"), (
                    f"script URL: {element}"
                )
        assert element.name not in {"iframe", "svg", "object", "embed"} or not any(
            k in element.attrs for k in ("srcdoc", "onload")
        )
    assert soup.find("iframe") is None, "injected iframe"
    assert soup.find("img", src="x") is None, "injected image"
    assert soup.find("circle") is None, "injected SVG"
    return soup
