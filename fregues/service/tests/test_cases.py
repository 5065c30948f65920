"""Cases through their services: protocols, opening and joining ("one case, not two"),
circuits and forbidden moves, changes with versions, contacts attached, and assignment."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone, translation

from fregues.core.errors import Forbidden, Invalid, NotFound, VersionConflict
from fregues.core.models import AuditEntry, OutboxEvent
from fregues.interactions.models import Interaction
from fregues.interactions.services import interaction_record
from fregues.interactions.tests.factories import InteractionFactory
from fregues.parties.models import Party
from fregues.parties.tests.factories import AffiliationFactory, OrganizationFactory, PartyFactory
from fregues.service.models import (
    AvoidableContact,
    Case,
    CaseEvent,
    Queue,
    SatisfactionSurvey,
    TrackingVisit,
)
from fregues.service.selectors.cases import case_headline, my_work, open_cases_for_party
from fregues.service.services import (
    case_assign,
    case_attach_interaction,
    case_open,
    case_transition,
    case_update,
    cases_reassign,
)
from fregues.service.services.avoidable import infer_after_tracking_visit
from fregues.service.services.cases import allowed_transitions

from .conftest import at, deliver_outbox, make_customer
from .factories_cases import CaseFactory, QueueFactory, agents

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


# --- circuits ------------------------------------------------------------------------------


def test_allowed_transitions_follow_the_circuit(open_case: Callable, move: Callable) -> None:
    case = open_case()
    assert {t.to_status.code for t in allowed_transitions(case)} == {
        "triaged",
        "waiting_customer",
        "closed",
    }
    move(case, "triaged")
    case.refresh_from_db()
    assert {t.to_status.code for t in allowed_transitions(case)} == {
        "dispatched",
        "in_progress",
        "waiting_customer",
    }


def test_a_forbidden_transition_is_refused_with_the_allowed_ones(
    agent: Any, open_case: Callable, nothing_written: Callable
) -> None:
    case = open_case()
    with nothing_written(), pytest.raises(Invalid) as caught:
        case_transition(actor=agent, protocol=case.protocol, to_status="resolved")

    error = caught.value
    assert error.code == "forbidden_transition"
    assert "to_status" in error.errors
    assert set(error.details["allowed"]) == {"triaged", "waiting_customer", "closed"}
    assert "new" in error.message and "resolved" in error.message
    case.refresh_from_db()
    assert case.status.code == "new"


def test_an_unknown_status_is_refused_too(agent: Any, open_case: Callable) -> None:
    case = open_case()
    with pytest.raises(Invalid):
        case_transition(actor=agent, protocol=case.protocol, to_status="teleported")


def test_a_final_status_allows_nothing(
    agent: Any, licence: Any, customer: Party, move: Callable
) -> None:
    opened = case_open(
        actor=agent,
        party_id=customer.pk,
        case_type="licence-request",
        subject="Licença de obras",
        notify=False,
    )
    case = move(
        opened.case, "document_check", "technical_review", "legal_review", "decision", "issued"
    )
    with pytest.raises(Invalid) as caught:
        case_transition(actor=agent, protocol=case.protocol, to_status="decision")
    assert caught.value.details["allowed"] == []


def test_a_transition_with_a_stale_version_is_a_conflict(
    agent: Any, open_case: Callable, nothing_written: Callable
) -> None:
    case = open_case()
    with nothing_written(), pytest.raises(VersionConflict):
        case_transition(
            actor=agent, protocol=case.protocol, to_status="triaged", version=case.version - 1
        )


def test_an_unknown_protocol_is_not_found(agent: Any) -> None:
    with pytest.raises(NotFound):
        case_transition(actor=agent, protocol="2026-999999", to_status="triaged")


def test_a_transition_is_recorded_audited_and_stamps_the_times(
    agent: Any, open_case: Callable
) -> None:
    case = open_case(now=at(2026, 3, 2, 9))
    moved = case_transition(
        actor=agent,
        protocol=case.protocol,
        to_status="triaged",
        comment="Avaria no motor",
        version=case.version,
        now=at(2026, 3, 2, 9, 30),
    )

    assert moved.status.code == "triaged"
    assert moved.status_changed_at == at(2026, 3, 2, 9, 30)
    assert moved.first_responded_at == at(2026, 3, 2, 9, 30)
    assert moved.version == case.version + 1
    event = CaseEvent.objects.get(case=case, kind="transition")
    assert event.data == {"from": "new", "to": "triaged", "notifies": False}
    assert event.summary == "Avaria no motor" and event.is_public
    assert AuditEntry.objects.filter(entity_id=case.pk, summary__contains="new → triaged").exists()


def test_resolving_closing_and_reopening(open_case: Callable, move: Callable) -> None:
    case = open_case(now=at(2026, 3, 2, 9))
    case = move(case, "triaged", "in_progress", now=at(2026, 3, 2, 10))
    case = move(case, "resolved", now=at(2026, 3, 3, 10))
    assert not case.is_open and case.resolved_at == at(2026, 3, 3, 10)

    case = move(case, "in_progress", now=at(2026, 3, 4, 10))  # reopened
    assert case.is_open and case.resolved_at is None

    case = move(case, "resolved", now=at(2026, 3, 5, 10))
    case = move(case, "closed", now=at(2026, 3, 6, 10))
    assert not case.is_open
    assert case.closed_at == at(2026, 3, 6, 10)
    assert case.resolved_at == at(2026, 3, 5, 10)
    assert SatisfactionSurvey.objects.filter(case=case).count() == 1


def test_marketing_cannot_move_a_case(marketer: Any, open_case: Callable) -> None:
    case = open_case()
    with pytest.raises(Forbidden):
        case_transition(actor=marketer, protocol=case.protocol, to_status="triaged")


# --- changes ------------------------------------------------------------------------------


def test_changing_the_priority_recomputes_the_sla(agent: Any, open_case: Callable) -> None:
    case = open_case(now=at(2026, 3, 2, 9))  # normal: 45 business hours
    updated = case_update(
        actor=agent, protocol=case.protocol, data={"priority": "urgent"}, version=case.version
    )

    assert updated.priority == "urgent"
    assert updated.sla_policy.name == "Assistência técnica — prioridade urgente"
    assert updated.resolution_due == at(2026, 3, 3, 9)  # 9 business hours later
    assert updated.version == case.version + 1
    assert CaseEvent.objects.filter(case=case, kind="updated").count() == 1
    stored = Case.objects.get(pk=case.pk)
    assert (stored.priority, stored.resolution_due) == ("urgent", at(2026, 3, 3, 9))


def test_a_new_priority_keeps_the_time_waited_on_the_customer(
    agent: Any, open_case: Callable, move: Callable
) -> None:
    case = open_case(now=at(2026, 3, 2, 9))  # normal: resolution due Monday 9 March 09:00
    move(case, "waiting_customer", now=at(2026, 3, 3, 10))
    move(case, "triaged", now=at(2026, 3, 5, 10))  # two business days waited
    case.refresh_from_db()
    assert case.resolution_due == at(2026, 3, 11, 9)

    updated = case_update(
        actor=agent, protocol=case.protocol, data={"priority": "high"}, now=at(2026, 3, 5, 11)
    )
    # high: 18 business hours from the opening, plus the two days waited
    assert updated.resolution_due == at(2026, 3, 6, 9)
    stored = Case.objects.get(pk=case.pk)
    assert stored.resolution_due == at(2026, 3, 6, 9)


def test_a_new_priority_while_waiting_still_resumes_right(
    agent: Any, open_case: Callable, move: Callable
) -> None:
    case = open_case(now=at(2026, 3, 2, 9))
    move(case, "waiting_customer", now=at(2026, 3, 3, 10))
    case_update(
        actor=agent, protocol=case.protocol, data={"priority": "high"}, now=at(2026, 3, 4, 10)
    )
    move(case, "triaged", now=at(2026, 3, 5, 10))
    # high from Monday 09:00 is due Wednesday 09:00; 2 business days waited → Friday 09:00
    assert Case.objects.get(pk=case.pk).resolution_due == at(2026, 3, 6, 9)


def test_changes_are_validated_and_versioned(
    agent: Any, open_case: Callable, nothing_written: Callable
) -> None:
    case = open_case()
    with nothing_written(), pytest.raises(Invalid) as caught:
        case_update(
            actor=agent,
            protocol=case.protocol,
            data={
                "subject": " ",
                "priority": "asap",
                "queue_id": 999_999,
                "parent_id": case.pk,
                "reporter_id": 999_999,
            },
        )
    assert set(caught.value.errors) == {
        "subject",
        "priority",
        "queue_id",
        "parent_id",
        "reporter_id",
    }
    with nothing_written(), pytest.raises(VersionConflict):
        case_update(
            actor=agent, protocol=case.protocol, data={"subject": "Outro"}, version=case.version + 5
        )


def test_clearing_the_description_and_category(agent: Any, open_case: Callable) -> None:
    case = open_case(description="Desde ontem", category="Avaria")
    updated = case_update(
        actor=agent, protocol=case.protocol, data={"description": None, "category": None}
    )
    stored = Case.objects.get(pk=updated.pk)
    assert (stored.description, stored.category) == ("", "")


def test_too_long_texts_are_refused(
    agent: Any, open_case: Callable, nothing_written: Callable
) -> None:
    case = open_case()
    with nothing_written(), pytest.raises(Invalid) as caught:
        case_update(
            actor=agent, protocol=case.protocol, data={"subject": "s" * 301, "category": "c" * 81}
        )
    assert set(caught.value.errors) == {"subject", "category"}


def test_an_update_without_changes_writes_nothing(
    agent: Any, open_case: Callable, nothing_written: Callable
) -> None:
    case = open_case("Máquina de lavar não liga")
    with nothing_written():
        case_update(
            actor=agent, protocol=case.protocol, data={"subject": "Máquina de lavar não liga"}
        )
    case.refresh_from_db()
    assert case.version == 1


def test_a_case_can_be_marked_as_duplicate_of_another(agent: Any, open_case: Callable) -> None:
    first = open_case("Máquina de lavar não liga")
    second = open_case("Lavadora parada")
    updated = case_update(
        actor=agent, protocol=second.protocol, data={"duplicate_of_id": first.pk, "queue_id": None}
    )
    stored = Case.objects.get(pk=updated.pk)
    assert stored.duplicate_of_id == first.pk and stored.queue_id is None


# --- contacts attached ------------------------------------------------------------------


def test_a_status_inquiry_is_counted_as_avoidable(
    agent: Any, customer: Party, open_case: Callable
) -> None:
    case = open_case()
    call = InteractionFactory(
        party=customer, agent=agent, direction="in", subject="Qual o estado do meu pedido?"
    )
    case_attach_interaction(
        actor=agent, protocol=case.protocol, interaction_id=call.pk, status_inquiry=True
    )

    call.refresh_from_db()
    assert call.regarding_id == case.pk
    avoidable = AvoidableContact.objects.get(interaction=call)
    assert (avoidable.case_id, avoidable.reason) == (case.pk, "status_inquiry")
    # attaching it again does not count it twice
    case_attach_interaction(
        actor=agent, protocol=case.protocol, interaction_id=call.pk, status_inquiry=True
    )
    assert AvoidableContact.objects.count() == 1


def test_an_attached_contact_not_ticked_is_not_avoidable(
    agent: Any, customer: Party, open_case: Callable
) -> None:
    case = open_case()
    call = InteractionFactory(party=customer, agent=agent, direction="in")
    case_attach_interaction(actor=agent, protocol=case.protocol, interaction_id=call.pk)
    assert not AvoidableContact.objects.exists()


def test_an_outbound_reply_is_the_first_response(
    agent: Any, customer: Party, open_case: Callable
) -> None:
    case = open_case(now=at(2026, 3, 2, 9))
    reply = InteractionFactory(
        party=customer, agent=agent, direction="out", occurred_at=at(2026, 3, 2, 11)
    )
    case_attach_interaction(
        actor=agent, protocol=case.protocol, interaction_id=reply.pk, status_inquiry=True
    )
    case.refresh_from_db()
    assert case.first_responded_at == at(2026, 3, 2, 11)
    assert not AvoidableContact.objects.exists()  # an outbound contact is never avoidable


def test_attaching_an_unknown_contact_is_refused(
    agent: Any, open_case: Callable, nothing_written: Callable
) -> None:
    case = open_case()
    with nothing_written(), pytest.raises(Invalid) as caught:
        case_attach_interaction(actor=agent, protocol=case.protocol, interaction_id=999_999)
    assert "interaction_id" in caught.value.errors


def test_another_customers_contact_cannot_be_attached(
    agent: Any, open_case: Callable, nothing_written: Callable
) -> None:
    case = open_case()
    stranger = InteractionFactory(agent=agent)
    with nothing_written(), pytest.raises(Invalid) as caught:
        case_attach_interaction(actor=agent, protocol=case.protocol, interaction_id=stranger.pk)
    assert "interaction_id" in caught.value.errors


def test_a_contact_of_the_reporter_or_a_member_of_the_organisation_may_be_attached(
    agent: Any, open_case: Callable
) -> None:
    company = OrganizationFactory()
    member = AffiliationFactory(organization=company).person
    reporter = PartyFactory()
    case = open_case(party=company, reporter_id=reporter.pk)
    for person in (member, reporter):
        call = InteractionFactory(party=person, agent=agent, direction="in")
        case_attach_interaction(actor=agent, protocol=case.protocol, interaction_id=call.pk)
        call.refresh_from_db()
        assert call.regarding_id == case.pk
    member_call = InteractionFactory(party=member, agent=agent)
    opened = case_open(
        actor=agent,
        party_id=company.pk,
        case_type="licence-request",
        subject="Alvará",
        interaction_id=member_call.pk,
        notify=False,
    )
    assert opened.interaction == member_call


# --- avoidable contacts inferred after a look at the tracking page ----------------------


def visited(case: Case, hours_ago: float) -> None:
    visit = TrackingVisit.objects.create(case=case)
    TrackingVisit.objects.filter(pk=visit.pk).update(
        occurred_at=timezone.now() - datetime.timedelta(hours=hours_ago)
    )


def contact(party: Party, agent: Any, **fields: Any) -> Interaction:
    fields.setdefault("occurred_at", timezone.now())
    return InteractionFactory(party=party, agent=agent, **fields)


@pytest.mark.parametrize(
    ("hours_ago", "fields", "counted"),
    [
        (1, {}, True),
        (47.5, {"channel": "email"}, True),
        (49, {}, False),  # the visit is too old
        (1, {"direction": "out"}, False),  # we called them
        (1, {"channel": "portal"}, False),  # not a call for the status
    ],
)
def test_an_inbound_contact_after_a_tracking_visit_is_avoidable(
    agent: Any,
    customer: Party,
    open_case: Callable,
    hours_ago: float,
    fields: dict,
    counted: bool,
) -> None:
    case = open_case()
    visited(case, hours_ago)
    call = contact(customer, agent, **fields)
    found = infer_after_tracking_visit(call.pk)
    assert (found is not None) is counted
    if counted:
        assert (found.case_id, found.reason) == (case.pk, "after_tracking_visit")


def test_a_visit_to_a_closed_case_or_by_someone_else_does_not_count(
    agent: Any, customer: Party, open_case: Callable, move: Callable
) -> None:
    closed = open_case("Geladeira")
    visited(closed, 1)
    move(closed, "closed")
    other = make_customer(given="Bruno", email="bruno@exemplo.com.br", phone=None)
    visited(open_case("Forno", party=other), 1)
    assert infer_after_tracking_visit(contact(customer, agent).pk) is None


def test_the_inference_runs_when_the_contact_is_delivered(
    agent: Any, customer: Party, open_case: Callable, django_capture_on_commit_callbacks: Any
) -> None:
    case = open_case()
    visited(case, 2)
    with django_capture_on_commit_callbacks(execute=True):
        call = interaction_record(
            actor=agent, party_id=customer.pk, data={"channel": "phone", "direction": "in"}
        ).interaction
    deliver_outbox()
    assert AvoidableContact.objects.get(interaction=call).reason == "after_tracking_visit"
    # ticking it as well does not count it twice
    case_attach_interaction(
        actor=agent, protocol=case.protocol, interaction_id=call.pk, status_inquiry=True
    )
    assert AvoidableContact.objects.filter(interaction=call).count() == 1


# --- assignment -----------------------------------------------------------------------------


def test_round_robin_cycles_through_the_team(agent: Any, open_case: Callable) -> None:
    ana, bia, caio = agents(3)
    queue = QueueFactory(strategy=Queue.Strategy.ROUND_ROBIN, agents=[ana, bia, caio])

    assignees = [open_case(f"Pedido {n}", queue_id=queue.pk).assignee for n in range(7)]

    assert assignees == [ana, bia, caio, ana, bia, caio, ana]


def test_round_robin_skips_members_who_left(agent: Any, open_case: Callable) -> None:
    ana, bia, caio = agents(3)
    queue = QueueFactory(strategy=Queue.Strategy.ROUND_ROBIN, agents=[ana, bia, caio])
    assert open_case("Pedido 1", queue_id=queue.pk).assignee == ana
    bia.is_active = False
    bia.save()
    assert open_case("Pedido 2", queue_id=queue.pk).assignee == caio
    assert open_case("Pedido 3", queue_id=queue.pk).assignee == ana


def test_least_loaded_picks_the_member_with_fewest_open_cases(
    agent: Any, open_case: Callable
) -> None:
    ana, bia, caio = agents(3)
    queue = QueueFactory(strategy=Queue.Strategy.LEAST_LOADED, agents=[ana, bia, caio])
    CaseFactory.create_batch(3, assignee=ana)
    CaseFactory.create_batch(1, assignee=bia)
    CaseFactory.create_batch(5, assignee=bia, is_open=False)  # closed ones do not count
    CaseFactory.create_batch(2, assignee=caio)

    assert open_case("Pedido 1", queue_id=queue.pk).assignee == bia
    assert open_case("Pedido 2", queue_id=queue.pk).assignee == bia  # 2 each: lowest id
    assert open_case("Pedido 3", queue_id=queue.pk).assignee == caio  # bia 3, caio 2


def test_a_manual_queue_leaves_the_case_unassigned(agent: Any, open_case: Callable) -> None:
    queue = QueueFactory(strategy=Queue.Strategy.MANUAL, agents=agents(2))
    assert open_case(queue_id=queue.pk).assignee is None


def test_an_explicit_assignee_wins_over_the_queue(agent: Any, open_case: Callable) -> None:
    ana, bia = agents(2)
    queue = QueueFactory(strategy=Queue.Strategy.ROUND_ROBIN, agents=[ana])
    assert open_case(queue_id=queue.pk, assignee_id=bia.pk).assignee == bia


def test_assigning_by_hand_automatically_and_to_nobody(agent: Any, open_case: Callable) -> None:
    ana, bia = agents(2)
    queue = QueueFactory(strategy=Queue.Strategy.ROUND_ROBIN, agents=[ana, bia])
    case = open_case(queue_id=queue.pk)
    assert case.assignee == ana

    case = case_assign(
        actor=agent, protocol=case.protocol, assignee_id=agent.pk, version=case.version
    )
    assert case.assignee == agent
    case = case_assign(actor=agent, protocol=case.protocol, auto=True)
    assert case.assignee == bia
    case = case_assign(actor=agent, protocol=case.protocol)
    assert case.assignee is None
    events = CaseEvent.objects.filter(case=case, kind="assigned")
    assert [e.data["to"] for e in events] == [agent.pk, bia.pk, None]


def test_auto_assignment_needs_a_queue_with_agents(agent: Any, open_case: Callable) -> None:
    case = open_case(queue_id=QueueFactory(team=None).pk)
    with pytest.raises(Invalid) as caught:
        case_assign(actor=agent, protocol=case.protocol, auto=True)
    assert "auto" in caught.value.errors


def test_assigning_to_an_unknown_user_is_refused(
    agent: Any, open_case: Callable, nothing_written: Callable
) -> None:
    case = open_case()
    with nothing_written(), pytest.raises(Invalid):
        case_assign(actor=agent, protocol=case.protocol, assignee_id=999_999)


def test_a_salesperson_cannot_assign(salesperson: Any, open_case: Callable) -> None:
    case = open_case()
    with pytest.raises(Forbidden):
        case_assign(actor=salesperson, protocol=case.protocol, assignee_id=salesperson.pk)


def test_bulk_reassign_moves_every_case(agent: Any, open_case: Callable) -> None:
    (ana,) = agents(1)
    cases = [open_case(f"Pedido {n}", assignee_id=agent.pk) for n in range(3)]
    moved = cases_reassign(actor=agent, protocols=[c.protocol for c in cases], assignee_id=ana.pk)
    assert [c.assignee for c in moved] == [ana, ana, ana]
    assert Case.objects.filter(assignee=ana).count() == 3


def test_bulk_reassign_is_all_or_nothing(
    agent: Any, open_case: Callable, nothing_written: Callable
) -> None:
    (ana,) = agents(1)
    cases = [open_case(f"Pedido {n}", assignee_id=agent.pk) for n in range(2)]
    with nothing_written(), pytest.raises(Invalid) as caught:
        cases_reassign(
            actor=agent,
            protocols=[cases[0].protocol, "2026-999999", cases[1].protocol],
            assignee_id=ana.pk,
        )
    assert "protocols" in caught.value.errors
    assert Case.objects.filter(assignee=agent).count() == 2
    with pytest.raises(Invalid):
        cases_reassign(actor=agent, protocols=[], assignee_id=ana.pk)


def test_bulk_reassign_takes_each_case_once(agent: Any, open_case: Callable) -> None:
    (ana,) = agents(1)
    first, second = open_case("Pedido 1"), open_case("Pedido 2")
    moved = cases_reassign(
        actor=agent,
        protocols=[second.protocol, first.protocol, second.protocol],
        assignee_id=ana.pk,
    )
    assert [c.protocol for c in moved] == [second.protocol, first.protocol]
    assert CaseEvent.objects.filter(kind="assigned").count() == 2


def test_my_work_orders_by_sla_due_and_paused_last(
    agent: Any, open_case: Callable, move: Callable
) -> None:
    normal = open_case(
        "Pedido normal", priority="normal", assignee_id=agent.pk, now=at(2026, 3, 2, 9)
    )
    urgent = open_case(
        "Pedido urgente", priority="urgent", assignee_id=agent.pk, now=at(2026, 3, 2, 10)
    )
    low = open_case(
        "Pedido sem pressa", priority="low", assignee_id=agent.pk, now=at(2026, 3, 2, 8)
    )
    waiting = open_case(
        "Pedido à espera", priority="urgent", assignee_id=agent.pk, now=at(2026, 3, 2, 8)
    )
    move(waiting, "waiting_customer", now=at(2026, 3, 2, 8, 30))
    closed = open_case("Pedido encerrado", priority="urgent", assignee_id=agent.pk)
    move(closed, "closed")
    CaseFactory(assignee=agents(1)[0])  # somebody else's

    assert [c.pk for c in my_work(actor=agent)] == [urgent.pk, normal.pk, low.pk, waiting.pk]


def test_my_work_finds_the_most_urgent_among_many(agent: Any, customer: Party, tech: Any) -> None:
    new = tech.circuit.statuses.get(is_initial=True)
    Case.objects.bulk_create(
        Case(
            protocol=f"2026-{500000 + n}",
            tracking_code="ABCDEFGH",
            party=customer,
            channel="phone",
            case_type=tech,
            status=new,
            status_changed_at=at(2026, 3, 2),
            subject=f"Pedido {n}",
            assignee=agent,
            resolution_due=at(2026, 6, 1),
        )
        for n in range(1001)
    )
    oldest = CaseFactory(party=customer, assignee=agent, resolution_due=at(2026, 3, 3))
    Case.objects.filter(pk=oldest.pk).update(created_at=at(2025, 1, 1))

    assert my_work(actor=agent, limit=5)[0].pk == oldest.pk
