"""The unified inbox: open cases and unanswered messages across channels, each with its
customer, channel, last message, waiting time, assignment and SLA state; scopes by role; a
fixed number of queries whatever the length of the list."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from fregues.interactions.models import Interaction
from fregues.parties.tests.factories import PartyFactory
from fregues.service.tests.factories_cases import CaseFactory, QueueFactory

from .factories_messaging import WhatsAppProviderFactory
from .messaging_helpers import post_whatsapp, whatsapp_now

pytestmark = pytest.mark.django_db


def _say(party: Any, direction: str = "in", channel: str = "sms", network: str = "",
         minutes_ago: int = 10, case: Any = None, body: str = "Preciso de ajuda") -> Interaction:  # fmt: skip
    return Interaction.objects.create(
        party=party, channel=channel, network=network, direction=direction, body=body,
        occurred_at=timezone.now() - datetime.timedelta(minutes=minutes_ago),
        regarding_type="service.case" if case else "", regarding_id=case.pk if case else None,
    )  # fmt: skip


def test_mine_shows_my_open_cases_with_the_last_message(api_for: Any, make_user: Any) -> None:
    me = make_user("agent")
    case = CaseFactory(assignee=me)
    _say(case.party, "in", "email", case=case, minutes_ago=30, body="A máquina não liga")
    CaseFactory(assignee=make_user("agent"))  # someone else's
    CaseFactory(assignee=me, is_open=False)  # closed
    items = api_for(me).get("/inbox").json()
    assert [i["case_protocol"] for i in items] == [case.protocol]
    item = items[0]
    assert item["channel"] == "email"
    assert item["last_message"] == "A máquina não liga"
    assert item["assignee"] == me.username
    assert 29 <= item["waiting_minutes"] <= 31
    assert item["sla_state"] == "ok"


def test_unanswered_messages_without_a_case_wait_in_unassigned(manager_api: Any) -> None:
    waiting, answered = PartyFactory(), PartyFactory()
    _say(waiting, "in", "social", "whatsapp", minutes_ago=50, body="primeira")
    _say(waiting, "in", "social", "whatsapp", minutes_ago=5, body="alô?")
    _say(answered, "in", "sms", minutes_ago=20)
    _say(answered, "out", "sms", minutes_ago=10)
    items = manager_api.get("/inbox", {"scope": "unassigned"}).json()
    assert [i["party_id"] for i in items] == [waiting.pk]
    assert items[0]["channel"] == "whatsapp"
    assert items[0]["last_message"] == "alô?"
    assert items[0]["waiting_minutes"] >= 49  # since the first unanswered message
    assert manager_api.get("/inbox", {"scope": "unassigned", "channel": "sms"}).json() == []


def test_a_message_on_no_case_is_mine_when_i_own_the_customer(
    api_for: Any, make_user: Any, manager_api: Any
) -> None:
    me = make_user("agent")
    mine, theirs = PartyFactory(owner=me), PartyFactory(owner=make_user("agent"))
    _say(mine, "in", "social", "whatsapp", minutes_ago=15, body="Oi, é a Ana")
    _say(theirs, "in", "sms", minutes_ago=5)

    items = api_for(me).get("/inbox").json()

    assert [(i["party_id"], i["case_protocol"]) for i in items] == [(mine.pk, None)]
    assert items[0]["last_message"] == "Oi, é a Ana"
    # both customers have an owner: nobody's conversation is unassigned
    assert manager_api.get("/inbox", {"scope": "unassigned"}).json() == []


def test_my_queues_and_the_channel_filter(make_user: Any) -> None:
    from fregues.integrations.messaging.inbox import inbox_list

    me = make_user("agent")
    mine = CaseFactory(queue=QueueFactory(agents=[me]))
    other = CaseFactory(queue=QueueFactory())
    _say(mine.party, "in", "social", "whatsapp", case=mine)
    _say(other.party, "in", "sms", case=other)
    assert [i.case for i in inbox_list(actor=me, scope="queues")] == [mine]
    assert inbox_list(actor=me, scope="queues", channel="sms") == []


def test_the_longest_waiting_first_then_answered(manager_api: Any) -> None:
    old, new, answered = CaseFactory(), CaseFactory(), CaseFactory()
    _say(old.party, case=old, minutes_ago=90)
    _say(new.party, case=new, minutes_ago=5)
    _say(answered.party, "out", case=answered, minutes_ago=1)
    items = manager_api.get("/inbox", {"scope": "all"}).json()
    assert [i["case_protocol"] for i in items] == [old.protocol, new.protocol, answered.protocol]
    assert items[2]["waiting_minutes"] is None


def test_an_agent_may_not_read_everyone_s_inbox(api: Any) -> None:
    response = api.get("/inbox", {"scope": "all"})
    assert response.status_code == 403


def test_a_whatsapp_message_arrives_in_the_inbox(manager_api: Any) -> None:
    WhatsAppProviderFactory()
    post_whatsapp("", body=whatsapp_now("inbound_text.json"))
    items = manager_api.get("/inbox", {"scope": "all"}).json()
    assert items[0]["party_name"] == "Maria Souza"
    assert items[0]["channel"] == "whatsapp"


def test_the_inbox_takes_a_fixed_number_of_queries(
    manager_api: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(30):
        case = CaseFactory(assignee=None)
        _say(case.party, case=case, minutes_ago=n)
        _say(PartyFactory(), "in", "social", "whatsapp", minutes_ago=n)
    with django_assert_max_num_queries(8):
        response = manager_api.get("/inbox", {"scope": "all"})
    assert len(response.json()) == 60
