"""The customer's answer on a case takes it out of waiting on them, by the case's circuit."""

from __future__ import annotations

from typing import Any

import pytest

from fregues.core.errors import Conflict, Invalid
from fregues.interactions.models import Interaction
from fregues.service.models import CaseEvent
from fregues.service.services import case_open, case_transition
from fregues.service.services.replies import case_customer_reply

pytestmark = pytest.mark.django_db


def test_an_answer_moves_a_licence_request_back_to_the_document_check(
    agent: Any, customer: Any
) -> None:
    case = case_open(
        actor=agent, party_id=customer.pk, case_type="licence-request", subject="Licença de obras"
    ).case
    case_transition(actor=agent, protocol=case.protocol, to_status="document_check")
    case_transition(actor=agent, protocol=case.protocol, to_status="waiting_customer")
    actor = f"portal:{customer.pk}"
    reply = case_customer_reply(
        actor=actor, protocol=case.protocol, party_id=customer.pk, body="Segue a escritura."
    )
    case.refresh_from_db()
    assert case.status.code == "document_check" and case.sla_paused_at is None
    assert reply.channel == "portal" and reply.regarding_id == case.pk
    move = CaseEvent.objects.filter(case=case, kind="transition").last()
    assert move is not None and move.actor_name == actor and move.is_public


def test_an_answer_on_an_open_case_moves_nothing_and_a_closed_case_takes_none(
    agent: Any, customer: Any
) -> None:
    case = case_open(
        actor=agent, party_id=customer.pk, case_type="technical-assistance", subject="TV"
    ).case
    case_customer_reply(actor=agent, protocol=case.protocol, party_id=customer.pk, body="Oi")
    case.refresh_from_db()
    assert case.status.code == "new"
    with pytest.raises(Invalid):
        case_customer_reply(actor=agent, protocol=case.protocol, party_id=customer.pk, body=" ")
    case_transition(actor=agent, protocol=case.protocol, to_status="closed")
    before = Interaction.objects.count()
    with pytest.raises(Conflict):
        case_customer_reply(actor=agent, protocol=case.protocol, party_id=customer.pk, body="E?")
    assert Interaction.objects.count() == before
