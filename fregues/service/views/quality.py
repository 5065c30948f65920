"""The quality manager's screens, the configuration overview and the knowledge base."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from fregues.core.errors import NotFound, ServiceError
from fregues.core.htmx import is_htmx
from fregues.core.permissions import can, require
from fregues.core.views import service_http_errors

from .. import services, ui_selectors
from ..forms import (
    ReviewForm,
)
from ..selectors import knowledge, reports
from .common import CSAT_GROUPS, REPORT_PERIODS, SLA_GROUPS, _int, _period

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
    body = mark_safe(knowledge.render_markdown(article.body))  # nosec B308 B703: sanitised above
    context = {"article": article, "body": body}
    if is_htmx(request):
        return render(request, "service/partials/kb_article.html", context)
    return render(request, "service/kb.html", {**context, "q": ""})
