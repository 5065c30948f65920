"""Reading the providers' webhook payloads into one shape: messages in, delivery statuses.

Twilio posts a form per message (an inbound SMS or WhatsApp message, or a status callback of a
message we sent); the WhatsApp Cloud API posts JSON batches (``entry[].changes[].value`` with
``messages`` and ``statuses``). Nothing here touches the database.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone


@dataclass
class Inbound:
    """One message a customer sent."""

    message_id: str
    channel: str  # sms / whatsapp
    sender: str  # the customer's number, E.164 when the provider gives it so
    recipient: str  # our number (Twilio) or phone-number id (WhatsApp Cloud)
    body: str
    name: str = ""
    media: list[dict[str, str]] = field(default_factory=list)
    occurred_at: datetime.datetime | None = None
    account: str = ""  # Twilio AccountSid


@dataclass
class StatusUpdate:
    """What the provider says became of a message we sent."""

    message_id: str
    status: str  # queued / sent / delivered / read / failed
    error_code: str = ""
    occurred_at: datetime.datetime | None = None
    recipient: str = ""  # our number or phone-number id


TWILIO_STATUS = {
    "accepted": "queued",
    "scheduled": "queued",
    "queued": "queued",
    "sending": "queued",
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "undelivered": "failed",
    "failed": "failed",
    "canceled": "failed",
}
WHATSAPP_STATUS = {"sent": "sent", "delivered": "delivered", "read": "read", "failed": "failed"}


def _unprefixed(address: str) -> tuple[str, str]:
    """Twilio writes WhatsApp numbers as ``whatsapp:+5511...``: (channel, number)."""
    if address.lower().startswith("whatsapp:"):
        return "whatsapp", address.split(":", 1)[1]
    return "sms", address


def twilio_parse(params: dict[str, str]) -> Inbound | StatusUpdate | None:
    """The message or status one Twilio request carries (None: nothing we act on)."""
    message_id = params.get("MessageSid") or params.get("SmsSid") or ""
    if not message_id:
        return None
    status = (params.get("MessageStatus") or "").lower()
    if status and status not in ("received", "receiving"):
        mapped = TWILIO_STATUS.get(status)
        if mapped is None:
            return None
        return StatusUpdate(
            message_id=message_id,
            status=mapped,
            error_code=params.get("ErrorCode", "") or "",
            occurred_at=timezone.now(),
            recipient=_unprefixed(params.get("From", ""))[1],
        )
    channel, sender = _unprefixed(params.get("From", ""))
    media = []
    for i in range(min(int(params.get("NumMedia") or 0), 10)):
        url = params.get(f"MediaUrl{i}", "")
        if url:
            media.append({"url": url, "content_type": params.get(f"MediaContentType{i}", "")})
    return Inbound(
        message_id=message_id,
        channel=channel,
        sender=sender,
        recipient=_unprefixed(params.get("To", ""))[1],
        body=params.get("Body", ""),
        name=params.get("ProfileName", ""),
        media=media,
        occurred_at=timezone.now(),
        account=params.get("AccountSid", ""),
    )


def _moment(raw: Any) -> datetime.datetime:
    try:
        return datetime.datetime.fromtimestamp(int(raw), tz=datetime.UTC)
    except (TypeError, ValueError, OverflowError):
        return timezone.now()


def _whatsapp_body(message: dict[str, Any]) -> tuple[str, list[dict[str, str]]]:
    kind = message.get("type", "")
    found = message.get(kind)
    part: dict[str, Any] = found if isinstance(found, dict) else {}
    if kind == "text":
        return str(part.get("body", "")), []
    if kind in ("image", "video", "audio", "document", "sticker"):
        media = {"type": kind, "id": str(part.get("id", ""))}
        if part.get("mime_type"):
            media["content_type"] = str(part["mime_type"])
        if part.get("filename"):
            media["filename"] = str(part["filename"])
        return str(part.get("caption", "")), [media]
    if kind == "button":
        return str(part.get("text", "")), []
    if kind == "interactive":
        reply = part.get("button_reply") or part.get("list_reply") or {}
        return str(reply.get("title", "")), []
    if kind == "location":
        return f"{part.get('latitude')},{part.get('longitude')} {part.get('name', '')}".strip(), []
    return "", []


def whatsapp_parse(payload: dict[str, Any]) -> list[Inbound | StatusUpdate]:
    """Every message and status in one WhatsApp Cloud API webhook, in order."""
    found: list[Inbound | StatusUpdate] = []
    for entry in payload.get("entry") or []:
        for change in entry.get("changes") or []:
            value = change.get("value") or {}
            number_id = str((value.get("metadata") or {}).get("phone_number_id", ""))
            names = {
                str(c.get("wa_id", "")): str((c.get("profile") or {}).get("name", ""))
                for c in value.get("contacts") or []
            }
            for message in value.get("messages") or []:
                sender = str(message.get("from", ""))
                body, media = _whatsapp_body(message)
                found.append(
                    Inbound(
                        message_id=str(message.get("id", "")),
                        channel="whatsapp",
                        sender=f"+{sender.lstrip('+')}" if sender else "",
                        recipient=number_id,
                        body=body,
                        name=names.get(sender, ""),
                        media=media,
                        occurred_at=_moment(message.get("timestamp")),
                    )
                )
            for status in value.get("statuses") or []:
                mapped = WHATSAPP_STATUS.get(str(status.get("status", "")))
                if mapped is None:
                    continue
                errors = status.get("errors") or []
                found.append(
                    StatusUpdate(
                        message_id=str(status.get("id", "")),
                        status=mapped,
                        error_code=str(errors[0].get("code", "")) if errors else "",
                        occurred_at=_moment(status.get("timestamp")),
                        recipient=number_id,
                    )
                )
    return [item for item in found if item.message_id]
