"""Keyset pagination of party lists by (name, id)."""

from __future__ import annotations

import base64
import json

from django.db.models import Q, QuerySet

from fregues.core.errors import Invalid

from .models import Party


def encode(name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([name, pk]).encode()).decode().rstrip("=")


def page(qs: QuerySet[Party], cursor: str | None, limit: int) -> tuple[list[Party], str | None]:
    """One page of ``qs`` (ordered by name, id) after ``cursor``, and the next cursor."""
    if cursor:
        try:
            name, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
            qs = qs.filter(Q(name__gt=name) | Q(name=name, pk__gt=int(pk)))
        except (ValueError, TypeError) as exc:
            raise Invalid.field(
                "cursor", "This cursor is not valid.", code="invalid_cursor"
            ) from exc
    rows = list(qs.order_by("name", "id")[: limit + 1])
    next_cursor = encode(rows[limit - 1].name, rows[limit - 1].pk) if len(rows) > limit else None
    return rows[:limit], next_cursor
