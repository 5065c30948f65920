"""Choosing a case's SLA policy, computing its due dates, and the SLA sweep.

The sweep is idempotent: it records each warning, breach and escalation once, whenever and
however often it runs.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q

from fregues.core.audit import audit_record
from fregues.core.events import enqueue_on_commit

from ..clock import WorkingTime
from ..models import Case, CaseEvent, SlaPolicy
from .common import add_event, case_event, now_or


def sla_policy_for(case_type_id: int, priority: str, tier: str) -> SlaPolicy | None:
    """The active policy for a case of this type, priority and customer tier.

    The most specific matching policy wins (``SlaPolicy.specificity``: the case type first,
    then priority and tier alike); between equally specific ones, the strictest. So a gold
    customer gets the gold standard, or the priority's own when that is stricter — never a
    laxer target than any customer would get.
    """
    candidates = (
        SlaPolicy.objects.filter(is_active=True)
        .filter(Q(case_type_id=case_type_id) | Q(case_type__isnull=True))
        .filter(Q(priority=priority) | Q(priority=""))
        .filter(Q(customer_tier=tier) | Q(customer_tier=""))
        .select_related("calendar")
    )

    def rank(policy: SlaPolicy) -> tuple[int, int, int, int]:
        return (
            -policy.specificity,
            policy.resolution_minutes,
            policy.first_response_minutes,
            policy.pk,
        )

    ranked = sorted(candidates, key=rank)
    return ranked[0] if ranked else None


def working_time(policy: SlaPolicy) -> WorkingTime:
    return WorkingTime.for_calendar(policy.calendar)


def apply_targets(case: Case, start: datetime.datetime) -> None:
    """Set the policy and due dates of ``case`` from ``start`` (not saved). The business time
    already spent waiting on the customer (``sla_paused_minutes``) is not charged again when
    the targets are recomputed (a new priority)."""
    policy = sla_policy_for(case.case_type_id, case.priority, case.party.tier)
    case.sla_policy = policy
    if policy is None:
        case.first_response_due = case.resolution_due = None
        return
    clock = working_time(policy)
    waited = case.sla_paused_minutes
    case.first_response_due = (
        None
        if case.first_responded_at
        else clock.add(start, policy.first_response_minutes + waited)
    )
    case.resolution_due = clock.add(start, policy.resolution_minutes + waited)


def pause(case: Case, at: datetime.datetime) -> None:
    if case.sla_paused_at is None:
        case.sla_paused_at = at


def resume(case: Case, at: datetime.datetime) -> int:
    """Move the due dates later by the business time spent waiting on the customer (a due
    date already passed when the wait began stays: a breach is never forgiven), and add that
    time to ``sla_paused_minutes``. Returns the business minutes waited."""
    if case.sla_paused_at is None:
        return 0
    paused_minutes = 0
    if case.sla_policy_id:
        clock = working_time(case.sla_policy)  # type: ignore[arg-type]
        paused_minutes = clock.minutes_between(case.sla_paused_at, at)
        before = case.resolution_due
        for name in ("first_response_due", "resolution_due"):
            due = getattr(case, name)
            if due is not None:
                setattr(case, name, clock.shift_due(due, case.sla_paused_at, at))
        if before is not None and case.resolution_due != before:
            case.sla_paused_minutes += paused_minutes
    case.sla_paused_at = None
    return paused_minutes


def sla_state(case: Case, now: datetime.datetime) -> str:
    """ok, warning, breached or paused — for lists and boards."""
    if not case.is_open:
        return "met" if not case.resolution_breached_at else "breached"
    if case.sla_paused_at:
        return "paused"
    if case.resolution_breached_at or case.first_response_breached_at:
        return "breached"
    if case.resolution_due and now >= case.resolution_due:
        return "breached"
    if case.sla_warned_at:
        return "warning"
    return "ok"


def _notify(users: list[Any], subject: str, body: str) -> None:
    emails = [u.email for u in users if u.email]
    if emails:
        enqueue_on_commit("fregues.core.tasks.send_email", subject, body, emails)


def sla_sweep(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Record SLA warnings and breaches of open cases, and escalate breached ones:
    first to the customer's relationship manager, then to the quality managers."""
    now = now_or(now)
    counts = {"warnings": 0, "breaches": 0, "escalations": 0}
    open_cases = (
        Case.objects.filter(is_open=True, sla_paused_at__isnull=True, sla_policy__isnull=False)
        .select_related("sla_policy__calendar", "party__owner")
        .order_by("id")
    )
    User = get_user_model()
    for case_id in open_cases.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            case = (
                # only the case row: the customer's owner is an outer join, which
                # PostgreSQL refuses to lock
                Case.objects.select_for_update(of=("self",))
                .select_related("sla_policy__calendar", "party__owner", "case_type")
                .get(pk=case_id)
            )
            if not case.is_open or case.sla_paused_at or case.sla_policy is None:
                continue
            policy = case.sla_policy
            changed: list[str] = []
            if (
                case.first_responded_at is None
                and case.first_response_due
                and now >= case.first_response_due
                and case.first_response_breached_at is None
            ):
                case.first_response_breached_at = now
                changed.append("first_response_breached_at")
                add_event(
                    case,
                    CaseEvent.Kind.SLA_BREACH,
                    summary="first response target missed",
                    data={"target": "first_response"},
                    at=now,
                )
                counts["breaches"] += 1
            if case.resolution_due and case.resolution_breached_at is None:
                if now >= case.resolution_due:
                    case.resolution_breached_at = now
                    changed.append("resolution_breached_at")
                    add_event(
                        case,
                        CaseEvent.Kind.SLA_BREACH,
                        summary="resolution target missed",
                        data={"target": "resolution"},
                        at=now,
                    )
                    counts["breaches"] += 1
                elif case.sla_warned_at is None:
                    clock = working_time(policy)
                    left = clock.minutes_between(now, case.resolution_due)
                    if left <= policy.resolution_minutes * (100 - policy.warning_percent) / 100:
                        case.sla_warned_at = now
                        changed.append("sla_warned_at")
                        add_event(
                            case,
                            CaseEvent.Kind.SLA_WARNING,
                            summary=f"{left} business minutes left to resolve",
                            at=now,
                        )
                        counts["warnings"] += 1
            if case.resolution_breached_at:
                clock = working_time(policy)
                overdue = (
                    clock.minutes_between(case.resolution_due, now) if case.resolution_due else 0
                )
                level = 2 if overdue >= policy.resolution_minutes / 2 else 1
                if level > case.escalation_level:
                    for step in range(case.escalation_level + 1, level + 1):
                        if step == 1:
                            to = [case.party.owner] if case.party.owner else []
                            who = "relationship manager"
                        else:
                            to = list(User.objects.filter(role="quality_manager", is_active=True))
                            who = "quality manager"
                        add_event(
                            case,
                            CaseEvent.Kind.ESCALATED,
                            at=now,
                            summary=f"escalated to the {who}",
                            data={"level": step, "to": [u.pk for u in to]},
                        )
                        _notify(
                            to,
                            f"[Freguês] Case {case.protocol} escalated",
                            f"Case {case.protocol} ({case.subject}) is past its resolution target.",
                        )
                        counts["escalations"] += 1
                    case.escalation_level = level
                    changed.append("escalation_level")
            if changed:
                case.save(update_fields=[*changed, "updated_at"])
                audit_record(
                    actor=None,
                    action="update",
                    instance=case,
                    party_id=case.party_id,
                    summary=f"SLA: {', '.join(changed)}",
                    changes={name: [None, str(getattr(case, name))] for name in changed},
                )
                case_event("case.sla_changed", case, fields=changed)
    return counts
