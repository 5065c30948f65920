"""Analytics screens under /analytics/."""

from django.urls import URLPattern, URLResolver

from . import views

app_name = "analytics"

urlpatterns: list[URLPattern | URLResolver] = [
    *views.urlpatterns,
]
