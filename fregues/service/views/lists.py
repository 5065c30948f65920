"""My work, the case list, queues and bulk reassign."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from fregues.core.errors import Invalid, NotFound, ServiceError
from fregues.core.htmx import is_htmx
from fregues.core.permissions import can
from fregues.core.views import service_http_errors

from .. import services, ui_selectors
from ..forms import (
    ReassignForm,
)
from ..models import Case, CasePriority
from ..selectors import cases as selectors
from .common import LIST_PAGE, _int, _safe_next

# ---------------------------------------------------------------- lists


@login_required
@require_GET
@service_http_errors
def my_work(request: HttpRequest) -> HttpResponse:
    """The agent's open cases, the nearest SLA due first."""
    cases = selectors.my_work(actor=request.user)
    return render(request, "service/my_work.html", {"cases": cases})


def _filters_from(params: Any) -> tuple[selectors.CaseFilters, dict[str, str]]:
    raw = {
        key: (params.get(key) or "").strip()
        for key in ("status", "case_type", "queue", "assignee", "state", "priority", "q", "party")
    }
    state = raw["state"]
    filters = selectors.CaseFilters(
        party_id=_int(raw["party"]),
        status=raw["status"] or None,
        case_type=raw["case_type"] or None,
        queue_id=_int(raw["queue"]),
        assignee_id=_int(raw["assignee"]),
        unassigned=raw["assignee"] == "none",
        is_open={"open": True, "closed": False}.get(state),
        priority=raw["priority"] if raw["priority"] in CasePriority.values else None,
        q=raw["q"][:100],
    )
    return filters, raw


def _page_of_cases(
    request: HttpRequest, filters: selectors.CaseFilters
) -> tuple[list[Case], str | None, str | None]:
    cursor = request.GET.get("cursor") or None
    try:
        rows, next_cursor = selectors.case_list(
            actor=request.user, filters=filters, cursor=cursor, limit=LIST_PAGE
        )
    except Invalid:  # a stale or mangled cursor: start over
        rows, next_cursor = selectors.case_list(
            actor=request.user, filters=filters, cursor=None, limit=LIST_PAGE
        )
        cursor = None
    return rows, next_cursor, cursor


@login_required
@require_GET
@service_http_errors
def case_list(request: HttpRequest) -> HttpResponse:
    """Every case, filtered, newest first, a keyset page at a time."""
    filters, raw = _filters_from(request.GET)
    rows, next_cursor, cursor = _page_of_cases(request, filters)
    context: dict[str, Any] = {
        "cases": rows,
        "next_cursor": next_cursor,
        "cursor": cursor,
        "raw": raw,
        "filtered": any(raw.values()),
    }
    if is_htmx(request) and request.GET.get("fragment") == "rows":
        return render(request, "service/partials/case_rows.html", context)
    context.update(
        statuses=ui_selectors.status_choices(),
        case_types=ui_selectors.case_types(),
        queues=ui_selectors.queues(actor=request.user),
        agents=ui_selectors.agents(actor=request.user),
        priorities=CasePriority.choices,
        party=ui_selectors.party_brief(actor=request.user, party_id=filters.party_id),
    )
    return render(request, "service/case_list.html", context)


def _queue_context(
    request: HttpRequest, queue_id: int | None, form: ReassignForm | None = None
) -> dict[str, Any]:
    user = request.user
    all_queues = ui_selectors.queues(actor=user)
    queue = next((q for q in all_queues if q.pk == queue_id), None)
    if queue_id and queue is None:
        raise Http404(_("This queue does not exist."))
    if queue is None and all_queues:
        mine = [q for q in all_queues if getattr(q, "is_mine", False)]
        queue = (mine or all_queues)[0]
    unassigned = request.GET.get("unassigned") == "1"
    rows: list[Case] = []
    next_cursor = cursor = None
    if queue is not None:
        filters = selectors.CaseFilters(queue_id=queue.pk, is_open=True, unassigned=unassigned)
        rows, next_cursor, cursor = _page_of_cases(request, filters)
    may_assign = can(user, "case.assign")
    agents = ui_selectors.agents(actor=user) if may_assign else []
    return {
        "queues": all_queues,
        "queue": queue,
        "unassigned": unassigned,
        "cases": rows,
        "next_cursor": next_cursor,
        "cursor": cursor,
        "may_assign": may_assign,
        "form": form or ReassignForm(agents=agents),
        "selected": set(request.POST.getlist("protocols")),
        "row_template": "service/partials/queue_rows.html",
    }


@login_required
@require_GET
@service_http_errors
def queue_view(request: HttpRequest, queue_id: int | None = None) -> HttpResponse:
    """The open cases waiting in a queue (all, or the unassigned ones), to hand out in bulk."""
    context = _queue_context(request, queue_id)
    if is_htmx(request) and request.GET.get("fragment") == "rows":
        return render(request, "service/partials/queue_rows.html", context)
    return render(request, "service/queue.html", context)


@login_required
@require_POST
@service_http_errors
def reassign(request: HttpRequest) -> HttpResponse:
    """Give the ticked cases to one agent (or back to the queue), all or nothing."""
    agents = ui_selectors.agents(actor=request.user)
    form = ReassignForm(request.POST, agents=agents)
    protocols = [p for p in request.POST.getlist("protocols") if p.strip()]
    queue_id = _int(request.POST.get("queue"))
    back = _safe_next(request, reverse("service:my_work"))
    if form.is_valid():
        try:
            cases = services.cases_reassign(
                actor=request.user, protocols=protocols, assignee_id=form.assignee_id()
            )
        except ServiceError as exc:
            if isinstance(exc, NotFound):
                raise
            form.add_service_error(exc)
        else:
            assignee = next((u for u in agents if u.pk == form.assignee_id()), None)
            if assignee:
                text = ngettext(
                    "%(n)s case given to %(name)s.",
                    "%(n)s cases given to %(name)s.",
                    len(cases),
                ) % {"n": len(cases), "name": assignee.display_name}
            else:
                text = ngettext(
                    "%(n)s case back in the queue, unassigned.",
                    "%(n)s cases back in the queue, unassigned.",
                    len(cases),
                ) % {"n": len(cases)}
            messages.success(request, text)
            return redirect(back)
    if queue_id is None:
        problems = form.top_messages + [str(e) for errors in form.errors.values() for e in errors]
        messages.error(request, " ".join(problems))
        return redirect(back)
    context = _queue_context(request, queue_id, form)
    status = form.status if form.status != 200 else 422
    return render(request, "service/queue.html", context, status=status)
