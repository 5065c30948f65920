"""The inbox screens: the list (refreshed by HTMX), a conversation's thread, the reply box
(SMS/WhatsApp, with the WhatsApp window's message), assign to me / to a queue."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fregues.interactions.models import Interaction
from fregues.service.tests.factories_cases import CaseFactory, QueueFactory

from .factories_messaging import WhatsAppProviderFactory
from .messaging_helpers import post_whatsapp, whatsapp_now

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def test_the_inbox_lists_and_refreshes(make_user: Any) -> None:
    me = make_user("agent")
    case = CaseFactory(assignee=me, subject="Geladeira não gela")
    Interaction.objects.create(
        party=case.party, channel="sms", direction="in", body="Ainda não gela",
        occurred_at=timezone.now() - datetime.timedelta(minutes=12),
        regarding_type="service.case", regarding_id=case.pk,
    )  # fmt: skip
    page = _client(me).get("/channels/inbox/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Ainda não gela" in text and case.protocol in text and "12 min" in text
    assert 'hx-trigger="every 5s"' in text
    rows = _client(me).get("/channels/inbox/rows/", {"scope": "mine"})
    assert "Ainda não gela" in rows.content.decode()
    assert "<html" not in rows.content.decode()


def test_marketing_has_no_inbox(make_user: Any) -> None:
    assert _client(make_user("marketing")).get("/channels/inbox/").status_code == 403


def test_reply_from_the_conversation_and_assign(make_user: Any, settings: Any) -> None:
    settings.NOTICE_SENDERS = {
        **settings.NOTICE_SENDERS,
        "whatsapp": "fregues.service.notify.OutboxOnlySender",
    }
    WhatsAppProviderFactory()
    post_whatsapp("", body=whatsapp_now("inbound_text.json"))
    interaction = Interaction.objects.get()
    case = CaseFactory(party=interaction.party)
    interaction.regarding_type, interaction.regarding_id = "service.case", case.pk
    interaction.save()
    me = make_user("agent")
    client = _client(me)
    url = f"/channels/inbox/{case.party_id}/?case={case.pk}"
    page = client.get(url)
    assert "A geladeira que comprei parou de gelar" in page.content.decode()
    sent = client.post(
        url, {"channel": "whatsapp", "body": "Vamos trocar a peça.", "case": case.pk}
    )
    assert sent.status_code == 302
    reply = Interaction.objects.get(direction="out")
    assert (reply.network, reply.agent_id, reply.regarding_id) == ("whatsapp", me.pk, case.pk)
    assert "Vamos trocar a peça." in client.get(url).content.decode()
    client.post(f"/channels/inbox/{case.party_id}/assign/", {"case": case.pk})
    case.refresh_from_db()
    assert case.assignee_id == me.pk
    queue = QueueFactory()
    client.post(f"/channels/inbox/{case.party_id}/assign/", {"case": case.pk, "queue_id": queue.pk})
    case.refresh_from_db()
    assert case.queue_id == queue.pk


def test_whatsapp_outside_the_window_is_refused_with_a_clear_message(make_user: Any) -> None:
    WhatsAppProviderFactory()
    post_whatsapp("inbound_text.json")  # a year-old message: the window is closed
    party_id = Interaction.objects.get().party_id
    response = _client(make_user("agent")).post(
        f"/channels/inbox/{party_id}/", {"channel": "whatsapp", "body": "Olá"}
    )
    assert response.status_code == 422
    assert "more than 24 hours ago" in response.content.decode()
    assert not Interaction.objects.filter(direction="out").exists()


def test_the_refreshed_list_takes_a_fixed_number_of_queries(
    make_user: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(25):
        case = CaseFactory(assignee=None)
        Interaction.objects.create(
            party=case.party, channel="email", direction="in", body=f"Mensagem {n}",
            occurred_at=timezone.now(), regarding_type="service.case", regarding_id=case.pk,
        )  # fmt: skip
    client = _client(make_user("relationship_manager"))
    with django_assert_max_num_queries(10):
        response = client.get("/channels/inbox/rows/", {"scope": "all"})
    assert response.content.decode().count('class="inbox-row') == 25
