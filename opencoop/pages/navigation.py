"""Breadcrumbs, language alternates and share links of a public page (or a record under it)."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from django.conf import settings
from django.utils.translation import gettext as _
from wagtail.models import Locale, Page

from opencoop.access import policy
from opencoop.core.multilingual import text
from opencoop.core.sites import site_languages

from .published import remember, request_generation


def record_suffix(page: Page, record) -> str:
    """Return the part of a record's address under its list page."""
    return page.reverse_subpage("record", args=[record.slug])


def remembered_locales(request) -> dict[str, Locale]:
    """Return the portal's locales by language code, remembered until a change."""
    return remember(
        ("locales",),
        lambda: {loc.language_code: loc for loc in Locale.objects.all()},
        number=request_generation(request),
    )


def _live_translation(request, page: Page, locale: Locale) -> Page | None:
    """Return the live translation of ``page`` into ``locale`` (remembered until a publication)."""

    def find() -> Page | None:
        # The translation the public may see: live and not restricted.
        return policy.public_pages(page.get_translations().filter(locale=locale)).first()

    key = ("translation", page.translation_key, locale.pk)
    return remember(key, find, number=request_generation(request))


def alternates(request, page: Page, record=None) -> list[dict]:
    """Return, per language of the site, the address of the same content (page or record)."""
    names = dict(settings.LANGUAGES)
    locales = remembered_locales(request)
    by_id = {loc.pk: loc for loc in locales.values()}
    current_locale = by_id.get(page.locale_id) or page.locale
    current = current_locale.language_code
    result = []
    for code in site_languages(request):
        locale = locales.get(code)
        target = page if code == current else None
        if target is None and locale is not None:
            target = _live_translation(request, page, locale)
        if target is None:
            continue
        url = request.build_absolute_uri(target.get_url(request))
        if record is not None:
            url += record_suffix(target.specific, record)
        result.append(
            {"lang": code, "label": names[code], "url": url, "is_current": code == current}
        )
    return result


def _ancestor_trail(page: Page) -> list[dict]:
    ancestors = page.get_ancestors().filter(depth__gte=2)
    return [{"title": ancestor.title, "url": ancestor.url} for ancestor in ancestors]


def breadcrumbs(page: Page, record=None, request=None) -> list[dict]:
    """Return the trail from the home page to this page (and record).

    The ancestors are remembered until a publication; the page itself is read from ``page``, so
    that an editor's preview of a draft shows the draft's title.
    """
    number = request_generation(request) if request is not None else None
    trail = [*remember(("ancestors", page.path), lambda: _ancestor_trail(page), number=number)]
    if page.depth >= 2:
        trail.append({"title": page.title, "url": page.url})
    if record is not None:
        trail.append({"title": text(record.title), "url": ""})
    return trail


def share_links(url: str, title: str) -> list[dict]:
    """Return plain share links: no third-party script is loaded by the page."""
    return [
        {
            "label": _("Share on X / Twitter"),
            "icon": "it-twitter",
            "url": "https://twitter.com/intent/tweet?" + urlencode({"url": url, "text": title}),
        },
        {
            "label": _("Share on Facebook"),
            "icon": "it-facebook",
            "url": "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url}),
        },
        {
            "label": _("Share on LinkedIn"),
            "icon": "it-linkedin",
            "url": "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": url}),
        },
        {
            "label": _("Share by e-mail"),
            "icon": "it-mail",
            "url": f"mailto:?subject={quote(title)}&body={quote(url)}",
        },
    ]


def page_context(request, page: Page, record=None) -> dict:
    """Return what the site chrome needs to render ``page`` (or ``record`` under it)."""
    langs = alternates(request, page, record)
    current = next(
        (alt["url"] for alt in langs if alt["is_current"]),
        request.build_absolute_uri(page.get_url(request)),
    )
    title = text(record.title) if record is not None else page.title
    return {
        "alternates": langs,
        "breadcrumbs": breadcrumbs(page, record, request),
        "share_links": share_links(current, title),
        "canonical_url": current,
        "page_title": title,
    }
