"""HTTP API for interactions, and each party's timeline."""

from __future__ import annotations

import base64
import binascii

from django.http import HttpRequest, HttpResponse
from ninja import File, Query, Router, Status, UploadedFile

from fregues.core.api_utils import actor_of, known_good
from fregues.core.errors import ErrorCollector
from fregues.core.schemas import ERROR_RESPONSES, Id, Moment

from . import selectors, services
from .schemas import InteractionIn, InteractionOut, InteractionPage
from .timeline import party_timeline_records

router = Router(tags=["interactions"])
timeline_router = Router(tags=["parties"])


@router.post("", response={200: InteractionOut, 201: InteractionOut, **ERROR_RESPONSES})
def record_interaction(request: HttpRequest, payload: InteractionIn) -> Status[InteractionOut]:
    """Record a contact, by ``party_id`` or by the channel ``address`` (identity resolution).

    201 when stored; 200 with the stored one when the same ``channel`` + ``external_id`` was
    already delivered (nothing new is written)."""
    errors = ErrorCollector()
    files = []
    for i, item in enumerate(payload.attachments):
        try:
            content = base64.b64decode(item.content_base64, validate=True)
        except (binascii.Error, ValueError):
            errors.add(f"attachments.{i}.content_base64", "Not valid base64.")
            continue
        files.append(services.NewAttachment(item.filename, content, item.content_type))
    errors.raise_if_any()
    data = payload.dict(exclude={"party_id", "address", "name", "attachments"})
    recorded = services.interaction_record(
        actor=actor_of(request),
        data=data,
        party_id=payload.party_id,
        address=payload.address,
        name=payload.name,
        attachments=files,
    )
    interaction, show_body = selectors.interaction_get(
        actor=actor_of(request), interaction_id=recorded.interaction.pk
    )
    out = InteractionOut.build(interaction, show_body, with_party=True)
    out.created = recorded.created
    out.party_created = recorded.party_created
    return Status(201 if recorded.created else 200, out)


@router.get("", response={200: InteractionPage, **ERROR_RESPONSES})
def list_interactions(
    request: HttpRequest,
    party_id: Id | None = None,
    channel: str | None = None,
    direction: str | None = None,
    agent_id: Id | None = None,
    since: Moment | None = None,
    until: Moment | None = None,
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=200),
) -> InteractionPage:
    """Interactions newest first, with filters; follow ``next_cursor`` for the next page."""
    result = selectors.interaction_list(
        actor=actor_of(request),
        party_id=party_id,
        channel=channel,
        direction=direction,
        agent_id=agent_id,
        since=since,
        until=until,
        cursor=cursor,
        limit=limit,
    )
    return InteractionPage(
        items=[InteractionOut.build(i, result.show_body, with_party=True) for i in result.items],
        next_cursor=result.next_cursor,
    )


@router.get("/{int:interaction_id}", response={200: InteractionOut, **ERROR_RESPONSES})
def get_interaction(request: HttpRequest, interaction_id: int) -> InteractionOut:
    item, show_body = selectors.interaction_get(
        actor=actor_of(request), interaction_id=interaction_id
    )
    return InteractionOut.build(item, show_body, with_party=True)


@router.delete("/{int:interaction_id}", response={204: None, **ERROR_RESPONSES})
def delete_interaction(request: HttpRequest, interaction_id: int) -> Status[None]:
    services.interaction_delete(actor=actor_of(request), interaction_id=interaction_id)
    return Status(204, None)


@router.post("/{int:interaction_id}/attachments", response={201: InteractionOut, **ERROR_RESPONSES})
def add_attachment(
    request: HttpRequest, interaction_id: int, file: File[UploadedFile]
) -> Status[InteractionOut]:
    """Attach a file (multipart upload) to an interaction."""
    services.interaction_attach(
        actor=actor_of(request),
        interaction_id=interaction_id,
        attachment=services.NewAttachment(
            file.name or "file", file.read(), file.content_type or ""
        ),
    )
    item, show_body = selectors.interaction_get(
        actor=actor_of(request), interaction_id=interaction_id
    )
    return Status(201, InteractionOut.build(item, show_body, with_party=True))


@timeline_router.get("/{int:party_id}/timeline", response={200: InteractionPage, **ERROR_RESPONSES})
def party_timeline(
    request: HttpRequest,
    party_id: int,
    channel: list[str] | None = Query(None),
    direction: str | None = None,
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=200),
) -> HttpResponse:
    """Every contact with the party on every channel, newest first. Filter with ``channel``
    (repeatable); page with ``cursor`` = the previous page's ``next_cursor``."""
    items, next_cursor = party_timeline_records(
        actor=actor_of(request),
        party_id=party_id,
        channel=channel,
        direction=direction,
        cursor=cursor,
        limit=limit,
    )
    return known_good({"items": items, "next_cursor": next_cursor}, InteractionPage)
