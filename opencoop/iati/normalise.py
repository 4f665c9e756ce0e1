"""Recoverable publisher slips, mended before an activity is read, each one reported.

IATI publishers often write values the standard does not allow but whose meaning is plain. The
portal mends only these, always with a warning naming what it changed (docs/iati.md,
"Normalisations"); anything else is left for the reader and the rules to refuse:

- whitespace around an attribute value is trimmed;
- an empty attribute (``code=""``) is treated as absent (a required one is then reported missing),
  and an activity's element holding nothing but an empty code (``<default-tied-status code=""/>``)
  is treated as absent;
- spaces and other characters an address may not hold are percent-encoded in ``@url``.

Codes written in the wrong case ("1.A" where the codelist has "1.a") are case-folded by the
reader, which knows each attribute's codelist (``ActivityReader.code``).
"""

from __future__ import annotations

from urllib.parse import quote

from django.utils.translation import gettext as _
from lxml import etree

from opencoop.activities.parts import EMPTY_KEPT

from .reader import WARNING, Issue

# Characters kept as they are in an address: the reserved ones and "%" (already encoded).
URL_SAFE = ":/?#[]@!$&'()*+,;=%~"
URL_ATTRIBUTES = frozenset({"url"})


def element_path(element: etree._Element, activity: etree._Element) -> str:
    """Return the path of ``element`` below ``activity`` ("transaction/value")."""
    steps = []
    while element is not None and element is not activity:
        steps.append(element.tag if isinstance(element.tag, str) else "")
        element = element.getparent()
    return "/".join(reversed(steps)) or "iati-activity"


def attribute_name(name: str) -> str:
    """Write an attribute's name as IATI paths do ("xml:lang" for the XML namespace)."""
    return name.replace("{http://www.w3.org/XML/1998/namespace}", "xml:")


def empty_code_element(element: etree._Element) -> bool:
    """Say whether ``element`` is only an empty code (``<default-tied-status code=""/>``)."""
    if not isinstance(element.tag, str) or len(element) or (element.text or "").strip():
        return False
    code = element.get("code")
    if code is None or code.strip():
        return False
    return all(not value.strip() or name == "vocabulary" for name, value in element.attrib.items())


def normalise_activity(activity: etree._Element, identifier: str) -> list[Issue]:
    """Mend the recoverable slips of one ``iati-activity`` in place; return a warning for each."""
    issues: list[Issue] = []
    for element in list(activity):
        if empty_code_element(element):
            issues.append(
                Issue(
                    _("the code is empty and the element says nothing else: taken as absent"),
                    element.sourceline,
                    identifier,
                    element.tag,
                    WARNING,
                )
            )
            activity.remove(element)
    for element in activity.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in list(element.attrib.items()):
            trimmed = value.strip()
            if trimmed == value and trimmed and name not in URL_ATTRIBUTES:
                continue  # nothing to mend, as for most attributes
            path = f"{element_path(element, activity)}/@{attribute_name(name)}"
            line = element.sourceline

            def say(message: str, path: str = path, line: int | None = line) -> None:
                issues.append(Issue(message, line, identifier, path, WARNING))

            if not trimmed and path in EMPTY_KEPT:
                element.set(name, "")  # kept as given: the schema allows it empty
                continue
            if not trimmed:
                del element.attrib[name]
                say(_("the attribute is empty: taken as absent"))
                continue
            if trimmed != value:
                element.set(name, trimmed)
                say(_("spaces around “%(value)s” removed") % {"value": trimmed})
            if name in URL_ATTRIBUTES:
                encoded = quote(trimmed, safe=URL_SAFE)
                if encoded != trimmed:
                    element.set(name, encoded)
                    say(
                        _(
                            "the address holds spaces or other characters an address may not: written “%(url)s”"
                        )
                        % {"url": encoded}
                    )
    return issues
