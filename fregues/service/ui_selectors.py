"""Reads that only the customer-service screens need (the shared reads live in selectors/).

Each function checks the actor's permission like the selectors do and fetches what a screen
shows in a fixed number of queries, whatever the number of rows.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language

from fregues.accounts.models import User
from fregues.core.permissions import (
    ADMIN,
    AGENT,
    QUALITY_MANAGER,
    RELATIONSHIP_MANAGER,
    require,
)
from fregues.interactions.models import Interaction
from fregues.parties.models import Party

from .models import (
    AvoidableContact,
    BusinessCalendar,
    Case,
    CaseType,
    Circuit,
    CircuitStatus,
    QualityChecklist,
    QualityReview,
    Queue,
    SatisfactionSurvey,
    ServicePartner,
    SlaPolicy,
    StatusCategory,
    WorkOrder,
)
from .services.common import CASE_REGARDING

# Who may be handed a case (the roles holding "case.assign" work cases themselves).
CASE_WORKER_ROLES = (AGENT, RELATIONSHIP_MANAGER, QUALITY_MANAGER, ADMIN)


def _cases() -> QuerySet[Case]:
    return Case.objects.select_related(
        "party", "reporter", "status", "case_type", "queue", "assignee", "sla_policy"
    )


# ---------------------------------------------------------------- choices for the forms


def case_types() -> list[CaseType]:
    """Every case type with its circuit (for the new-case form and the filters)."""
    return list(CaseType.objects.select_related("circuit").order_by("name"))


def queues(*, actor: Any) -> list[Queue]:
    """Queues with the number of open cases and of unassigned open cases in each, and whether
    the actor serves it (``is_mine``: a member of its team)."""
    require(actor, "case.view")
    rows: list[Queue] = list(
        Queue.objects.select_related("team").annotate(
            open_count=Count("cases", filter=Q(cases__is_open=True)),
            unassigned_count=Count(
                "cases", filter=Q(cases__is_open=True, cases__assignee__isnull=True)
            ),
        )
    )
    teams = set(actor.teams.values_list("pk", flat=True)) if getattr(actor, "pk", None) else set()
    for queue in rows:
        queue.is_mine = queue.team_id in teams  # type: ignore[attr-defined]
    return rows


def agents(*, actor: Any) -> list[User]:
    """Active users a case may be given to."""
    require(actor, "case.view")
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(role__in=CASE_WORKER_ROLES) | Q(is_superuser=True))
        .order_by("first_name", "last_name", "username")
    )


def reporters(party: Party) -> list[Party]:
    """Who may report on the customer's behalf: the people of an organisation, or the
    organisations a person belongs to (from the party as ``party_get`` prefetched it)."""
    if party.is_person:
        return [a.organization for a in party.affiliations.all()]
    return [a.person for a in party.members.all()]


def partners() -> list[ServicePartner]:
    return list(ServicePartner.objects.filter(is_active=True).select_related("party"))


def status_choices() -> list[tuple[str, str]]:
    """The status codes of every circuit, each once, named in the reader's language."""
    language = get_language()
    seen: dict[str, str] = {}
    for status in CircuitStatus.objects.order_by("circuit__name", "position"):
        seen.setdefault(status.code, status.label(language))
    return list(seen.items())


def status_names(circuit_id: int, language: str | None) -> dict[str, str]:
    """Status code → name in the reader's language, for one circuit (the case timeline)."""
    return {s.code: s.label(language) for s in CircuitStatus.objects.filter(circuit_id=circuit_id)}


def party_brief(*, actor: Any, party_id: int | None) -> Party | None:
    """The party a list is filtered by (its name, for the heading)."""
    if not party_id:
        return None
    require(actor, "party.view")
    return Party.objects.filter(pk=party_id).only("pk", "name", "kind").first()


def case_id_for(protocol: str) -> int | None:
    """The id of the case with this protocol (to link related cases), or None."""
    protocol = (protocol or "").strip()
    if not protocol:
        return None
    return Case.objects.filter(protocol=protocol).values_list("pk", flat=True).first()


# ---------------------------------------------------------------- the case page


@dataclass
class CasePageExtras:
    work_orders: list[WorkOrder]
    related: list[tuple[str, Case]]
    survey: SatisfactionSurvey | None
    reviews: list[QualityReview]
    unlinked_contacts: list[Interaction]
    avoidable: int


def case_page_extras(*, actor: Any, case: Case) -> CasePageExtras:
    """What the case page shows besides the case and its timeline."""
    require(actor, "case.view")
    work_orders = list(
        WorkOrder.objects.filter(case=case).select_related("partner__party").order_by("-sent_at")
    )
    related: list[tuple[str, Case]] = []
    linked = [pk for pk in (case.duplicate_of_id, case.parent_id) if pk]
    others = list(
        Case.objects.filter(Q(pk__in=linked) | Q(duplicate_of=case) | Q(parent=case))
        .select_related("status")
        .order_by("-created_at")
    )
    for other in others:
        if other.pk == case.duplicate_of_id:
            related.append(("duplicate_of", other))
        elif other.pk == case.parent_id:
            related.append(("parent", other))
        elif other.duplicate_of_id == case.pk:
            related.append(("duplicate", other))
        else:
            related.append(("child", other))
    survey = SatisfactionSurvey.objects.filter(case=case).first()
    reviews = list(
        QualityReview.objects.filter(case=case).select_related("reviewer").order_by("-reviewed_at")
    )
    since = timezone.now() - datetime.timedelta(days=30)
    people = [pk for pk in (case.party_id, case.reporter_id) if pk]
    unlinked = list(
        Interaction.objects.filter(
            party_id__in=people, direction="in", occurred_at__gte=since, regarding_type=""
        ).order_by("-occurred_at", "-id")[:5]
    )
    avoidable = AvoidableContact.objects.filter(case=case).count()
    return CasePageExtras(work_orders, related, survey, reviews, unlinked, avoidable)


# ---------------------------------------------------------------- panels


def contact_counts(case_ids: list[int]) -> dict[int, int]:
    """How many contacts are attached to each of these cases (one query)."""
    if not case_ids:
        return {}
    return dict(
        Interaction.objects.filter(regarding_type=CASE_REGARDING, regarding_id__in=case_ids)
        .values_list("regarding_id")
        .annotate(n=Count("id"))
    )


def closed_case_count(*, actor: Any, party_id: int) -> int:
    require(actor, "case.view")
    return Case.objects.filter(party_id=party_id, is_open=False).count()


@dataclass
class WorkSummary:
    open: int = 0
    breached: int = 0
    waiting: int = 0
    unassigned_in_my_queues: int = 0
    next_cases: list[Case] = field(default_factory=list)


def my_work_summary(*, actor: Any, limit: int = 5) -> WorkSummary:
    """The home page's "my work" card: counts of the actor's open cases and the next due."""
    require(actor, "case.view")
    now = timezone.now()
    mine = Case.objects.filter(assignee=actor, is_open=True)
    breached = (
        Q(resolution_breached_at__isnull=False)
        | Q(first_response_breached_at__isnull=False)
        | Q(sla_paused_at__isnull=True, resolution_due__lt=now)
    )
    counts = mine.aggregate(
        open=Count("id"),
        breached=Count("id", filter=breached),
        waiting=Count(
            "id",
            filter=Q(sla_paused_at__isnull=False)
            | Q(status__category=StatusCategory.WAITING_CUSTOMER),
        ),
    )
    unassigned = Case.objects.filter(
        is_open=True, assignee__isnull=True, queue__team__members=actor
    ).count()
    summary = WorkSummary(
        open=counts["open"] or 0,
        breached=counts["breached"] or 0,
        waiting=counts["waiting"] or 0,
        unassigned_in_my_queues=unassigned,
    )
    if summary.open:
        from .selectors.cases import my_work

        summary.next_cases = my_work(actor=actor, limit=limit)
    return summary


# ---------------------------------------------------------------- quality manager


def sla_attention(*, actor: Any, limit: int = 50) -> list[Case]:
    """Open cases past a target or warned, the most overdue first (the SLA board's list)."""
    require(actor, "report.view")
    now = timezone.now()
    return list(
        _cases()
        .filter(is_open=True, sla_paused_at__isnull=True)
        .filter(
            Q(resolution_breached_at__isnull=False)
            | Q(first_response_breached_at__isnull=False)
            | Q(resolution_due__lt=now)
            | Q(sla_warned_at__isnull=False)
        )
        .order_by("resolution_due", "pk")[:limit]
    )


def compliance_totals(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """All groups of an SLA compliance report together (the board's headline figures)."""
    cases = sum(r["cases"] for r in rows)
    if not cases:
        return None
    resolution = sum(r["resolution_breached"] for r in rows)
    response = sum(r["first_response_breached"] for r in rows)
    return {
        "cases": cases,
        "resolved": sum(r["resolved"] for r in rows),
        "resolution_breached": resolution,
        "first_response_breached": response,
        "resolution_compliance": round(100 * (cases - resolution) / cases, 1),
        "first_response_compliance": round(100 * (cases - response) / cases, 1),
    }


@dataclass
class AvoidablePivot:
    case_types: list[str]
    reasons: list[tuple[str, str]]
    weeks: list[dict[str, Any]]
    total: int
    by_reason: dict[str, int]


def avoidable_pivot(rows: list[dict[str, Any]]) -> AvoidablePivot:
    """The weekly avoidable-contact rows as a table: a line per week (newest first), a column
    per case type, and the reasons of each cell."""
    labels = dict(AvoidableContact.Reason.choices)
    case_types = sorted({r["case_type"] or "—" for r in rows})
    weeks: dict[Any, dict[str, Any]] = {}
    by_reason: dict[str, int] = {}
    for row in rows:
        kind = row["case_type"] or "—"
        week = weeks.setdefault(row["week"], {"week": row["week"], "cells": {}, "total": 0})
        cell = week["cells"].setdefault(kind, {"total": 0, "reasons": []})
        cell["total"] += row["contacts"]
        cell["reasons"].append((labels.get(row["reason"], row["reason"]), row["contacts"]))
        week["total"] += row["contacts"]
        by_reason[row["reason"]] = by_reason.get(row["reason"], 0) + row["contacts"]
    ordered = sorted(weeks.values(), key=lambda w: w["week"], reverse=True)
    for week in ordered:
        week["row"] = [week["cells"].get(kind) for kind in case_types]
    return AvoidablePivot(
        case_types=case_types,
        reasons=[(code, str(label)) for code, label in AvoidableContact.Reason.choices],
        weeks=ordered,
        total=sum(by_reason.values()),
        by_reason=by_reason,
    )


def recent_survey_comments(*, actor: Any, limit: int = 15) -> list[SatisfactionSurvey]:
    """The latest satisfaction answers that carry a comment."""
    require(actor, "report.view")
    return list(
        SatisfactionSurvey.objects.filter(answered_at__isnull=False)
        .exclude(comment="")
        .select_related("case__assignee", "case__queue")
        .order_by("-answered_at")[:limit]
    )


def checklists() -> list[QualityChecklist]:
    return list(QualityChecklist.objects.filter(is_active=True).order_by("name"))


def checklist_get(checklist_id: int | None) -> QualityChecklist | None:
    qs = QualityChecklist.objects.filter(is_active=True)
    if checklist_id:
        return qs.filter(pk=checklist_id).first()
    return qs.order_by("name").first()


@dataclass
class ReviewSample:
    cases: list[Case]
    interactions: list[Interaction]


def review_sample_items(*, actor: Any, sample: dict[str, list[int]]) -> ReviewSample:
    """The sampled cases and contacts to show (ids from ``quality_sample``)."""
    require(actor, "quality.review")
    cases = list(
        Case.objects.filter(pk__in=sample.get("cases", []))
        .select_related("party", "assignee", "status", "case_type")
        .order_by("-closed_at")
    )
    interactions = list(
        Interaction.objects.filter(pk__in=sample.get("interactions", []))
        .select_related("party", "agent")
        .order_by("-occurred_at")
    )
    return ReviewSample(cases, interactions)


def review_target(
    *, actor: Any, case_id: int | None, interaction_id: int | None
) -> Case | Interaction | None:
    """The case or contact a review form is about."""
    require(actor, "quality.review")
    if case_id:
        return (
            Case.objects.select_related("party", "assignee", "status", "case_type")
            .filter(pk=case_id)
            .first()
        )
    if interaction_id:
        return (
            Interaction.objects.select_related("party", "agent").filter(pk=interaction_id).first()
        )
    return None


def recent_reviews(*, actor: Any, limit: int = 20) -> list[QualityReview]:
    require(actor, "report.view")
    return list(
        QualityReview.objects.select_related("agent", "reviewer", "case", "checklist").order_by(
            "-reviewed_at"
        )[:limit]
    )


# ---------------------------------------------------------------- configuration


@dataclass
class ServiceConfiguration:
    circuits: list[Circuit]
    case_types: list[CaseType]
    queues: list[Queue]
    policies: list[SlaPolicy]
    calendars: list[BusinessCalendar]
    partners: list[ServicePartner]
    checklists: list[QualityChecklist]


def service_configuration(*, actor: Any) -> ServiceConfiguration:
    """Everything an administrator configures for customer service, to review at a glance."""
    require(actor, "service.configure")
    return ServiceConfiguration(
        circuits=list(
            Circuit.objects.prefetch_related("statuses", "transitions__from_status")
            .prefetch_related("transitions__to_status")
            .order_by("name")
        ),
        case_types=list(
            CaseType.objects.select_related("circuit", "default_queue").order_by("name")
        ),
        queues=queues(actor=actor),
        policies=list(
            SlaPolicy.objects.select_related("case_type", "calendar").order_by(
                "case_type__name", "priority", "name"
            )
        ),
        calendars=list(
            BusinessCalendar.objects.annotate(holiday_count=Count("holidays")).order_by("name")
        ),
        partners=list(ServicePartner.objects.select_related("party").order_by("party__name")),
        checklists=list(QualityChecklist.objects.order_by("name")),
    )
