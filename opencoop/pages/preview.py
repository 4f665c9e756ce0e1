"""The preview of a record's public page, drawn from the version being edited or reviewed.

Reviewers see, before approving, the page the public will see in each portal language: the
same template and the same disclosure rules as the record's page under its section
(``RecordIndexPage.record``), with the unsaved or submitted version in place of the live one.
Wagtail's preview views serve it inside the admin, to those who may edit the record.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import translation
from wagtail.models import Page

from opencoop.core.models import EditorialRecord

from .models import RecordIndexPage, SectionPage
from .records import KINDS, RecordKind


def kind_of(record: EditorialRecord) -> RecordKind:
    """Return the kind of record the site lists ``record`` as."""
    for kind in KINDS.values():
        if isinstance(record, kind.model):
            return kind
    raise LookupError(f"The site has no page for {type(record).__name__}")


def index_page_for(record: EditorialRecord, language: str) -> RecordIndexPage | None:
    """Return the list ``record`` would appear in on the site in ``language``, if there is one."""
    sections = SectionPage.objects.filter(
        reporting_org_id=record.reporting_org_id, locale__language_code=language
    )
    pages = RecordIndexPage.objects.filter(
        record_type=kind_of(record).key, locale__language_code=language
    ).order_by("path")
    for section in sections.order_by("path"):
        page = pages.child_of(section).first()
        if page is not None:
            return page.specific
    return None


def serve_record_preview(record: EditorialRecord, request: HttpRequest, language: str):
    """Draw ``record``'s public page in ``language``, as its section would serve it."""
    kind = kind_of(record)
    with translation.override(language):
        request.LANGUAGE_CODE = language
        page = index_page_for(record, language)
        if page is not None:
            context = page.get_context(request)
        else:
            # No section lists this kind of record yet: drawn in the frame of the site's home.
            home = Page.objects.filter(depth=2, locale__language_code=language).first()
            context = {"request": request, "page": home, "self": home}
        context["record"] = record
        context.update(kind.detail_context(record))
        response = TemplateResponse(request, kind.template, context)
        # Drawn here, in the language asked for: Wagtail would draw it after this returns.
        return response.render()
