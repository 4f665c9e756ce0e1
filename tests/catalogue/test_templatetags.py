"""The catalogue's template tags: a facet's checkboxes, written in Python, as a template wrote them."""

from __future__ import annotations

from django.template import Context, Template
from django.test import override_settings
from django.utils import translation
from lxml import html as lxml_html

from opencoop.catalogue.selectors import FacetValue
from opencoop.catalogue.templatetags.catalogue import facet_values

# The component the tag replaces (catalogue/components/facet_value.html), included per value.
INCLUDED = Template(
    "{% for value in values %}"
    '<div class="form-check" data-oc-facet-value>\n'
    '  <input type="checkbox" name="{{ param }}" value="{{ value.value }}" '
    'id="f-{{ param }}-{{ prefix }}{{ forloop.counter }}"{% if value.selected %} checked{% endif %}>\n'
    '  <label for="f-{{ param }}-{{ prefix }}{{ forloop.counter }}">{{ value.label }} '
    '<span class="badge bg-secondary rounded-pill oc-count">{{ value.count }}</span></label>\n'
    "</div>\n"
    "{% endfor %}"
)

VALUES = [
    FacetValue("SN", "Senegal", 1234, False),
    FacetValue('x"><script>', 'Fish & <b>"chips"</b>', 7, True),
    FacetValue("140", "140 – Water supply", 0, False),
]


def test_facet_values_write_what_the_included_template_wrote():
    expected = INCLUDED.render(Context({"values": VALUES, "param": "country", "prefix": "t"}))
    assert facet_values(VALUES, "country", "t") == expected


@override_settings(USE_THOUSAND_SEPARATOR=True)
def test_facet_counts_are_grouped_as_a_template_groups_them():
    for lang, grouped in (("en", "1,234"), ("it", "1.234")):
        with translation.override(lang):
            context = Context({"values": VALUES, "param": "country", "prefix": "r"})
            expected = INCLUDED.render(context)
            assert grouped in expected
            assert facet_values(VALUES, "country", "r") == expected


def test_facet_values_escape_values_and_labels():
    doc = lxml_html.fragment_fromstring(facet_values(VALUES, "country", "t"), create_parent="div")
    inputs = doc.xpath("//input")
    assert [i.get("value") for i in inputs] == ["SN", 'x"><script>', "140"]
    assert [i.get("checked") is not None for i in inputs] == [False, True, False]
    assert doc.xpath("//script") == []
    labels = doc.xpath("//label")
    assert labels[1].text_content() == 'Fish & <b>"chips"</b> 7'
    assert [label.get("for") for label in labels] == [
        "f-country-t1",
        "f-country-t2",
        "f-country-t3",
    ]
