"""Analytics screens under /analytics/."""

from django.urls import URLPattern, URLResolver

from . import views, views_lifetime, views_pivot, views_service, views_value

app_name = "analytics"

urlpatterns: list[URLPattern | URLResolver] = [
    *views.urlpatterns,
    *views_value.urlpatterns,
    *views_lifetime.urlpatterns,
    *views_service.urlpatterns,
    *views_pivot.urlpatterns,
]
