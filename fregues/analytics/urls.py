"""Analytics screens under /analytics/."""

from django.urls import URLPattern, URLResolver

from . import views, views_service

app_name = "analytics"

urlpatterns: list[URLPattern | URLResolver] = [
    *views.urlpatterns,
    *views_service.urlpatterns,
]
