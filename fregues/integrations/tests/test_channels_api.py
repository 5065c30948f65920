"""``GET /api/v1/channels``: the administrator sees every mailbox and provider with its state —
a mailbox whose last poll failed and a provider whose last message failed say so — and no
secret; an agent may not look."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from ..models import Mailbox, ProviderMessage
from .factories_messaging import TwilioProviderFactory, WhatsAppProviderFactory

pytestmark = pytest.mark.django_db


def test_an_admin_sees_each_channel_with_its_state_and_no_secret(api_as: Any) -> None:
    now = timezone.now()
    Mailbox.objects.create(
        name="Suporte",
        imap_host="imap.exemplo.com.br",
        username="suporte@loja.exemplo.com.br",
        password="segredo-imap",
        last_polled_at=now,
        last_error="LOGIN failed",
    )
    Mailbox.objects.create(name="Vendas", imap_host="imap.exemplo.com.br", username="vendas")
    Mailbox.objects.create(
        name="Antiga", imap_host="x", username="antiga", is_active=False, last_polled_at=now
    )
    sms = TwilioProviderFactory(name="SMS")
    whatsapp = WhatsAppProviderFactory(name="WhatsApp")
    for n, status in enumerate(["delivered", "failed"]):
        ProviderMessage.objects.create(
            provider=whatsapp,
            provider_message_id=f"wamid.{n}",
            direction="out",
            channel="whatsapp",
            status=status,
            error_code="131026" if status == "failed" else "",
        )

    response = api_as("admin").get("/channels")

    assert response.status_code == 200, response.content
    assert "segredo" not in response.content.decode()
    assert "test-twilio-auth-token" not in response.content.decode()
    body = response.json()
    boxes = {m["name"]: m for m in body["mailboxes"]}
    assert boxes["Suporte"]["state"] == "error"
    assert boxes["Suporte"]["last_error"] == "LOGIN failed"
    assert boxes["Vendas"]["state"] == "never_polled"
    assert boxes["Antiga"]["state"] == "inactive"
    providers = {p["name"]: p for p in body["providers"]}
    assert providers["SMS"]["state"] == "ok" and providers["SMS"]["channel"] == "sms"
    assert providers["SMS"]["messages_today"] == 0
    assert providers["WhatsApp"]["state"] == "error"
    assert providers["WhatsApp"]["last_error"] == "131026"
    assert providers["WhatsApp"]["messages_today"] == 2
    assert sms.pk == providers["SMS"]["id"]


def test_an_agent_may_not_list_the_channels(api_as: Any) -> None:
    response = api_as("agent").get("/channels")
    assert response.status_code == 403
    assert response.json()["code"]
