"""Marketing screens: segments."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from fregues.core.permissions import require


@login_required
def segments(request: HttpRequest) -> HttpResponse:
    require(request.user, "segment.view")
    return render(request, "marketing/placeholder.html", {"title": _("Segments")})


urlpatterns: list[URLPattern] = [
    path("marketing/segments/", segments, name="segments"),
]
