"""Screens for interactions: the timeline on the customer page, logging a contact, attachments,
and the latest contacts on the home page.

The customer page belongs to the parties app, which cannot import this one; the timeline
plugs into its "party.main" slot (fregues.core.htmx) and reloads itself over htmx.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from fregues.core.downloads import download_response
from fregues.core.errors import Invalid, NotFound, ServiceError
from fregues.core.htmx import hx_retarget, is_htmx, slot_register
from fregues.core.permissions import can
from fregues.core.views import service_http_errors
from fregues.parties.models import Party
from fregues.parties.selectors import party_get

from . import selectors, services, ui_selectors
from .forms import LogInteractionForm
from .models import Channel, Direction

TIMELINE_PAGE = 20


def _filters(params: Any) -> tuple[str | None, str | None]:
    channel = params.get("channel") or None
    direction = params.get("direction") or None
    if channel not in Channel.values:
        channel = None
    if direction not in Direction.values:
        direction = None
    return channel, direction


def _timeline_context(
    request: HttpRequest, party: Party, params: Any, cursor: str | None = None
) -> dict[str, Any]:
    channel, direction = _filters(params)
    try:
        page = selectors.party_timeline(
            actor=request.user,
            party_id=party.pk,
            channel=channel,
            direction=direction,
            cursor=cursor,
            limit=TIMELINE_PAGE,
        )
    except Invalid:  # a mangled cursor: show the first page
        page = selectors.party_timeline(
            actor=request.user,
            party_id=party.pk,
            channel=channel,
            direction=direction,
            limit=TIMELINE_PAGE,
        )
    return {
        "party": party,
        "page": page,
        "channel": channel or "",
        "direction": direction or "",
        "channels": ui_selectors.party_channels(actor=request.user, party_id=party.pk)
        if cursor is None
        else [],
        "directions": Direction.choices,
    }


def timeline_panel(request: HttpRequest, party: Party) -> str:
    """The timeline card of the customer page (slot "party.main")."""
    context = _timeline_context(request, party, request.GET, request.GET.get("cursor") or None)
    if can(request.user, "interaction.create"):
        context["form"] = LogInteractionForm(party=party)
    return render_to_string("interactions/partials/timeline_panel.html", context, request=request)


@login_required
@require_GET
@service_http_errors
def timeline(request: HttpRequest, party_id: int) -> HttpResponse:
    """The timeline's list (filters) or its next page (``cursor``), for htmx."""
    party = Party(pk=party_id)  # only its id is shown; party_timeline checks it is live
    cursor = request.GET.get("cursor") or None
    context = _timeline_context(request, party, request.GET, cursor)
    if cursor:
        return render(request, "interactions/partials/timeline_page.html", context)
    return render(request, "interactions/partials/timeline_body.html", context)


@login_required
@service_http_errors
def log_interaction(request: HttpRequest, party_id: int) -> HttpResponse:
    """Log a contact with the party (phone and inbound unless told otherwise)."""
    try:
        party = party_get(actor=request.user, party_id=party_id)
    except NotFound as exc:
        if exc.code == "merged":
            return redirect("parties:detail", exc.details["merged_into"])
        raise
    if request.method != "POST":
        form = LogInteractionForm(party=party)
        return render(request, "interactions/log.html", {"party": party, "form": form})
    form = LogInteractionForm(request.POST, request.FILES, party=party)
    recorded = None
    if form.is_valid():
        try:
            recorded = services.interaction_record(
                actor=request.user,
                data=form.service_data(),
                party_id=party.pk,
                address=form.cleaned_data.get("via") or "",
                attachments=form.new_attachments(),
            )
        except ServiceError as exc:
            form.add_service_error(exc)
    if recorded is None:
        status = form.status if form.status != 200 else 422
        if is_htmx(request):
            response = render(
                request,
                "interactions/partials/log_form.html",
                {"party": party, "form": form},
                status=status,
            )
            return hx_retarget(response, "#log-form")
        return render(
            request, "interactions/log.html", {"party": party, "form": form}, status=status
        )
    if not is_htmx(request):
        messages.success(request, _("Interaction logged."))
        return redirect(reverse("parties:detail", args=[party.pk]) + "#timeline")
    item, show_body = selectors.interaction_get(
        actor=request.user, interaction_id=recorded.interaction.pk
    )
    return render(
        request,
        "interactions/partials/logged.html",
        {
            "party": party,
            "form": LogInteractionForm(party=party),
            "item": item,
            "show_body": show_body,
            "toast": _("Interaction logged."),
        },
    )


@login_required
@require_GET
@service_http_errors
def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    attachment = ui_selectors.attachment_get(actor=request.user, attachment_id=attachment_id)
    return download_response(
        attachment.file.open("rb"),
        filename=attachment.filename,
        content_type=attachment.content_type,
    )


def _home_recent(request: HttpRequest, _obj: Any) -> str:
    page = selectors.interaction_list(actor=request.user, limit=8)
    return render_to_string(
        "interactions/partials/home_recent.html", {"page": page}, request=request
    )


slot_register("party.main", "interactions.timeline", timeline_panel, order=10)
slot_register("home", "interactions.recent", _home_recent, order=20)
