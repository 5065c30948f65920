"""The case page and opening a case."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fregues.core.errors import NotFound, ServiceError
from fregues.core.permissions import can, require
from fregues.core.views import service_http_errors
from fregues.interactions.models import Channel
from fregues.parties.models import Party
from fregues.parties.selectors import party_get

from .. import services, ui_selectors
from ..forms import (
    AssignForm,
    AttachContactForm,
    CaseContactForm,
    CaseEditForm,
    CaseOpenForm,
    DispatchForm,
    TransitionForm,
)
from ..models import Case
from ..panels import CASE_PANELS
from ..selectors import cases as selectors
from ..services.cases import case_type_get, similar_open_cases
from .common import (
    _conflict_text,
    _detail_url,
    _int,
)

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
        "case_panels": CASE_PANELS,
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
        services.case_contact_record(
            actor=request.user,
            protocol=case.protocol,
            data=form.service_data(),
            party_id=who,
            address=(form.cleaned_data.get("via") or "") if who == case.party_id else "",
            attachments=form.new_attachments(),
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
        # a report taken elsewhere (e.g. on a visit, from the visit briefing) says its channel
        if request.GET.get("channel") in Channel.values:
            initial["channel"] = request.GET["channel"]
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
