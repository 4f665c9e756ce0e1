"""Model validation: codelist codes, identifiers, dates, percentages and multilingual text."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from opencoop.activities.models import (
    Activity,
    Budget,
    ParticipatingOrg,
    RecipientCountry,
    Sector,
)
from opencoop.organisations.models import Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def activity():
    florence = Organisation.objects.get(identifier="IT-CF-01307110484")
    return Activity(
        reporting_org=florence,
        iati_identifier="IT-CF-01307110484-TEST",
        slug="test",
        title={"it": "Prova", "en": "Test"},
    )


def errors_of(instance, exclude=None) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        instance.full_clean(exclude=exclude)
    return caught.value.message_dict


def test_wrong_country_code_is_rejected_naming_the_field(activity):
    activity.save()
    errors = errors_of(RecipientCountry(activity=activity, code="XX", percentage=100))
    assert list(errors) == ["code"]
    assert "recipient country" in errors["code"][0]
    assert "“XX”" in errors["code"][0] and "Country" in errors["code"][0]


def test_wrong_sector_code_is_rejected_naming_the_field(activity):
    activity.save()
    errors = errors_of(Sector(activity=activity, vocabulary="1", code="99999", percentage=100))
    assert "sector" in errors["code"][0] and "“99999”" in errors["code"][0]
    Sector(activity=activity, vocabulary="1", code="15112", percentage=100).full_clean()


def test_wrong_role_code_is_rejected_naming_the_field(activity):
    activity.save()
    org = Organisation.objects.get(identifier="IT-CF-01307110484")
    errors = errors_of(ParticipatingOrg(activity=activity, organisation=org, role="9"))
    assert list(errors) == ["role"]
    assert errors["role"][0].startswith("role:")
    assert "OrganisationRole" in errors["role"][0]


def test_identifier_must_start_with_the_reporting_organisation(activity):
    activity.iati_identifier = "XM-OTHER-1"
    errors = errors_of(activity)
    assert "IT-CF-01307110484-" in errors["iati_identifier"][0]


def test_end_before_start_is_rejected(activity):
    activity.planned_start = datetime.date(2012, 5, 1)
    activity.planned_end = datetime.date(2011, 5, 1)
    errors = errors_of(activity)
    assert "planned end" in errors["planned_end"][0]


def test_budget_period_over_a_year_is_allowed_but_not_a_negative_amount(activity):
    # IATI only warns about periods over a year (publication checks); amounts must be positive.
    activity.save()
    budget = Budget(
        activity=activity,
        period_start=datetime.date(2012, 1, 1),
        period_end=datetime.date(2013, 6, 30),
        value=1000,
    )
    budget.full_clean()
    budget.value = -1000
    assert errors_of(budget) == {"value": ["amount: a budget must be more than zero."]}


def test_multilingual_text_keeps_other_languages_and_rejects_bad_keys(activity):
    activity.title = {"it": "Prova", "fr": "Essai", "es": "Prueba"}
    activity.full_clean()
    activity.save()
    activity.refresh_from_db()
    assert activity.title == {"it": "Prova", "fr": "Essai", "es": "Prueba"}
    activity.title = {"not a language": "x"}
    assert "title" in errors_of(activity)
    activity.title = {}
    assert "title" in errors_of(activity)[("title")][0]


def test_admin_form_shows_portal_languages_side_by_side_and_keeps_the_others(activity):
    from opencoop.core.multilingual import MultilingualFormField

    field = Activity._meta.get_field("title").formfield()
    assert isinstance(field, MultilingualFormField)
    html = field.widget.render("title", {"it": "Prova", "en": "Test", "fr": "Essai"})
    assert 'lang="it"' in html and 'lang="en"' in html
    assert "Italiano" in html and "English" in html
    cleaned = field.clean(["Prova", "", '{"fr": "Essai"}'])
    assert cleaned == {"it": "Prova", "fr": "Essai"}
    with pytest.raises(ValidationError):
        field.clean(["", "", ""])
