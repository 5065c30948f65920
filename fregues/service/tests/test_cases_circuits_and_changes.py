"""Cases through their services: circuits and forbidden moves, and changes with versions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fregues.core.errors import Forbidden, Invalid, NotFound, VersionConflict
from fregues.core.models import AuditEntry
from fregues.parties.models import Party
from fregues.service.models import Case, CaseEvent, SatisfactionSurvey
from fregues.service.services import case_open, case_transition, case_update
from fregues.service.services.cases import allowed_transitions

from .conftest import at

pytestmark = pytest.mark.django_db


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
