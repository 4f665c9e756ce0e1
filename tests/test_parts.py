"""The description of an activity answers codelists and what a sensitive activity withholds."""

from __future__ import annotations

import pytest

from opencoop.activities.disclosure import SENSITIVE_PARTS, naming_fields
from opencoop.activities.models import (
    Location,
    ParticipatingOrg,
    PlannedDisbursement,
    Transaction,
)
from opencoop.activities.parts import PARTS, activity_codelist, part


def test_structured_parts_take_codelists_from_their_fields():
    assert list(part("budgets").codes()) == [
        ("@type", "type", "BudgetType"),
        ("@status", "status", "BudgetStatus"),
        ("value/@currency", "currency", "Currency"),
    ]
    assert part("transactions").codelist("transaction-type") == "TransactionType"
    assert part("participating_orgs").codelist("@type") == "OrganisationType"
    assert activity_codelist("reporting-org/@type") == "OrganisationType"
    assert activity_codelist("@default-currency") == "Currency"


def test_an_undescribed_path_is_named_in_the_error():
    with pytest.raises(LookupError, match="budget/@colour: the description gives it no field"):
        part("budgets").codelist("@colour")
    with pytest.raises(LookupError, match=r"value: Budget\.value holds no code"):
        part("budgets").codelist("value")


def test_sensitive_parts_are_those_the_description_marks():
    assert set(SENSITIVE_PARTS) == {p.model for p in PARTS if p.sensitive}
    assert set(SENSITIVE_PARTS) == {
        ParticipatingOrg,
        Location,
        PlannedDisbursement,
        Transaction,
    }
    # A planned disbursement names its provider and receiver as a transaction does.
    assert naming_fields(PlannedDisbursement) == naming_fields(Transaction)
    assert naming_fields(Transaction) == {
        "provider_org": "provider_org_id",
        "provider_org_id": "provider_org_id",
        "receiver_org": "receiver_org_id",
        "receiver_org_id": "receiver_org_id",
    }
    assert naming_fields(ParticipatingOrg) == {
        "organisation": "organisation_id",
        "organisation_id": "organisation_id",
    }
    assert naming_fields(Location) == {}


def test_every_part_a_sensitive_activity_withholds_names_the_switch_that_does_it():
    from opencoop.activities.parts import PARTS

    withheld = [part for part in PARTS if part.sensitive]
    assert {part.relation for part in withheld} >= {"participating_orgs", "locations"}
    assert [part.relation for part in withheld if not part.sensitive_switch] == []
