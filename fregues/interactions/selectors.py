"""Reads on interactions: a party's timeline and the interaction list, by cursor."""

from __future__ import annotations

import base64
import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime

from fregues.core.errors import Invalid, NotFound
from fregues.core.permissions import can, require
from fregues.parties.models import Party

from .models import Interaction


@dataclass
class Page:
    items: list[Interaction]
    next_cursor: str | None
    show_body: bool


def encode_cursor(item: Interaction) -> str:
    raw = f"{item.occurred_at.isoformat()}|{item.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime.datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at, pk = base64.urlsafe_b64decode(padded.encode()).decode().split("|")
        moment = parse_datetime(at)
        if moment is None:
            raise ValueError(at)
        return moment, int(pk)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Invalid.field("cursor", "This cursor is not valid.", code="invalid_cursor") from exc


def _page(qs: QuerySet[Interaction], cursor: str | None, limit: int, show_body: bool) -> Page:
    if cursor:
        at, pk = decode_cursor(cursor)
        qs = qs.filter(Q(occurred_at__lt=at) | Q(occurred_at=at, pk__lt=pk))
    qs = qs.select_related("agent").order_by("-occurred_at", "-id")
    if not show_body:
        qs = qs.defer("body")
    rows = list(qs[: limit + 1])
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return Page(items=rows[:limit], next_cursor=next_cursor, show_body=show_body)


def party_timeline(
    *,
    actor: Any,
    party_id: int,
    channel: str | list[str] | None = None,
    direction: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """A party's interactions, newest first, ``limit`` at a time (keyset pagination)."""
    require(actor, "interaction.view")
    if not Party.objects.filter(pk=party_id, merged_into__isnull=True).exists():
        raise NotFound(f"Party {party_id} does not exist.", details={"id": party_id})
    qs = Interaction.objects.filter(party_id=party_id)
    if channel:
        channels = [channel] if isinstance(channel, str) else list(channel)
        qs = qs.filter(channel__in=channels)
    if direction:
        qs = qs.filter(direction=direction)
    qs = qs.prefetch_related("attachments")
    return _page(qs, cursor, limit, can(actor, "interaction.view_body"))


def interaction_list(
    *,
    actor: Any,
    party_id: int | None = None,
    channel: str | None = None,
    direction: str | None = None,
    agent_id: int | None = None,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """All interactions with filters, newest first."""
    require(actor, "interaction.view")
    qs = Interaction.objects.all()
    if party_id:
        qs = qs.filter(party_id=party_id)
    if channel:
        qs = qs.filter(channel=channel)
    if direction:
        qs = qs.filter(direction=direction)
    if agent_id:
        qs = qs.filter(agent_id=agent_id)
    if since:
        qs = qs.filter(occurred_at__gte=since)
    if until:
        qs = qs.filter(occurred_at__lt=until)
    qs = qs.select_related("party").prefetch_related("attachments")
    return _page(qs, cursor, limit, can(actor, "interaction.view_body"))


def interaction_get(*, actor: Any, interaction_id: int) -> tuple[Interaction, bool]:
    require(actor, "interaction.view")
    item = (
        Interaction.objects.select_related("party", "agent")
        .prefetch_related("attachments")
        .filter(pk=interaction_id)
        .first()
    )
    if item is None:
        raise NotFound(f"Interaction {interaction_id} does not exist.")
    return item, can(actor, "interaction.view_body")
