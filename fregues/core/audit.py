"""Writing audit entries: snapshots of a record's fields and the difference between two."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from django.db import models

from .models import AuditEntry


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


def snapshot(instance: models.Model, fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """The values of ``fields`` on ``instance`` as JSON-ready data (foreign keys as ids)."""
    data: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        attname = getattr(field, "attname", name)
        data[name] = _plain(getattr(instance, attname))
    return data


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for every field whose value changed."""
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def actor_fields(actor: Any) -> tuple[int | None, str]:
    """Who an audit entry names: the user's id and username, or None and "system" (tasks,
    importers run from the CLI) — for entries written in bulk as well as one by one."""
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    if is_user:
        return actor.pk, actor.get_username()[:150]
    return None, str(actor or "system")[:150]


def audit_record(
    *,
    actor: Any,
    action: str,
    instance: models.Model | None = None,
    entity_type: str | None = None,
    entity_id: int | None = None,
    party_id: int | None = None,
    summary: str = "",
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write one audit entry. Call it inside the service's transaction."""
    limit = AuditEntry._meta.get_field("action").max_length or 0
    if len(action) > limit:  # SQLite would store it; PostgreSQL would refuse the whole write
        raise ValueError(f"audit action {action!r} is longer than {limit} characters")
    if instance is not None:
        entity_type = entity_type or instance._meta.label_lower
        entity_id = entity_id if entity_id is not None else instance.pk
    actor_id, actor_name = actor_fields(actor)
    return AuditEntry.objects.create(
        actor_id=actor_id,
        actor_name=actor_name,
        action=action,
        entity_type=entity_type or "",
        entity_id=entity_id or 0,
        party_id=party_id,
        summary=summary[:300],
        changes=changes or {},
    )
