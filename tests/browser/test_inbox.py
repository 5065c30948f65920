"""The unified inbox in the browser: a WhatsApp message arrives through the provider's webhook,
appears in the agent's open inbox by itself (HTMX refresh), and the agent answers it."""

from __future__ import annotations

import urllib.request

import pytest
from playwright.sync_api import expect

from .axe import serious_violations

pytestmark = pytest.mark.browser


def test_a_whatsapp_message_appears_in_the_inbox_and_the_agent_replies(
    login, live_server, page
) -> None:
    from fregues.integrations.messaging.signing import whatsapp_signature
    from fregues.integrations.tests.factories_messaging import (
        WHATSAPP_SECRET,
        WhatsAppProviderFactory,
    )
    from fregues.integrations.tests.messaging_helpers import WHATSAPP_URL, whatsapp_now
    from fregues.interactions.models import Interaction

    WhatsAppProviderFactory()
    login("rita")
    page.goto(f"{live_server.url}/channels/inbox/?scope=unassigned")
    expect(page.locator("#inbox-rows")).to_be_visible()
    assert page.locator("tr.inbox-row").count() == 0

    body = whatsapp_now("inbound_text.json")
    request = urllib.request.Request(
        live_server.url + WHATSAPP_URL,
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Hub-Signature-256": whatsapp_signature(WHATSAPP_SECRET, body),
        },
        method="POST",
    )
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 200

    row = page.locator("tr.inbox-row")
    expect(row).to_have_count(1, timeout=10_000)  # the list refreshes every 5 s on its own
    expect(row).to_contain_text("Maria Souza")
    expect(row).to_contain_text("A geladeira que comprei parou de gelar")
    assert serious_violations(page) == []
    row.locator("a").first.click()

    expect(page.locator(".bubble-in")).to_contain_text("parou de gelar")
    page.fill("textarea[name=body]", "Olá Maria! Vamos agendar a visita técnica.")
    page.locator(".inbox-reply button[type=submit]").click()
    expect(page.locator(".bubble-out")).to_contain_text("Vamos agendar a visita técnica")
    assert serious_violations(page) == []
    reply = Interaction.objects.get(direction="out")
    assert (reply.channel, reply.network, reply.agent.username) == ("social", "whatsapp", "rita")
