"""SMS and WhatsApp out: the senders post to the provider's API (a local fake the test starts),
record the provider's message id for status callbacks; the agent's reply asks the sending check
and keeps WhatsApp's 24-hour window."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from django.utils import timezone, translation

from fregues.core.errors import Invalid
from fregues.integrations.messaging.replies import conversation_reply
from fregues.integrations.messaging.senders import ProviderError, TwilioSender
from fregues.integrations.models import ProviderMessage
from fregues.interactions.models import Interaction
from fregues.parties.models import ContactPoint, Party, Suppression

from .factories_messaging import TwilioProviderFactory, WhatsAppProviderFactory
from .messaging_helpers import post_whatsapp, whatsapp_now

pytestmark = pytest.mark.django_db
CUSTOMER = "+5511987654321"


class FakeProvider(BaseHTTPRequestHandler):
    calls: list[dict[str, Any]] = []
    fail = False

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        FakeProvider.calls.append(
            {"path": self.path, "body": raw.decode(), "auth": self.headers.get("Authorization")}
        )
        if FakeProvider.fail:
            self.send_response(400)
            self.end_headers()
            self.wfile.write(b'{"code": 21211, "message": "Invalid To"}')
            return
        n = len(FakeProvider.calls)
        answer = (
            {"sid": f"SMfake{n:028d}", "status": "queued"}
            if "/Messages.json" in self.path
            else {"messaging_product": "whatsapp", "messages": [{"id": f"wamid.fake{n}"}]}
        )
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(answer).encode())

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def fake_provider(settings: Any) -> Iterator[list[dict[str, Any]]]:
    server = HTTPServer(("127.0.0.1", 0), FakeProvider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    settings.TWILIO_API_BASE = base
    settings.WHATSAPP_API_BASE = base + "/v21.0"
    settings.NOTICE_SENDERS = {
        **settings.NOTICE_SENDERS,
        "sms": "fregues.integrations.messaging.senders.TwilioSender",
        "whatsapp": "fregues.integrations.messaging.senders.WhatsAppCloudSender",
    }
    FakeProvider.calls = []
    FakeProvider.fail = False
    yield FakeProvider.calls
    server.shutdown()
    server.server_close()


def _customer() -> Party:
    party = Party.objects.create(name="Maria Souza", kind="person")
    ContactPoint.objects.create(party=party, kind="phone", value=CUSTOMER, normalized=CUSTOMER)
    return party


def test_twilio_sender_posts_and_records_the_sid(fake_provider: list) -> None:
    TwilioProviderFactory()
    sid = TwilioSender().send(to="(11) 98765-4321", subject="", body="Olá!")
    call = fake_provider[0]
    assert call["path"].endswith("/Accounts/AC3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e/Messages.json")
    form = parse_qs(call["body"])
    assert form["To"] == [CUSTOMER] and form["From"] == ["+551140028922"]
    assert form["Body"] == ["Olá!"]
    assert call["auth"].startswith("Basic ")
    message = ProviderMessage.objects.get()
    assert (message.provider_message_id, message.status, message.direction) == (
        sid,
        "queued",
        "out",
    )


def test_a_refusal_by_the_provider_records_nothing(fake_provider: list) -> None:
    TwilioProviderFactory()
    FakeProvider.fail = True
    with pytest.raises(ProviderError):
        TwilioSender().send(to=CUSTOMER, subject="", body="Olá!")
    assert not ProviderMessage.objects.exists()


def test_an_sms_reply_is_an_outbound_interaction_whose_status_callbacks_land(
    fake_provider: list, agent: Any
) -> None:
    TwilioProviderFactory()
    party = _customer()
    reply = conversation_reply(actor=agent, party_id=party.pk, channel="sms", body="Já vamos ver.")
    assert (reply.channel, reply.direction, reply.agent_id) == ("sms", "out", agent.pk)
    message = ProviderMessage.objects.get()
    assert message.interaction == reply
    assert reply.external_id == message.provider_message_id


def test_whatsapp_free_text_only_inside_the_24_hour_window(fake_provider: list, agent: Any) -> None:
    WhatsAppProviderFactory()
    party = _customer()
    with translation.override("en"), pytest.raises(Invalid) as refused:
        conversation_reply(actor=agent, party_id=party.pk, channel="whatsapp", body="Oi")
    assert refused.value.code == "whatsapp_window_closed"
    assert "24 hours" in refused.value.message
    assert not fake_provider
    Interaction.objects.create(
        party=party, channel="social", network="whatsapp", direction="in",
        occurred_at=timezone.now(), body="Oi, tudo bem?",
    )  # fmt: skip
    reply = conversation_reply(actor=agent, party_id=party.pk, channel="whatsapp", body="Oi!")
    assert (reply.channel, reply.network) == ("social", "whatsapp")
    sent = json.loads(fake_provider[0]["body"])
    assert sent["to"] == "5511987654321" and sent["text"]["body"] == "Oi!"
    assert fake_provider[0]["path"] == "/v21.0/106540352242922/messages"
    assert ProviderMessage.objects.get().interaction == reply


def test_a_bounced_number_gets_no_reply(fake_provider: list, agent: Any) -> None:
    TwilioProviderFactory()
    party = _customer()
    Suppression.objects.create(kind="phone", address=CUSTOMER, reason="hard_bounce")
    with pytest.raises(Invalid) as refused:
        conversation_reply(actor=agent, party_id=party.pk, channel="sms", body="Olá")
    assert refused.value.code == "suppressed_hard_bounce"
    assert not fake_provider
    assert not Interaction.objects.filter(direction="out").exists()


def test_the_reply_status_arrives_through_the_webhook(fake_provider: list, agent: Any) -> None:
    WhatsAppProviderFactory()
    post_whatsapp("", body=whatsapp_now("inbound_text.json"))
    party = Party.objects.get()
    reply = conversation_reply(
        actor=agent, party_id=party.pk, channel="whatsapp", body="Vamos ver!"
    )
    status = whatsapp_now("status_delivered.json", id=reply.external_id)
    assert post_whatsapp("", body=status).json()["statuses"] == 1
    reply.refresh_from_db()
    assert reply.outcome == "delivered"


def test_a_case_notice_sent_by_whatsapp_shows_its_delivery_status(
    fake_provider: list, agent: Any
) -> None:
    from django.test import Client

    from fregues.service.models import CaseEvent
    from fregues.service.services.notices import case_notify
    from fregues.service.tests.factories_cases import CaseFactory

    WhatsAppProviderFactory()
    party = _customer()
    Party.objects.filter(pk=party.pk).update(preferred_channel="whatsapp")
    case = CaseFactory(party=party)
    notice = case_notify(case_id=case.pk, kind="opened")
    assert notice is not None and notice.outcome == "sent"
    message_id = CaseEvent.objects.get(case=case, kind="notice_sent").data["message_id"]

    for name in ("status_delivered.json", "status_read.json"):
        status = whatsapp_now(name, id=message_id)
        assert post_whatsapp("", body=status).json()["statuses"] == 1

    notice.refresh_from_db()
    assert notice.outcome == "read"  # on the customer's timeline
    event = CaseEvent.objects.get(case=case, kind="notice_sent")
    assert event.data["delivery"] == "read"  # on the case
    assert ProviderMessage.objects.get(provider_message_id=message_id).interaction == notice
    browser = Client()
    browser.force_login(agent)
    browser.cookies["django_language"] = "en"
    page = browser.get(f"/cases/{case.protocol}/").content.decode()
    assert "Delivery:</span> Read" in page


def test_a_notice_still_queued_at_the_provider_says_so_in_the_readers_language(
    agent: Any,
) -> None:
    from django.test import Client
    from django.utils import timezone

    from fregues.service.models import CaseEvent
    from fregues.service.tests.factories_cases import CaseFactory

    case = CaseFactory(party=_customer())
    CaseEvent.objects.create(
        case=case,
        kind="notice_sent",
        occurred_at=timezone.now(),
        data={"delivery": "queued", "message_id": "wamid.q1"},
    )
    browser = Client()
    browser.force_login(agent)
    browser.cookies["django_language"] = "en"
    assert "Delivery:</span> Queued" in browser.get(f"/cases/{case.protocol}/").content.decode()
    browser.cookies["django_language"] = "pt-br"
    assert "Na fila" in browser.get(f"/cases/{case.protocol}/").content.decode()
