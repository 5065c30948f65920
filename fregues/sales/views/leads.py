"""Lead screens: the list (status tabs, the API's filters, "mine"), the lead page with its
actions (assign, qualify, disqualify with a reason, reopen, convert), new and edit.

The lead-forms setup and the public form page are in ``lead_forms``; their URLs join these.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fregues.core.errors import Invalid, NotFound, ServiceError
from fregues.core.htmx import is_htmx, slot_register
from fregues.core.permissions import can, require
from fregues.core.views import service_http_errors
from fregues.parties.selectors import party_search

from ..filters.leads import LeadFilters
from ..forms.leads import AssignForm, ConvertForm, DisqualifyForm, LeadEditForm
from ..models import Lead, LeadSource, LeadStatus
from ..selectors.leads import (
    active_pipelines,
    lead_counts,
    lead_customer_match,
    lead_form_choices,
    lead_get,
    lead_history,
    lead_list,
    lead_owner_choices,
    lead_page,
    party_brief,
)
from ..services.lead_conversion import lead_convert
from ..services.leads import (
    OPEN_STATUSES,
    lead_assign,
    lead_create,
    lead_disqualify,
    lead_qualify,
    lead_reopen,
    lead_update,
)
from . import lead_forms

LIST_PAGE = 50
# Where a deal opens, once the pipeline area has its page (the first name that exists).
DEAL_URL_NAMES = ("sales:opportunity", "sales:opportunity_detail", "sales:deal")


def deal_url(deal_id: int) -> str | None:
    """The deal's page, when the pipeline area provides one."""
    for name in DEAL_URL_NAMES:
        try:
            return reverse(name, args=[deal_id])
        except NoReverseMatch:
            continue
    return None


def _status_tabs(counts: dict[str, int]) -> list[dict[str, Any]]:
    tabs = [{"code": "", "label": _("All"), "count": counts.get("all", 0)}]
    for code, label in LeadStatus.choices:
        tabs.append({"code": code, "label": label, "count": counts.get(code, 0)})
    return tabs


# ---------------------------------------------------------------- the list


@login_required
@require_GET
@service_http_errors
def lead_list_view(request: HttpRequest) -> HttpResponse:
    """Leads newest first, a keyset page at a time, with tabs per status and their counts."""
    require(request.user, "lead.view")
    filters = LeadFilters.from_querydict(request.GET)
    kwargs = filters.as_kwargs(request.user)
    cursor = request.GET.get("cursor") or None
    qs = lead_list(actor=request.user, **kwargs)
    try:
        rows, next_cursor = lead_page(qs, cursor, LIST_PAGE)
    except Invalid:  # a stale or mangled cursor: start over
        rows, next_cursor = lead_page(qs, None, LIST_PAGE)
        cursor = None
    raw = {
        key: (request.GET.get(key) or "").strip()
        for key in ("q", "status", "owner", "source", "form", "created_from", "created_to")
    }
    context: dict[str, Any] = {
        "leads": rows,
        "next_cursor": next_cursor,
        "cursor": cursor,
        "raw": raw,
        "filtered": any(v for k, v in raw.items() if k != "status"),
    }
    if is_htmx(request) and request.GET.get("fragment") == "rows":
        return render(request, "sales/leads/partials/rows.html", context)
    context.update(
        tabs=_status_tabs(lead_counts(actor=request.user, **kwargs)),
        owners=lead_owner_choices(),
        sources=LeadSource.choices,
        forms=lead_form_choices(),
    )
    return render(request, "sales/leads/list.html", context)


# ---------------------------------------------------------------- new and edit


@login_required
@require_http_methods(["GET", "POST"])
@service_http_errors
def lead_new(request: HttpRequest) -> HttpResponse:
    """Type a lead in (a call, a fair, a card): the same rules as the API."""
    require(request.user, "lead.create")
    owners = lead_owner_choices()
    referrer_id = request.POST.get("referred_by") or request.GET.get("referred_by") or ""
    if request.method == "POST":
        form = LeadEditForm(request.POST, owners=owners)
        if form.is_valid():
            try:
                made = lead_create(actor=request.user, data=form.service_data())
            except ServiceError as exc:
                if isinstance(exc, NotFound):
                    raise
                form.add_service_error(exc)
            else:
                if not can(request.user, "lead.view"):  # front line: a salesperson takes it
                    messages.success(
                        request,
                        _("Lead %(name)s saved: a salesperson will pick it up.")
                        % {"name": made.lead.name},
                    )
                    return redirect("core:home")
                messages.success(request, _("Lead %(name)s saved.") % {"name": made.lead.name})
                return redirect("sales:lead", made.lead.pk)
        status = form.status if form.status != 200 else 422
    else:
        mine = str(request.user.pk) if can(request.user, "lead.change") else ""
        form = LeadEditForm(
            owners=owners,
            initial={
                "source": LeadSource.MANUAL,
                "owner": mine,
                "currency": "BRL",
                "referred_by": referrer_id,
            },
        )
        status = 200
    context = {"form": form, "lead": None, "referrer": party_brief(referrer_id)}
    return render(request, "sales/leads/edit.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@service_http_errors
def lead_edit(request: HttpRequest, lead_id: int) -> HttpResponse:
    require(request.user, "lead.change")
    lead = lead_get(actor=request.user, lead_id=lead_id)
    owners = lead_owner_choices()
    referrer_id = request.POST.get("referred_by") or str(lead.referred_by_id or "")
    if request.method == "POST":
        form = LeadEditForm(request.POST, owners=owners)
        if form.is_valid():
            try:
                lead_update(
                    actor=request.user,
                    lead_id=lead.pk,
                    data=form.service_data(),
                    version=form.cleaned_data.get("version"),
                )
            except ServiceError as exc:
                if isinstance(exc, NotFound):
                    raise
                form.add_service_error(exc)
                form.reload_url = reverse("sales:lead_edit", args=[lead.pk])
            else:
                messages.success(request, _("Lead %(name)s saved.") % {"name": lead.name})
                return redirect("sales:lead", lead.pk)
        status = form.status if form.status != 200 else 422
    else:
        form = LeadEditForm(owners=owners, initial=_initial(lead))
        status = 200
    context = {"form": form, "lead": lead, "referrer": party_brief(referrer_id)}
    return render(request, "sales/leads/edit.html", context, status=status)


def _initial(lead: Lead) -> dict[str, Any]:
    initial: dict[str, Any] = {name: getattr(lead, name) for name in LeadEditForm.TEXT_FIELDS}
    initial["version"] = lead.version
    amount = lead.estimated_amount
    initial["estimated_amount"] = str(amount).replace(".", ",") if amount is not None else ""
    initial["currency"] = lead.currency or "BRL"
    initial["owner"] = str(lead.owner_id or "")
    initial["referred_by"] = str(lead.referred_by_id or "")
    return initial


@login_required
@require_GET
@service_http_errors
def referrer_options(request: HttpRequest) -> HttpResponse:
    """Customers to pick as the referrer, by search (the lead form's picker)."""
    require(request.user, "lead.create")
    q = (request.GET.get("referrer_q") or "").strip()
    options = party_search(actor=request.user, q=q, limit=8) if len(q) >= 2 else []
    return render(request, "sales/leads/partials/referrer_options.html", {"options": options})


# ---------------------------------------------------------------- the lead page


def _page(request: HttpRequest, lead: Lead, status: int = 200, **forms: Any) -> HttpResponse:
    user = request.user
    may_change = can(user, "lead.change")
    owners = lead_owner_choices() if may_change else []
    pipelines = active_pipelines() if may_change else []
    default_pipeline = lead.form.pipeline_id if lead.form_id and lead.form else None
    if not default_pipeline:
        default_pipeline = next((p.pk for p in pipelines if p.is_default), None)
    amount = lead.estimated_amount
    deals = [{"deal": deal, "url": deal_url(deal.pk)} for deal in lead.opportunities.all()]
    context = {
        "lead": lead,
        "may_change": may_change and lead.status != LeadStatus.CONVERTED,
        "may_convert": may_change and can(user, "deal.change"),
        "match": lead_customer_match(lead),
        "deals": deals,
        "history": lead_history(actor=user, lead_id=lead.pk),
        "open_form": forms.get("open_form", ""),
        "assign_form": forms.get("assign_form")
        or AssignForm(
            owners=owners, initial={"owner": str(lead.owner_id or ""), "version": lead.version}
        ),
        "disqualify_form": forms.get("disqualify_form")
        or DisqualifyForm(initial={"version": lead.version}),
        "convert_form": forms.get("convert_form")
        or ConvertForm(
            pipelines=pipelines,
            initial={
                "pipeline": str(default_pipeline or ""),
                "title": " — ".join(p for p in (lead.company or lead.name, lead.interest) if p),
                "amount": str(amount).replace(".", ",") if amount is not None else "",
                "currency": lead.currency or "BRL",
                "version": lead.version,
            },
        ),
        "status_labels": dict(LeadStatus.choices),
        "attributes": sorted(
            (k, v) for k, v in lead.attributes.items() if k not in ("consent_text",)
        ),
    }
    return render(request, "sales/leads/detail.html", context, status=status)


def _refused(
    request: HttpRequest, lead_id: int, form: Any, key: str, exc: ServiceError | None = None
) -> HttpResponse:
    """The lead page again with ``form`` (and the refusal) open where it was filled."""
    if exc is not None:
        form.add_service_error(exc)
    form.reload_url = reverse("sales:lead", args=[lead_id])
    lead = lead_get(actor=request.user, lead_id=lead_id)
    status = form.status if form.status != 200 else 422
    return _page(request, lead, status=status, open_form=key, **{key: form})


@login_required
@require_GET
@service_http_errors
def lead_detail(request: HttpRequest, lead_id: int) -> HttpResponse:
    return _page(request, lead_get(actor=request.user, lead_id=lead_id))


@login_required
@require_POST
@service_http_errors
def lead_status(request: HttpRequest, lead_id: int, action: str) -> HttpResponse:
    """Qualify or reopen (one button each)."""
    version = request.POST.get("version")
    service = {"qualify": lead_qualify, "reopen": lead_reopen}[action]
    try:
        lead = service(
            actor=request.user,
            lead_id=lead_id,
            version=int(version) if version and version.isdigit() else None,
        )
    except ServiceError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, exc.message)
        return redirect("sales:lead", lead_id)
    text = {
        "qualify": _("%(name)s is qualified."),
        "reopen": _("%(name)s is back to work."),
    }[action]
    messages.success(request, text % {"name": lead.name})
    return redirect("sales:lead", lead.pk)


@login_required
@require_POST
@service_http_errors
def lead_disqualify_view(request: HttpRequest, lead_id: int) -> HttpResponse:
    form = DisqualifyForm(request.POST)
    if not form.is_valid():
        return _refused(request, lead_id, form, "disqualify_form")
    try:
        lead = lead_disqualify(
            actor=request.user,
            lead_id=lead_id,
            reason=form.cleaned_data.get("reason") or "",
            version=form.cleaned_data.get("version"),
        )
    except ServiceError as exc:
        if isinstance(exc, NotFound):
            raise
        return _refused(request, lead_id, form, "disqualify_form", exc)
    messages.success(request, _("%(name)s is disqualified.") % {"name": lead.name})
    return redirect("sales:lead", lead.pk)


@login_required
@require_POST
@service_http_errors
def lead_assign_view(request: HttpRequest, lead_id: int) -> HttpResponse:
    form = AssignForm(request.POST, owners=lead_owner_choices())
    if not form.is_valid():
        return _refused(request, lead_id, form, "assign_form")
    owner_id = request.user.pk if request.POST.get("action") == "me" else form.owner_id()
    try:
        lead = lead_assign(
            actor=request.user,
            lead_id=lead_id,
            owner_id=owner_id,
            version=form.cleaned_data.get("version"),
        )
    except ServiceError as exc:
        if isinstance(exc, NotFound):
            raise
        return _refused(request, lead_id, form, "assign_form", exc)
    if lead.owner_id:
        owner = lead.owner.display_name if lead.owner else ""
        messages.success(
            request, _("%(name)s is now %(owner)s's.") % {"name": lead.name, "owner": owner}
        )
    else:
        messages.success(request, _("%(name)s has no owner now.") % {"name": lead.name})
    return redirect("sales:lead", lead.pk)


@login_required
@require_POST
@service_http_errors
def lead_convert_view(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Convert, then go to the deal (or the customer's page, where its deals show)."""
    form = ConvertForm(request.POST, pipelines=active_pipelines())
    if not form.is_valid():
        return _refused(request, lead_id, form, "convert_form")
    data = form.cleaned_data
    pipeline = data.get("pipeline")
    try:
        done = lead_convert(
            actor=request.user,
            lead_id=lead_id,
            pipeline_id=int(pipeline) if pipeline and str(pipeline).isdigit() else None,
            title=data.get("title") or "",
            amount=data.get("amount") or None,
            currency=data.get("currency") or None,
            version=data.get("version"),
        )
    except ServiceError as exc:
        if isinstance(exc, NotFound):
            raise
        return _refused(request, lead_id, form, "convert_form", exc)
    if done.party_created:
        text = _("%(name)s is a new customer, with the deal %(deal)s.")
    else:
        text = _("%(name)s was already a customer: the deal %(deal)s is on their page.")
    messages.success(request, text % {"name": done.party.name, "deal": done.opportunity.title})
    deal_page = deal_url(done.opportunity.pk)
    if deal_page:
        return redirect(deal_page)
    return redirect("parties:detail", (done.organization or done.party).pk)


# ---------------------------------------------------------------- the home page panel


def home_leads(request: HttpRequest, obj: Any) -> str | None:
    """ "My leads" on the home page, for those who work leads: a shell that loads its content
    after the page (the home page stays as fast as it was)."""
    if not can(request.user, "lead.change"):
        return None
    return render_to_string("sales/leads/partials/home_shell.html", {}, request=request)


@login_required
@require_GET
@service_http_errors
def home_leads_card(request: HttpRequest) -> HttpResponse:
    """The card's content: the open leads waiting for me, and how many nobody owns yet."""
    user = request.user
    require(user, "lead.change")
    mine = lead_list(actor=user, owner_id=user.pk).filter(status__in=OPEN_STATUSES)
    unassigned = lead_list(actor=user, unassigned=True).filter(status=LeadStatus.NEW)
    context = {"leads": list(mine[:5]), "unassigned": unassigned.count()}
    return render(request, "sales/leads/partials/home.html", context)


slot_register("home", "sales.leads", home_leads, order=25)


urlpatterns: list[URLPattern] = [
    path("sales/leads/", lead_list_view, name="leads"),
    path("sales/leads/new/", lead_new, name="lead_new"),
    path("sales/leads/referrers/", referrer_options, name="lead_referrers"),
    path("sales/leads/home-card/", home_leads_card, name="leads_home_card"),
    path("sales/leads/<int:lead_id>/", lead_detail, name="lead"),
    path("sales/leads/<int:lead_id>/edit/", lead_edit, name="lead_edit"),
    path(
        "sales/leads/<int:lead_id>/qualify/",
        lead_status,
        {"action": "qualify"},
        name="lead_qualify",
    ),
    path(
        "sales/leads/<int:lead_id>/reopen/", lead_status, {"action": "reopen"}, name="lead_reopen"
    ),
    path(
        "sales/leads/<int:lead_id>/disqualify/",
        lead_disqualify_view,
        name="lead_disqualify",
    ),
    path("sales/leads/<int:lead_id>/assign/", lead_assign_view, name="lead_assign"),
    path("sales/leads/<int:lead_id>/convert/", lead_convert_view, name="lead_convert"),
    *lead_forms.urlpatterns,
]
