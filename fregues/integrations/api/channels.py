"""``GET /api/v1/channels``: every mailbox and SMS/WhatsApp provider with its state (admins:
``channel.configure``). The details of each live under /channels/mailboxes and
/channels/providers."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from fregues.core.api_utils import actor_of
from fregues.core.schemas import ERROR_RESPONSES

from ..overview import channel_overview

router = Router(tags=["channels"])


class ChannelOut(Schema):
    id: int
    name: str
    kind: str  # imap; twilio, whatsapp_cloud
    channel: str = "email"  # email, sms, whatsapp
    address: str
    is_active: bool
    state: str  # ok, error, never_polled, inactive
    last_activity_at: datetime.datetime | None
    last_error: str
    messages_today: int
    url: str


class ChannelsOut(Schema):
    mailboxes: list[ChannelOut]
    providers: list[ChannelOut]


@router.get("", response={200: ChannelsOut, **ERROR_RESPONSES}, summary="Channels")
def list_channels(request: HttpRequest) -> dict[str, Any]:
    """Mailboxes and providers with their state: ``ok``, ``error`` (the last poll, or the last
    message sent, failed: ``last_error`` says why), ``never_polled`` or ``inactive``."""
    return channel_overview(actor=actor_of(request))
