"""Cases through their services: assignment by queue strategy, by hand and in bulk, and my
work."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fregues.core.errors import Forbidden, Invalid
from fregues.parties.models import Party
from fregues.service.models import Case, CaseEvent, Queue
from fregues.service.selectors.cases import my_work
from fregues.service.services import case_assign, cases_reassign

from .conftest import at
from .factories_cases import CaseFactory, QueueFactory, agents

pytestmark = pytest.mark.django_db


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
