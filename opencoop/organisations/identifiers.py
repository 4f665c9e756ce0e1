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
