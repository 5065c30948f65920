"""Marketing screens: consents."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from fregues.core.permissions import require


@login_required
def suppressions(request: HttpRequest) -> HttpResponse:
    require(request.user, "suppression.view")
    return render(request, "marketing/placeholder.html", {"title": _("Suppression list")})


@login_required
def policy(request: HttpRequest) -> HttpResponse:
    require(request.user, "marketing.configure")
    return render(request, "marketing/placeholder.html", {"title": _("Sending rules")})


urlpatterns: list[URLPattern] = [
    path("marketing/suppressions/", suppressions, name="suppressions"),
    path("marketing/sending-rules/", policy, name="policy"),
]
