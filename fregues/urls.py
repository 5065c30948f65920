from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.views.static import serve

from fregues.api import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("fregues.accounts.urls")),
    path("customers/", include("fregues.parties.urls")),
    path("data/", include("fregues.integrations.urls")),
    path("channels/", include("fregues.integrations.urls_channels")),
    path("", include("fregues.interactions.urls")),
    path("", include("fregues.service.urls")),
    path("", include("fregues.sales.urls")),
    path("", include("fregues.marketing.urls")),
    path("portal/", include("fregues.portal.urls")),
    path("privacy/", include("fregues.portal.staff_urls")),
    path("analytics/", include("fregues.analytics.urls")),
    path("", include("fregues.core.urls")),
]
if settings.DEBUG:
    urlpatterns.append(path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}))
