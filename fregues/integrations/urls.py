"""Screens under /data/: each views module lists its own routes."""

from django.urls import URLPattern

from .views import exports, imports

app_name = "integrations"

urlpatterns: list[URLPattern] = [*imports.urlpatterns, *exports.urlpatterns]
