"""Placeholder: the lifecycle rules setup and the revenue panel land here."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
