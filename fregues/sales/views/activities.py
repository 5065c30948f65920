"""The activities area's screens: "my activities" (overdue, today, the next 7 days, later,
recently done) with a quick add; planning and editing an activity from anywhere (the
customer page, the deal page, the list); marking one done, rescheduling or cancelling it in
its row (htmx); the customer picker. Also collects this area's other URLs: the visit briefing
(``briefing.py``), the calendar feed (``calendar.py``), and the panels on other pages
(``activity_panels.py``, registered on import)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fregues.core.errors import NotFound, ServiceError
from fregues.core.htmx import is_htmx
from fregues.core.permissions import can, require
from fregues.core.views import service_http_errors
from fregues.parties.selectors import party_search

from ..filters.activities import ActivityFilters
from ..forms.activities import (
    KIND_ICONS,
    ActivityForm,
    CancelForm,
    CompleteForm,
    RescheduleForm,
    when_initial,
    when_value,
)
from ..models import Activity, ActivityKind, ActivityStatus
from ..selectors.activities import (
    activity_agenda,
    activity_form_context,
    activity_get,
    activity_owner_choices,
    calendar_feed_get,
)
from ..services.activities import (
    DEFAULT_DURATION,
    activity_cancel,
    activity_complete,
    activity_create,
    activity_update,
)
from .activity_panels import DEAL_URL_NAMES, decorate, home_my_day_card, maybe_url
from .briefing import activity_briefing, briefing
from .calendar import calendar_feed, calendar_feed_reset_view, calendar_feed_show, feed_url


def _int(value: Any) -> int | None:
    return int(value) if value not in (None, "") and str(value).isdigit() else None


def _next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# ---------------------------------------------------------------- my activities


@login_required
@require_GET
@service_http_errors
def activity_list(request: HttpRequest) -> HttpResponse:
    """My activities: what is overdue, today, in the next 7 days, later, recently done.
    Managers (those who see reports) may look at one colleague's or everyone's."""
    user = request.user
    require(user, "activity.view")
    manager = can(user, "report.view")
    filters = ActivityFilters.from_querydict(request.GET)  # the API's filters, read leniently
    kind = filters.kind if filters.kind in ActivityKind.values else ""
    owner_raw = request.GET.get("owner", "") if manager else ""
    everyone = owner_raw == "all"
    owner_id = filters.owner_id if manager else None
    agenda = activity_agenda(actor=user, owner_id=owner_id, everyone=everyone, kind=kind or None)
    for _code, _label, rows in agenda.groups():
        decorate(rows)
    feed = calendar_feed_get(actor=user)
    may_change = can(user, "activity.change")
    quick = (
        ActivityForm(
            owners=[],
            deals=[],
            initial={"kind": ActivityKind.TASK, "due_date": timezone.localdate().isoformat()},
        )
        if may_change
        else None
    )
    return render(
        request,
        "sales/activities/list.html",
        {
            "agenda": agenda,
            "kinds": ActivityKind.choices,
            "kind_icons": KIND_ICONS,
            "kind": kind,
            "manager": manager,
            "owners": activity_owner_choices() if manager else [],
            "owner_raw": owner_raw,
            "mine": not everyone and (owner_id in (None, user.pk)),
            "quick": quick,
            "feed_url": feed_url(feed) if feed else None,
            "feed": feed,
            "next": request.get_full_path(),
        },
    )


# ---------------------------------------------------------------- plan and edit


def _form_page(
    request: HttpRequest,
    form: ActivityForm,
    ctx: Any,
    *,
    activity: Activity | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "sales/activities/form.html",
        {
            "form": form,
            "ctx": ctx,
            "activity": activity,
            "kind_icons": KIND_ICONS,
            "next": _next(request, ""),
            "deal_url": maybe_url(DEAL_URL_NAMES, ctx.opportunity.pk) if ctx.opportunity else None,
        },
        status=status,
    )


def _default_next(ctx: Any) -> str:
    if ctx.opportunity is not None:
        deal = maybe_url(DEAL_URL_NAMES, ctx.opportunity.pk)
        if deal:
            return deal
    if ctx.party is not None:
        return reverse("parties:detail", args=[ctx.party.pk])
    return reverse("sales:activities")


@login_required
@service_http_errors
def activity_create_view(request: HttpRequest) -> HttpResponse:
    """Plan an activity, from the customer page (``?party=``), the deal page
    (``?opportunity=``), a lead (``?lead=``) or "my activities"; ``?kind=visit`` preselects."""
    user = request.user
    require(user, "activity.change")
    params = request.POST if request.method == "POST" else request.GET
    ctx = activity_form_context(
        actor=user,
        party_id=_int(params.get("party")),
        opportunity_id=_int(params.get("opportunity")),
        lead_id=_int(params.get("lead")),
    )
    owners = activity_owner_choices()
    if request.method != "POST":
        kind = request.GET.get("kind", "")
        kind = kind if kind in ActivityKind.values else ActivityKind.TASK
        initial: dict[str, Any] = {
            "kind": kind,
            "party": ctx.party.pk if ctx.party else "",
            "opportunity": ctx.opportunity.pk if ctx.opportunity else "",
            "lead": ctx.lead.pk if ctx.lead else "",
            "owner": user.pk,
            "due_date": (timezone.localdate() + datetime.timedelta(days=1)).isoformat(),
            "subject": _default_subject(kind, ctx),
            "duration_minutes": DEFAULT_DURATION.get(kind, 30),
        }
        if kind in (ActivityKind.VISIT, ActivityKind.MEETING):
            initial.update(due_time="10:00", remind="1440" if kind == ActivityKind.VISIT else "60")
        form = ActivityForm(initial=initial, owners=owners, deals=ctx.deals)
        return _form_page(request, form, ctx)
    form = ActivityForm(request.POST, owners=owners, deals=ctx.deals)
    if form.is_valid():
        try:
            activity = activity_create(actor=user, data=form.service_data())
        except ServiceError as exc:
            if isinstance(exc, NotFound):
                raise
            form.add_service_error(exc)
        else:
            messages.success(request, _("Activity planned: %(s)s.") % {"s": activity.subject})
            return redirect(_next(request, _default_next(ctx)))
    status = form.status if form.status != 200 else 422
    return _form_page(request, form, ctx, status=status)


def _default_subject(kind: str, ctx: Any) -> str:
    if kind == ActivityKind.VISIT and ctx.party is not None:
        return _("Visit to %(name)s") % {"name": ctx.party.name}
    if kind == ActivityKind.CALL and ctx.party is not None:
        return _("Call %(name)s") % {"name": ctx.party.name}
    return ""


@login_required
@service_http_errors
def activity_edit(request: HttpRequest, activity_id: int) -> HttpResponse:
    """Change a planned activity (a done or cancelled one is shown as it was)."""
    user = request.user
    activity = activity_get(actor=user, activity_id=activity_id)
    ctx = activity_form_context(
        actor=user,
        party_id=activity.party_id,
        opportunity_id=activity.opportunity_id,
        lead_id=activity.lead_id,
    )
    owners = activity_owner_choices()
    if activity.owner not in owners:
        owners.append(activity.owner)
    if activity.status != ActivityStatus.PLANNED or not can(user, "activity.change"):
        decorate([activity])
        form = ActivityForm(
            initial=ActivityForm.initial_for(activity), owners=owners, deals=ctx.deals
        )
        return _form_page(request, form, ctx, activity=activity)
    if request.method != "POST":
        form = ActivityForm(
            initial=ActivityForm.initial_for(activity),
            owners=owners,
            deals=ctx.deals,
            activity=activity,
        )
        return _form_page(request, form, ctx, activity=activity)
    form = ActivityForm(request.POST, owners=owners, deals=ctx.deals, activity=activity)
    if form.is_valid():
        try:
            activity_update(
                actor=user,
                activity_id=activity.pk,
                data=form.service_data(),
                version=form.cleaned_data.get("version"),
            )
        except ServiceError as exc:
            if isinstance(exc, NotFound):
                raise
            form.add_service_error(exc)
        else:
            messages.success(request, _("Activity saved."))
            return redirect(_next(request, _default_next(ctx)))
    status = form.status if form.status != 200 else 422
    return _form_page(request, form, ctx, activity=activity, status=status)


# ---------------------------------------------------------------- actions in a row (htmx)


def _row(
    request: HttpRequest,
    activity_id: int,
    *,
    status: int = 200,
    toast: str = "",
    open_form: str = "",
    form: Any = None,
) -> HttpResponse:
    activity = activity_get(actor=request.user, activity_id=activity_id)
    decorate([activity])
    html = render_to_string(
        "sales/activities/partials/row.html",
        {
            "a": activity,
            "kind_icons": KIND_ICONS,
            "open_form": open_form,
            "form": form,
            "toast": toast,
            "row_updated": True,
            "next": _next(request, reverse("sales:activities")),
        },
        request=request,
    )
    return HttpResponse(html, status=status)


def _row_action(
    request: HttpRequest,
    activity_id: int,
    form: Any,
    name: str,
    run: Any,
    success: str,
) -> HttpResponse:
    """Run a row action: htmx gets the row back (with a toast, or with the form and its
    errors); a plain form post goes back to where it came from with a message."""
    problem: ServiceError | None = None
    if form.is_valid():
        try:
            run(form)
        except ServiceError as exc:
            if isinstance(exc, NotFound):
                raise
            problem = exc
            form.add_service_error(exc)
    else:
        problem = ServiceError(_("Some fields need your attention."))
    back = _next(request, reverse("sales:activities"))
    if problem is None:
        if is_htmx(request):
            return _row(request, activity_id, toast=success)
        messages.success(request, success)
        return redirect(back)
    if is_htmx(request):
        status = form.status if form.status != 200 else 422
        return _row(request, activity_id, status=status, open_form=name, form=form)
    said = [*form.top_messages, *(str(e) for errors in form.errors.values() for e in errors)]
    messages.error(request, " ".join(dict.fromkeys(said)) or problem.message)
    return redirect(back)


@login_required
@require_POST
@service_http_errors
def activity_complete_view(request: HttpRequest, activity_id: int) -> HttpResponse:
    form = CompleteForm(request.POST)
    return _row_action(
        request,
        activity_id,
        form,
        "complete",
        lambda f: activity_complete(
            actor=request.user, activity_id=activity_id, **f.service_kwargs()
        ),
        _("Done. It is on the customer's timeline."),
    )


@login_required
@require_POST
@service_http_errors
def activity_reschedule_view(request: HttpRequest, activity_id: int) -> HttpResponse:
    """Move a planned activity: to a date and time, or by a shortcut (``days``: tomorrow,
    next week), keeping its time of day."""
    form = RescheduleForm(request.POST)
    days = _int(request.POST.get("days"))

    def run(f: RescheduleForm) -> None:
        if days is not None:
            activity = activity_get(actor=request.user, activity_id=activity_id)
            keep = when_initial(activity)
            day = (timezone.localdate() + datetime.timedelta(days=days)).isoformat()
            due = when_value(day, keep.get("due_time", ""))
        else:
            due = f.due_at()
        activity_update(
            actor=request.user,
            activity_id=activity_id,
            data={"due_at": due},
            version=f.cleaned_data.get("version"),
        )

    return _row_action(request, activity_id, form, "reschedule", run, _("Rescheduled."))


@login_required
@require_POST
@service_http_errors
def activity_cancel_view(request: HttpRequest, activity_id: int) -> HttpResponse:
    form = CancelForm(request.POST)
    return _row_action(
        request,
        activity_id,
        form,
        "cancel",
        lambda f: activity_cancel(
            actor=request.user,
            activity_id=activity_id,
            reason=f.cleaned_data.get("reason") or "",
            version=f.cleaned_data.get("version"),
        ),
        _("Activity cancelled."),
    )


@login_required
@require_GET
@service_http_errors
def party_options(request: HttpRequest) -> HttpResponse:
    """Customers to plan an activity for, by search (htmx, as the user types)."""
    require(request.user, "activity.change")
    q = (request.GET.get("party_q") or "").strip()
    options = party_search(actor=request.user, q=q, limit=8) if len(q) >= 2 else []
    return render(
        request, "sales/activities/partials/party_options.html", {"options": options, "q": q}
    )


urlpatterns = [
    path("sales/activities/", activity_list, name="activities"),
    path("sales/activities/new/", activity_create_view, name="activity_create"),
    path("sales/activities/parties/", party_options, name="activity_party_options"),
    path("sales/activities/today/", home_my_day_card, name="activities_home_card"),
    path("sales/activities/calendar/", calendar_feed_show, name="calendar_feed_show"),
    path("sales/activities/calendar/reset/", calendar_feed_reset_view, name="calendar_feed_reset"),
    path("sales/activities/<int:activity_id>/", activity_edit, name="activity_edit"),
    path(
        "sales/activities/<int:activity_id>/complete/",
        activity_complete_view,
        name="activity_complete",
    ),
    path(
        "sales/activities/<int:activity_id>/reschedule/",
        activity_reschedule_view,
        name="activity_reschedule",
    ),
    path(
        "sales/activities/<int:activity_id>/cancel/", activity_cancel_view, name="activity_cancel"
    ),
    path(
        "sales/activities/<int:activity_id>/briefing/",
        activity_briefing,
        name="activity_briefing",
    ),
    path("sales/briefing/<int:party_id>/", briefing, name="briefing"),
    path("calendar/<int:user_id>/<str:token>.ics", calendar_feed, name="calendar_feed"),
]
