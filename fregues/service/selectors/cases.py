"""Reads on cases: one case, lists with filters, the agent's work, a case's timeline, the
open cases of a customer (for every department's view), the public tracking view."""

from __future__ import annotations

import base64
import datetime
import json
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from fregues.core.errors import Invalid, NotFound
from fregues.core.permissions import QUEUES, can, record_scope, require
from fregues.interactions.models import Interaction

from ..models import Case, CaseEvent, CircuitStatus, CircuitTransition
from ..services.common import CASE_REGARDING
from ..services.sla import sla_state


def _cases() -> QuerySet[Case]:
    return Case.objects.select_related(
        "party", "reporter", "status", "case_type", "queue", "assignee", "sla_policy"
    )


def queue_filter(actor: Any) -> Q | None:
    """The cases an agent sees under the scoped record rule (decision 0011): those in the
    queues of their teams and those assigned to them. None: all."""
    if record_scope(actor) != QUEUES:
        return None
    from fregues.accounts.models import Team

    teams = Team.objects.filter(members=actor).values("pk")
    return Q(assignee_id=actor.pk) | Q(queue__team_id__in=teams)


def _visible_cases(actor: Any) -> QuerySet[Case]:
    scope = queue_filter(actor)
    return _cases() if scope is None else _cases().filter(scope)


def case_get(*, actor: Any, protocol: str) -> Case:
    """One case; a case outside the agent's queues (scoped record rule) does not exist for
    them."""
    require(actor, "case.view")
    case = _visible_cases(actor).filter(protocol=protocol).first()
    if case is None and str(protocol).isdigit():
        case = _visible_cases(actor).filter(pk=int(protocol)).first()
    if case is None:
        raise NotFound(f"Case {protocol} does not exist.", details={"protocol": protocol})
    return case


def case_transitions(case: Case) -> list[CircuitTransition]:
    return list(
        CircuitTransition.objects.filter(from_status=case.status_id)
        .select_related("to_status")
        .order_by("to_status__position")
    )


@dataclass
class CaseFilters:
    party_id: int | None = None
    status: str | None = None
    case_type: str | None = None
    queue_id: int | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    is_open: bool | None = None
    priority: str | None = None
    q: str = ""


def case_list(
    *, actor: Any, filters: CaseFilters, cursor: str | None = None, limit: int = 50
) -> tuple[list[Case], str | None]:
    """Cases newest first with filters; keyset pagination by (created_at, id)."""
    require(actor, "case.view")
    qs = _visible_cases(actor)
    f = filters
    if f.party_id:
        qs = qs.filter(party_id=f.party_id)
    if f.status:
        qs = qs.filter(status__code=f.status)
    if f.case_type:
        qs = qs.filter(case_type__code=f.case_type)
    if f.queue_id:
        qs = qs.filter(queue_id=f.queue_id)
    if f.assignee_id:
        qs = qs.filter(assignee_id=f.assignee_id)
    if f.unassigned:
        qs = qs.filter(assignee__isnull=True)
    if f.is_open is not None:
        qs = qs.filter(is_open=f.is_open)
    if f.priority:
        qs = qs.filter(priority=f.priority)
    if f.q:
        term = f.q.strip()
        qs = qs.filter(Q(protocol__icontains=term) | Q(subject__icontains=term))
    if cursor:
        try:
            at, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
            moment = datetime.datetime.fromisoformat(at)
            pk = int(pk)
            if timezone.is_naive(moment):
                raise ValueError("a cursor's time carries its offset")
        except (ValueError, TypeError) as exc:
            raise Invalid.field(
                "cursor", "This cursor is not valid.", code="invalid_cursor"
            ) from exc
        qs = qs.filter(Q(created_at__lt=moment) | Q(created_at=moment, pk__lt=pk))
    rows = list(qs.order_by("-created_at", "-id")[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        raw = json.dumps([last.created_at.isoformat(), last.pk]).encode()
        next_cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return rows[:limit], next_cursor


def my_work(*, actor: Any, limit: int = 100) -> list[Case]:
    """The agent's open cases, the most urgent SLA first (paused ones last)."""
    require(actor, "case.view")
    paused = ExpressionWrapper(Q(sla_paused_at__isnull=False), output_field=BooleanField())
    return list(
        _cases()
        .filter(assignee=actor, is_open=True)
        .order_by(paused.asc(), F("resolution_due").asc(nulls_last=True), "pk")[:limit]
    )


def open_cases_for_party(*, actor: Any, party_id: int) -> list[Case]:
    """What every department must see on the customer's page and visit briefing."""
    require(actor, "case.view")
    return list(_cases().filter(party_id=party_id, is_open=True).order_by("-created_at"))


def case_headline(case: Case, now: datetime.datetime | None = None) -> str:
    """ "2026-000123 — Enviado ao parceiro há 3 dias": the sentence the salesperson reads, in
    the reader's language (the status's English name when English is active)."""
    now = now or timezone.now()
    days = (now - case.status_changed_at).days
    when = (
        _("today")
        if days == 0
        else (_("1 day ago") if days == 1 else _("%(n)s days ago") % {"n": days})
    )
    return _("%(protocol)s — %(status)s %(when)s") % {
        "protocol": case.protocol,
        "status": case.status.label(get_language()),
        "when": when,
    }


@dataclass
class TimelineItem:
    kind: str  # "event" or "interaction"
    occurred_at: datetime.datetime
    summary: str
    actor: str
    data: dict[str, Any]
    is_public: bool


def case_timeline(*, actor: Any, protocol: str) -> list[TimelineItem]:
    """Everything about a case in time order: its events and every contact regarding it."""
    case = case_get(actor=actor, protocol=protocol)
    show_body = can(actor, "interaction.view_body")
    items = [
        TimelineItem(
            kind=f"event:{e.kind}",
            occurred_at=e.occurred_at,
            summary=e.summary,
            actor=e.actor_name,
            data=e.data,
            is_public=e.is_public,
        )
        for e in CaseEvent.objects.filter(case=case).order_by("occurred_at", "id")
    ]
    for i in (
        Interaction.objects.filter(regarding_type=CASE_REGARDING, regarding_id=case.pk)
        .select_related("agent")
        .order_by("occurred_at", "id")
    ):
        items.append(
            TimelineItem(
                kind="interaction",
                occurred_at=i.occurred_at,
                summary=i.subject,
                actor=i.agent.get_username() if i.agent else "",
                data={
                    "id": i.pk,
                    "channel": i.channel,
                    "direction": i.direction,
                    "body": i.body if show_body else None,
                    "network": i.network,
                },
                is_public=False,
            )
        )
    items.sort(key=lambda item: item.occurred_at)
    return items


def case_public_view(case: Case, language: str | None = None) -> dict[str, Any]:
    """What the tracking page shows: the status history and nothing personal beyond the
    customer's first name."""
    statuses = {s.code: s for s in CircuitStatus.objects.filter(circuit=case.case_type.circuit_id)}
    history = []
    for event in case.events.filter(is_public=True).order_by("occurred_at", "id"):
        entry: dict[str, Any] = {"at": event.occurred_at, "kind": event.kind}
        code = event.data.get("to") or event.data.get("status")
        if code and code in statuses:
            entry["status"] = statuses[code].label(language)
            entry["description"] = statuses[code].public_text(language)
        elif event.kind == CaseEvent.Kind.PARTNER_DISPATCH:
            entry["status"] = _("Sent to a partner technician")
        elif event.kind == CaseEvent.Kind.PARTNER_UPDATE:
            entry["status"] = _("Partner technician update")
        history.append(entry)
    return {
        "protocol": case.protocol,
        "first_name": case.party.first_name,
        "case_type": case.case_type.name_en
        if (language or "").startswith("en") and case.case_type.name_en
        else case.case_type.name,
        "status": case.status.label(language),
        "status_description": case.status.public_text(language),
        "is_open": case.is_open,
        "opened_at": case.created_at,
        "history": history,
    }


def case_sla_state(case: Case) -> str:
    return sla_state(case, timezone.now())
