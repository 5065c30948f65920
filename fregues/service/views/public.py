"""Public pages (no account): tracking, satisfaction survey, partner work order; the stylesheet."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from fregues.core.errors import NotFound, ServiceError
from fregues.core.views import service_http_errors

from .. import services
from ..forms import (
    PartnerUpdateForm,
    SurveyForm,
    TrackForm,
)
from ..models import WorkOrder
from ..selectors import cases as selectors
from ..services.partners import work_order_from_token
from ..services.satisfaction import survey_from_token

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
