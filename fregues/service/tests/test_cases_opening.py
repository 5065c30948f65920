"""Cases through their services: protocols, opening a case, and joining ("one case, not
two")."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import override_settings
from django.utils import translation

from fregues.core.errors import Forbidden, Invalid
from fregues.core.models import AuditEntry, OutboxEvent
from fregues.interactions.models import Interaction
from fregues.interactions.tests.factories import InteractionFactory
from fregues.parties.models import Party
from fregues.parties.tests.factories import PartyFactory
from fregues.service.models import AvoidableContact, Case, CaseEvent
from fregues.service.selectors.cases import case_headline, open_cases_for_party
from fregues.service.services import case_open

from .conftest import at, make_customer

pytestmark = pytest.mark.django_db


PROTOCOL = re.compile(r"^2026-\d{6}$")


# --- protocols ---------------------------------------------------------------------------


def test_protocols_are_readable_sequential_numbers_of_the_year(open_case: Callable) -> None:
    first = open_case("Máquina de lavar não liga", now=at(2026, 3, 2, 9))
    second = open_case("Geladeira fazendo barulho", now=at(2026, 3, 2, 9, 5))

    assert first.protocol == "2026-000001"
    assert second.protocol == "2026-000002"
    assert PROTOCOL.match(first.protocol)


def test_the_protocol_year_is_the_local_year(open_case: Callable) -> None:
    # 31 Dec 23:30 in São Paulo is already 1 January in UTC.
    late = open_case("Pedido de fim de ano", now=at(2025, 12, 31, 23, 30))
    early = open_case("Pedido de ano novo", now=at(2026, 1, 1, 0, 30))

    assert late.protocol == "2025-000001"
    assert early.protocol == "2026-000001"


@override_settings(PROTOCOL_PREFIX="SAC-")
def test_the_protocol_prefix_comes_from_settings(open_case: Callable) -> None:
    case = open_case(now=at(2026, 3, 2, 9))
    assert case.protocol == "SAC-2026-000001"


def test_every_case_gets_a_secret_tracking_code(open_case: Callable) -> None:
    codes = {open_case(f"Pedido {n}").tracking_code for n in range(5)}
    assert len(codes) == 5
    for code in codes:
        assert re.fullmatch(r"[A-HJ-NP-Z2-9]{8}", code)


# --- opening -------------------------------------------------------------------------------


def test_opening_a_case_records_the_contact_the_event_and_the_audit(
    agent: Any, customer: Party, tech: Any
) -> None:
    opened = case_open(
        actor=agent,
        party_id=customer.pk,
        case_type="technical-assistance",
        subject="  Máquina de lavar não liga  ",
        description="Desde ontem.",
        channel="phone",
        priority="high",
        category="Avaria",
        now=at(2026, 3, 2, 9),
        notify=False,
    )
    case = Case.objects.get(pk=opened.case.pk)

    assert opened.created is True
    assert case.subject == "Máquina de lavar não liga"
    assert case.status.code == "new" and case.is_open
    assert case.case_type == tech
    assert case.queue == tech.default_queue
    assert case.created_by == agent
    assert case.created_at == at(2026, 3, 2, 9)
    assert case.sla_policy is not None and case.resolution_due is not None
    contact = opened.interaction
    assert contact is not None
    assert (contact.channel, contact.direction) == ("phone", "in")
    assert (contact.regarding_type, contact.regarding_id) == ("service.case", case.pk)
    assert contact.party_id == customer.pk
    created = CaseEvent.objects.get(case=case, kind="created")
    assert created.is_public and created.actor == agent
    assert AuditEntry.objects.filter(
        entity_type="service.case", entity_id=case.pk, action="create"
    ).exists()
    assert OutboxEvent.objects.filter(name="case.opened", payload__case_id=case.pk).exists()


def test_opening_links_a_contact_already_recorded(
    agent: Any, customer: Party, django_capture_on_commit_callbacks: Any
) -> None:
    call = InteractionFactory(party=customer, agent=agent, subject="Ligação")
    opened = case_open(
        actor=agent,
        party_id=customer.pk,
        case_type="technical-assistance",
        subject="Máquina de lavar não liga",
        interaction_id=call.pk,
        notify=False,
    )

    call.refresh_from_db()
    assert opened.interaction == call
    assert (call.regarding_type, call.regarding_id) == ("service.case", opened.case.pk)
    assert Interaction.objects.filter(party=customer).count() == 1


def test_a_case_of_a_merged_party_goes_to_the_survivor(agent: Any, customer: Party) -> None:
    tombstone = PartyFactory(merged_into=customer)
    opened = case_open(
        actor=agent,
        party_id=tombstone.pk,
        case_type="technical-assistance",
        subject="Máquina de lavar não liga",
        notify=False,
    )
    assert opened.case.party_id == customer.pk


def test_another_customers_contact_cannot_open_a_case(
    agent: Any, customer: Party, nothing_written: Callable
) -> None:
    stranger_call = InteractionFactory(agent=agent)
    with nothing_written(), pytest.raises(Invalid) as caught:
        case_open(
            actor=agent,
            party_id=customer.pk,
            case_type="technical-assistance",
            subject="Máquina de lavar não liga",
            interaction_id=stranger_call.pk,
        )
    assert "interaction_id" in caught.value.errors


def test_the_case_type_may_be_given_by_id(agent: Any, customer: Party, licence: Any) -> None:
    opened = case_open(
        actor=agent,
        party_id=customer.pk,
        case_type=licence.pk,
        subject="Licença de obras",
        notify=False,
    )
    assert opened.case.status.code == "submitted"


def test_bad_input_is_refused_whole_and_nothing_is_written(
    agent: Any, nothing_written: Callable
) -> None:
    with nothing_written(), pytest.raises(Invalid) as caught:
        case_open(
            actor=agent,
            party_id=999_999,
            case_type="no-such-type",
            subject="  ",
            channel="pigeon",
            priority="whenever",
            reporter_id=999_998,
            queue_id=999_997,
            assignee_id=999_996,
            interaction_id=999_995,
            parent_id=999_994,
        )

    assert set(caught.value.errors) == {
        "subject",
        "case_type",
        "channel",
        "priority",
        "party_id",
        "reporter_id",
        "queue_id",
        "assignee_id",
        "interaction_id",
        "parent_id",
    }


def test_a_subject_longer_than_300_characters_is_refused(agent: Any, customer: Party) -> None:
    with pytest.raises(Invalid) as caught:
        case_open(
            actor=agent, party_id=customer.pk, case_type="technical-assistance", subject="x" * 301
        )
    assert "subject" in caught.value.errors


def test_marketing_cannot_open_cases(
    marketer: Any, customer: Party, nothing_written: Callable
) -> None:
    with nothing_written(), pytest.raises(Forbidden):
        case_open(
            actor=marketer,
            party_id=customer.pk,
            case_type="technical-assistance",
            subject="Catálogo",
        )


def test_a_salesperson_may_open_a_case(salesperson: Any, customer: Party) -> None:
    opened = case_open(
        actor=salesperson,
        party_id=customer.pk,
        case_type="technical-assistance",
        subject="Forno não aquece",
        channel="visit",
        notify=False,
    )
    assert opened.created and opened.interaction.channel == "visit"


# --- one case, not two -------------------------------------------------------------------


def test_a_second_report_of_an_open_case_joins_it(
    agent: Any, salesperson: Any, customer: Party, open_case: Callable
) -> None:
    first = open_case("Máquina de lavar não liga", now=at(2026, 3, 2, 9))
    version = first.version

    again = case_open(
        actor=salesperson,
        party_id=customer.pk,
        case_type="technical-assistance",
        subject="A máquina de lavar não liga",
        channel="visit",
        description="Reclamou na visita.",
        now=at(2026, 3, 5, 15),
    )

    assert again.created is False
    assert again.case.pk == first.pk
    assert again.similar and again.similar[0].pk == first.pk
    assert Case.objects.filter(party=customer).count() == 1
    report = again.interaction
    assert (report.regarding_type, report.regarding_id) == ("service.case", first.pk)
    assert report.channel == "visit" and report.direction == "in"
    assert report.agent == salesperson
    avoidable = AvoidableContact.objects.get(interaction=report)
    assert (avoidable.case_id, avoidable.reason) == (first.pk, "repeat_report")
    joined = CaseEvent.objects.get(case=first, kind="report_joined")
    assert joined.data["interaction_id"] == report.pk
    first.refresh_from_db()
    assert first.version == version + 1


@pytest.mark.parametrize(
    ("case_type", "subject"),
    [
        ("licence-request", "Máquina de lavar não liga"),  # another type
        ("technical-assistance", "Instalação de ar condicionado no escritório"),  # unlike
    ],
)
def test_a_different_request_opens_a_new_case(
    agent: Any, customer: Party, open_case: Callable, case_type: str, subject: str
) -> None:
    first = open_case("Máquina de lavar não liga")
    opened = case_open(
        actor=agent, party_id=customer.pk, case_type=case_type, subject=subject, notify=False
    )
    assert opened.created and opened.case.pk != first.pk


def test_a_closed_case_is_not_joined(
    agent: Any, customer: Party, open_case: Callable, move: Callable
) -> None:
    first = open_case("Máquina de lavar não liga")
    move(first, "closed")
    opened = case_open(
        actor=agent,
        party_id=customer.pk,
        case_type="technical-assistance",
        subject="Máquina de lavar não liga",
        notify=False,
    )
    assert opened.created and opened.case.pk != first.pk


def test_another_customers_case_is_not_joined(agent: Any, open_case: Callable) -> None:
    open_case("Máquina de lavar não liga")
    other = make_customer(given="Bruno", email="bruno@exemplo.com.br", phone=None)
    opened = case_open(
        actor=agent,
        party_id=other.pk,
        case_type="technical-assistance",
        subject="Máquina de lavar não liga",
        notify=False,
    )
    assert opened.created


def test_force_new_opens_a_separate_case(agent: Any, customer: Party, open_case: Callable) -> None:
    first = open_case("Máquina de lavar não liga")
    opened = case_open(
        actor=agent,
        party_id=customer.pk,
        case_type="technical-assistance",
        subject="Máquina de lavar não liga",
        force_new=True,
        notify=False,
    )
    assert opened.created and opened.case.pk != first.pk
    assert not AvoidableContact.objects.exists()


def test_the_customer_page_shows_open_cases_with_a_headline(
    agent: Any, customer: Party, open_case: Callable, move: Callable
) -> None:
    old = open_case("Geladeira", now=at(2026, 3, 1, 9))
    move(old, "closed")
    case = open_case("Máquina de lavar não liga", now=at(2026, 3, 2, 9))
    move(case, "triaged", "dispatched", now=at(2026, 3, 2, 10))
    case.refresh_from_db()

    shown = open_cases_for_party(actor=agent, party_id=customer.pk)

    assert [c.pk for c in shown] == [case.pk]
    with translation.override("en"):
        headline = case_headline(case, now=at(2026, 3, 5, 11))
    assert headline == f"{case.protocol} — Dispatched to partner 3 days ago"
