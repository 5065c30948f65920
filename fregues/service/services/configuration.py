"""Admin configuration of customer service: queues and SLA policies (circuits, case types and
calendars are edited in the admin site, through the same models)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from fregues.accounts.models import Team
from fregues.core.audit import audit_record, diff, snapshot
from fregues.core.errors import Conflict, ErrorCollector, NotFound
from fregues.core.permissions import require

from ..models import BusinessCalendar, CasePriority, CaseType, Queue, SlaPolicy

SLA_FIELDS = (
    "name",
    "case_type",
    "priority",
    "customer_tier",
    "first_response_minutes",
    "resolution_minutes",
    "warning_percent",
    "calendar",
    "is_active",
)


def queue_create(
    *, actor: Any, code: str, name: str, team_id: int | None = None, strategy: str = "manual"
) -> Queue:
    require(actor, "service.configure")
    errors = ErrorCollector()
    code = slugify(code or name or "")
    if not code:
        errors.add("code", _("Give the queue a code."))
    if not (name or "").strip():
        errors.add("name", _("Give the queue a name."))
    if strategy not in Queue.Strategy.values:
        errors.add(
            "strategy", _("Strategy is one of: %(c)s.") % {"c": ", ".join(Queue.Strategy.values)}
        )
    if team_id and not Team.objects.filter(pk=team_id).exists():
        errors.add("team_id", _("Team %(id)s does not exist.") % {"id": team_id})
    errors.raise_if_any()
    if Queue.objects.filter(code=code).exists():
        raise Conflict(_("A queue with code '%(c)s' exists.") % {"c": code}, code="queue_exists")
    with transaction.atomic():
        queue = Queue.objects.create(
            code=code, name=name.strip(), team_id=team_id, strategy=strategy
        )
        audit_record(actor=actor, action="create", instance=queue, summary=f"queue {name}")
    return queue


def _clean_policy(data: dict[str, Any], errors: ErrorCollector) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "name" in data:
        if not (data["name"] or "").strip():
            errors.add("name", _("Give the policy a name."))
        out["name"] = (data["name"] or "").strip()
    if "case_type" in data:
        value = data["case_type"]
        kind = CaseType.objects.filter(code=value).first() if value else None
        if value and kind is None:
            errors.add("case_type", _("Unknown case type '%(v)s'.") % {"v": value})
        out["case_type"] = kind
    if "priority" in data:
        if data["priority"] and data["priority"] not in CasePriority.values:
            errors.add(
                "priority", _("Priority is one of: %(c)s.") % {"c": ", ".join(CasePriority.values)}
            )
        out["priority"] = data["priority"] or ""
    if "calendar_id" in data:
        calendar = BusinessCalendar.objects.filter(pk=data["calendar_id"]).first()
        if calendar is None:
            errors.add(
                "calendar_id", _("Calendar %(id)s does not exist.") % {"id": data["calendar_id"]}
            )
        out["calendar"] = calendar
    if "customer_tier" in data:
        out["customer_tier"] = (data["customer_tier"] or "").strip()
    for name in ("first_response_minutes", "resolution_minutes", "warning_percent", "is_active"):
        if name in data:
            out[name] = data[name]
    first, resolve = out.get("first_response_minutes"), out.get("resolution_minutes")
    if first and resolve and first > resolve:
        errors.add(
            "first_response_minutes", _("The first response cannot come after the resolution.")
        )
    return out


def sla_policy_create(*, actor: Any, data: dict[str, Any]) -> SlaPolicy:
    """A measurable target: first response and resolution in business minutes of a calendar."""
    require(actor, "service.configure")
    errors = ErrorCollector()
    fields = _clean_policy(data, errors)
    errors.raise_if_any()
    with transaction.atomic():
        policy = SlaPolicy.objects.create(**fields)
        audit_record(
            actor=actor,
            action="create",
            instance=policy,
            summary=policy.name,
            changes=snapshot(policy, SLA_FIELDS),
        )
    return policy


def sla_policy_update(*, actor: Any, policy_id: int, data: dict[str, Any]) -> SlaPolicy:
    require(actor, "service.configure")
    errors = ErrorCollector()
    with transaction.atomic():
        policy = SlaPolicy.objects.select_for_update().filter(pk=policy_id).first()
        if policy is None:
            raise NotFound(f"SLA policy {policy_id} does not exist.")
        fields = _clean_policy(data, errors)
        errors.raise_if_any()
        before = snapshot(policy, SLA_FIELDS)
        for name, value in fields.items():
            setattr(policy, name, value)
        if policy.first_response_minutes > policy.resolution_minutes:
            errors.add(
                "first_response_minutes", _("The first response cannot come after the resolution.")
            )
            errors.raise_if_any()
        policy.save()
        audit_record(
            actor=actor,
            action="update",
            instance=policy,
            summary=policy.name,
            changes=diff(before, snapshot(policy, SLA_FIELDS)),
        )
    return policy


def queue_update(
    *,
    actor: Any,
    queue_id: int,
    name: str | None = None,
    team_id: int | None = None,
    strategy: str | None = None,
) -> Queue:
    """Rename a queue, give it a team, or change how its cases are handed out."""
    require(actor, "service.configure")
    errors = ErrorCollector()
    with transaction.atomic():
        queue = Queue.objects.select_for_update().filter(pk=queue_id).first()
        if queue is None:
            raise NotFound(f"Queue {queue_id} does not exist.")
        before = {"name": queue.name, "team": queue.team_id, "strategy": queue.strategy}
        if name is not None:
            if not name.strip():
                errors.add("name", _("Give the queue a name."))
            queue.name = name.strip()
        if team_id is not None:
            if not Team.objects.filter(pk=team_id).exists():
                errors.add("team_id", _("Team %(id)s does not exist.") % {"id": team_id})
            queue.team_id = team_id
        if strategy is not None:
            if strategy not in Queue.Strategy.values:
                errors.add(
                    "strategy",
                    _("Strategy is one of: %(c)s.") % {"c": ", ".join(Queue.Strategy.values)},
                )
            queue.strategy = strategy
        errors.raise_if_any()
        queue.save()
        after = {"name": queue.name, "team": queue.team_id, "strategy": queue.strategy}
        audit_record(
            actor=actor,
            action="update",
            instance=queue,
            summary=f"queue {queue.name}",
            changes=diff(before, after),
        )
    return queue
