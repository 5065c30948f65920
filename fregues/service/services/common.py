"""Helpers shared by the customer-service services."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from fregues.core.errors import NotFound, VersionConflict
from fregues.core.events import event_emit

from ..models import Case, CaseEvent

CASE_REGARDING = "service.case"
CASE_AUDIT_FIELDS = (
    "party",
    "reporter",
    "channel",
    "case_type",
    "category",
    "priority",
    "queue",
    "assignee",
    "status",
    "subject",
    "description",
    "first_response_due",
    "resolution_due",
    "duplicate_of",
    "parent",
)


def now_or(now: datetime.datetime | None) -> datetime.datetime:
    return now or timezone.now()


def user_or_none(actor: Any) -> Any:
    return (
        actor if getattr(actor, "pk", None) and getattr(actor, "is_authenticated", False) else None
    )


def case_for_update(protocol: str) -> Case:
    """The case with this protocol (or numeric id), locked for the transaction, or 404."""
    qs = Case.objects.select_for_update().select_related("status", "case_type", "party")
    case = qs.filter(protocol=protocol).first()
    if case is None and str(protocol).isdigit():
        case = qs.filter(pk=int(protocol)).first()
    if case is None:
        raise NotFound(f"Case {protocol} does not exist.", details={"protocol": protocol})
    return case


def check_version(case: Case, version: int | None) -> None:
    if version is not None and version != case.version:
        raise VersionConflict(
            f"Case {case.protocol} was changed by someone else (version {case.version}, you "
            f"sent {version}). Reload it and try again.",
            details={"current_version": case.version},
        )


def bump(case: Case, fields: list[str]) -> None:
    case.version += 1
    case.save(update_fields=sorted({*fields, "version", "updated_at"}))


def add_event(
    case: Case,
    kind: str,
    *,
    actor: Any = None,
    actor_name: str = "",
    summary: str = "",
    data: dict[str, Any] | None = None,
    public: bool = False,
    at: datetime.datetime | None = None,
) -> CaseEvent:
    user = user_or_none(actor)
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        occurred_at=at or timezone.now(),
        actor=user,
        actor_name=actor_name or (user.get_username() if user else _actor_label(actor)),
        summary=summary[:300],
        data=data or {},
        is_public=public,
    )


def _actor_label(actor: Any) -> str:
    """Who a case event names when no staff user acted: the customer in the portal
    ("portal:<party id>"), else the system."""
    return actor[:150] if isinstance(actor, str) and actor.startswith("portal:") else "system"


def case_event(name: str, case: Case, **extra: Any) -> None:
    event_emit(
        name,
        {"case_id": case.pk, "protocol": case.protocol, "party_id": case.party_id, **extra},
    )
