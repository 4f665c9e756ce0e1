"""URL configuration: the admin, documents and the language-prefixed public site."""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from opencoop.editorial import admin_api as editorial_admin_api
from opencoop.editorial import reports as editorial_reports
from opencoop.geography.urls import country_patterns
from opencoop.opendata import sitemaps as opendata_sitemaps
from opencoop.opendata.api import api as opendata_api
from opencoop.operations.media import serve_media

urlpatterns = [
    # Before Wagtail's admin: its reports narrowed to what the access policy lets the user see.
    path("admin/reports/", include(editorial_reports)),
    # Before Wagtail's admin: wagtail-localize's snippet API narrowed the same way.
    path("admin/localize/", include(editorial_admin_api)),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("opendata/", include("opencoop.opendata.urls")),
    path("api/v1/", opendata_api.urls),
    path("sitemap.xml", opendata_sitemaps.sitemap_index, name="opendata-sitemap"),
    path(
        "sitemap-<slug:section>.xml",
        opendata_sitemaps.sitemap_section,
        name="opendata-sitemap-section",
    ),
    path("robots.txt", opendata_sitemaps.robots_txt, name="robots-txt"),
    path("catalogue/", include("opencoop.catalogue.urls")),
    path("stats/", include("opencoop.stats.urls")),
    path("geography/", include("opencoop.geography.urls")),
    path("operations/", include("opencoop.operations.urls")),
    path("editorial/", include("opencoop.editorial.urls")),
    path("imports/", include("opencoop.imports.urls")),
    path("suggestions/", include("opencoop.suggestions.urls")),
]

# Images and renditions, when no front server serves /media/ (see opencoop.operations.media).
if settings.OPENCOOP_SERVE_MEDIA:
    prefix = settings.MEDIA_URL.strip("/")
    urlpatterns.append(re_path(rf"^{prefix}/(?P<path>.+)$", serve_media, name="media"))

urlpatterns += i18n_patterns(
    # The partner countries' pages come before the page tree's addresses.
    path("", include(country_patterns)),
    path("", include(wagtail_urls)),
    prefix_default_language=True,
)

# Error pages that render without the database; a database outage answers 503, not 500.
handler404 = "opencoop.operations.views.page_not_found"
handler500 = "opencoop.operations.views.server_error"
