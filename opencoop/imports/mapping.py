"""The spreadsheet's columns: heading, meaning, how a cell is read, and where it goes.

One sheet per kind of row: ``activities`` (one row per activity), ``budgets`` and
``transactions`` (one row each, tied to an activity by its project code). The template, the
reader's checks, the preview and the import all follow these declarations.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from opencoop.activities.parts import activity_codelist, codelist_of
from opencoop.activities.parts import (
    part as described_part,
)
from opencoop.activities.vocabularies import (
    DEFAULT_SECTOR_VOCABULARY,
    SDG_GOALS,
    SECTOR_CODELISTS,
    TAG_CODELISTS,
)
from opencoop.codelists import registry

# The codelists come from the one description of an activity (opencoop.activities.parts).
# The sdgs column takes goals, not targets.
BUDGET, TRANSACTION = described_part("budgets"), described_part("transactions")
ACTIVITIES = "activities"
BUDGETS = "budgets"
TRANSACTIONS = "transactions"
SHEETS = (ACTIVITIES, BUDGETS, TRANSACTIONS)
PROJECT_CODE = "project_code"
LIST_SEPARATOR = ";"
SHARE_SEPARATOR = ":"
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y")


class CellError(ValueError):
    """A cell that cannot be read; the message says what is expected."""


# Cell readers: raw cell (text, number, date or None) → value; "" / None when empty ----------------
def _blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def read_text(raw: object) -> str:
    if _blank(raw):
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return str(raw).strip()


def read_date(raw: object) -> datetime.date | None:
    if _blank(raw):
        return None
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    text = str(raw).strip()
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise CellError(
        _("“%(value)s” is not a date: write it as 2025-03-31 or 31/03/2025.") % {"value": text}
    )


def read_decimal(raw: object) -> Decimal | None:
    if _blank(raw):
        return None
    if isinstance(raw, int | float | Decimal) and not isinstance(raw, bool):
        return Decimal(str(raw))
    text = str(raw).strip().replace(" ", "").replace("€", "")
    # Italian "1.234,56" and English "1,234.56" both accepted.
    if "," in text and "." in text:
        text = (
            text.replace(".", "").replace(",", ".")
            if text.rfind(",") > text.rfind(".")
            else text.replace(",", "")
        )
    elif "," in text:
        text = text.replace(",", ".")
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise CellError(
            _("“%(value)s” is not an amount: write digits, e.g. 12500.50.") % {"value": raw}
        ) from exc


def code_reader(codelist: str) -> Callable[[object], str]:
    def read(raw: object) -> str:
        code = read_text(raw)
        if code and not registry.get(codelist).is_valid(code):
            raise CellError(
                _(
                    "“%(code)s” is not a code of the IATI %(codelist)s list (see the instructions sheet)."
                )
                % {"code": code, "codelist": codelist}
            )
        return code

    return read


def shares_reader(codelist: str) -> Callable[[object], list[tuple[str, Decimal | None]]]:
    """Read "BF" or "BF:60; NE:40": codes with optional percentages."""

    def read(raw: object) -> list[tuple[str, Decimal | None]]:
        text = read_text(raw)
        if not text:
            return []
        result = []
        for part in text.split(LIST_SEPARATOR):
            part = part.strip()
            if not part:
                continue
            code, _sep, share = part.partition(SHARE_SEPARATOR)
            code = code_reader(codelist)(code.strip())
            percentage = read_decimal(share) if share.strip() else None
            if percentage is not None and not (0 <= percentage <= 100):
                raise CellError(
                    _("%(value)s: a percentage is between 0 and 100.") % {"value": part}
                )
            result.append((code, percentage))
        return result

    return read


def codes_reader(codelist: str) -> Callable[[object], list[str]]:
    """Read "6; 5": several codes."""

    def read(raw: object) -> list[str]:
        text = read_text(raw)
        return [code_reader(codelist)(p.strip()) for p in text.split(LIST_SEPARATOR) if p.strip()]

    return read


@dataclass(frozen=True)
class Column:
    """One column of a sheet."""

    header: str
    field: str
    read: Callable[[object], object] = read_text
    required: bool = False
    help: str = ""
    example: str = ""

    @property
    def language(self) -> str:
        """Return the language of a multilingual column ("title_it" → "it"), else ""."""
        match = re.match(r"^[a-z_]+_(it|en)$", self.header)
        return match.group(1) if match and self.field != self.header else ""


def _texts(field: str, label: str, example_it: str, example_en: str) -> list[Column]:
    return [
        Column(
            f"{field}_it",
            field,
            help=_("%(label)s in Italian") % {"label": label},
            example=example_it,
        ),
        Column(
            f"{field}_en",
            field,
            help=_("%(label)s in English") % {"label": label},
            example=example_en,
        ),
    ]


PROJECT = Column(
    PROJECT_CODE,
    PROJECT_CODE,
    required=True,
    help=_(
        "Your code of the project, without spaces. The IATI identifier is the authority's "
        "identifier, a hyphen and this code. A full IATI identifier is accepted too."
    ),
    example="WATER-2025",
)

COLUMNS: dict[str, list[Column]] = {
    ACTIVITIES: [
        PROJECT,
        *_texts(
            "title",
            _("Title"),
            "Acqua per le cooperative di Ouagadougou",
            "Water for the cooperatives of Ouagadougou",
        ),
        *_texts(
            "description", _("General description"), "Pozzi e formazione.", "Wells and training."
        ),
        *_texts("objectives", _("Objectives"), "", ""),
        *_texts("target_groups", _("Target groups"), "", ""),
        Column(
            "status",
            "status",
            code_reader(codelist_of("activity-status")),
            help=_("IATI activity status: 1 pipeline, 2 implementation, 3 finalisation, 4 closed"),
            example="2",
        ),
        Column(
            "planned_start",
            "planned_start",
            read_date,
            help=_("Planned start date"),
            example="2025-01-01",
        ),
        Column(
            "planned_end",
            "planned_end",
            read_date,
            help=_("Planned end date"),
            example="2026-12-31",
        ),
        Column("actual_start", "actual_start", read_date, help=_("Actual start date"), example=""),
        Column("actual_end", "actual_end", read_date, help=_("Actual end date"), example=""),
        Column(
            "recipient_countries",
            "recipient_countries",
            shares_reader(codelist_of("recipient-country")),
            help=_("Country codes (ISO 3166), with percentages when more than one: BF:60; NE:40"),
            example="BF",
        ),
        Column(
            "sectors",
            "sectors",
            shares_reader(SECTOR_CODELISTS[DEFAULT_SECTOR_VOCABULARY]),
            help=_(
                "OECD DAC 5-digit sector codes, with percentages when more than one: 14030:60; 31120:40"
            ),
            example="14030",
        ),
        Column(
            "sdgs",
            "sdg_tags",
            codes_reader(TAG_CODELISTS[SDG_GOALS]),
            help=_("Sustainable Development Goals, numbers 1–17: 6; 5"),
            example="6",
        ),
        Column(
            "implementing_org",
            "implementing_org",
            help=_(
                "IATI identifier of the implementing partner, as registered under Organisations (optional)"
            ),
            example="",
        ),
        Column(
            "currency",
            "default_currency",
            code_reader(activity_codelist("@default-currency")),
            help=_("Currency of the amounts (ISO 4217); empty means EUR"),
            example="EUR",
        ),
        Column(
            "collaboration_type",
            "collaboration_type",
            code_reader(codelist_of("collaboration-type")),
            help=_("IATI collaboration type (optional)"),
            example="2",
        ),
        Column(
            "flow_type",
            "default_flow_type",
            code_reader(codelist_of("default-flow-type")),
            help=_("IATI flow type (optional)"),
            example="10",
        ),
        Column(
            "finance_type",
            "default_finance_type",
            code_reader(codelist_of("default-finance-type")),
            help=_("IATI finance type (optional)"),
            example="110",
        ),
        Column(
            "aid_type",
            "default_aid_type",
            code_reader(codelist_of("default-aid-type")),
            help=_("IATI aid type (optional)"),
            example="C01",
        ),
    ],
    BUDGETS: [
        PROJECT,
        Column(
            "period_start",
            "period_start",
            read_date,
            required=True,
            help=_("First day of the budget period"),
            example="2025-01-01",
        ),
        Column(
            "period_end",
            "period_end",
            read_date,
            required=True,
            help=_("Last day of the period (at most one year after the start)"),
            example="2025-12-31",
        ),
        Column("amount", "value", read_decimal, required=True, help=_("Amount"), example="25000"),
        Column(
            "currency",
            "currency",
            code_reader(BUDGET.codelist("value/@currency")),
            help=_("Currency, when different from the activity's"),
            example="",
        ),
        Column(
            "type",
            "type",
            code_reader(BUDGET.codelist("@type")),
            help=_("1 original, 2 revised; empty means 1"),
            example="1",
        ),
        Column(
            "status",
            "status",
            code_reader(BUDGET.codelist("@status")),
            help=_("1 indicative, 2 committed; empty means 1"),
            example="2",
        ),
    ],
    TRANSACTIONS: [
        PROJECT,
        Column(
            "type",
            "type",
            code_reader(TRANSACTION.codelist("transaction-type")),
            required=True,
            help=_("IATI transaction type: 2 commitment, 3 disbursement, 4 expenditure…"),
            example="3",
        ),
        Column(
            "date",
            "date",
            read_date,
            required=True,
            help=_("Date of the transaction (within the activity's dates)"),
            example="2025-03-15",
        ),
        Column("amount", "value", read_decimal, required=True, help=_("Amount"), example="12500"),
        Column(
            "currency",
            "currency",
            code_reader(TRANSACTION.codelist("value/@currency")),
            help=_("Currency, when different from the activity's"),
            example="",
        ),
        *_texts("description", _("Description"), "Prima rata", "First instalment"),
    ],
}

SHEET_TITLES = {
    ACTIVITIES: _("one row per activity"),
    BUDGETS: _("one row per budget period of an activity"),
    TRANSACTIONS: _("one row per commitment, disbursement or expenditure of an activity"),
}


def column(sheet: str, header: str) -> Column | None:
    return next((c for c in COLUMNS[sheet] if c.header == header), None)


def header_for_field(sheet: str, field: str, language: str = "") -> str:
    """Return the heading of the column that fills ``field`` (the first one, or ``language``'s)."""
    for candidate in COLUMNS[sheet]:
        if candidate.field == field and (not language or candidate.language == language):
            return candidate.header
    return ""
