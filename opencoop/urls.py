"""URL configuration: the admin, documents and the language-prefixed public site."""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("opendata/", include("opencoop.opendata.urls")),
    path("catalogue/", include("opencoop.catalogue.urls")),
    path("stats/", include("opencoop.stats.urls")),
    path("geography/", include("opencoop.geography.urls")),
    path("operations/", include("opencoop.operations.urls")),
    path("editorial/", include("opencoop.editorial.urls")),
    path("imports/", include("opencoop.imports.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += i18n_patterns(path("", include(wagtail_urls)), prefix_default_language=True)
