"""Marketing screens: campaigns.

The list (``/marketing/``), a new campaign, and the campaign page: the editor with the texts
per language and their preview for a sample member, a test send, the send step (plan → a
confirmation with the planned counts and who is skipped why → send now or at a time), live
progress while sending (HTMX polling) and the report with the recipients table.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from fregues.core.errors import ServiceError
from fregues.core.permissions import can, require
from fregues.core.regarding import regarding_register
from fregues.core.views import service_http_errors
from fregues.parties.models import ConsentPurpose
from fregues.service.services.sending import MARKETING_REGARDING, REASONS

from ..models import Campaign, CampaignStatus, RecipientStatus, Segment
from ..selectors import campaigns as selectors
from ..services import campaigns as services
from ..services.campaign_planning import campaign_plan
from ..services.campaign_templates import NAMES
from ..services.campaigns import LANGUAGES

PAGE = 50
LANGUAGE_LABELS = {"pt-br": "Português (Brasil)", "pt-pt": "Português (Portugal)", "en": "English"}


def _problems(exc: ServiceError) -> list[str]:
    if exc.code == "forbidden":
        return [_("Your role does not allow this action.")]
    found = [m for msgs in exc.errors.values() for m in msgs]
    return found or [exc.message]


def _data_from(post: Any) -> dict[str, Any]:
    """The editor's fields as the service takes them; a language without a body is left out."""
    texts = []
    for language in LANGUAGES:
        body = post.get(f"body_{language}", "")
        subject = post.get(f"subject_{language}", "")
        if body.strip() or subject.strip():
            texts.append({"language": language, "subject": subject, "body": body})
    return {
        "name": post.get("name", ""),
        "channel": post.get("channel", "email"),
        "purpose": post.get("purpose", ""),
        "segment_id": post.get("segment_id") or None,
        "default_language": post.get("default_language", "pt-br"),
        "throttle_per_minute": post.get("throttle_per_minute") or None,
        "conversion_days": post.get("conversion_days") or None,
        "messages": texts,
    }


def _editor_context(campaign: Campaign | None, values: dict[str, Any] | None = None) -> dict:
    if values is None and campaign is not None:
        values = {
            "name": campaign.name,
            "channel": campaign.channel,
            "purpose": campaign.purpose.code,
            "segment_id": campaign.segment_id,
            "default_language": campaign.default_language,
            "throttle_per_minute": campaign.throttle_per_minute,
            "conversion_days": campaign.conversion_days,
            "messages": [
                {"language": m.language, "subject": m.subject, "body": m.body}
                for m in campaign.messages.all()
            ],
        }
    values = values or {
        "channel": "email",
        "default_language": "pt-br",
        "throttle_per_minute": 600,
        "conversion_days": 30,
        "messages": [],
    }
    texts = {m["language"]: m for m in values.get("messages") or []}
    return {
        "values": values,
        "texts": [
            (code, LANGUAGE_LABELS.get(code, code), texts.get(code, {})) for code in LANGUAGES
        ],
        "segments": Segment.objects.order_by("name").only("pk", "name"),
        "purposes": ConsentPurpose.objects.filter(is_active=True).order_by("code"),
        "languages": [(c, LANGUAGE_LABELS.get(c, c)) for c in LANGUAGES],
        "template_names": ", ".join(f"{{{{ {name} }}}}" for name in NAMES),
        "template_tags": "{% if %}…{% else %}…{% endif %}",
    }


@login_required
@service_http_errors
def campaigns(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or None
    page = (
        max(1, int(request.GET.get("page") or 1))
        if (request.GET.get("page") or "1").isdigit()
        else 1
    )
    rows, total = selectors.campaign_list(
        actor=request.user, status=status, offset=(page - 1) * PAGE, limit=PAGE
    )
    return render(
        request,
        "marketing/campaigns/list.html",
        {
            "campaigns": rows,
            "total": total,
            "status": status or "",
            "statuses": CampaignStatus.choices,
            "page": page,
            "has_next": page * PAGE < total,
            "may_change": can(request.user, "campaign.change"),
        },
    )


@login_required
@service_http_errors
def campaign_new(request: HttpRequest) -> HttpResponse:
    require(request.user, "campaign.change")
    errors: list[str] = []
    field_errors: dict[str, list[str]] = {}
    values = None
    if request.method == "POST":
        values = _data_from(request.POST)
        try:
            campaign = services.campaign_create(actor=request.user, data=values)
        except ServiceError as exc:
            errors, field_errors = _problems(exc), exc.errors
        else:
            messages.success(request, _("Campaign created."))
            return redirect("marketing:campaign_detail", campaign.pk)
    elif request.GET.get("segment"):
        values = {**_editor_context(None)["values"], "segment_id": request.GET.get("segment")}
    context = _editor_context(None, values)
    context.update({"errors": errors, "field_errors": field_errors, "campaign": None})
    return render(request, "marketing/campaigns/form.html", context, status=422 if errors else 200)


def _detail_context(request: HttpRequest, campaign: Campaign) -> dict[str, Any]:
    report = selectors.campaign_report(actor=request.user, campaign_id=campaign.pk)
    status = request.GET.get("r_status") or None
    reason = request.GET.get("reason") or None
    page = int(request.GET.get("page") or 1) if (request.GET.get("page") or "1").isdigit() else 1
    rows, total = selectors.campaign_recipients(
        actor=request.user,
        campaign_id=campaign.pk,
        status=status,
        reason=reason,
        offset=(max(page, 1) - 1) * PAGE,
        limit=PAGE,
    )
    return {
        "campaign": campaign,
        "report": report,
        "recipients": rows,
        "recipients_total": total,
        "r_status": status or "",
        "reason": reason or "",
        "page": page,
        "has_next": page * PAGE < total,
        "recipient_statuses": RecipientStatus.choices,
        "reasons": [(code, str(label)) for code, label in REASONS.items()],
        "editable": campaign.status in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED),
        "may_change": can(request.user, "campaign.change"),
        "may_send": can(request.user, "campaign.send"),
        "previews": selectors.campaign_preview(actor=request.user, campaign_id=campaign.pk),
    }


@login_required
@service_http_errors
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = selectors.campaign_get(actor=request.user, campaign_id=campaign_id)
    errors: list[str] = []
    field_errors: dict[str, list[str]] = {}
    values = None
    if request.method == "POST":
        values = _data_from(request.POST)
        version = request.POST.get("version")
        try:
            services.campaign_update(
                actor=request.user,
                campaign_id=campaign.pk,
                data=values,
                version=int(version) if version and version.isdigit() else None,
            )
        except ServiceError as exc:
            errors, field_errors = _problems(exc), exc.errors
        else:
            messages.success(request, _("Campaign saved."))
            return redirect("marketing:campaign_detail", campaign.pk)
    context = _detail_context(request, campaign)
    context.update(_editor_context(campaign, values))
    context.update({"errors": errors, "field_errors": field_errors})
    return render(
        request, "marketing/campaigns/detail.html", context, status=422 if errors else 200
    )


@login_required
@require_GET
@service_http_errors
def campaign_progress(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The counts while sending (polled by HTMX every few seconds while it is live)."""
    campaign = selectors.campaign_get(actor=request.user, campaign_id=campaign_id)
    report = selectors.campaign_report(actor=request.user, campaign_id=campaign_id)
    return render(
        request,
        "marketing/campaigns/partials/progress.html",
        {"campaign": campaign, "report": report},
    )


@login_required
@require_POST
@service_http_errors
def campaign_test(request: HttpRequest, campaign_id: int) -> HttpResponse:
    require(request.user, "campaign.change")
    to = request.POST.get("to", "")
    try:
        services.campaign_test_send(
            actor=request.user, campaign_id=campaign_id, to=to,
            language=request.POST.get("language", ""),
        )  # fmt: skip
    except ServiceError as exc:
        for problem in _problems(exc):
            messages.error(request, problem)
    except Exception as exc:  # the mail server refused or is down: say so, keep the page
        messages.error(request, _("The test could not be sent: %(e)s") % {"e": exc})
    else:
        messages.success(
            request, _("Test sent to %(to)s.") % {"to": to or getattr(request.user, "email", "")}
        )
    return redirect("marketing:campaign_detail", campaign_id)


@login_required
@require_POST
@service_http_errors
def campaign_confirm(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Plan the campaign and show the counts before the marketer commits to sending."""
    require(request.user, "campaign.send")
    campaign = selectors.campaign_get(actor=request.user, campaign_id=campaign_id)
    try:
        counts = campaign_plan(actor=request.user, campaign_id=campaign.pk)
    except ServiceError as exc:
        for problem in _problems(exc):
            messages.error(request, problem)
        return redirect("marketing:campaign_detail", campaign_id)
    report = selectors.campaign_report(actor=request.user, campaign_id=campaign.pk)
    return render(
        request,
        "marketing/campaigns/confirm.html",
        {"campaign": campaign, "counts": counts, "report": report},
    )


@login_required
@require_POST
@service_http_errors
def campaign_send(request: HttpRequest, campaign_id: int) -> HttpResponse:
    require(request.user, "campaign.send")
    at: datetime.datetime | None = None
    raw = request.POST.get("scheduled_at", "").strip()
    if raw:
        at = parse_datetime(raw)
        if at is not None and timezone.is_naive(at):
            at = timezone.make_aware(at, timezone.get_current_timezone())
    version = request.POST.get("version", "")
    try:
        services.campaign_schedule(
            actor=request.user,
            campaign_id=campaign_id,
            at=at,
            version=int(version) if version.isdigit() else None,
        )
    except ServiceError as exc:
        for problem in _problems(exc):
            messages.error(request, problem)
    else:
        messages.success(
            request, _("Scheduled.") if at and at > timezone.now() else _("Sending started.")
        )
    return redirect("marketing:campaign_detail", campaign_id)


def _action(service: Any, done: Any) -> Any:
    @login_required
    @require_POST
    @service_http_errors
    def view(request: HttpRequest, campaign_id: int) -> HttpResponse:
        require(request.user, "campaign.send")
        try:
            service(actor=request.user, campaign_id=campaign_id)
        except ServiceError as exc:
            for problem in _problems(exc):
                messages.error(request, problem)
        else:
            messages.success(request, done)
        return redirect("marketing:campaign_detail", campaign_id)

    return view


def _campaign_names(ids: list[int]) -> dict[int, tuple[str, str | None]]:
    """How a timeline names the campaign a message belongs to."""
    return {
        pk: (_("Campaign %(name)s") % {"name": name},
             reverse("marketing:campaign_detail", args=[pk]))
        for pk, name in Campaign.objects.filter(pk__in=ids).values_list("pk", "name")
    }  # fmt: skip


regarding_register(MARKETING_REGARDING, _campaign_names)

urlpatterns: list[URLPattern] = [
    path("marketing/", campaigns, name="campaigns"),
    path("marketing/campaigns/new", campaign_new, name="campaign_new"),
    path("marketing/campaigns/<int:campaign_id>/", campaign_detail, name="campaign_detail"),
    path(
        "marketing/campaigns/<int:campaign_id>/progress",
        campaign_progress,
        name="campaign_progress",
    ),
    path("marketing/campaigns/<int:campaign_id>/test", campaign_test, name="campaign_test"),
    path(
        "marketing/campaigns/<int:campaign_id>/confirm", campaign_confirm, name="campaign_confirm"
    ),
    path("marketing/campaigns/<int:campaign_id>/send", campaign_send, name="campaign_send"),
    path(
        "marketing/campaigns/<int:campaign_id>/pause",
        _action(services.campaign_pause, gettext_lazy("Paused.")),
        name="campaign_pause",
    ),
    path(
        "marketing/campaigns/<int:campaign_id>/resume",
        _action(services.campaign_resume, gettext_lazy("Resumed.")),
        name="campaign_resume",
    ),
    path(
        "marketing/campaigns/<int:campaign_id>/cancel",
        _action(services.campaign_cancel, gettext_lazy("Cancelled.")),
        name="campaign_cancel",
    ),
]
