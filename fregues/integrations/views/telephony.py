"""Telephony screens under /channels/calls/ and the two panels other pages show.

The screen-pop: every page of a user who may take calls carries a small element (slot
"page.end") that asks ``calls/pending/`` every 700 ms for their newest undismissed call
(decision 7: polling, not server-sent events, because the WSGI workers would each be held by
one agent's stream). The browser sends back the state it shows (``seen``); an unchanged call
answers 204 with one indexed query, so nothing is redrawn. A new or changed call answers the
card: the caller's name and their page in brief, or a "new caller" card.

Click-to-call: a "call" button beside each phone on the customer page (slot
"contact_point.actions") posts to ``calls/place/``, which records the intent and sends the
browser where the dialler says (a ``tel:`` link by default).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fregues.core.errors import Invalid
from fregues.core.htmx import is_htmx, slot_register
from fregues.core.permissions import can, require
from fregues.core.views import service_http_errors

from ..telephony.selectors import agent_extension_rows, call_list, call_pending, call_pop_get
from ..telephony.services import agent_extension_set, call_dismiss, call_place

POLL_INTERVAL = "700ms"
STOP_POLLING = 286  # htmx stops an "every" trigger on this status


class _DialRedirect(HttpResponseRedirect):
    allowed_schemes = ["http", "https", "tel", "sip", "callto"]


@require_GET
def calls_pending(request: HttpRequest) -> HttpResponse:
    """The screen-pop poll: 204 when what the browser shows is still right."""
    if not request.user.is_authenticated or not can(request.user, "call.view"):
        return HttpResponse(status=STOP_POLLING)
    seen = request.GET.get("seen", "")
    pending = call_pending(actor=request.user)
    if pending is None:
        return HttpResponse(status=204) if not seen else HttpResponse("")
    if pending.token == seen:
        return HttpResponse(status=204)
    card = call_pop_get(actor=request.user, call_id=pending.call_id)
    if card is None:
        return HttpResponse(status=204)
    create_url = reverse("parties:create") + "?" + urlencode({"phone": card.call.caller_number})
    return render(
        request,
        "integrations/telephony/partials/pop_card.html",
        {"card": card, "token": pending.token, "create_url": create_url},
    )


@login_required
@require_POST
@service_http_errors
def calls_dismiss(request: HttpRequest, call_id: int) -> HttpResponse:
    call_dismiss(actor=request.user, call_id=call_id)
    if is_htmx(request):
        return HttpResponse("")
    return HttpResponseRedirect(request.headers.get("Referer") or reverse("channels:calls"))


@login_required
@require_POST
@service_http_errors
def calls_place(request: HttpRequest) -> HttpResponse:
    """Click-to-call: record the intent, then go where the dialler says. Without a customer
    there is nowhere to go back to: a 400 with the reason."""
    require(request.user, "call.place")
    try:
        party_id = int(request.POST.get("party_id", ""))
    except ValueError:
        return HttpResponseBadRequest(_("Say which customer to call."))
    try:
        placed = call_place(
            actor=request.user, party_id=party_id, number=request.POST.get("number", "")
        )
    except Invalid as exc:
        messages.error(request, exc.field_text())
        return HttpResponseRedirect(reverse("parties:detail", args=[party_id]))
    if is_htmx(request):
        response = HttpResponse(status=204)
        if placed.url:
            response["HX-Redirect"] = placed.url
        return response
    return _DialRedirect(placed.url or reverse("parties:detail", args=[party_id]))


@login_required
@require_GET
@service_http_errors
def calls(request: HttpRequest) -> HttpResponse:
    """Recent calls, missed first: whom to call back."""
    if not can(request.user, "call.view"):
        raise PermissionDenied(_("Your role does not allow this action."))
    rows = list(call_list(actor=request.user))
    return render(request, "integrations/telephony/calls.html", {"calls": rows})


@login_required
@require_http_methods(["GET", "POST"])
@service_http_errors
def extensions(request: HttpRequest) -> HttpResponse:
    """Which extension rings which agent (admins): one small form per person."""
    if request.method == "POST":
        try:
            user_id = int(request.POST.get("user_id", ""))
        except ValueError as exc:
            raise Invalid.field("user_id", _("Say whose extension it is.")) from exc
        try:
            agent_extension_set(
                actor=request.user, user_id=user_id, extension=request.POST.get("extension", "")
            )
        except Invalid as exc:
            messages.error(request, exc.field_text())
        else:
            messages.success(request, _("Extension saved."))
        return HttpResponseRedirect(reverse("channels:call_extensions"))
    rows = agent_extension_rows(actor=request.user)
    return render(request, "integrations/telephony/extensions.html", {"rows": rows})


def screen_pop_panel(request: HttpRequest, obj: Any) -> str | None:
    """The poller on every page of a user who may take calls (slot "page.end")."""
    if not can(request.user, "call.view"):
        return None
    return render_to_string(
        "integrations/telephony/partials/screen_pop.html",
        {"interval": POLL_INTERVAL},
        request=request,
    )


def call_button(request: HttpRequest, point: Any) -> str | None:
    """The "call" button beside a phone on the customer page (slot "contact_point.actions")."""
    if getattr(point, "kind", "") != "phone" or not can(request.user, "call.place"):
        return None
    return render_to_string(
        "integrations/telephony/partials/call_button.html", {"point": point}, request=request
    )


slot_register("page.end", "integrations.screen_pop", screen_pop_panel, order=10)
slot_register("contact_point.actions", "integrations.call", call_button, order=10)

urlpatterns: list[URLPattern] = [
    path("calls/", calls, name="calls"),
    path("calls/pending/", calls_pending, name="calls_pending"),
    path("calls/place/", calls_place, name="calls_place"),
    path("calls/<int:call_id>/dismiss/", calls_dismiss, name="calls_dismiss"),
    path("calls/extensions/", extensions, name="call_extensions"),
]
