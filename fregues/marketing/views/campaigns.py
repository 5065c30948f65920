"""Marketing screens: campaigns."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from fregues.core.permissions import require


@login_required
def campaigns(request: HttpRequest) -> HttpResponse:
    require(request.user, "campaign.view")
    return render(request, "marketing/placeholder.html", {"title": _("Campaigns")})


urlpatterns: list[URLPattern] = [
    path("marketing/", campaigns, name="campaigns"),
]
