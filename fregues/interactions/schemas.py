"""API shapes for interactions."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Field, Schema

from fregues.parties.schemas import UserRef


class AttachmentIn(Schema):
    filename: str
    content_base64: str
    content_type: str = ""


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    url: str


class InteractionIn(Schema):
    party_id: int | None = Field(None, description="The party, when known.")
    address: str = Field(
        "",
        description="Or the channel address the contact came from (phone in any format, "
        "e-mail, handle): the party is found by it, or a suspect is created.",
    )
    name: str = Field("", description="A name for the suspect created when no party matches.")
    channel: str
    network: str = ""
    direction: str
    occurred_at: datetime.datetime | None = None
    subject: str = ""
    body: str = ""
    outcome: str = ""
    duration_seconds: int | None = Field(None, ge=0)
    agent_id: int | None = None
    external_id: str = Field("", description="The channel's message id: stored once per channel.")
    regarding_type: str = ""
    regarding_id: int | None = None
    attachments: list[AttachmentIn] = []


class InteractionOut(Schema):
    id: int
    party_id: int
    party_name: str | None = None
    channel: str
    network: str
    direction: str
    occurred_at: datetime.datetime
    agent: UserRef | None
    subject: str
    body: str | None = Field(None, description="Hidden from roles that may not read bodies.")
    outcome: str
    duration_seconds: int | None
    channel_address: str
    external_id: str
    regarding_type: str
    regarding_id: int | None
    attachments: list[AttachmentOut]
    created: bool | None = None
    party_created: bool | None = None

    @staticmethod
    def build(item: Any, show_body: bool, with_party: bool = False) -> InteractionOut:
        return InteractionOut(
            id=item.pk,
            party_id=item.party_id,
            party_name=item.party.name if with_party else None,
            channel=item.channel,
            network=item.network,
            direction=item.direction,
            occurred_at=item.occurred_at,
            agent=UserRef.from_user(item.agent),
            subject=item.subject,
            body=item.body if show_body else None,
            outcome=item.outcome,
            duration_seconds=item.duration_seconds,
            channel_address=item.channel_address,
            external_id=item.external_id,
            regarding_type=item.regarding_type,
            regarding_id=item.regarding_id,
            attachments=[
                AttachmentOut(
                    id=a.pk,
                    filename=a.filename,
                    content_type=a.content_type,
                    size=a.size,
                    url=f"/interactions/attachments/{a.pk}",
                )
                for a in item.attachments.all()
            ],
        )


class InteractionPage(Schema):
    items: list[InteractionOut]
    next_cursor: str | None = None
