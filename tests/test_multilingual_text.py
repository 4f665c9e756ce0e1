"""A multilingual value chosen and written for a reader: the text, its fallback, its escaping."""

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.html import escape, format_html

from opencoop.core.multilingual import as_html, pick, text

HOSTILE = "<script>alert('x')</script> & \"quoted\""


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [
        ({"it": "Pozzi", "en": "Wells"}, "en", ("Wells", "en", False)),
        ({"it": "Pozzi", "en": ""}, "en", ("Pozzi", "it", True)),
        ({"fr": "Puits"}, "it", ("Puits", "fr", True)),
        ({"es": "Pozos", "fr": "Puits"}, "it", ("Pozos", "es", True)),  # any language, in order
        ({}, "it", ("", "it", False)),
        (None, "en-gb", ("", "en", False)),
    ],
)
def test_the_text_for_a_language_falls_back_to_the_default_then_any(value, lang, expected):
    chosen = pick(value, lang)
    assert (chosen.text, chosen.lang, chosen.is_fallback) == expected
    assert text(value, lang) == expected[0]


@pytest.mark.parametrize("value", [{"en": HOSTILE}, {"it": HOSTILE}, {"fr": HOSTILE}, {}])
def test_written_escaped_as_django_would_and_a_fallback_names_its_language(value):
    """Django's own escape and format_html are the reference the fast path must equal."""
    with translation.override("en"):
        chosen = pick(value)
        if chosen.is_fallback:
            reference = format_html('<span lang="{}">{}</span>', chosen.lang, chosen.text)
        else:
            reference = escape(chosen.text)
        assert as_html(value) == reference
        assert chosen.__html__() == reference
        rendered = Template("{% load multilingual %}{{ v|ml }}|{{ v|ml_text }}").render(
            Context({"v": value})
        )
    assert rendered == f"{reference}|{escape(chosen.text)}"
    assert "<script>" not in rendered
