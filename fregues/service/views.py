"""Screens for customer service: the agent's (my work, queues, the case page, a new case from
the customer page), the quality manager's (SLA board, avoidable contacts, satisfaction,
quality reviews), the administrator's overview, and the public pages reached from e-mails
(tracking, satisfaction survey, partner work order).

Each view parses input, calls a service or selector, and renders. The customer page and the
home page belong to apps on the left: this app fills their "party.open_work" and "home" slots
(fregues.core.htmx).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from fregues.core.errors import Invalid, NotFound, ServiceError
from fregues.core.htmx import is_htmx, slot_register
from fregues.core.permissions import can, require
from fregues.core.views import service_http_errors
from fregues.interactions.services import interaction_record
from fregues.parties.models import Party
from fregues.parties.selectors import party_get

from . import services, ui_selectors
from .forms import (
    AssignForm,
    AttachContactForm,
    CaseContactForm,
    CaseEditForm,
    CaseOpenForm,
    DispatchForm,
    PartnerUpdateForm,
    ReassignForm,
    ReviewForm,
    SurveyForm,
    TrackForm,
    TransitionForm,
)
from .models import Case, CasePriority, WorkOrder
from .selectors import cases as selectors
from .selectors import knowledge, reports
from .services.cases import case_type_get, similar_open_cases
from .services.partners import work_order_from_token
from .services.satisfaction import survey_from_token

LIST_PAGE = 30
REPORT_PERIODS = (30, 90, 365)
SLA_GROUPS = ("queue", "agent", "case_type")
CSAT_GROUPS = ("agent", "queue")


def _detail_url(protocol: str) -> str:
    return reverse("service:detail", args=[protocol])


def _int(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _conflict_text(exc: ServiceError) -> str:
    if exc.code == "version_conflict":
        return _(
            "Someone else changed this case while you were looking at it. "
            "Reload the page to see their changes, then try again."
        )
    if exc.code == "forbidden":
        return _("Your role does not allow this action.")
    return exc.message


def _period(request: HttpRequest) -> tuple[int, datetime.datetime]:
    days = _int(request.GET.get("days")) or 90
    if days not in REPORT_PERIODS:
        days = 90
    return days, timezone.now() - datetime.timedelta(days=days)


# ---------------------------------------------------------------- the case page


def _case_context(request: HttpRequest, case: Case, **forms: Any) -> dict[str, Any]:
    """Everything the case page shows; ``forms`` replace the blank forms (with errors)."""
    user = request.user
    moves = selectors.case_transitions(case)
    extras = ui_selectors.case_page_extras(actor=user, case=case)
    may_change = can(user, "case.change")
    may_assign = can(user, "case.assign")
    agents = ui_selectors.agents(actor=user) if may_assign else []
    partners = ui_selectors.partners() if may_change and case.is_open else []
    people = [case.party, *([case.reporter] if case.reporter else [])]
    language = get_language()
    context: dict[str, Any] = {
        "case": case,
        "now": timezone.now(),
        "moves": moves,
        "timeline": selectors.case_timeline(actor=user, protocol=case.protocol),
        "status_names": ui_selectors.status_names(case.case_type.circuit_id, language),
        "extras": extras,
        "may_change": may_change,
        "may_assign": may_assign,
        "may_log": can(user, "interaction.create") and may_change,
        "may_review": can(user, "quality.review"),
        "agents": agents,
        "partners": partners,
        "open_form": forms.get("open_form", ""),
        "opened": request.GET.get("opened") == "1",
        "joined": request.GET.get("joined") == "1",
        "transition_form": forms.get("transition_form")
        or TransitionForm(initial={"version": case.version}),
        "assign_form": forms.get("assign_form")
        or AssignForm(
            agents=agents,
            initial={"assignee": str(case.assignee_id or ""), "version": case.version},
        ),
        "edit_form": forms.get("edit_form")
        or CaseEditForm(
            categories=list(case.case_type.categories or []),
            initial={
                "subject": case.subject,
                "priority": case.priority,
                "category": case.category,
                "description": case.description,
                "parent": _protocol_of(extras, "parent"),
                "duplicate_of": _protocol_of(extras, "duplicate_of"),
                "version": case.version,
            },
        ),
        "contact_form": forms.get("contact_form")
        or CaseContactForm(party=case.party, people=people),
        "dispatch_form": forms.get("dispatch_form")
        or DispatchForm(
            partners=partners,
            moves=[(m.to_status.code, m.to_status.label(language)) for m in moves],
        ),
    }
    return context


def _protocol_of(extras: ui_selectors.CasePageExtras, relation: str) -> str:
    return next((c.protocol for r, c in extras.related if r == relation), "")


def _case_page(request: HttpRequest, case: Case, status: int = 200, **forms: Any) -> HttpResponse:
    return render(
        request, "service/case.html", _case_context(request, case, **forms), status=status
    )


def _load(request: HttpRequest, protocol: str) -> Case:
    return selectors.case_get(actor=request.user, protocol=protocol)


def _refused(
    request: HttpRequest, protocol: str, form: Any, key: str, exc: ServiceError | None = None
) -> HttpResponse:
    """The case page again with ``form`` (and the service's refusal) where it was filled."""
    if exc is not None:
        form.add_service_error(exc)
    form.reload_url = _detail_url(protocol)
    case = _load(request, protocol)
    status = form.status if form.status != 200 else 422
    return _case_page(request, case, status=status, open_form=key, **{key: form})


@login_required
@require_GET
@service_http_errors
def case_detail(request: HttpRequest, protocol: str) -> HttpResponse:
    """One case: its header, what may be done next, its timeline, partners, satisfaction."""
    return _case_page(request, _load(request, protocol))


@login_required
@require_POST
@service_http_errors
def case_transition(request: HttpRequest, protocol: str) -> HttpResponse:
    form = TransitionForm(request.POST)
    if not form.is_valid():
        return _refused(request, protocol, form, "transition_form")
    try:
        case = services.case_transition(
            actor=request.user,
            protocol=protocol,
            to_status=form.cleaned_data["to_status"],
            comment=form.cleaned_data.get("comment") or "",
            version=form.cleaned_data.get("version"),
        )
    except ServiceError as exc:
        if isinstance(exc, NotFound):
            raise
        return _refused(request, protocol, form, "transition_form", exc)
    messages.success(
        request,
        _("Case %(p)s is now: %(s)s.")
        % {"p": case.protocol, "s": case.status.label(get_language())},
    )
    return redirect("service:detail", case.protocol)


@login_required
@require_POST
@service_http_errors
def case_assign(request: HttpRequest, protocol: str) -> HttpResponse:
    """Assign to me, to the queue's next agent, or to the agent chosen (or nobody)."""
    agents = ui_selectors.agents(actor=request.user)
    form = AssignForm(request.POST, agents=agents)
    if not form.is_valid():
        return _refused(request, protocol, form, "assign_form")
    action = request.POST.get("action") or "pick"
    assignee_id = _int(form.cleaned_data.get("assignee"))
    if action == "me":
        assignee_id = request.user.pk
    try:
        case = services.case_assign(
            actor=request.user,
            protocol=protocol,
            assignee_id=None if action == "auto" else assignee_id,
            auto=action == "auto",
            version=form.cleaned_data.get("version"),
        )
    except ServiceError as exc:
        if isinstance(exc, NotFound):
            raise
        return _refused(request, protocol, form, "assign_form", exc)
    if case.assignee_id:
        messages.success(
            request,
            _("Case %(p)s is assigned to %(name)s.")
            % {"p": case.protocol, "name": case.assignee.display_name if case.assignee else ""},
        )
    else:
        messages.success(request, _("Case %(p)s is unassigned.") % {"p": case.protocol})
    return redirect("service:detail", case.protocol)


@login_required
@require_POST
@service_http_errors
def case_edit(request: HttpRequest, protocol: str) -> HttpResponse:
    case = _load(request, protocol)
    form = CaseEditForm(request.POST, categories=list(case.case_type.categories or []))
    if not form.is_valid():
        return _refused(request, protocol, form, "edit_form")
    data: dict[str, Any] = {
        "subject": form.cleaned_data["subject"],
        "priority": form.cleaned_data["priority"],
        "category": form.cleaned_data.get("category") or "",
        "description": form.cleaned_data.get("description") or "",
    }
    for name in ("parent", "duplicate_of"):
        given = (form.cleaned_data.get(name) or "").strip()
        found = ui_selectors.case_id_for(given)
        if given and found is None:
            form.add_error(name, _("No case has the protocol %(p)s.") % {"p": given})
        data[f"{name}_id"] = found
    if form.errors:
        return _refused(request, protocol, form, "edit_form")
    try:
        services.case_update(
            actor=request.user,
            protocol=case.protocol,
            data=data,
            version=form.cleaned_data.get("version"),
        )
    except ServiceError as exc:
        if isinstance(exc, NotFound):
            raise
        return _refused(request, protocol, form, "edit_form", exc)
    messages.success(request, _("Changes saved."))
    return redirect("service:detail", case.protocol)


@login_required
@require_POST
@service_http_errors
def case_contact(request: HttpRequest, protocol: str) -> HttpResponse:
    """Log a contact about this case; "status inquiry" counts it as an avoidable contact."""
    case = _load(request, protocol)
    people = [case.party, *([case.reporter] if case.reporter else [])]
    form = CaseContactForm(request.POST, request.FILES, party=case.party, people=people)
    if not form.is_valid():
        return _refused(request, protocol, form, "contact_form")
    who = _int(form.cleaned_data.get("who")) or case.party_id
    if who not in {p.pk for p in people}:
        who = case.party_id
    try:
        # record the contact, then attach it: both or neither
        with transaction.atomic():
            recorded = interaction_record(
                actor=request.user,
                data=form.service_data(),
                party_id=who,
                address=(form.cleaned_data.get("via") or "") if who == case.party_id else "",
                attachments=form.new_attachments(),
            )
            services.case_attach_interaction(
                actor=request.user,
                protocol=case.protocol,
                interaction_id=recorded.interaction.pk,
                status_inquiry=bool(form.cleaned_data.get("status_inquiry")),
            )
    except ServiceError as exc:
        if isinstance(exc, NotFound):
            raise
        return _refused(request, protocol, form, "contact_form", exc)
    if form.cleaned_data.get("status_inquiry"):
        messages.success(request, _("Contact logged and counted as an avoidable status inquiry."))
    else:
        messages.success(request, _("Contact logged on the case."))
    return redirect(_detail_url(case.protocol) + "#case-timeline")


@login_required
@require_POST
@service_http_errors
def case_attach(request: HttpRequest, protocol: str) -> HttpResponse:
    """Attach a contact the customer already made (recorded elsewhere) to this case."""
    form = AttachContactForm(request.POST)
    if form.is_valid():
        try:
            services.case_attach_interaction(
                actor=request.user,
                protocol=protocol,
                interaction_id=form.cleaned_data["interaction_id"],
                status_inquiry=bool(form.cleaned_data.get("status_inquiry")),
            )
        except ServiceError as exc:
            if isinstance(exc, NotFound):
                raise
            messages.error(request, _conflict_text(exc))
        else:
            messages.success(request, _("The contact is now on this case."))
    return redirect("service:detail", protocol)


@login_required
@require_POST
@service_http_errors
def case_dispatch(request: HttpRequest, protocol: str) -> HttpResponse:
    """Send a work order to a service partner (and move the case along, if asked)."""
    case = _load(request, protocol)
    language = get_language()
    moves = [
        (m.to_status.code, m.to_status.label(language)) for m in selectors.case_transitions(case)
    ]
    form = DispatchForm(request.POST, partners=ui_selectors.partners(), moves=moves)
    if not form.is_valid():
        return _refused(request, protocol, form, "dispatch_form")
    try:
        order = services.work_order_send(
            actor=request.user,
            protocol=case.protocol,
            partner_id=int(form.cleaned_data["partner"]),
            instructions=form.cleaned_data.get("instructions") or "",
            transition_to=form.cleaned_data.get("transition_to") or None,
        )
    except ServiceError as exc:
        if isinstance(exc, NotFound):
            raise
        return _refused(request, protocol, form, "dispatch_form", exc)
    messages.success(
        request,
        _("Work order sent to %(partner)s by e-mail.") % {"partner": order.partner.party.name},
    )
    return redirect("service:detail", case.protocol)


# ---------------------------------------------------------------- a new case


def _open_form(request: HttpRequest, party: Party, data: Any = None) -> CaseOpenForm:
    user = request.user
    initial: dict[str, Any] = {}
    if data is None:
        kind = request.GET.get("case_type")
        initial = {"case_type": kind} if kind else {}
    return CaseOpenForm(
        data,
        case_types=ui_selectors.case_types(),
        reporters=ui_selectors.reporters(party),
        queues=ui_selectors.queues(actor=user),
        agents=ui_selectors.agents(actor=user),
        initial=initial,
    )


@login_required
@service_http_errors
def case_create(request: HttpRequest) -> HttpResponse:
    """A new case for the customer whose page the agent came from (``?party=<id>``)."""
    require(request.user, "case.create")
    party_id = _int(request.GET.get("party") or request.POST.get("party"))
    if party_id is None:
        messages.info(request, _("Open a case from the customer's page."))
        return redirect("parties:list")
    party = party_get(actor=request.user, party_id=party_id, follow_merge=True)
    if request.method != "POST":
        form = _open_form(request, party)
        return render(request, "service/case_form.html", {"form": form, "party": party})
    form = _open_form(request, party, request.POST)
    if form.is_valid():
        try:
            opened = services.case_open(
                actor=request.user, party_id=party.pk, **form.service_kwargs()
            )
        except ServiceError as exc:
            if isinstance(exc, NotFound):
                raise
            form.add_service_error(exc)
        else:
            flag = "opened" if opened.created else "joined"
            return redirect(_detail_url(opened.case.protocol) + f"?{flag}=1")
    status = form.status if form.status != 200 else 422
    return render(request, "service/case_form.html", {"form": form, "party": party}, status=status)


@login_required
@require_GET
@service_http_errors
def case_similar(request: HttpRequest) -> HttpResponse:
    """The open cases a new report would join (htmx, while the agent types the subject)."""
    require(request.user, "case.view")
    party_id = _int(request.GET.get("party"))
    subject = (request.GET.get("subject") or "").strip()
    kind = case_type_get(request.GET.get("case_type") or "") if party_id else None
    found: list[Case] = []
    if party_id and kind is not None and len(subject) >= 3:
        found = similar_open_cases(party_id, kind.pk, subject)
    return render(request, "service/partials/similar.html", {"similar": found})


@login_required
@require_GET
@service_http_errors
def case_categories(request: HttpRequest) -> HttpResponse:
    """The category choices of a case type (htmx, when the type changes)."""
    require(request.user, "case.view")
    kind = case_type_get(request.GET.get("case_type") or "")
    return render(
        request,
        "service/partials/category_field.html",
        {"categories": list(kind.categories or []) if kind else [], "current": ""},
    )


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


# ---------------------------------------------------------------- quality manager


@login_required
@require_GET
@service_http_errors
def sla_board(request: HttpRequest) -> HttpResponse:
    """SLA compliance per queue, agent or case type, and the open cases that need a hand."""
    by = request.GET.get("by") or ""
    if by not in SLA_GROUPS:
        by = "queue"
    days, since = _period(request)
    rows = reports.sla_compliance(actor=request.user, by=by, since=since)
    totals = ui_selectors.compliance_totals(rows)
    attention = ui_selectors.sla_attention(actor=request.user)
    return render(
        request,
        "service/sla_board.html",
        {
            "by": by,
            "days": days,
            "periods": REPORT_PERIODS,
            "rows": rows,
            "totals": totals,
            "attention": attention,
            "tab": "sla",
        },
    )


@login_required
@require_GET
@service_http_errors
def avoidable(request: HttpRequest) -> HttpResponse:
    """Avoidable contacts per case type per week: the calls a notice would have spared."""
    days, since = _period(request)
    rows = reports.avoidable_contacts_weekly(actor=request.user, since=since)
    return render(
        request,
        "service/avoidable.html",
        {
            "days": days,
            "periods": REPORT_PERIODS,
            "pivot": ui_selectors.avoidable_pivot(rows),
            "tab": "avoidable",
        },
    )


@login_required
@require_GET
@service_http_errors
def satisfaction(request: HttpRequest) -> HttpResponse:
    """Satisfaction (CSAT) per agent or queue, and the latest comments."""
    by = request.GET.get("by") or ""
    if by not in CSAT_GROUPS:
        by = "agent"
    days, since = _period(request)
    rows = reports.satisfaction(actor=request.user, by=by, since=since)
    return render(
        request,
        "service/satisfaction.html",
        {
            "by": by,
            "days": days,
            "periods": REPORT_PERIODS,
            "rows": rows,
            "comments": ui_selectors.recent_survey_comments(actor=request.user),
            "tab": "csat",
        },
    )


@login_required
@require_GET
@service_http_errors
def reviews(request: HttpRequest) -> HttpResponse:
    """Quality reviews: scores per agent per month, the latest reviews, a sample to review."""
    days, since = _period(request)
    context: dict[str, Any] = {
        "days": days,
        "periods": REPORT_PERIODS,
        "scores": reports.quality_by_agent(actor=request.user, since=since),
        "recent": ui_selectors.recent_reviews(actor=request.user),
        "tab": "reviews",
        "sample": None,
    }
    if can(request.user, "quality.review"):
        agent_id = _int(request.GET.get("agent"))
        sample = services.quality_sample(actor=request.user, size=5, agent_id=agent_id)
        context["sample"] = ui_selectors.review_sample_items(actor=request.user, sample=sample)
        context["agents"] = ui_selectors.agents(actor=request.user)
        context["agent_id"] = agent_id
    return render(request, "service/reviews.html", context)


@login_required
@service_http_errors
def review_create(request: HttpRequest) -> HttpResponse:
    """Score one case or contact against a checklist."""
    require(request.user, "quality.review")
    params = request.POST if request.method == "POST" else request.GET
    case_id = _int(params.get("case"))
    interaction_id = _int(params.get("interaction"))
    target = ui_selectors.review_target(
        actor=request.user, case_id=case_id, interaction_id=interaction_id
    )
    if target is None:
        raise Http404(_("Choose a case or a contact to review."))
    checklist = ui_selectors.checklist_get(_int(params.get("checklist")))
    if checklist is None:
        raise Http404(_("There is no active quality checklist."))
    form = ReviewForm(request.POST or None, checklist=checklist)
    if request.method == "POST" and form.is_valid():
        try:
            review = services.quality_review_record(
                actor=request.user,
                checklist_id=checklist.pk,
                scores=form.scores(),
                case_id=case_id,
                interaction_id=None if case_id else interaction_id,
                comment=form.cleaned_data.get("comment") or "",
            )
        except ServiceError as exc:
            if isinstance(exc, NotFound):
                raise
            form.add_service_error(exc)
        else:
            messages.success(
                request, _("Review saved: %(score)s%%.") % {"score": f"{review.score_percent:g}"}
            )
            return redirect("service:reviews")
    status = 200 if not form.is_bound else (form.status if form.status != 200 else 422)
    return render(
        request,
        "service/review_form.html",
        {
            "form": form,
            "checklist": checklist,
            "checklists": ui_selectors.checklists(),
            "target": target,
            "is_case": bool(case_id),
            "tab": "reviews",
        },
        status=status,
    )


# ---------------------------------------------------------------- administration


@login_required
@require_GET
@service_http_errors
def configuration(request: HttpRequest) -> HttpResponse:
    """Circuits, case types, queues, SLA policies, calendars, partners and checklists at a
    glance, each with a link to edit it in the administration."""
    config = ui_selectors.service_configuration(actor=request.user)
    return render(request, "service/configuration.html", {"config": config})


# ---------------------------------------------------------------- knowledge base


@login_required
@require_GET
@service_http_errors
def kb_search(request: HttpRequest) -> HttpResponse:
    """Articles matching the words typed (htmx from the case page, or a page of its own)."""
    q = (request.GET.get("q") or "").strip()
    articles = knowledge.article_search(actor=request.user, q=q, limit=10) if q else []
    context = {"q": q, "articles": articles, "protocol": request.GET.get("case") or ""}
    if is_htmx(request):
        return render(request, "service/partials/kb_results.html", context)
    return render(request, "service/kb.html", context)


@login_required
@require_GET
@service_http_errors
def kb_article(request: HttpRequest, article_id: int) -> HttpResponse:
    article = knowledge.article_get(actor=request.user, article_id=article_id)
    # render_markdown sanitises the HTML against an allow-list (fregues.service.markup)
    body = mark_safe(knowledge.render_markdown(article.body))
    context = {"article": article, "body": body}
    if is_htmx(request):
        return render(request, "service/partials/kb_article.html", context)
    return render(request, "service/kb.html", {**context, "q": ""})


# ---------------------------------------------------------------- public pages (no account)

TRACK_SESSION_KEY = "service.tracked"
TRACK_PAGE = "service/public/track.html"


@service_http_errors
def track(request: HttpRequest, protocol: str) -> HttpResponse:
    """The customer's tracking page: the code from their receipt opens the status history.

    The code typed is kept in the session and the page shows itself again (so it can be
    reloaded without typing the code, and the code never sits in the address); each showing
    of the history is one visit. A wrong code and an unknown protocol get the same answer.
    """
    remembered: dict[str, str] = dict(request.session.get(TRACK_SESSION_KEY, {}))
    context: dict[str, Any] = {"protocol": protocol}
    if request.method == "POST" or "code" in request.GET:
        form = TrackForm(request.POST if request.method == "POST" else request.GET)
        if not form.is_valid():
            return render(request, TRACK_PAGE, {**context, "form": form}, status=422)
        remembered[protocol] = form.cleaned_data["code"]
        request.session[TRACK_SESSION_KEY] = remembered
        return redirect("service:track", protocol)
    code = remembered.get(protocol, "")
    if not code:
        return render(request, TRACK_PAGE, {**context, "form": TrackForm()})
    try:
        case = services.tracking_open(protocol=protocol, code=code)
    except NotFound as exc:
        del remembered[protocol]
        request.session[TRACK_SESSION_KEY] = remembered
        form = TrackForm()
        form.top_messages.append(exc.message)
        return render(request, TRACK_PAGE, {**context, "form": form}, status=404)
    context["view"] = selectors.case_public_view(case, get_language())
    return render(request, TRACK_PAGE, context)


@service_http_errors
def survey(request: HttpRequest, token: str) -> HttpResponse:
    """The one-question satisfaction survey sent when a case closes."""
    try:
        found = survey_from_token(token)
    except NotFound as exc:
        return render(
            request, "service/public/link_problem.html", {"message": exc.message}, status=404
        )
    if found.answered_at:
        context = {"survey": found, "already": True}
        return render(request, "service/public/survey_done.html", context)
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            answered = services.survey_answer(
                token=token,
                score=form.cleaned_data.get("score"),
                comment=form.cleaned_data.get("comment") or "",
            )
        except ServiceError as exc:
            if exc.code == "already_answered":
                return render(
                    request,
                    "service/public/survey_done.html",
                    {"survey": found, "already": True},
                    status=409,
                )
            if isinstance(exc, NotFound):
                return render(
                    request,
                    "service/public/link_problem.html",
                    {"message": exc.message},
                    status=404,
                )
            form.add_service_error(exc)
        else:
            return render(request, "service/public/survey_done.html", {"survey": answered})
    status = 200 if not form.is_bound else (form.status if form.status != 200 else 422)
    return render(
        request,
        "service/public/survey.html",
        {"form": form, "case": found.case, "first_name": found.case.party.first_name},
        status=status,
    )


@service_http_errors
def partner_work_order(request: HttpRequest, token: str) -> HttpResponse:
    """The partner's page, reached by the signed link in the work order e-mail."""
    try:
        order = work_order_from_token(token)
    except NotFound as exc:
        return render(
            request, "service/public/link_problem.html", {"message": exc.message}, status=404
        )
    form = PartnerUpdateForm(request.POST or None, initial={"new_status": _next_status(order)})
    if request.method == "POST" and form.is_valid():
        try:
            services.work_order_update(
                token=token,
                status=form.cleaned_data["new_status"],
                notes=form.cleaned_data.get("notes") or "",
            )
        except ServiceError as exc:
            if isinstance(exc, NotFound):
                return render(
                    request,
                    "service/public/link_problem.html",
                    {"message": exc.message},
                    status=404,
                )
            form.add_service_error(exc)
        else:
            messages.success(request, _("Thank you: the update was sent."))
            return redirect("service:partner_work_order", token)
    status = 200 if not form.is_bound else (form.status if form.status != 200 else 422)
    return render(
        request,
        "service/public/work_order.html",
        {
            "order": order,
            "case": order.case,
            "first_name": order.case.party.first_name,
            "form": form,
            "notes": [line for line in order.partner_notes.splitlines() if line.strip()],
        },
        status=status,
    )


def _next_status(order: WorkOrder) -> str:
    following: dict[str, str] = {
        WorkOrder.Status.SENT: WorkOrder.Status.ACCEPTED,
        WorkOrder.Status.ACCEPTED: WorkOrder.Status.IN_PROGRESS,
        WorkOrder.Status.IN_PROGRESS: WorkOrder.Status.DONE,
    }
    return following.get(order.status, order.status)


# ---------------------------------------------------------------- the stylesheet


@require_GET
@cache_control(public=True, max_age=3600)
def stylesheet(request: HttpRequest) -> HttpResponse:
    """The styles of these screens (the shared ones are in fregues/static/fregues/app.css)."""
    return render(request, "service/service.css", content_type="text/css; charset=utf-8")


# ---------------------------------------------------------------- panels on other apps' pages


def party_open_cases(request: HttpRequest, party: Party) -> str | None:
    """The customer page's open cases (slot "party.open_work"): what every department sees."""
    user = request.user
    if not can(user, "case.view"):
        return None
    cases = selectors.open_cases_for_party(actor=user, party_id=party.pk)
    counts = ui_selectors.contact_counts([c.pk for c in cases])
    for case in cases:
        case.contact_count = counts.get(case.pk, 0)  # type: ignore[attr-defined]
    return render_to_string(
        "service/partials/party_cases.html",
        {
            "party": party,
            "cases": cases,
            "closed": ui_selectors.closed_case_count(actor=user, party_id=party.pk),
        },
        request=request,
    )


def home_my_work(request: HttpRequest, _obj: Any) -> str | None:
    """The home page's "my work" card for those who work cases. It loads itself over htmx
    right after the page, so the home page stays as quick as it was."""
    if not can(request.user, "case.change"):
        return None
    return render_to_string("service/partials/home_my_work_slot.html", request=request)


@login_required
@require_GET
@service_http_errors
def home_my_work_card(request: HttpRequest) -> HttpResponse:
    """The "my work" card's content: counts of my open cases and the next ones due."""
    summary = ui_selectors.my_work_summary(actor=request.user)
    return render(request, "service/partials/home_my_work.html", {"summary": summary})


slot_register("party.open_work", "service.open_cases", party_open_cases, order=10)
slot_register("home", "service.my_work", home_my_work, order=15)
