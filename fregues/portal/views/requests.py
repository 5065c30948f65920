"""Portal section 'requests' (placeholder until its screens land)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path

from ..auth import portal_required


@portal_required
def requests(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/placeholder.html", {})


urlpatterns: list[URLPattern] = [
    path("requests/", requests, name="requests"),
]
