"""Tests of the IATI codelists registry, model field and template filters."""

from __future__ import annotations

import json

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.template import Context, Template
from django.test.utils import isolate_apps
from django.utils import translation

from opencoop.codelists import registry
from opencoop.codelists.fields import CodelistField, validate_code
from opencoop.codelists.templatetags.codelists import codelist_label, codelist_text

# Codelists whose Italian labels are claimed complete (every non-withdrawn code).
COMPLETE_IN_ITALIAN = [
    "ActivityStatus",
    "ActivityDateType",
    "ActivityScope",
    "OrganisationRole",
    "OrganisationType",
    "TransactionType",
    "BudgetType",
    "BudgetStatus",
    "DescriptionType",
    "DocumentCategory",
    "FlowType",
    "FinanceType",
    "AidType",
    "AidType-category",
    "TiedStatus",
    "CollaborationType",
    "PolicyMarker",
    "PolicySignificance",
    "RelatedActivityType",
    "GeographicExactness",
    "GeographicLocationReach",
    "GeographicalPrecision",
    "ResultType",
    "IndicatorMeasure",
    "SectorVocabulary",
    "TagVocabulary",
    "RegionVocabulary",
    "Region",
    "SectorCategory",
    "UNSDG-Goals",
    "Sector",
    "Country",
    "Language",
    "Currency",
]


def with_language(lang: str):
    """Return a context manager activating ``lang``."""
    return translation.override(lang)


# --- registry -------------------------------------------------------------------------------


def test_get_returns_the_same_parsed_codelist():
    assert registry.get("Country") is registry.get("Country")
    assert registry.get("Country").name == "Country"


def test_unknown_codelist_raises_key_error_naming_it():
    with pytest.raises(KeyError, match="Contry"):
        registry.get("Contry")


def test_names_lists_the_shipped_codelists():
    names = registry.names()
    for name in ("Country", "Sector", "OrganisationRole", "UNSDG-Goals", "TransactionType"):
        assert name in names
    assert len(names) >= 60


def test_country_codes_and_italian_labels():
    country = registry.get("Country")
    assert country.is_valid("PS")
    assert country.is_valid("IQ")
    assert not country.is_valid("XX")
    assert not country.is_valid("iq")
    assert not country.is_valid("")
    assert not country.is_valid(None)
    assert country.label("IQ", "it") == "Iraq"
    assert country.label("DE", "it") == "Germania"
    assert country.label("DE", "en") == "Germany"
    assert country.label("IT", "it") == "Italia"
    # Project corrections of CLDR, so that the name sorts where people look for it.
    assert country.label("HK", "it") == "Hong Kong"


def test_label_uses_the_active_language_by_default():
    country = registry.get("Country")
    with with_language("it"):
        assert country.label("DE") == "Germania"
    with with_language("en"):
        assert country.label("DE") == "Germany"
    with with_language("it-ch"):
        assert country.label("DE") == "Germania"


def test_unknown_code_is_labelled_with_itself():
    assert registry.get("Country").label("XX", "it") == "XX"
    assert registry.get("Country").label_with_lang("XX", "it") == ("XX", "")


def test_label_with_lang_reports_the_fallback_language():
    gazetteer_agency = registry.get("GazetteerAgency")  # no Italian labels written
    label, lang = gazetteer_agency.label_with_lang("1", "it")
    assert lang == "en"
    assert label == "Geonames.org"
    assert registry.get("ActivityStatus").label_with_lang("2", "it") == ("Attuazione", "it")
    assert registry.get("ActivityStatus").label_with_lang("2", "en") == ("Implementation", "en")


def test_french_narratives_are_used_when_french_is_asked():
    assert registry.get("Sector").label("11130", "fr") == "Formation des enseignants"


def test_language_and_currency_labels_from_cldr():
    assert registry.get("Language").label("en", "it") == "Inglese"
    assert registry.get("Language").label("fr", "it") == "Francese"
    assert registry.get("Currency").label("EUR", "it") == "Euro"
    assert registry.get("Currency").label("USD", "it") == "Dollaro statunitense"


def test_sector_codes_and_labels():
    sector = registry.get("Sector")
    assert sector.is_valid("15170")
    assert not sector.is_valid("99999x")
    assert not sector.is_valid("151")  # a SectorCategory code, not a Sector one
    assert sector.label("15170", "it") == (
        "Organizzazioni e movimenti per i diritti delle donne e istituzioni governative"
    )
    assert sector.label("15170", "en") == (
        "Women's rights organisations and movements, and government institutions"
    )
    assert sector.category("15170") == "151"
    assert registry.get("SectorCategory").label(sector.category("15170"), "it") == (
        "Governo e società civile – generale"
    )
    assert sector.category_codelist == "SectorCategory"
    assert sector.category("nope") is None


def test_sdg_goals_have_the_official_italian_names():
    goals = registry.get("UNSDG-Goals")
    assert goals.label("1", "it") == "Obiettivo 1. Sconfiggere la povertà"
    assert goals.label("17", "it") == "Obiettivo 17. Partnership per gli obiettivi"
    assert goals.label("1", "en").startswith("Goal 1. End poverty")


def test_item_fields():
    item = registry.get("Sector").items["11130"]
    assert item.code == "11130"
    assert item.names["en"] == "Teacher training"
    assert item.names["it"] == "Formazione degli insegnanti"
    assert item.description.startswith("Teacher education")
    assert item.category == "111"
    assert item.withdrawn is False


def test_withdrawn_codes_are_valid_but_not_offered():
    sector = registry.get("Sector")
    assert sector.items["15161"].withdrawn  # Elections (old code)
    assert sector.is_valid("15161")
    assert sector.is_withdrawn("15161")
    codes = [code for code, _ in sector.choices("it")]
    assert "15161" not in codes
    assert "15170" in codes
    codes_all = [code for code, _ in sector.choices("it", include_withdrawn=True)]
    assert "15161" in codes_all
    assert len(codes_all) == len(sector.items)
    # Withdrawn country (Netherlands Antilles) stays valid for old files.
    assert registry.get("Country").is_valid("AN")
    assert "AN" not in dict(registry.get("Country").choices("it"))


def test_country_choices_are_sorted_by_label_ignoring_accents():
    choices = registry.get("Country").choices("it")
    labels = [label for _, label in choices]
    assert labels == sorted(labels, key=registry.collation_key)
    assert labels.index("Albania") < labels.index("Algeria")
    assert dict(choices)["DE"] == "Germania"
    english = [label for _, label in registry.get("Country").choices("en")]
    assert english.index("Germany") < english.index("Ghana")


def test_other_choices_are_sorted_by_code_numerically():
    codes = [code for code, _ in registry.get("TransactionType").choices("it")]
    assert codes == [str(n) for n in range(1, 14)]
    assert dict(registry.get("TransactionType").choices("it"))["3"] == "Erogazione"
    sector_codes = [code for code, _ in registry.get("Sector").choices("en")]
    assert sector_codes == sorted(sector_codes, key=int)


def test_choices_with_code_prefix_and_no_shared_state():
    choices = registry.get("Sector").choices("it", with_code=True)
    assert dict(choices)["15170"].startswith("15170 – Organizzazioni")
    choices.clear()
    assert registry.get("Sector").choices("it", with_code=True)


@pytest.mark.parametrize("name", COMPLETE_IN_ITALIAN)
def test_italian_labels_cover_every_active_code(name):
    codelist = registry.get(name)
    missing = [
        code
        for code, item in codelist.items.items()
        if not item.withdrawn and "it" not in item.names
    ]
    assert missing == []


def test_labels_json_only_holds_real_codes():
    data = json.loads(registry.LABELS_IT_PATH.read_text(encoding="utf-8"))
    for name, labels in data.items():
        if name.startswith("_"):
            continue
        codelist = registry.get(name)
        unknown = [code for code in labels if code not in codelist.items]
        assert unknown == [], name
        assert all(label.strip() == label and label for label in labels.values()), name


def test_sector_translation_counts():
    sector = registry.get("Sector")
    active = [item for item in sector.items.values() if not item.withdrawn]
    assert len(active) > 290
    assert all("it" in item.names for item in sector.items.values())


# --- validation and model field -------------------------------------------------------------


def test_validate_code_accepts_valid_and_withdrawn_codes():
    validate_code("Country", "IQ", "country")
    validate_code("Sector", "15161", "sector")


def test_validate_code_names_field_and_codelist():
    with pytest.raises(ValidationError) as excinfo:
        validate_code("Country", "XX", "recipient-country/@code")
    error = excinfo.value
    assert error.code == "invalid_code"
    with translation.override("en"):  # the message is lazy: rendered in the active language
        messages = error.messages
    assert messages == ["recipient-country/@code: “XX” is not a code of the IATI Country codelist."]


def test_validate_code_message_is_translated():
    with pytest.raises(ValidationError) as excinfo:
        validate_code("Sector", "99999x", "settore")
    with translation.override("it"):
        messages = excinfo.value.messages
    # The list is named by its Italian name too, not by IATI's identifier "Sector".
    assert messages == [
        "settore: «99999x» non è un codice della lista IATI «Settori DAC a 5 cifre»."
    ]


def test_field_clean_rejects_unknown_code_naming_the_field():
    field = CodelistField("Country", verbose_name="recipient country")
    with pytest.raises(ValidationError) as excinfo:
        field.clean("XX", None)
    with translation.override("en"):
        message = excinfo.value.messages[0]
    assert "recipient country" in message
    assert "Country codelist" in message
    assert "“XX”" in message
    assert excinfo.value.error_list[0].code == "invalid_code"


def test_field_clean_accepts_valid_and_withdrawn_codes():
    field = CodelistField("Sector", verbose_name="sector")
    assert field.clean("15170", None) == "15170"
    assert field.clean("15161", None) == "15161"


def test_blank_field_accepts_empty_and_required_field_rejects_it():
    assert CodelistField("Country", blank=True).clean("", None) == ""
    with pytest.raises(ValidationError) as excinfo:
        CodelistField("Country").clean("", None)
    assert excinfo.value.error_list[0].code == "blank"


@pytest.fixture
def place_model():
    """Return a throwaway model with two CodelistFields, in an isolated app registry."""
    with isolate_apps("opencoop.codelists"):

        class Place(models.Model):
            country = CodelistField("Country", verbose_name="recipient country", blank=True)
            sector = CodelistField("Sector", verbose_name="sector", show_codes=True)

            class Meta:
                app_label = "codelists"

        yield Place


def test_full_clean_puts_the_error_under_the_field_name(place_model):
    place = place_model(country="XX", sector="15170")
    with pytest.raises(ValidationError) as excinfo:
        place.full_clean()
    with translation.override("en"):
        errors = excinfo.value.message_dict
    assert list(errors) == ["country"]
    assert errors["country"] == [
        "recipient country: “XX” is not a code of the IATI Country codelist."
    ]


def test_full_clean_passes_with_valid_codes(place_model):
    place_model(country="PS", sector="15170").full_clean()


def test_get_display_returns_the_label(place_model):
    place = place_model(country="DE", sector="15170")
    with translation.override("it"):
        assert place.get_country_display() == "Germania"
    with translation.override("en"):
        assert place.get_country_display() == "Germany"
    assert place_model(country="", sector="15170").get_country_display() == ""


def test_deconstruct_round_trips_the_codelist_without_choices(place_model):
    field = place_model._meta.get_field("sector")
    _name, path, args, kwargs = field.deconstruct()
    assert path == "opencoop.codelists.fields.CodelistField"
    assert kwargs == {
        "codelist": "Sector",
        "max_length": 20,
        "verbose_name": "sector",
        "show_codes": True,
    }
    assert "choices" not in kwargs
    clone = CodelistField(*args, **kwargs)
    assert clone.codelist == "Sector"
    assert clone.deconstruct()[3] == kwargs


def test_choices_keyword_is_refused():
    with pytest.raises(TypeError):
        CodelistField("Country", choices=[("IT", "Italy")])


def test_checks_report_unknown_codelist_and_short_max_length(place_model):
    with isolate_apps("opencoop.codelists"):

        class Broken(models.Model):
            bad_list = CodelistField("Contry")
            too_short = CodelistField("FileFormat")

            class Meta:
                app_label = "codelists"

        ids = {message.id for message in Broken.check()}
    assert {"codelists.E001", "codelists.E002"} <= ids
    assert place_model.check() == []


def test_formfield_is_a_lazy_typed_choice_field(place_model):
    field = place_model._meta.get_field("country")
    form_field = field.formfield()
    assert isinstance(form_field, forms.TypedChoiceField)
    assert form_field.label == "Recipient country"
    assert form_field.required is False
    with translation.override("it"):
        choices = list(form_field.choices)
    assert choices[0] == ("", "---------")
    assert ("DE", "Germania") in choices
    assert "AN" not in dict(choices)  # withdrawn
    with translation.override("en"):
        assert ("DE", "Germany") in list(form_field.choices)


def test_formfield_validates_and_shows_codes_when_asked(place_model):
    form_field = place_model._meta.get_field("sector").formfield()
    assert form_field.required is True
    with translation.override("it"):
        choices = dict(form_field.choices)
    assert choices[""] == "---------"  # like Django: required, no default -> blank option
    assert choices["15170"].startswith("15170 – ")
    assert form_field.clean("15170") == "15170"
    with pytest.raises(ValidationError):
        form_field.clean("15161")  # withdrawn codes are not offered to editors
    with pytest.raises(ValidationError):
        form_field.clean("99999x")


def test_model_form_renders_a_select(place_model):
    class PlaceForm(forms.ModelForm):
        class Meta:
            model = place_model
            fields = ["country", "sector"]

    with translation.override("it"):
        form = PlaceForm(data={"country": "IQ", "sector": "15170"})
        assert form.is_valid(), form.errors
        html = str(form["country"])
    assert html.startswith("<select")
    assert '<option value="IQ" selected>Iraq</option>' in html
    assert PlaceForm(data={"country": "XX", "sector": "15170"}).is_valid() is False


# --- template filters -----------------------------------------------------------------------


def test_codelist_label_filter_in_italian():
    template = Template('{% load codelists %}{{ code|codelist_label:"Country" }}')
    with translation.override("it"):
        assert template.render(Context({"code": "DE"})) == "Germania"


def test_codelist_label_filter_wraps_english_fallback():
    template = Template('{% load codelists %}{{ code|codelist_label:"GazetteerAgency" }}')
    with translation.override("it"):
        assert template.render(Context({"code": "1"})) == '<span lang="en">Geonames.org</span>'
    with translation.override("en"):
        assert template.render(Context({"code": "1"})) == "Geonames.org"


def test_codelist_label_filter_escapes_labels():
    with translation.override("it"):
        html = codelist_label("XI-IATI-BBDN", "IATIOrganisationIdentifier")
        rendered = Template(
            '{% load codelists %}{{ code|codelist_label:"OtherIdentifierType" }}'
        ).render(Context({"code": "A1"}))
    assert html == '<span lang="en">Bangladesh Business &amp; Disability Network</span>'
    assert rendered == (
        '<span lang="en">Reporting Organisation&#x27;s internal activity identifier</span>'
    )
    with translation.override("en"):
        rendered = Template('{% load codelists %}{{ code|codelist_label:"Sector" }}').render(
            Context({"code": "15170"})
        )
    assert rendered == (
        "Women&#x27;s rights organisations and movements, and government institutions"
    )


def test_codelist_label_filter_leaves_unknown_and_empty_values():
    with translation.override("it"):
        assert codelist_label("XX", "Country") == "XX"
        assert codelist_label("", "Country") == ""
        assert codelist_label(None, "Country") == ""


def test_codelist_text_filter_is_plain_text():
    template = Template('{% load codelists %}{{ code|codelist_text:"GazetteerAgency" }}')
    with translation.override("it"):
        assert template.render(Context({"code": "1"})) == "Geonames.org"
        assert codelist_text("IQ", "Country") == "Iraq"
        assert codelist_text(15170, "Sector").startswith("Organizzazioni e movimenti")
