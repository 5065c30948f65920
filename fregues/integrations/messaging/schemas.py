"""API shapes of SMS/WhatsApp: providers (secrets write-only), webhook answers, the inbox."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Field, Schema

from ..models import MessageProvider


class ProviderIn(Schema):
    name: str
    kind: str = Field(..., description="twilio or whatsapp_cloud")
    channel: str = Field("", description="sms or whatsapp (WhatsApp Cloud: whatsapp)")
    phone_number: str = Field("", description="The number it answers for, E.164 (Twilio)")
    phone_number_id: str = Field("", description="WhatsApp Cloud: the phone-number id")
    account_sid: str = ""
    auth_token: str = Field("", description="Twilio's auth token (write-only)")
    access_token: str = Field("", description="WhatsApp Cloud access token (write-only)")
    app_secret: str = Field("", description="The Meta app secret signing webhooks (write-only)")
    verify_token: str = Field("", description="The webhook verify token (write-only)")
    is_active: bool = True
    case_type_id: int | None = Field(None, description="Where new conversations go (optional)")
    queue_id: int | None = None


class ProviderPatch(Schema):
    version: int | None = None
    name: str | None = None
    channel: str | None = None
    phone_number: str | None = None
    phone_number_id: str | None = None
    account_sid: str | None = None
    auth_token: str | None = None
    access_token: str | None = None
    app_secret: str | None = None
    verify_token: str | None = None
    is_active: bool | None = None
    case_type_id: int | None = None
    queue_id: int | None = None


class ProviderOut(Schema):
    id: int
    name: str
    kind: str
    channel: str
    phone_number: str
    phone_number_id: str
    account_sid: str
    is_active: bool
    case_type_id: int | None
    queue_id: int | None
    # which secrets are set (their values are never returned)
    secrets_set: list[str]
    webhook_path: str
    version: int

    @classmethod
    def build(cls, p: MessageProvider) -> ProviderOut:
        kind = "twilio" if p.kind == MessageProvider.Kind.TWILIO else "whatsapp"
        return cls(
            id=p.pk,
            name=p.name,
            kind=p.kind,
            channel=p.channel,
            phone_number=p.phone_number,
            phone_number_id=p.phone_number_id,
            account_sid=p.account_sid,
            is_active=p.is_active,
            case_type_id=p.case_type_id,
            queue_id=p.queue_id,
            secrets_set=[
                n
                for n in ("auth_token", "access_token", "app_secret", "verify_token")
                if getattr(p, n)
            ],
            webhook_path=f"/api/v1/webhooks/inbound/{kind}",
            version=p.version,
        )


class WebhookOut(Schema):
    received: int
    repeated: int
    statuses: int
    ignored: int


class InboxQuery(Schema):
    scope: str = Field("mine", description="mine, queues, unassigned or all")
    channel: str = Field("", description="email, sms, whatsapp, phone, chat, web_form...")
    limit: int = Field(100, ge=1, le=500)


class InboxItemOut(Schema):
    key: str
    party_id: int
    party_name: str
    channel: str
    case_protocol: str | None
    subject: str
    last_message: str
    last_direction: str
    last_at: datetime.datetime | None
    waiting_since: datetime.datetime | None
    waiting_minutes: int | None
    assignee: str | None
    queue: str | None
    sla_state: str | None

    @classmethod
    def build(cls, item: Any) -> InboxItemOut:
        return cls(**item.as_dict())
