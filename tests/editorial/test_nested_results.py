"""Editors enter a result's indicators inside the result, and an indicator's periods inside it.

The activity's edit form nests the inline panels (result → indicators → periods): what is saved
lands in the draft's revision nested the same way, and publishing it writes the rows.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from opencoop.activities.models import IndicatorPeriod, Result, ResultIndicator
from opencoop.iati.rules import missing_mandatory
from tests.factories import make_result

from .helpers import form_data, messages_text, soup, url

pytestmark = pytest.mark.django_db


def new_rows(prefix: str, rows: list[dict]) -> dict[str, str]:
    """Return the form data of new rows of the formset ``prefix`` (management form included)."""
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for number, row in enumerate(rows):
        data.update({f"{prefix}-{number}-id": "", f"{prefix}-{number}-ORDER": str(number + 1)})
        data.update({f"{prefix}-{number}-{key}": value for key, value in row.items()})
    return data


def indicator(number: int) -> dict[str, str]:
    return {
        "measure": "1",
        "ascending": "on",
        "title_0": f"Indicatore {number}",
        "title_1": f"Indicator {number}",
        "baseline_year": "2023",
        "baseline_value": str(number),
        "baseline_comment_1": f"Counted in spring ({number})",
    }


def period(year: int, target: str, actual: str) -> dict[str, str]:
    return {
        "period_start": f"{year}-01-01",
        "period_end": f"{year}-12-31",
        "target_value": target,
        "actual_value": actual,
        "actual_comment_1": f"Reported in {year + 1}",
    }


def test_the_edit_form_nests_indicators_in_results_and_periods_in_indicators(
    login, editor, activity
):
    make_result(
        activity,
        title={"it": "Pozzi", "en": "Wells"},
        indicator={"title": {"it": "Pozzi scavati", "en": "Wells dug"}},
        period={"target_value": "12"},
    )
    activity.save_revision().publish()

    page = soup(login(editor).get(url(activity, "edit")))

    assert page.select_one('[name="results-0-indicators-0-title_1"]')["value"] == "Wells dug"
    target = page.select_one('[name="results-0-indicators-0-periods-0-target_value"]')
    assert Decimal(target["value"]) == Decimal("12")
    # A new result's form brings its own indicator form, and that one its periods'.
    assert page.select_one('[name="results-0-indicators-TOTAL_FORMS"]')["value"] == "1"
    assert page.select_one('[name="results-0-indicators-0-periods-TOTAL_FORMS"]')["value"] == "1"


def test_an_activity_saved_with_two_indicators_of_two_periods_keeps_them_nested(
    login, editor, activity
):
    client = login(editor)
    data = form_data(client.get(url(activity, "edit")))
    data.update(
        new_rows(
            "results",
            [{"type": "1", "title_0": "Acqua sicura", "title_1": "Safe water"}],
        )
    )
    data.update(new_rows("results-0-indicators", [indicator(1), indicator(2)]))
    for number in range(2):
        data.update(
            new_rows(
                f"results-0-indicators-{number}-periods",
                [period(2024, "10", "8"), period(2025, "20", "")],
            )
        )
    response = client.post(url(activity, "edit"), data)
    assert response.status_code == 302, messages_text(response)

    # The draft's revision holds the nesting; the public rows wait for publication.
    assert not Result.objects.filter(activity=activity).exists()
    activity.refresh_from_db()
    draft = activity.get_latest_revision()
    (stored,) = draft.content["results"]
    assert [len(i["periods"]) for i in stored["indicators"]] == [2, 2]

    draft.publish()
    (result,) = Result.objects.filter(activity=activity)
    assert result.title == {"it": "Acqua sicura", "en": "Safe water"}
    indicators = list(result.indicators.all())
    assert [i.title["en"] for i in indicators] == ["Indicator 1", "Indicator 2"]
    assert [i.baseline_value for i in indicators] == ["1", "2"]
    assert indicators[0].baseline_comment == {"en": "Counted in spring (1)"}
    periods = IndicatorPeriod.objects.filter(indicator__result=result).order_by(
        "indicator__sort_order", "sort_order"
    )
    assert [(p.period_start, p.target_value, p.actual_value) for p in periods] == [
        (datetime.date(2024, 1, 1), "10", "8"),
        (datetime.date(2025, 1, 1), "20", ""),
    ] * 2
    assert periods[0].actual_comment == {"en": "Reported in 2025"}
    assert ResultIndicator.objects.filter(result=result).count() == 2


def test_a_draft_result_without_an_indicator_is_named_by_the_publication_check(
    login, editor, activity
):
    client = login(editor)
    data = form_data(client.get(url(activity, "edit")))
    data.update(new_rows("results", [{"type": "1", "title_0": "Senza indicatore"}]))
    data.update(new_rows("results-0-indicators", []))

    response = client.post(url(activity, "edit"), data)

    assert response.status_code == 302, messages_text(response)
    activity.refresh_from_db()
    draft = activity.get_latest_revision().as_object()
    assert "result[1]/indicator" in [breach.path for breach in missing_mandatory(draft)]


def test_an_added_row_inside_a_row_is_fetched_with_the_numbers_the_browser_gave(
    login, editor, activity
):
    make_result(activity, indicator={"title": {"it": "Pozzi scavati"}})
    activity.save_revision().publish()
    client = login(editor)
    page = soup(client.get(url(activity, "edit")))
    template = page.find("template", id="id_results-0-indicators-EMPTY_FORM_TEMPLATE")
    assert template["data-empty-row-url"].endswith("?empty_row=results-0-indicators")

    # An indicator of the result on the page.
    row = soup(client.get(template["data-empty-row-url"]))
    assert row.find("input", attrs={"name": "results-0-indicators-__prefix__-title_0"})
    # A period of the first indicator of a result added in the browser (not in the form).
    row = soup(client.get(url(activity, "edit") + "?empty_row=results-3-indicators-0-periods"))
    assert row.find(
        "input", attrs={"name": "results-3-indicators-0-periods-__prefix__-target_value"}
    )
    missing = client.get(url(activity, "edit") + "?empty_row=results-0-nope", follow=True)
    assert missing.status_code == 404
