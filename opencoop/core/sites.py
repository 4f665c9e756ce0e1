"""Whose records a Wagtail site shows: the one question every public outlet asks of the site.

A portal may serve several sites: an authority's own (Florence's), and an atlas gathering many
authorities. Each site's settings name the reporting authorities it covers (none named: every
one). Pages, catalogue, search, map, statistics, plans, feeds, downloads, API and the open-data
page all narrow what they show with ``site_scope(request)``, so that no page of an authority's
site shows another authority's record, name or figure.

What is public is still the access policy's decision (``opencoop.access.policy``): the site's
scope is one more filter on the public records, never a second rule of what the public sees.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models
from django.http import HttpRequest
from wagtail.models import Site

from opencoop.access import policy

from .multilingual import portal_languages

if TYPE_CHECKING:
    from .models import PortalSettings


@dataclass(frozen=True)
class SiteScope:
    """The reporting authorities one site covers (None: every one) and whether it is an atlas."""

    site_id: int | None = None
    authorities: frozenset[int] | None = None
    atlas: bool = False

    @property
    def authority_id(self) -> int | None:
        """Return the one authority an authority's own site is about, else None."""
        if self.atlas or self.authorities is None or len(self.authorities) != 1:
            return None
        return next(iter(self.authorities))

    def covers(self, reporting_org_id: int | None) -> bool:
        """Say whether records reported by ``reporting_org_id`` belong on this site."""
        return self.authorities is None or reporting_org_id in self.authorities

    def restrict(self, queryset: models.QuerySet, field: str = "reporting_org") -> models.QuerySet:
        """Keep the rows of ``queryset`` whose ``field`` (an authority) this site covers."""
        if self.authorities is None:
            return queryset
        return queryset.filter(**{f"{field}__in": self.authorities})

    def records(
        self,
        model_or_queryset,
        field: str = "reporting_org",
        today: datetime.date | None = None,
    ) -> models.QuerySet:
        """Return the public records of this site: the policy's public ones, narrowed."""
        return self.restrict(policy.public(model_or_queryset, today), field)


EVERY_AUTHORITY = SiteScope()


def scope_of_site(site: Site | None) -> SiteScope:
    """Read a site's scope from its settings (two small queries)."""
    from .models import PortalSettings

    if site is None:
        return EVERY_AUTHORITY
    settings = PortalSettings.base_queryset().filter(site=site).first()
    if settings is None:
        return SiteScope(site_id=site.pk)
    named = frozenset(settings.authorities.values_list("pk", flat=True))
    return SiteScope(site_id=site.pk, authorities=named or None, atlas=settings.atlas)


def site_scope(request: HttpRequest | None) -> SiteScope:
    """Return the scope of the site ``request`` is for, read once per publication.

    Without a request (a command, a test of a selector), every authority.
    """
    if request is None:
        return EVERY_AUTHORITY
    return _of_request_site(request, "site scope", scope_of_site)


def site_records(
    request: HttpRequest | None,
    model_or_queryset,
    field: str = "reporting_org",
    today: datetime.date | None = None,
) -> models.QuerySet:
    """Return the records of this site: public (the policy) and of the site's authorities."""
    return site_scope(request).records(model_or_queryset, field, today)


def languages_of_site(site: Site | None) -> tuple[str, ...]:
    """Return the portal languages ``site`` offers, in the portal's order (one small query).

    The site's settings name them; none named, or none of those named still a portal language
    (``settings.LANGUAGES`` changed since), every portal language. The first is the site's
    default: where a request for a language it does not offer is sent.
    """
    from .models import PortalSettings

    portal = tuple(portal_languages())
    if site is None:
        return portal
    chosen = (
        PortalSettings.base_queryset().filter(site=site).values_list("languages", flat=True).first()
    )
    offered = tuple(code for code in portal if code in (chosen or ()))
    return offered or portal


def site_languages(request: HttpRequest | None) -> tuple[str, ...]:
    """Return the languages of the site ``request`` is for, read once per publication.

    The one answer the language switcher, hreflang links, sitemap, language prefixes, the
    ``lang`` of feeds and API and the settings' "translation missing" notices ask. Without a
    request, every portal language.
    """
    if request is None:
        return tuple(portal_languages())
    return _of_request_site(request, "site languages", languages_of_site)


def site_settings(request: HttpRequest) -> PortalSettings:
    """Return the portal settings of the site ``request`` is for, read once per publication."""
    from .models import PortalSettings

    return _of_request_site(request, "site settings", PortalSettings.for_site)


def _of_request_site(request: HttpRequest, what: str, work_out):
    """Return ``work_out(site)`` for the request's site: once per request, and remembered
    between requests until the next publication (a site's settings change by publishing)."""
    attribute = "_oc_" + what.replace(" ", "_")
    found = getattr(request, attribute, None)
    if found is not None:
        return found
    from opencoop.pages.published import remember, remember_site, request_generation

    remember_site(request)
    site = request._wagtail_site
    value = remember(
        (what, site.pk if site else None),
        lambda: work_out(site),
        number=request_generation(request),
    )
    setattr(request, attribute, value)
    return value


def in_site(queryset: models.QuerySet, site: Site | None) -> models.QuerySet:
    """Keep the pages of ``queryset`` on ``site``: under its home page, in every language.

    Each site's home and its translations sit under the page tree's root, so Wagtail's
    ``in_site()`` (the Italian home's descendants) would leave the English pages out.
    """
    if site is None:
        return queryset
    from wagtail.models import Page

    root = site.root_page
    homes = Page.objects.filter(translation_key=root.translation_key, depth=root.depth)
    under = models.Q(pk__in=[])
    for path in homes.values_list("path", flat=True):
        under |= models.Q(path__startswith=path)
    return queryset.filter(under)


def file_name_prefix(request: HttpRequest | None) -> str:
    """Return how downloads of this site begin: "<authority's slug>-" on an authority's own site,
    "<site name>-" on an atlas, nothing on a site of every authority."""
    from django.utils.text import slugify

    scope = site_scope(request)
    if scope.authority_id is not None:
        from opencoop.organisations.models import Organisation

        slug = Organisation.objects.filter(pk=scope.authority_id).values_list("slug", flat=True)
        return f"{slug.first()}-"
    site = Site.find_for_request(request) if request is not None else None
    if scope.atlas and site is not None and site.site_name:
        return f"{slugify(site.site_name)}-"
    return ""
