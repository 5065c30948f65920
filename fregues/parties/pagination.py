"""Keyset pagination of party lists by (name, id)."""

from __future__ import annotations

import base64
import json
from typing import Any

from django.db.models import Q, QuerySet

from fregues.core.errors import Invalid


def encode(name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([name, pk]).encode()).decode().rstrip("=")


def page(qs: QuerySet[Any], cursor: str | None, limit: int) -> tuple[list[Any], str | None]:
    """One page of ``qs`` (ordered by name, id) after ``cursor``, and the next cursor.
    ``qs`` yields parties or ``values()`` dicts holding ``id`` and ``name``."""
    if cursor:
        try:
            name, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
            qs = qs.filter(Q(name__gt=name) | Q(name=name, pk__gt=int(pk)))
        except (ValueError, TypeError) as exc:
            raise Invalid.field(
                "cursor", "This cursor is not valid.", code="invalid_cursor"
            ) from exc
    rows = list(qs.order_by("name", "id")[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = (
            encode(last["name"], last["id"])
            if isinstance(last, dict)
            else encode(last.name, last.pk)
        )
    return rows[:limit], next_cursor
