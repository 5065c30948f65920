"""A party's timeline as the API's ``GET /parties/{id}/timeline`` answers it, in plain SQL.

With the customer record (``parties/record.py``) this is the customer page every integration
calls. The ORM version spends most of its time compiling its queries and building model
instances; here three small indexed queries (the party, one page of contacts with their agents,
their attachments) give plain values in the shape of ``InteractionOut``, with the same keyset
cursor as ``selectors.party_timeline`` (which the screens keep using).
"""

from __future__ import annotations

import base64
import datetime
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from fregues.core.bulk import any_of
from fregues.core.errors import NotFound
from fregues.core.permissions import can, require

from .selectors import decode_cursor

_COLUMNS = (
    "i.id, i.party_id, i.channel, i.network, i.direction, i.occurred_at, i.agent_id, "
    "u.username, u.first_name, u.last_name, i.subject, {body}, i.outcome, i.duration_seconds, "
    "i.channel_address, i.external_id, i.regarding_type, i.regarding_id"
)


def _aware(value: Any) -> datetime.datetime:
    moment = value if isinstance(value, datetime.datetime) else parse_datetime(value)
    assert moment is not None
    if timezone.is_naive(moment):  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment


def _cursor(moment: datetime.datetime, pk: int) -> str:
    """The same cursor ``selectors.encode_cursor`` writes for this contact."""
    raw = f"{moment.astimezone(datetime.UTC).isoformat()}|{pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def party_timeline_records(
    *,
    actor: Any,
    party_id: int,
    channel: list[str] | None = None,
    direction: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of the party's contacts, newest first, and the cursor of the next page."""
    require(actor, "interaction.view")
    show_body = can(actor, "interaction.view_body")
    where = ["i.party_id = %s"]
    params: list[Any] = [party_id]
    if channel:
        sql, values = any_of("i.channel", channel)
        where.append(sql)
        params += values
    if direction:
        where.append("i.direction = %s")
        params.append(direction)
    if cursor:
        at, pk = decode_cursor(cursor)
        moment = connection.ops.adapt_datetimefield_value(at)
        where.append("(i.occurred_at < %s OR (i.occurred_at = %s AND i.id < %s))")
        params += [moment, moment, pk]
    columns = _COLUMNS.format(body="i.body" if show_body else "NULL")
    sql = (
        f"SELECT {columns} FROM interactions_interaction i "
        "LEFT JOIN accounts_user u ON u.id = i.agent_id "
        f"WHERE {' AND '.join(where)} ORDER BY i.occurred_at DESC, i.id DESC LIMIT %s"
    )
    with connection.cursor() as db:
        db.execute("SELECT merged_into_id FROM parties_party WHERE id = %s", [party_id])
        party = db.fetchone()
        if party is None or party[0]:
            raise NotFound(f"Party {party_id} does not exist.", details={"id": party_id})
        db.execute(sql, [*params, limit + 1])
        rows = db.fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        files: dict[int, list[dict[str, Any]]] = {}
        if rows:
            ids_sql, ids = any_of("interaction_id", [r[0] for r in rows])
            db.execute(
                "SELECT id, interaction_id, filename, content_type, size "
                f"FROM interactions_attachment WHERE {ids_sql} ORDER BY id",
                ids,
            )
            for pk, owner, filename, content_type, size in db.fetchall():
                files.setdefault(owner, []).append(
                    {
                        "id": pk,
                        "filename": filename,
                        "content_type": content_type,
                        "size": size,
                        "url": f"/interactions/attachments/{pk}",
                    }
                )
    items = []
    for row in rows:
        agent = None
        if row[6] is not None:
            full = f"{row[8]} {row[9]}".strip()
            agent = {"id": row[6], "username": row[7], "name": full or row[7]}
        items.append(
            {
                "id": row[0],
                "party_id": row[1],
                "party_name": None,
                "channel": row[2],
                "network": row[3],
                "direction": row[4],
                "occurred_at": _aware(row[5]),
                "agent": agent,
                "subject": row[10],
                "body": row[11] if show_body else None,
                "outcome": row[12],
                "duration_seconds": row[13],
                "channel_address": row[14],
                "external_id": row[15],
                "regarding_type": row[16],
                "regarding_id": row[17],
                "attachments": files.get(row[0], []),
                "created": None,
                "party_created": None,
            }
        )
    next_cursor = _cursor(items[-1]["occurred_at"], items[-1]["id"]) if more else None
    return items, next_cursor
