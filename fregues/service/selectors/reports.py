"""Service reports: SLA compliance, avoidable contacts, satisfaction, quality scores."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Avg, Count, F, Q
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone

from fregues.core.errors import Invalid
from fregues.core.permissions import require

from ..models import AvoidableContact, Case, QualityReview, SatisfactionSurvey

SLA_GROUPS = {"queue": "queue__name", "agent": "assignee__username", "case_type": "case_type__name"}
CSAT_GROUPS = {"queue": "case__queue__name", "agent": "case__assignee__username"}


def _period(since: datetime.datetime | None, until: datetime.datetime | None) -> tuple:
    until = until or timezone.now()
    since = since or until - datetime.timedelta(days=90)
    return since, until


def sla_compliance(
    *,
    actor: Any,
    by: str = "queue",
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
) -> list[dict[str, Any]]:
    """Per queue, agent or case type: cases measured, first responses and resolutions on
    time, and the compliance percentage, for cases opened in the period."""
    require(actor, "report.view")
    if by not in SLA_GROUPS:
        raise Invalid.field("by", f"Group by one of: {', '.join(SLA_GROUPS)}.")
    since, until = _period(since, until)
    now = timezone.now()
    late_resolution = (
        Q(resolution_breached_at__isnull=False)
        | Q(is_open=True, sla_paused_at__isnull=True, resolution_due__lt=now)
        | Q(resolved_at__gt=F("resolution_due"))
    )
    late_response = Q(first_response_breached_at__isnull=False) | Q(
        first_responded_at__gt=F("first_response_due")
    )
    rows = (
        Case.objects.filter(created_at__gte=since, created_at__lt=until, sla_policy__isnull=False)
        .values(group=F(SLA_GROUPS[by]))
        .annotate(
            cases=Count("id"),
            resolved=Count("id", filter=Q(resolved_at__isnull=False)),
            resolution_breached=Count("id", filter=late_resolution),
            first_response_breached=Count("id", filter=late_response),
        )
        .order_by("group")
    )
    out = []
    for row in rows:
        cases = row["cases"]
        out.append(
            {
                "group": row["group"] or "—",
                "cases": cases,
                "resolved": row["resolved"],
                "resolution_breached": row["resolution_breached"],
                "first_response_breached": row["first_response_breached"],
                "resolution_compliance": round(
                    100 * (cases - row["resolution_breached"]) / cases, 1
                ),
                "first_response_compliance": round(
                    100 * (cases - row["first_response_breached"]) / cases, 1
                ),
            }
        )
    return out


def avoidable_contacts_weekly(
    *, actor: Any, since: datetime.datetime | None = None, until: datetime.datetime | None = None
) -> list[dict[str, Any]]:
    """Avoidable contacts per case type per week, with the reasons."""
    require(actor, "report.view")
    since, until = _period(since, until)
    rows = (
        AvoidableContact.objects.filter(occurred_at__gte=since, occurred_at__lt=until)
        .annotate(week=TruncWeek("occurred_at"))
        .values("week", case_type=F("case__case_type__name"), reason_code=F("reason"))
        .annotate(contacts=Count("id"))
        .order_by("week", "case_type", "reason_code")
    )
    return [
        {
            "week": row["week"].date() if hasattr(row["week"], "date") else row["week"],
            "case_type": row["case_type"],
            "reason": row["reason_code"],
            "contacts": row["contacts"],
        }
        for row in rows
    ]


def satisfaction(
    *,
    actor: Any,
    by: str = "agent",
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
) -> list[dict[str, Any]]:
    """Average CSAT and answers per agent or queue."""
    require(actor, "report.view")
    if by not in CSAT_GROUPS:
        raise Invalid.field("by", f"Group by one of: {', '.join(CSAT_GROUPS)}.")
    since, until = _period(since, until)
    rows = (
        SatisfactionSurvey.objects.filter(answered_at__gte=since, answered_at__lt=until)
        .values(group=F(CSAT_GROUPS[by]))
        .annotate(answers=Count("id"), average=Avg("score"))
        .order_by("group")
    )
    sent = dict(
        SatisfactionSurvey.objects.filter(sent_at__gte=since, sent_at__lt=until)
        .values_list(CSAT_GROUPS[by])
        .annotate(n=Count("id"))
    )
    return [
        {
            "group": row["group"] or "—",
            "answers": row["answers"],
            "average": round(row["average"], 2),
            "sent": sent.get(row["group"], row["answers"]),
        }
        for row in rows
    ]


def quality_by_agent(
    *, actor: Any, since: datetime.datetime | None = None, until: datetime.datetime | None = None
) -> list[dict[str, Any]]:
    """Average quality score per agent per month."""
    require(actor, "report.view")
    since, until = _period(since, until)
    rows = (
        QualityReview.objects.filter(reviewed_at__gte=since, reviewed_at__lt=until)
        .annotate(month=TruncMonth("reviewed_at"))
        .values("month", agent_name=F("agent__username"))
        .annotate(reviews=Count("id"), average=Avg("score_percent"))
        .order_by("agent_name", "month")
    )
    return [
        {
            "agent": row["agent_name"] or "—",
            "month": row["month"].date() if hasattr(row["month"], "date") else row["month"],
            "reviews": row["reviews"],
            "average": round(row["average"], 1),
        }
        for row in rows
    ]
