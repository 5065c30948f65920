"""Analytics screens under /analytics/."""

from django.urls import URLPattern, URLResolver

from . import views, views_pivot

app_name = "analytics"

urlpatterns: list[URLPattern | URLResolver] = [
    *views.urlpatterns,
    *views_pivot.urlpatterns,
]
