"""What an IATI identifier may hold: checked by the forms, the imports and the IATI rules alike.

The IATI Standard ruleset requires activity identifiers and organisation references to match
``^[^/&|?]+$``, and its guidance rules out spaces and leading or trailing whitespace (the
identifier is used in file names and addresses). Any whitespace is refused here.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as N_

FORBIDDEN = re.compile(r"[\s/&|?]")
# Messages with %(identifier)s and %(character)s, marked for translation where they are shown.
HAS_BLANK = N_(
    "“%(identifier)s” contains a space or other blank character; IATI identifiers have none"
)
HAS_FORBIDDEN = N_(
    "“%(identifier)s” contains “%(character)s”; IATI identifiers may not contain / & | or ?"
)


def identifier_problem(value: str) -> tuple[str, dict] | None:
    """Return the untranslated message and its parameters for a bad identifier, else None."""
    match = FORBIDDEN.search(value or "")
    if match is None:
        return None
    template = HAS_BLANK if match.group().isspace() else HAS_FORBIDDEN
    return template, {"identifier": value, "character": match.group()}


def validate_identifier(value: str) -> None:
    """Field validator: refuse whitespace and the characters the IATI ruleset forbids."""
    problem = identifier_problem(value)
    if problem:
        template, params = problem
        raise ValidationError(_(template), code="invalid_identifier", params=params)


NO_NUMBER = N_(
    "“%(identifier)s” begins with the registration agency %(prefix)s but has no number after "
    "it: write the prefix, a hyphen and the organisation's number, e.g. %(prefix)s-12345678"
)


def registration_agency(value: str) -> str | None:
    """Return the longest registration agency code (IATI's list) that ``value`` begins with."""
    from opencoop.codelists import registry

    codes = registry.get("OrganisationRegistrationAgency").items
    matches = [code for code in codes if value.startswith(code)]
    return max(matches, key=len) if matches else None


def validate_organisation_identifier(value: str) -> None:
    """Refuse what ``validate_identifier`` refuses and, after an agency prefix, no number.

    An organisation identifier is PREFIX-NUMBER (``IT-CF-01307110484``): the agency's code from
    IATI's OrganisationRegistrationAgency list, a hyphen, the number in that agency's register.
    """
    validate_identifier(value)
    prefix = registration_agency(value or "")
    if prefix is None:
        return
    rest = value[len(prefix) :]
    if not rest.startswith("-") or not rest[1:]:
        raise ValidationError(
            _(NO_NUMBER),
            code="no_registration_number",
            params={"identifier": value, "prefix": prefix},
        )
