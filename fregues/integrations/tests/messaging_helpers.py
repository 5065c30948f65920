"""Posting the captured provider payloads to our webhooks, signed as the providers sign them."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from django.test import Client

from fregues.integrations.messaging.signing import twilio_signature, whatsapp_signature

from .factories_messaging import TWILIO_TOKEN, WHATSAPP_SECRET

PAYLOADS = Path(__file__).parent / "payloads"
TWILIO_URL = "/api/v1/webhooks/inbound/twilio"
WHATSAPP_URL = "/api/v1/webhooks/inbound/whatsapp"


def payload(name: str) -> bytes:
    return (PAYLOADS / name).read_bytes().strip()


def post_twilio(
    name: str,
    *,
    token: str = TWILIO_TOKEN,
    signature: str | None = None,
    base: str = "http://testserver",
) -> Any:
    body = payload(f"twilio/{name}").decode()
    if signature is None:
        signature = twilio_signature(
            token, base + TWILIO_URL, parse_qsl(body, keep_blank_values=True)
        )
    return Client().post(
        TWILIO_URL,
        body,
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": signature},
    )


def post_whatsapp(
    name: str,
    *,
    secret: str = WHATSAPP_SECRET,
    signature: str | None = None,
    body: bytes | None = None,
) -> Any:
    raw = body if body is not None else payload(f"whatsapp/{name}")
    if signature is None:
        signature = whatsapp_signature(secret, raw)
    return Client().post(
        WHATSAPP_URL,
        raw,
        content_type="application/json",
        headers={"X-Hub-Signature-256": signature},
    )


def whatsapp_now(name: str, **status: str) -> bytes:
    """A captured WhatsApp payload as if it were sent now (``status`` overrides its status
    entry's fields, e.g. ``id=`` the message we sent)."""
    import json
    import time

    body = json.loads(payload(f"whatsapp/{name}"))
    value = body["entry"][0]["changes"][0]["value"]
    for item in value.get("messages", []) + value.get("statuses", []):
        item["timestamp"] = str(int(time.time()))
    for item in value.get("statuses", []):
        item.update(status)
    return json.dumps(body).encode()
