"""The map page: where one authority's (or every authority's) cooperation happens."""

from __future__ import annotations

import math

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from wagtail.contrib.routable_page.models import path

from opencoop.codelists import registry
from opencoop.core.formatting import display_number
from opencoop.core.multilingual import text
from opencoop.operations.pagecache import reads_query
from opencoop.pages.published import request_generation
from opencoop.stats.models import ScopedFiguresPage
from opencoop.stats.presentation import csv_response, present
from opencoop.stats.selectors import by_country, figures_as_of
from opencoop.stats.tables import EUR, FigureTable

from .countries import country_url
from .drawing import CountryMark, PointMark, classify, world_map
from .selectors import MapPoint, map_points
from .shapes import world

MEASURES = {
    "activities": gettext_lazy("Number of activities"),
    "amount": gettext_lazy("Amount disbursed (EUR)"),
}


def _country_label(table: FigureTable, row) -> str:
    count = table.value(row, "activities")
    parts = [ngettext("%(n)s activity", "%(n)s activities", count) % {"n": display_number(count)}]
    for currency in table.currencies:
        amount = table.value(row, "disbursed", currency)
        if amount:
            parts.append(
                _("%(amount)s %(currency)s disbursed")
                % {"amount": display_number(amount), "currency": currency}
            )
    return f"{row.label}: " + "; ".join(parts)


def _legend_value(value, measure: str) -> str:
    if measure == "activities":
        return display_number(value)
    return f"{display_number(round(value))} {EUR}"


def _point_label(point: MapPoint) -> str:
    place = text(point.name) or registry.get("Country").label(point.country)
    country = registry.get("Country").label(point.country) if point.country else ""
    where = f"{place} ({country})" if country and country != place else place
    if point.single is not None:
        return f"{where}: {text(point.single.title)}"
    count = point.count
    return f"{where}: " + ngettext("%(n)s activity", "%(n)s activities", count) % {"n": count}


class MapPage(ScopedFiguresPage):
    """A world map: countries shaded by activities or amount, linking to the catalogue; places."""

    class Meta:
        verbose_name = gettext_lazy("map page")

    def get_context(self, request, *args, **kwargs):
        from opencoop.catalogue.selectors import record_links as remembered_links

        context = super().get_context(request, *args, **kwargs)
        reads_query(request, ["measure"])
        measure = request.GET.get("measure", "activities")
        if measure not in MEASURES:
            context["measure_error"] = _(
                "Shade by: “%(value)s” is not one of %(choices)s, so the map shows the number "
                "of activities."
            ) % {"value": measure[:40], "choices": ", ".join(MEASURES)}
            measure = "activities"
        scope = self.scope(request)
        table = by_country(scope)
        points = map_points(scope)
        context["figures_as_of"] = figures_as_of(scope)
        # Every country name links to the country's page, in the shapes as in the table.
        lang, number = self.locale.language_code, request_generation(request)
        record_links = remembered_links(self.locale)  # looked up once per publication

        values = {
            row.code: table.value(row, "activities")
            if measure == "activities"
            else table.value(row, "disbursed", EUR)
            for row in table.rows
            if row.code
        }
        classes, legend = classify(values)
        marks = [
            CountryMark(
                row.code,
                legend[classes[row.code]],
                country_url(row.code, lang, number),
                _country_label(table, row),
            )
            for row in table.rows
            if row.code in classes
        ]
        point_marks = []
        for point in points:
            count = point.count
            href = (
                record_links.url(point.single)
                if point.single is not None
                else country_url(point.country, lang, number)
            )
            point_marks.append(
                PointMark(
                    float(point.longitude),
                    float(point.latitude),
                    min(3 + 1.5 * math.sqrt(count), 10),
                    href,
                    _point_label(point),
                    point.country,
                )
            )
        shapes = world()
        if shapes is not None:
            context["map_svg"] = world_map(
                world=shapes,
                countries=marks,
                points=point_marks,
                map_id="world-map",
                title=self.title,
                description=_(
                    "World map: countries shaded by %(measure)s, darker for more; places of "
                    "activities as dots. The table below gives the same figures."
                )
                % {"measure": str(MEASURES[measure]).lower()},
            )
            context["map_source"] = shapes.source
        base = self.get_url(request) or ""
        context.update(
            {
                "measure": measure,
                "measures": [
                    {"key": key, "label": label, "url": f"{base}?measure={key}"}
                    for key, label in MEASURES.items()
                ],
                "legend": [
                    {
                        "fill": shade.fill,
                        "number": shade.number,
                        "low": _legend_value(shade.low, measure),
                        "high": _legend_value(shade.high, measure),
                    }
                    for shade in legend
                ],
                "country_figure": present(
                    table,
                    csv_url=self.csv_url(request, table.slug),
                    links=None,  # its figure template links each country to its page
                    chart=False,
                ),
                "points": list(zip(points, point_marks, strict=True)),
                "json_url": reverse("geography:map-json", args=[scope.slug])
                + f"?lang={self.locale.language_code}",
                "related_pages": self.related_pages(),
            }
        )
        return context

    @path("")
    def index(self, request):
        return self.render(request)

    @path("csv/<slug:slug>/", name="csv")
    def csv(self, request, slug: str):
        from django.http import Http404

        if slug != "by-country":
            raise Http404
        return csv_response(by_country(self.scope(request)), self.csv_filename(slug, request))
