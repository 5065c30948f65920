"""The agent's unified inbox under /channels/inbox/: the open conversations of every channel
(refreshed by HTMX every few seconds), and one conversation's thread with a reply box (SMS and
WhatsApp through the reply service; e-mail on the case page) and its assignment."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fregues.core.errors import Invalid, NotFound, ServiceError
from fregues.core.permissions import can, require
from fregues.core.views import service_http_errors
from fregues.parties.models import Party
from fregues.service.models import Case, Queue
from fregues.service.services import case_assign, case_update

from ..messaging.inbox import SCOPES, channel_key, conversation_thread, inbox_list
from ..messaging.replies import conversation_reply
from ..messaging.selectors import provider_for_channel, provider_message_for_interactions
from ..messaging.services import whatsapp_window_open

REFRESH_SECONDS = 5
CHANNEL_FILTERS = ("", "email", "sms", "whatsapp", "phone", "chat", "web_form", "portal")


def _filters(request: HttpRequest) -> dict[str, str]:
    scope = request.GET.get("scope") or "mine"
    if scope not in SCOPES:
        scope = "mine"
    channel = request.GET.get("channel", "")
    return {"scope": scope, "channel": channel if channel in CHANNEL_FILTERS else ""}


def _list_context(request: HttpRequest) -> dict[str, Any]:
    chosen = _filters(request)
    items = inbox_list(actor=request.user, scope=chosen["scope"], channel=chosen["channel"])
    return {
        "items": items,
        "chosen": chosen,
        "query": request.GET.urlencode(),
        "refresh_seconds": REFRESH_SECONDS,
    }


@login_required
@require_GET
@service_http_errors
def inbox(request: HttpRequest) -> HttpResponse:
    context = _list_context(request)
    scopes = [s for s in SCOPES if s != "all" or can(request.user, "inbox.view_all")]
    context.update({"scopes": scopes, "channels": CHANNEL_FILTERS})
    return render(request, "integrations/messaging/inbox.html", context)


@login_required
@require_GET
@service_http_errors
def inbox_rows(request: HttpRequest) -> HttpResponse:
    return render(
        request, "integrations/messaging/partials/inbox_rows.html", _list_context(request)
    )


def _conversation(request: HttpRequest, party_id: int, case_id: int | None) -> dict[str, Any]:
    require(request.user, "inbox.view")
    party = Party.objects.filter(pk=party_id).first()
    if party is None:
        raise NotFound(_("This customer does not exist."))
    case = (
        Case.objects.select_related("assignee", "queue", "status")
        .filter(pk=case_id, party_id=party.pk)
        .first()
        if case_id
        else None
    )
    thread = conversation_thread(actor=request.user, party_id=party.pk, case_id=case_id)
    statuses = provider_message_for_interactions([i.pk for i in thread])
    rows: list[dict[str, Any]] = [
        {"item": i, "channel": channel_key(i.channel, i.network), "message": statuses.get(i.pk)}
        for i in thread
    ]
    last_in = next(
        (channel_key(i.channel, i.network) for i in reversed(thread) if i.direction == "in"), ""
    )
    reply_channels = [c for c in ("whatsapp", "sms") if provider_for_channel(c) is not None]
    return {
        "party": party,
        "case": case,
        "rows": rows,
        "reply_channels": reply_channels,
        "default_channel": last_in if last_in in reply_channels else (reply_channels or [""])[0],
        "window_open": whatsapp_window_open(party.pk),
        "email_thread": last_in == "email",
        "queues": Queue.objects.order_by("name") if case else [],
        "can_assign": can(request.user, "case.assign"),
    }


def _conversation_url(party_id: int, case_id: int | None) -> str:
    url = reverse("channels:conversation", args=[party_id])
    return f"{url}?case={case_id}" if case_id else url


def _case_id(request: HttpRequest) -> int | None:
    raw = request.GET.get("case") or request.POST.get("case") or ""
    return int(raw) if raw.isdigit() else None


@login_required
@require_http_methods(["GET", "POST"])
@service_http_errors
def conversation(request: HttpRequest, party_id: int) -> HttpResponse:
    case_id = _case_id(request)
    problem = ""
    if request.method == "POST":
        try:
            conversation_reply(
                actor=request.user,
                party_id=party_id,
                channel=request.POST.get("channel", ""),
                body=request.POST.get("body", ""),
                case_id=case_id,
            )
        except ServiceError as exc:
            if exc.status in (403, 404):
                raise
            problem = exc.message
        else:
            messages.success(request, _("Reply sent."))
            return redirect(_conversation_url(party_id, case_id))
    context = _conversation(request, party_id, case_id)
    context.update({"problem": problem, "draft": request.POST.get("body", "")})
    return render(
        request,
        "integrations/messaging/conversation.html",
        context,
        status=422 if problem else 200,
    )


@login_required
@require_POST
@service_http_errors
def conversation_assign(request: HttpRequest, party_id: int) -> HttpResponse:
    """Take the conversation's case (assign to me) or move it to a queue."""
    case_id = _case_id(request)
    case = Case.objects.filter(pk=case_id, party_id=party_id).first() if case_id else None
    if case is None:
        raise NotFound(_("This conversation has no case to assign."))
    try:
        if request.POST.get("queue_id"):
            case_update(
                actor=request.user,
                protocol=case.protocol,
                data={"queue_id": int(request.POST["queue_id"])},
            )
            messages.success(request, _("Moved to the queue."))
        else:
            case_assign(actor=request.user, protocol=case.protocol, assignee_id=request.user.pk)
            messages.success(request, _("The conversation is yours."))
    except (Invalid, ValueError) as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
    return redirect(_conversation_url(party_id, case.pk))


urlpatterns: list[URLPattern] = [
    path("inbox/", inbox, name="inbox"),
    path("inbox/rows/", inbox_rows, name="inbox_rows"),
    path("inbox/<int:party_id>/", conversation, name="conversation"),
    path("inbox/<int:party_id>/assign/", conversation_assign, name="conversation_assign"),
]
