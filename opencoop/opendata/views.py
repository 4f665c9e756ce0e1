"""Open data addresses: thin views that stream what ``opencoop.opendata.iati`` writes."""

from __future__ import annotations

from collections.abc import Iterator

from django.http import Http404, HttpRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from opencoop.activities.disclosure import public_activities
from opencoop.organisations.models import Organisation

from .iati.export import iter_activities_xml, iter_organisation_xml, reporting_org_activities

XML_CONTENT_TYPE = "application/xml; charset=utf-8"


def xml_response(chunks: Iterator[bytes], filename: str) -> StreamingHttpResponse:
    """Stream an XML document with a file name for those who save it."""
    response = StreamingHttpResponse(chunks, content_type=XML_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return response


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


@require_safe
def iati_activities(request: HttpRequest, identifier: str) -> StreamingHttpResponse:
    """Stream the IATI activity file of a reporting organisation."""
    organisation = get_object_or_404(Organisation.objects.reporting(), identifier=identifier)
    chunks = iter_activities_xml(reporting_org_activities(organisation), base_url=base_url(request))
    return xml_response(chunks, f"{identifier}-activities.xml")


@require_safe
def iati_activity(request: HttpRequest, identifier: str) -> StreamingHttpResponse:
    """Stream one public activity as an IATI activity file."""
    activities = public_activities().filter(iati_identifier=identifier)
    if not activities.exists():
        raise Http404("No public activity has this IATI identifier.")
    return xml_response(
        iter_activities_xml(activities, base_url=base_url(request)), f"{identifier}.xml"
    )


@require_safe
def iati_organisation(request: HttpRequest, identifier: str) -> StreamingHttpResponse:
    """Stream the IATI organisation file of a reporting organisation."""
    organisation = get_object_or_404(Organisation.objects.reporting(), identifier=identifier)
    chunks = iter_organisation_xml(organisation, base_url=base_url(request))
    return xml_response(chunks, f"{identifier}-organisation.xml")
