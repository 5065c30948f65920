"""The addresses that go out in campaign messages, answered without login:

- ``/m/u/<token>``: unsubscribe. GET shows a confirmation page (mail scanners follow links:
  a GET never unsubscribes); POST unsubscribes — from the page's button or from the mail
  client's one-click POST (RFC 8058, body ``List-Unsubscribe=One-Click``, no CSRF token).
- ``/m/c/<token>``: a tracked link. Counts the click and redirects to the address stored for
  the campaign — never to an address taken from the request.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from fregues.core.errors import NotFound

from ..services.campaign_tracking import campaign_click, campaign_unsubscribe, recipient_from_token


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    recipient = recipient_from_token(token)
    if recipient is None:
        return render(request, "marketing/campaigns/public/invalid.html", status=404)
    if request.method == "POST":
        campaign_unsubscribe(token=token)
        return render(
            request, "marketing/campaigns/public/unsubscribed.html", {"recipient": recipient}
        )
    return render(
        request,
        "marketing/campaigns/public/unsubscribe.html",
        {"recipient": recipient, "done": recipient.unsubscribed_at is not None},
    )


@require_http_methods(["GET", "HEAD"])
def click(request: HttpRequest, token: str) -> HttpResponse:
    try:
        target = campaign_click(token=token)
    except NotFound:
        return render(request, "marketing/campaigns/public/invalid.html", status=404)
    return HttpResponseRedirect(target)


urlpatterns: list[URLPattern] = [
    path("m/u/<str:token>", unsubscribe, name="unsubscribe"),
    path("m/c/<str:token>", click, name="click"),
]
