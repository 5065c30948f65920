"""The salesperson's deal screens: the pipeline board (kanban), the board's moves, the deal
list, the deal page with its actions, a new deal, and the forecast. The pipelines setup is in
``deals_setup``.

The board works without JavaScript (each card has a stage select and a button); with it,
``static/sales/deals.js`` drags cards (SortableJS) and posts each drop to the same move view,
which then answers the columns the move touched, so the board always shows what the server
holds — a refused move puts the card back.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fregues.core.errors import NotFound, ServiceError
from fregues.core.htmx import is_htmx
from fregues.core.permissions import can, require
from fregues.core.views import service_http_errors
from fregues.parties.models import Party
from fregues.parties.selectors import party_get, party_search

from ..filters.opportunities import OpportunityFilters
from ..forms.opportunities import (
    CloseForm,
    OpportunityEditForm,
    OpportunityForm,
    id_or_none,
)
from ..models import CloseKind, Opportunity, OpportunityStatus
from ..money import currencies
from ..selectors import opportunities as selectors
from ..services import opportunities as services
from . import deals_forecast, deals_setup

LIST_PAGE = 30
BOARD_HEADER = "X-Board"


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _owner_filter(request: HttpRequest, value: str) -> int | None:
    """``owner`` as the screens send it: empty (everyone), ``mine`` or a user id."""
    if value == "mine":
        return request.user.pk
    return id_or_none(value)


def _refusal(exc: ServiceError) -> str:
    if exc.code == "version_conflict":
        return _("Someone else changed this deal meanwhile: the board shows it as it is now.")
    if exc.code == "forbidden":
        return _("Your role does not allow this action.")
    return exc.field_text()


def _common(request: HttpRequest) -> dict[str, Any]:
    return {"may_change": can(request.user, "deal.change")}


# ---------------------------------------------------------------- the board


def _board_context(
    request: HttpRequest, pipeline_id: int | None, owner: str, stage_ids: list[int] | None = None
) -> dict[str, Any]:
    board = selectors.pipeline_board(
        actor=request.user,
        pipeline_id=pipeline_id,
        owner_id=_owner_filter(request, owner),
        stage_ids=stage_ids,
    )
    query = QueryDict(mutable=True)
    query["pipeline"] = str(board.pipeline.pk)
    if owner:
        query["owner"] = owner
    return {
        **_common(request),
        "board": board,
        "owner": owner,
        "stages": list(board.pipeline.stages.all()),
        "board_url": f"{reverse('sales:pipeline')}?{query.urlencode()}",
        "rotting_count": sum(1 for c in board.columns for card in c.cards if card.rotting),
    }


@login_required
@require_GET
@service_http_errors
def pipeline_board(request: HttpRequest) -> HttpResponse:
    """The kanban of one pipeline: a column per stage with its totals, a card per open deal;
    drag a card to another column (or to Won / Lost) to move it."""
    owner = (request.GET.get("owner") or "").strip()
    context = _board_context(request, id_or_none(request.GET.get("pipeline")), owner)
    context.update(
        owners=selectors.owner_choices(actor=request.user),
        lost_form=CloseForm(
            reasons=selectors.close_reason_list(actor=request.user, kind=CloseKind.LOST)
        ),
    )
    return render(request, "sales/deals/board.html", context)


def _board_update(
    request: HttpRequest,
    deal: Opportunity,
    stage_ids: list[int],
    message: str,
    kind: str = "success",
    status: int = 200,
) -> HttpResponse:
    """The columns a board move touched, re-read from the database, with a message."""
    owner = (request.POST.get("owner") or "").strip()
    context = _board_context(request, deal.pipeline_id, owner, stage_ids=stage_ids)
    context.update(message=message, kind=kind)
    return render(request, "sales/deals/partials/board_update.html", context, status=status)


def _after_action(
    request: HttpRequest,
    deal_id: int,
    before: Opportunity,
    action: Any,
    success: Any,
) -> HttpResponse:
    """Run ``action`` (a service call) for the board (fragment) or a form post (redirect)."""
    on_board = request.headers.get(BOARD_HEADER) == "1"
    fallback = reverse("sales:opportunity", args=[deal_id])
    try:
        deal = action()
    except ServiceError as exc:
        if isinstance(exc, NotFound):
            raise
        if on_board:
            stages = [before.stage_id, id_or_none(request.POST.get("stage_id")) or 0]
            return _board_update(
                request, before, stages, _refusal(exc), kind="error", status=exc.status
            )
        messages.error(request, _refusal(exc))
        return redirect(_safe_next(request, fallback))
    text = success(deal)
    if on_board:
        return _board_update(request, deal, [before.stage_id, deal.stage_id], text)
    messages.success(request, text)
    return redirect(_safe_next(request, fallback))


def _deal(request: HttpRequest, deal_id: int) -> Opportunity:
    return selectors.opportunity_get(actor=request.user, opportunity_id=deal_id)


@login_required
@require_POST
@service_http_errors
def opportunity_move(request: HttpRequest, deal_id: int) -> HttpResponse:
    """Move a deal to ``stage_id`` (from the board, a card's select or the stage bar).
    ``stage_id=won`` wins it; ``lost`` sends the user to the deal page to say why."""
    before = _deal(request, deal_id)
    target = (request.POST.get("stage_id") or "").strip()
    version = id_or_none(request.POST.get("version"))
    if target == "won":
        return _win(request, before, version)
    if target == "lost":
        return redirect(reverse("sales:opportunity", args=[deal_id]) + "#lose")
    language = get_language()

    def action() -> Opportunity:
        return services.opportunity_move(
            actor=request.user,
            opportunity_id=deal_id,
            stage_id=id_or_none(target) or 0,
            pipeline_id=id_or_none(request.POST.get("pipeline_id")),
            version=version,
        )

    return _after_action(
        request,
        deal_id,
        before,
        action,
        lambda deal: (
            _("%(title)s is now in %(stage)s.")
            % {"title": deal.title, "stage": deal.stage.label(language)}
        ),
    )


def _win(request: HttpRequest, before: Opportunity, version: int | None) -> HttpResponse:
    return _after_action(
        request,
        before.pk,
        before,
        lambda: services.opportunity_win(
            actor=request.user,
            opportunity_id=before.pk,
            close_reason_id=id_or_none(request.POST.get("close_reason")),
            note=request.POST.get("note") or "",
            version=version,
        ),
        lambda deal: _("%(title)s won. Congratulations!") % {"title": deal.title},
    )


@login_required
@require_POST
@service_http_errors
def opportunity_win(request: HttpRequest, deal_id: int) -> HttpResponse:
    return _win(request, _deal(request, deal_id), id_or_none(request.POST.get("version")))


@login_required
@require_POST
@service_http_errors
def opportunity_lose(request: HttpRequest, deal_id: int) -> HttpResponse:
    """Mark the deal lost. From the deal page a refusal (no reason given) shows the form
    again with its message; from the board, the board's answer."""
    before = _deal(request, deal_id)
    if request.headers.get(BOARD_HEADER) != "1":
        reasons = selectors.close_reason_list(actor=request.user, kind=CloseKind.LOST)
        form = CloseForm(request.POST, reasons=reasons)
        if form.is_valid():
            try:
                services.opportunity_lose(
                    actor=request.user,
                    opportunity_id=deal_id,
                    close_reason_id=id_or_none(form.cleaned_data.get("close_reason")),
                    note=form.cleaned_data.get("note") or "",
                    version=form.cleaned_data.get("version"),
                )
            except ServiceError as exc:
                if isinstance(exc, NotFound):
                    raise
                form.add_service_error(exc)
            else:
                messages.success(request, _("%(title)s lost.") % {"title": before.title})
                return redirect("sales:opportunity", deal_id)
        form.reload_url = reverse("sales:opportunity", args=[deal_id])
        context = _detail_context(request, before, lose_form=form, open_form="lose")
        status = form.status if form.status != 200 else 422
        return render(request, "sales/deals/detail.html", context, status=status)
    return _after_action(
        request,
        deal_id,
        before,
        lambda: services.opportunity_lose(
            actor=request.user,
            opportunity_id=deal_id,
            close_reason_id=id_or_none(request.POST.get("close_reason")),
            note=request.POST.get("note") or "",
            version=id_or_none(request.POST.get("version")),
        ),
        lambda deal: _("%(title)s lost.") % {"title": deal.title},
    )


@login_required
@require_POST
@service_http_errors
def opportunity_reopen(request: HttpRequest, deal_id: int) -> HttpResponse:
    before = _deal(request, deal_id)
    return _after_action(
        request,
        deal_id,
        before,
        lambda: services.opportunity_reopen(
            actor=request.user,
            opportunity_id=deal_id,
            version=id_or_none(request.POST.get("version")),
        ),
        lambda deal: _("%(title)s is open again.") % {"title": deal.title},
    )


# ---------------------------------------------------------------- the list


def list_filters(params: Any) -> tuple[OpportunityFilters, dict[str, str]]:
    """The list's filters from its query string (``owner``: empty, ``mine`` or an id)."""
    raw = {
        key: (params.get(key) or "").strip()
        for key in (
            "q",
            "pipeline_id",
            "stage_id",
            "status",
            "owner",
            "party_id",
            "close_from",
            "close_to",
            "amount_min",
            "amount_max",
            "currency",
            "rotting",
            "sort",
        )
    }
    query = params.copy()
    query["mine"] = "1" if raw["owner"] == "mine" else ""
    query["owner_id"] = raw["owner"] if raw["owner"].isdigit() else ""
    return OpportunityFilters.from_querydict(query), raw


@login_required
@require_GET
@service_http_errors
def opportunity_list(request: HttpRequest) -> HttpResponse:
    """Every deal, with the shared filters, the totals per currency, a keyset page at a time.
    Opened without a query, it shows the open deals."""
    params = request.GET
    if not params:
        params = QueryDict("status=open")
    filters, raw = list_filters(params)
    sort = raw["sort"] if raw["sort"] in ("recent", "close", "amount") else "recent"
    cursor = request.GET.get("cursor") or None
    try:
        rows, next_cursor = selectors.opportunity_list(
            actor=request.user, filters=filters, cursor=cursor, limit=LIST_PAGE, sort=sort
        )
    except ServiceError:  # a stale or mangled cursor: start over
        cursor = None
        rows, next_cursor = selectors.opportunity_list(
            actor=request.user, filters=filters, limit=LIST_PAGE, sort=sort
        )
    for deal in rows:
        deal.weighted = selectors.weighted_amount(  # type: ignore[attr-defined]
            deal.amount, deal.effective_probability, deal.currency
        )
    context: dict[str, Any] = {
        **_common(request),
        "deals": rows,
        "next_cursor": next_cursor,
        "cursor": cursor,
        "raw": raw,
        "filtered": filters.is_filtered,
    }
    if is_htmx(request) and request.GET.get("fragment") == "rows":
        return render(request, "sales/deals/partials/list_rows.html", context)
    party = selectors.party_brief(filters.party_id) if filters.party_id else None
    context.update(
        totals=selectors.opportunity_totals(actor=request.user, filters=filters),
        pipelines=selectors.pipeline_list(actor=request.user),
        owners=selectors.owner_choices(actor=request.user),
        statuses=OpportunityStatus.choices,
        party=party,
    )
    return render(request, "sales/deals/list.html", context)


# ---------------------------------------------------------------- the deal page


def _edit_form(request: HttpRequest, deal: Opportunity, data: Any = None) -> OpportunityEditForm:
    initial = {
        "title": deal.title,
        "contact": str(deal.contact_id or ""),
        "amount": f"{deal.amount}",
        "currency": deal.currency,
        "expected_close_date": deal.expected_close_date.isoformat()
        if deal.expected_close_date
        else "",
        "owner": str(deal.owner_id or ""),
        "probability": "" if deal.probability is None else str(deal.probability),
        "source": deal.source,
        "description": deal.description,
        "version": deal.version,
    }
    return OpportunityEditForm(
        data,
        initial=initial,
        pipelines=[],
        owners=selectors.owner_choices(actor=request.user),
        contacts=selectors.contact_choices(deal.party),
    )


def _detail_context(request: HttpRequest, deal: Opportunity, **forms: Any) -> dict[str, Any]:
    user = request.user
    reasons = selectors.close_reason_list(actor=user)
    stages = list(deal.pipeline.stages.filter(is_active=True).order_by("position", "id"))
    current = next((i for i, s in enumerate(stages) if s.pk == deal.stage_id), -1)
    probability = deal.effective_probability
    return {
        **_common(request),
        "deal": deal,
        "stages": stages,
        "current_index": current,
        "weighted": selectors.weighted_amount(deal.amount, probability, deal.currency),
        "days_in_stage": selectors.days_in_stage(deal),
        "rotting": selectors.is_rotting(deal),
        "history": selectors.opportunity_history(actor=user, opportunity_id=deal.pk),
        "open_form": forms.get("open_form", ""),
        "edit_form": forms.get("edit_form") or _edit_form(request, deal),
        "win_form": CloseForm(
            initial={"version": deal.version},
            reasons=[r for r in reasons if r.kind == CloseKind.WON],
        ),
        "lose_form": forms.get("lose_form")
        or CloseForm(
            initial={"version": deal.version},
            reasons=[r for r in reasons if r.kind == CloseKind.LOST],
        ),
        "currencies": sorted(currencies()),
    }


@login_required
@require_GET
@service_http_errors
def opportunity_detail(request: HttpRequest, deal_id: int) -> HttpResponse:
    """One deal: its header with the stage bar, win/lose/reopen, its details, its history,
    and the panels other areas show for it (activities, quotes)."""
    deal = _deal(request, deal_id)
    return render(request, "sales/deals/detail.html", _detail_context(request, deal))


@login_required
@require_POST
@service_http_errors
def opportunity_edit(request: HttpRequest, deal_id: int) -> HttpResponse:
    deal = _deal(request, deal_id)
    form = _edit_form(request, deal, request.POST)
    if form.is_valid():
        try:
            services.opportunity_update(
                actor=request.user,
                opportunity_id=deal.pk,
                data=form.service_data(),
                version=form.cleaned_data.get("version"),
            )
        except ServiceError as exc:
            if isinstance(exc, NotFound):
                raise
            form.add_service_error(exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("sales:opportunity", deal.pk)
    form.reload_url = reverse("sales:opportunity", args=[deal.pk])
    context = _detail_context(request, deal, edit_form=form, open_form="edit")
    status = form.status if form.status != 200 else 422
    return render(request, "sales/deals/detail.html", context, status=status)


# ---------------------------------------------------------------- a new deal


def _new_form(request: HttpRequest, party: Party | None, data: Any = None) -> OpportunityForm:
    pipelines = selectors.pipeline_list(actor=request.user)
    default = next((p for p in pipelines if p.is_default), None)
    initial: dict[str, Any] = {
        "owner": str(request.user.pk),
        "pipeline": str(default.pk) if default else "",
        "currency": default.currency if default else settings.DEFAULT_CURRENCY,
    }
    if party is not None:
        initial["party"] = party.pk
    return OpportunityForm(
        data,
        initial=initial,
        pipelines=pipelines,
        owners=selectors.owner_choices(actor=request.user),
        contacts=selectors.contact_choices(party),
    )


@login_required
@service_http_errors
def opportunity_create(request: HttpRequest) -> HttpResponse:
    """A new deal; ``?party=<id>`` (from the customer page) chooses the customer."""
    require(request.user, "deal.change")
    party_id = id_or_none(request.POST.get("party") or request.GET.get("party"))
    party = (
        party_get(actor=request.user, party_id=party_id, follow_merge=True) if party_id else None
    )
    form = _new_form(request, party, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                deal = services.opportunity_create(actor=request.user, data=form.service_data())
            except ServiceError as exc:
                if isinstance(exc, NotFound):
                    raise
                form.add_service_error(exc)
            else:
                messages.success(request, _("Deal %(title)s created.") % {"title": deal.title})
                return redirect("sales:opportunity", deal.pk)
        status = form.status if form.status != 200 else 422
    context = {
        "form": form,
        "party": party,
        "currencies": sorted(currencies()),
        "back": _safe_next(
            request,
            reverse("parties:detail", args=[party.pk]) if party else reverse("sales:pipeline"),
        ),
    }
    return render(request, "sales/deals/form.html", context, status=status)


@login_required
@require_GET
@service_http_errors
def party_options(request: HttpRequest) -> HttpResponse:
    """Customers matching what is typed, to choose the deal's customer (htmx)."""
    require(request.user, "deal.change")
    q = (request.GET.get("party_q") or "").strip()
    found = party_search(actor=request.user, q=q, limit=8) if q else []
    return render(request, "sales/deals/partials/party_options.html", {"options": found, "q": q})


@login_required
@require_GET
@service_http_errors
def contact_options(request: HttpRequest) -> HttpResponse:
    """The contact select for the customer chosen (htmx, when the customer changes)."""
    require(request.user, "deal.change")
    party_id = id_or_none(request.GET.get("party"))
    party = selectors.party_brief(party_id) if party_id else None
    form = _new_form(request, party)
    return render(request, "sales/deals/partials/contact_field.html", {"form": form})


urlpatterns = [
    path("sales/pipeline/", pipeline_board, name="pipeline"),
    path("sales/opportunities/", opportunity_list, name="opportunities"),
    path("sales/opportunities/new/", opportunity_create, name="opportunity_create"),
    path("sales/opportunities/parties/", party_options, name="opportunity_parties"),
    path("sales/opportunities/contacts/", contact_options, name="opportunity_contacts"),
    path("sales/opportunities/<int:deal_id>/", opportunity_detail, name="opportunity"),
    path("sales/opportunities/<int:deal_id>/edit/", opportunity_edit, name="opportunity_edit"),
    path("sales/opportunities/<int:deal_id>/move/", opportunity_move, name="opportunity_move"),
    path("sales/opportunities/<int:deal_id>/win/", opportunity_win, name="opportunity_win"),
    path("sales/opportunities/<int:deal_id>/lose/", opportunity_lose, name="opportunity_lose"),
    path(
        "sales/opportunities/<int:deal_id>/reopen/", opportunity_reopen, name="opportunity_reopen"
    ),
    *deals_forecast.urlpatterns,
    *deals_setup.urlpatterns,
]
