"""Service reports: SLA compliance per queue, agent and case type; avoidable contacts per
week and case type."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from fregues.core.errors import Forbidden, Invalid
from fregues.interactions.tests.factories import InteractionFactory
from fregues.parties.models import Party
from fregues.service.models import AvoidableContact, Case, Queue
from fregues.service.selectors.reports import avoidable_contacts_weekly, sla_compliance
from fregues.service.services import (
    case_attach_interaction,
    case_open,
    case_transition,
    sla_sweep,
)
from fregues.service.services.avoidable import avoidable_contact_record

from .conftest import at
from .factories_cases import CaseFactory, QueueFactory, agents

pytestmark = pytest.mark.django_db

MARCH = {"since": at(2026, 3, 1), "until": at(2026, 4, 1)}


@pytest.fixture
def measured(agent: Any, customer: Party) -> dict[str, Any]:
    """Five urgent cases opened Monday 2 March 2026 09:00 (first response due 10:00,
    resolution due Tuesday 09:00), swept on Wednesday noon:

    Norte — c1 (ana) answered 09:30, resolved Monday 15:00: on time;
            c2 (ana) answered 09:30, resolved Wednesday 10:00: resolution late;
            c3 (bia) never touched: both targets breached.
    Sul   — c4 (bia) answered 11:00, resolved Monday 16:00: first response late;
            c5 (bia) waiting on the customer since 09:15: paused, on time.
    """
    ana, bia = agents(2)
    ana.username, bia.username = "ana", "bia"
    ana.save()
    bia.save()
    north = QueueFactory(name="Norte", strategy=Queue.Strategy.MANUAL)
    south = QueueFactory(name="Sul", strategy=Queue.Strategy.MANUAL)
    cases = {}
    for name, assignee, queue in [
        ("c1", ana, north),
        ("c2", ana, north),
        ("c3", bia, north),
        ("c4", bia, south),
        ("c5", bia, south),
    ]:
        cases[name] = case_open(
            actor=agent,
            party_id=customer.pk,
            case_type="technical-assistance",
            subject=f"Pedido {name}",
            priority="urgent",
            queue_id=queue.pk,
            assignee_id=assignee.pk,
            now=at(2026, 3, 2, 9),
            force_new=True,
            notify=False,
        ).case

    def walk(name: str, *steps: tuple[str, datetime.datetime]) -> None:
        for status, when in steps:
            case_transition(actor=agent, protocol=cases[name].protocol, to_status=status, now=when)

    walk(
        "c1",
        ("triaged", at(2026, 3, 2, 9, 30)),
        ("in_progress", at(2026, 3, 2, 10)),
        ("resolved", at(2026, 3, 2, 15)),
    )
    walk(
        "c2",
        ("triaged", at(2026, 3, 2, 9, 30)),
        ("in_progress", at(2026, 3, 2, 10)),
        ("resolved", at(2026, 3, 4, 10)),
    )
    walk(
        "c4",
        ("triaged", at(2026, 3, 2, 11)),
        ("in_progress", at(2026, 3, 2, 12)),
        ("resolved", at(2026, 3, 2, 16)),
    )
    walk("c5", ("waiting_customer", at(2026, 3, 2, 9, 15)))
    sla_sweep(now=at(2026, 3, 4, 12))
    # outside the period, and without a policy: not measured
    CaseFactory(queue=north, assignee=ana)
    return cases


def test_sla_compliance_per_queue(manager: Any, measured: dict[str, Any]) -> None:
    assert sla_compliance(actor=manager, by="queue", **MARCH) == [
        {
            "group": "Norte",
            "cases": 3,
            "resolved": 2,
            "resolution_breached": 2,
            "first_response_breached": 1,
            "resolution_compliance": 33.3,
            "first_response_compliance": 66.7,
        },
        {
            "group": "Sul",
            "cases": 2,
            "resolved": 1,
            "resolution_breached": 0,
            "first_response_breached": 1,
            "resolution_compliance": 100.0,
            "first_response_compliance": 50.0,
        },
    ]


def test_sla_compliance_per_agent(manager: Any, measured: dict[str, Any]) -> None:
    rows = sla_compliance(actor=manager, by="agent", **MARCH)
    assert [
        (r["group"], r["cases"], r["resolution_compliance"], r["first_response_compliance"])
        for r in rows
    ] == [
        ("ana", 2, 50.0, 100.0),
        ("bia", 3, 66.7, 33.3),
    ]


def test_sla_compliance_per_case_type(manager: Any, measured: dict[str, Any]) -> None:
    (row,) = sla_compliance(actor=manager, by="case_type", **MARCH)
    assert row["group"] == "Assistência técnica"
    assert (
        row["cases"],
        row["resolved"],
        row["resolution_breached"],
        row["first_response_breached"],
    ) == (5, 3, 2, 2)
    assert (row["resolution_compliance"], row["first_response_compliance"]) == (60.0, 60.0)


def test_sla_compliance_counts_cases_opened_in_the_period(
    manager: Any, measured: dict[str, Any]
) -> None:
    assert sla_compliance(actor=manager, since=at(2026, 4, 1), until=at(2026, 5, 1)) == []
    assert sla_compliance(actor=manager) == []  # the last 90 days


def test_sla_compliance_needs_a_known_grouping_and_a_manager(agent: Any, manager: Any) -> None:
    with pytest.raises(Invalid):
        sla_compliance(actor=manager, by="moon")
    with pytest.raises(Forbidden):
        sla_compliance(actor=agent)


def test_avoidable_contacts_per_week_and_case_type(
    agent: Any, manager: Any, customer: Party, open_case: Any
) -> None:
    tech_case = open_case("Máquina de lavar não liga", now=at(2026, 3, 2, 9))
    licence_case = open_case("Licença de obras", case_type="licence-request", now=at(2026, 3, 2, 9))

    def inquiry(case: Case, when: datetime.datetime) -> None:
        call = InteractionFactory(party=customer, agent=agent, direction="in", occurred_at=when)
        case_attach_interaction(
            actor=agent, protocol=case.protocol, interaction_id=call.pk, status_inquiry=True
        )

    inquiry(tech_case, at(2026, 3, 3, 10))
    inquiry(tech_case, at(2026, 3, 6, 17))
    inquiry(licence_case, at(2026, 3, 4, 10))
    case_open(
        actor=agent,
        party_id=customer.pk,
        case_type="technical-assistance",
        subject="Máquina de lavar continua sem ligar",
        now=at(2026, 3, 5, 10),
    )
    late_call = InteractionFactory(party=customer, direction="in", occurred_at=at(2026, 3, 9, 10))
    avoidable_contact_record(
        case=tech_case, interaction=late_call, reason=AvoidableContact.Reason.AFTER_TRACKING_VISIT
    )
    InteractionFactory(party=customer, direction="in", occurred_at=at(2026, 3, 10))  # not avoidable

    rows = avoidable_contacts_weekly(actor=manager, **MARCH)
    assert [(r["week"], r["case_type"], r["reason"], r["contacts"]) for r in rows] == [
        (datetime.date(2026, 3, 2), "Assistência técnica", "repeat_report", 1),
        (datetime.date(2026, 3, 2), "Assistência técnica", "status_inquiry", 2),
        (datetime.date(2026, 3, 2), "Pedido de licença", "status_inquiry", 1),
        (datetime.date(2026, 3, 9), "Assistência técnica", "after_tracking_visit", 1),
    ]
    assert (
        avoidable_contacts_weekly(actor=manager, since=at(2026, 3, 9), until=at(2026, 3, 16))[0][
            "contacts"
        ]
        == 1
    )
    with pytest.raises(Forbidden):
        avoidable_contacts_weekly(actor=agent)
