"""Open data addresses: thin views that stream what ``opencoop.iati`` writes."""

from __future__ import annotations

from collections.abc import Iterator

from django.http import Http404, HttpRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from opencoop.activities.disclosure import public_activities
from opencoop.core.sites import site_scope
from opencoop.iati.export import (
    NothingToPublish,
    iter_activities_xml,
    iter_organisation_xml,
    reporting_org_activities,
)
from opencoop.opendata.streams import marked
from opencoop.organisations.models import Organisation

from .crs import iter_crs_csv

XML_CONTENT_TYPE = "application/xml; charset=utf-8"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
# Years a CRS table may be asked for (the CRS starts in 1973).
CRS_YEARS = range(1973, 2100)


def xml_response(chunks: Iterator[bytes], filename: str) -> StreamingHttpResponse:
    """Stream an XML document with a file name for those who save it."""
    response = StreamingHttpResponse(marked(chunks, "xml"), content_type=XML_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return response


def _site_authorities(request: HttpRequest):
    """Return the reporting authorities of the site asked: another site's files are not here."""
    return site_scope(request).restrict(Organisation.objects.reporting(), "pk")


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


@require_safe
def iati_activities(request: HttpRequest, identifier: str) -> StreamingHttpResponse:
    """Stream the IATI activity file of a reporting organisation."""
    organisation = get_object_or_404(_site_authorities(request), identifier=identifier)
    try:
        chunks = iter_activities_xml(
            reporting_org_activities(organisation), base_url=base_url(request)
        )
    except NothingToPublish as exc:
        # The schema wants at least one activity: no valid file exists yet.
        raise Http404(str(exc)) from exc
    return xml_response(chunks, f"{identifier}-activities.xml")


@require_safe
def iati_activity(request: HttpRequest, identifier: str) -> StreamingHttpResponse:
    """Stream one public activity as an IATI activity file (404 when it lacks required facts)."""
    activities = site_scope(request).restrict(public_activities())
    activities = activities.filter(iati_identifier=identifier)
    if not activities.exists():
        raise Http404("No public activity has this IATI identifier.")
    try:
        chunks = iter_activities_xml(activities, base_url=base_url(request))
    except NothingToPublish as exc:
        raise Http404("This activity lacks elements IATI 2.03 requires.") from exc
    return xml_response(chunks, f"{identifier}.xml")


@require_safe
def iati_organisation(request: HttpRequest, identifier: str) -> StreamingHttpResponse:
    """Stream the IATI organisation file of a reporting organisation."""
    organisation = get_object_or_404(_site_authorities(request), identifier=identifier)
    chunks = iter_organisation_xml(organisation, base_url=base_url(request))
    return xml_response(chunks, f"{identifier}-organisation.xml")


@require_safe
def crs_csv(request: HttpRequest, identifier: str, year: int) -> StreamingHttpResponse:
    """Stream the OECD DAC CRS table of a reporting organisation for one year."""
    organisation = get_object_or_404(_site_authorities(request), identifier=identifier)
    if year not in CRS_YEARS:
        raise Http404("No CRS table for this year.")
    response = StreamingHttpResponse(
        marked((line.encode("utf-8") for line in iter_crs_csv(organisation, year)), "csv"),
        content_type=CSV_CONTENT_TYPE,
    )
    response["Content-Disposition"] = content_disposition_header(
        True, f"{identifier}-crs-{year}.csv"
    )
    return response
