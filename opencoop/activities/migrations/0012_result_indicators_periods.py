"""Results hold indicators, and indicators periods (IATI 2.03: several of each).

Each result row becomes one result, one indicator with its baseline and, when it had a period
or values, one period; the revisions' copies of results are reshaped the same way, so drafts
keep their results. Values become text (IATI's: a number, or a word for a qualitative
indicator); numbers lose their trailing zeros. Reversible: going back keeps each result's first
indicator and its first period, and numeric values (others are dropped, as the old model cannot
hold them).
"""

from decimal import Decimal, InvalidOperation

import django.db.models.deletion
import modelcluster.fields
from django.db import migrations, models

import opencoop.codelists.fields
import opencoop.core.multilingual

INDICATOR_FIELDS = ("measure", "ascending", "baseline_year", "baseline_value")
PERIOD_FIELDS = ("period_start", "period_end", "target_value", "actual_value")
# The values: decimals before, text after (a number without trailing zeros, or a word).
VALUE_FIELDS = ("baseline_value", "target_value", "actual_value")


def value_text(value) -> str:
    """Write an old decimal value as the new text field keeps it ("12.00" → "12")."""
    if value is None or value == "":
        return ""
    text = f"{Decimal(str(value)):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def value_number(value):
    """Read a new text value back as a decimal for the old field (a word is dropped)."""
    try:
        return Decimal(value) if value not in (None, "") else None
    except InvalidOperation:
        return None


def as_text(values: dict) -> dict:
    return {k: value_text(v) if k in VALUE_FIELDS else v for k, v in values.items()}


def as_number(values: dict) -> dict:
    return {k: value_number(v) if k in VALUE_FIELDS else v for k, v in values.items()}


def has_period(values: dict) -> bool:
    return any(values.get(name) not in (None, "") for name in PERIOD_FIELDS)


def nest_revision_result(result: dict) -> dict:
    """Return a revision's copy of an old result with its indicator and period nested."""
    flat = {name: result.pop(name, None) for name in (*INDICATOR_FIELDS, *PERIOD_FIELDS)}
    title = result.pop("indicator", None) or {}
    if "indicators" in result:
        return result
    flat = as_text(flat)
    indicator = {
        "pk": None,
        "sort_order": 0,
        "title": title,
        **{name: flat[name] for name in INDICATOR_FIELDS},
        "periods": [],
    }
    if indicator["measure"] is None:
        indicator["measure"] = "1"
    if indicator["ascending"] is None:
        indicator["ascending"] = True
    if has_period(flat):
        indicator["periods"] = [
            {"pk": None, "sort_order": 0, **{name: flat[name] for name in PERIOD_FIELDS}}
        ]
    result["indicators"] = [indicator]
    return result


def flatten_revision_result(result: dict) -> dict:
    """Return a revision's copy of a nested result as the old model held it (first of each)."""
    indicators = result.pop("indicators", None) or [{}]
    indicator = indicators[0]
    periods = indicator.get("periods") or [{}]
    result["indicator"] = indicator.get("title") or {}
    for name in INDICATOR_FIELDS:
        result[name] = indicator.get(name)
    for name in PERIOD_FIELDS:
        result[name] = periods[0].get(name)
    for name in VALUE_FIELDS:
        number = value_number(result[name])
        result[name] = str(number) if number is not None else None
    result.setdefault("measure", "1")
    result["measure"] = result["measure"] or "1"
    result["ascending"] = True if result["ascending"] is None else result["ascending"]
    return result


def reshape_revisions(apps, reshape) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Revision = apps.get_model("wagtailcore", "Revision")
    content_type = ContentType.objects.filter(app_label="activities", model="activity").first()
    if content_type is None:
        return
    revisions = Revision.objects.filter(base_content_type=content_type)
    for revision in revisions.iterator():
        results = (revision.content or {}).get("results")
        if not results:
            continue
        revision.content["results"] = [reshape(dict(result)) for result in results]
        revision.save(update_fields=["content"])


def nest(apps, schema_editor) -> None:
    Result = apps.get_model("activities", "Result")
    ResultIndicator = apps.get_model("activities", "ResultIndicator")
    IndicatorPeriod = apps.get_model("activities", "IndicatorPeriod")
    for result in Result.objects.order_by("pk").iterator():
        indicator = ResultIndicator.objects.create(
            result=result,
            sort_order=0,
            title=result.indicator or {},
            **as_text({name: getattr(result, name) for name in INDICATOR_FIELDS}),
        )
        values = {name: getattr(result, name) for name in PERIOD_FIELDS}
        if has_period(values):
            IndicatorPeriod.objects.create(indicator=indicator, sort_order=0, **as_text(values))
    reshape_revisions(apps, nest_revision_result)


def flatten(apps, schema_editor) -> None:
    Result = apps.get_model("activities", "Result")
    for result in Result.objects.order_by("pk").iterator():
        indicator = result.indicators.order_by("sort_order", "pk").first()
        if indicator is None:
            continue
        result.indicator = indicator.title
        for name, value in as_number(
            {name: getattr(indicator, name) for name in INDICATOR_FIELDS}
        ).items():
            setattr(result, name, value)
        period = indicator.periods.order_by("sort_order", "pk").first()
        if period is not None:
            for name, value in as_number(
                {name: getattr(period, name) for name in PERIOD_FIELDS}
            ).items():
                setattr(result, name, value)
        result.save()
    reshape_revisions(apps, flatten_revision_result)


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0011_iati_elements_kept"),
        ("wagtailcore", "0098_apitoken"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="result",
            name="aggregation_status",
            field=models.BooleanField(
                blank=True, null=True, verbose_name="suitable for aggregation"
            ),
        ),
        migrations.AddField(
            model_name="result",
            name="description",
            field=opencoop.core.multilingual.MultilingualField(
                blank=True, default=dict, verbose_name="description"
            ),
        ),
        migrations.CreateModel(
            name="ResultIndicator",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("sort_order", models.IntegerField(blank=True, editable=False, null=True)),
                (
                    "title",
                    opencoop.core.multilingual.MultilingualField(
                        default=dict, max_length=500, verbose_name="indicator"
                    ),
                ),
                (
                    "description",
                    opencoop.core.multilingual.MultilingualField(
                        blank=True, default=dict, verbose_name="description"
                    ),
                ),
                (
                    "measure",
                    opencoop.codelists.fields.CodelistField(
                        codelist="IndicatorMeasure",
                        default="1",
                        max_length=20,
                        verbose_name="measure",
                    ),
                ),
                ("ascending", models.BooleanField(default=True, verbose_name="higher is better")),
                (
                    "aggregation_status",
                    models.BooleanField(
                        blank=True, null=True, verbose_name="suitable for aggregation"
                    ),
                ),
                (
                    "references",
                    models.JSONField(blank=True, default=list, verbose_name="references"),
                ),
                (
                    "baseline_year",
                    models.PositiveIntegerField(
                        blank=True, null=True, verbose_name="baseline year"
                    ),
                ),
                (
                    "baseline_date",
                    models.DateField(blank=True, null=True, verbose_name="baseline date"),
                ),
                (
                    "baseline_value",
                    models.CharField(blank=True, max_length=500, verbose_name="baseline value"),
                ),
                (
                    "baseline_comment",
                    opencoop.core.multilingual.MultilingualField(
                        blank=True, default=dict, verbose_name="baseline comment"
                    ),
                ),
                (
                    "baseline_dimensions",
                    models.JSONField(blank=True, default=list, verbose_name="baseline dimensions"),
                ),
                (
                    "baseline_locations",
                    models.JSONField(blank=True, default=list, verbose_name="baseline locations"),
                ),
                (
                    "result",
                    modelcluster.fields.ParentalKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="indicators",
                        to="activities.result",
                    ),
                ),
            ],
            options={
                "verbose_name": "indicator",
                "verbose_name_plural": "indicators",
                "ordering": ["sort_order", "pk"],
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="IndicatorPeriod",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("sort_order", models.IntegerField(blank=True, editable=False, null=True)),
                (
                    "period_start",
                    models.DateField(blank=True, null=True, verbose_name="period start"),
                ),
                ("period_end", models.DateField(blank=True, null=True, verbose_name="period end")),
                (
                    "target_value",
                    models.CharField(blank=True, max_length=500, verbose_name="target value"),
                ),
                (
                    "target_comment",
                    opencoop.core.multilingual.MultilingualField(
                        blank=True, default=dict, verbose_name="target comment"
                    ),
                ),
                (
                    "target_dimensions",
                    models.JSONField(blank=True, default=list, verbose_name="target dimensions"),
                ),
                (
                    "target_locations",
                    models.JSONField(blank=True, default=list, verbose_name="target locations"),
                ),
                (
                    "actual_value",
                    models.CharField(blank=True, max_length=500, verbose_name="actual value"),
                ),
                (
                    "actual_comment",
                    opencoop.core.multilingual.MultilingualField(
                        blank=True, default=dict, verbose_name="actual comment"
                    ),
                ),
                (
                    "actual_dimensions",
                    models.JSONField(blank=True, default=list, verbose_name="actual dimensions"),
                ),
                (
                    "actual_locations",
                    models.JSONField(blank=True, default=list, verbose_name="actual locations"),
                ),
                (
                    "indicator",
                    modelcluster.fields.ParentalKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="periods",
                        to="activities.resultindicator",
                    ),
                ),
            ],
            options={
                "verbose_name": "period",
                "verbose_name_plural": "periods",
                "ordering": ["sort_order", "pk"],
                "abstract": False,
            },
        ),
        migrations.RunPython(nest, flatten),
        migrations.RemoveField(
            model_name="result",
            name="actual_value",
        ),
        migrations.RemoveField(
            model_name="result",
            name="ascending",
        ),
        migrations.RemoveField(
            model_name="result",
            name="baseline_value",
        ),
        migrations.RemoveField(
            model_name="result",
            name="baseline_year",
        ),
        migrations.RemoveField(
            model_name="result",
            name="indicator",
        ),
        migrations.RemoveField(
            model_name="result",
            name="measure",
        ),
        migrations.RemoveField(
            model_name="result",
            name="period_end",
        ),
        migrations.RemoveField(
            model_name="result",
            name="period_start",
        ),
        migrations.RemoveField(
            model_name="result",
            name="target_value",
        ),
    ]
