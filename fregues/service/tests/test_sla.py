"""SLA policies and the sweep, with fixed clocks on the seeded Brazilian calendar
(Monday–Friday 08:00–12:00 and 13:00–18:00 in São Paulo, national holidays off).

Seeded technical-assistance targets (first response / resolution, business hours): urgent 1/9,
high 4/18, normal 8/45, low 18/90, gold customers 2/18; licence requests 18/270; any other
case 8/45 ("Padrão").
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from fregues.core.models import AuditEntry
from fregues.parties.models import Party
from fregues.service.clock import WorkingTime
from fregues.service.models import BusinessCalendar, CalendarHoliday, Case, CaseEvent, SlaPolicy
from fregues.service.services import case_open, case_transition, sla_sweep
from fregues.service.services.sla import sla_policy_for, sla_state
from fregues.service.tasks import sla_sweep_task

from .conftest import at, make_customer
from .factories_cases import SlaPolicyFactory, br_calendar, case_type

pytestmark = pytest.mark.django_db


def policy_name(case: Case) -> str:
    return case.sla_policy.name if case.sla_policy else ""


# --- choosing the policy ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("priority", "tier", "expected"),
    [
        ("normal", "", "Assistência técnica — prioridade normal"),
        ("urgent", "", "Assistência técnica — prioridade urgente"),
        ("low", "", "Assistência técnica — prioridade baixa"),
        # a gold customer gets the gold standard, or the priority's when that is stricter
        ("normal", "gold", "Assistência técnica — cliente ouro"),
        ("low", "gold", "Assistência técnica — cliente ouro"),
        ("urgent", "gold", "Assistência técnica — prioridade urgente"),
        ("normal", "silver", "Assistência técnica — prioridade normal"),
    ],
)
def test_the_policy_is_chosen_by_type_priority_and_tier(
    tech: Any, priority: str, tier: str, expected: str
) -> None:
    policy = sla_policy_for(tech.pk, priority, tier)
    assert policy is not None and policy.name == expected


def test_a_type_without_its_own_policy_gets_the_default(tech: Any) -> None:
    SlaPolicy.objects.filter(case_type=tech).delete()
    assert sla_policy_for(tech.pk, "urgent", "gold").name == "Padrão"


def test_the_most_specific_policy_wins_and_inactive_ones_never(tech: Any) -> None:
    exact = SlaPolicyFactory(
        name="Ouro urgente",
        case_type=tech,
        priority="urgent",
        customer_tier="gold",
        resolution_minutes=2000,
    )
    assert sla_policy_for(tech.pk, "urgent", "gold") == exact  # even if laxer
    exact.is_active = False
    exact.save()
    assert (
        sla_policy_for(tech.pk, "urgent", "gold").name == "Assistência técnica — prioridade urgente"
    )


def test_without_any_policy_a_case_has_no_targets(agent: Any, customer: Party) -> None:
    SlaPolicy.objects.all().delete()
    case = case_open(
        actor=agent,
        party_id=customer.pk,
        case_type="technical-assistance",
        subject="Máquina de lavar não liga",
        notify=False,
    ).case
    assert case.sla_policy is None
    assert case.first_response_due is None and case.resolution_due is None
    assert sla_sweep(now=at(2027, 1, 1)) == {"warnings": 0, "breaches": 0, "escalations": 0}


def test_the_tier_is_read_from_the_customer(agent: Any) -> None:
    gold = make_customer(tier="gold")
    case = case_open(
        actor=agent,
        party_id=gold.pk,
        case_type="technical-assistance",
        subject="Máquina de lavar não liga",
        now=at(2026, 3, 2, 9),
        notify=False,
    ).case
    assert policy_name(case) == "Assistência técnica — cliente ouro"
    assert case.first_response_due == at(2026, 3, 2, 11)
    assert case.resolution_due == at(2026, 3, 4, 9)  # 18 h = two working days


# --- due dates in business time ---------------------------------------------------------


def open_at(
    actor: Any,
    party: Party,
    when: Any,
    priority: str = "urgent",
    kind: str = "technical-assistance",
) -> Case:
    return case_open(
        actor=actor,
        party_id=party.pk,
        case_type=kind,
        priority=priority,
        subject=f"Pedido {when:%d%H%M} {priority}",
        now=when,
        force_new=True,
        notify=False,
    ).case


def test_due_dates_skip_the_lunch_break_and_the_weekend(agent: Any, customer: Party) -> None:
    case = open_at(agent, customer, at(2026, 4, 17, 16))  # Friday 16:00, urgent 1 h / 9 h
    assert case.first_response_due == at(2026, 4, 17, 17)
    # Friday 2 h, Monday 08–12 4 h, 13–16 3 h
    assert case.resolution_due == at(2026, 4, 20, 16)


def test_due_dates_skip_national_holidays(agent: Any, customer: Party) -> None:
    # Monday 20 April 17:00; Tuesday 21 April is Tiradentes.
    case = open_at(agent, customer, at(2026, 4, 20, 17))
    assert case.first_response_due == at(2026, 4, 20, 18)
    assert case.resolution_due == at(2026, 4, 22, 17)  # 1 h Monday, 8 h Wednesday


def test_due_dates_skip_good_friday_and_the_weekend(agent: Any, customer: Party) -> None:
    # Thursday 2 April 17:00, high priority (4 h / 18 h); Friday 3 April is Good Friday.
    case = open_at(agent, customer, at(2026, 4, 2, 17), priority="high")
    assert case.first_response_due == at(2026, 4, 6, 11)
    assert case.resolution_due == at(2026, 4, 7, 17)  # 1 h + 9 h Mon + 8 h Tue = 18 h


def test_a_local_holiday_of_the_calendar_counts(agent: Any, customer: Party) -> None:
    CalendarHoliday.objects.create(
        calendar=br_calendar(), date=at(2026, 1, 25).date(), name="Aniversário de São Paulo"
    )  # a Sunday anyway
    CalendarHoliday.objects.create(
        calendar=br_calendar(), date=at(2026, 2, 17).date(), name="Carnaval"
    )  # optional nationally: closed here
    case = open_at(agent, customer, at(2026, 2, 16, 17))  # Monday before Carnival
    assert case.first_response_due == at(2026, 2, 16, 18)
    assert case.resolution_due == at(2026, 2, 18, 17)


def test_a_case_opened_at_night_starts_the_clock_at_the_opening(
    agent: Any, customer: Party
) -> None:
    case = open_at(agent, customer, at(2026, 3, 6, 22))  # Friday night
    assert case.first_response_due == at(2026, 3, 9, 9)  # Monday 08:00 + 1 h


# --- pausing while waiting on the customer ----------------------------------------------


def test_waiting_on_the_customer_pauses_and_resuming_moves_the_due_dates(
    agent: Any, customer: Party
) -> None:
    case = open_at(agent, customer, at(2026, 3, 2, 9), priority="normal")  # 8 h / 45 h
    assert case.first_response_due == at(2026, 3, 2, 18)
    assert case.resolution_due == at(2026, 3, 9, 9)

    case = case_transition(
        actor=agent, protocol=case.protocol, to_status="waiting_customer", now=at(2026, 3, 3, 10)
    )
    assert case.sla_paused_at == at(2026, 3, 3, 10)
    assert sla_state(case, at(2026, 3, 4, 10)) == "paused"

    # Two business days later the customer answers: the targets move by two business days.
    case = case_transition(
        actor=agent, protocol=case.protocol, to_status="in_progress", now=at(2026, 3, 5, 10)
    )
    stored = Case.objects.get(pk=case.pk)
    assert stored.sla_paused_at is None
    assert stored.resolution_due == at(2026, 3, 11, 9)


def test_a_pause_over_the_weekend_costs_only_the_working_time(agent: Any, customer: Party) -> None:
    case = open_at(agent, customer, at(2026, 3, 2, 9), priority="normal")
    case_transition(
        actor=agent, protocol=case.protocol, to_status="waiting_customer", now=at(2026, 3, 6, 17)
    )  # Friday 17:00
    case_transition(
        actor=agent, protocol=case.protocol, to_status="triaged", now=at(2026, 3, 9, 9)
    )  # Monday 09:00: 2 working hours waited
    stored = Case.objects.get(pk=case.pk)
    assert stored.resolution_due == at(2026, 3, 9, 11)


def test_a_pause_after_the_due_date_forgives_nothing(agent: Any, customer: Party) -> None:
    case = open_at(agent, customer, at(2026, 3, 2, 9))  # urgent: resolution Tue 09:00
    case_transition(
        actor=agent, protocol=case.protocol, to_status="waiting_customer", now=at(2026, 3, 4, 9)
    )
    case_transition(
        actor=agent, protocol=case.protocol, to_status="in_progress", now=at(2026, 3, 6, 9)
    )
    assert Case.objects.get(pk=case.pk).resolution_due == at(2026, 3, 3, 9)


def test_the_sweep_ignores_paused_cases(agent: Any, customer: Party) -> None:
    case = open_at(agent, customer, at(2026, 3, 2, 9))
    case_transition(
        actor=agent, protocol=case.protocol, to_status="waiting_customer", now=at(2026, 3, 2, 9, 30)
    )
    assert sla_sweep(now=at(2026, 3, 20, 9)) == {"warnings": 0, "breaches": 0, "escalations": 0}


def test_licence_documents_awaited_pause_the_clock(agent: Any, customer: Party) -> None:
    case = open_at(
        agent, customer, at(2026, 3, 2, 8), priority="normal", kind="licence-request"
    )  # 18 h / 270 h
    assert policy_name(case) == "Pedido de licença"
    before = case.resolution_due
    case_transition(
        actor=agent, protocol=case.protocol, to_status="document_check", now=at(2026, 3, 2, 9)
    )
    case_transition(
        actor=agent, protocol=case.protocol, to_status="waiting_customer", now=at(2026, 3, 3, 8)
    )
    case_transition(
        actor=agent, protocol=case.protocol, to_status="document_check", now=at(2026, 3, 10, 8)
    )  # a whole working week waited
    stored = Case.objects.get(pk=case.pk)
    clock = WorkingTime.for_calendar(br_calendar())
    assert clock.minutes_between(before, stored.resolution_due) == 5 * 9 * 60


# --- the sweep: warnings, breaches, escalation -------------------------------------------


@pytest.fixture
def urgent_case(agent: Any, manager: Any) -> Case:
    """An urgent case of a customer whose relationship manager is ``manager``, opened Monday
    2 March 2026 09:00: first response due 10:00, resolution due Tuesday 09:00."""
    party = make_customer(owner=manager)
    return open_at(agent, party, at(2026, 3, 2, 9))


def test_a_warning_is_recorded_once_near_the_due_date(urgent_case: Case) -> None:
    # 80 % warning: at most 108 of 540 business minutes left.
    assert sla_sweep(now=at(2026, 3, 2, 9, 30))["warnings"] == 0
    urgent_case.first_responded_at = at(2026, 3, 2, 9, 30)
    urgent_case.save()
    assert sla_sweep(now=at(2026, 3, 2, 17, 11))["warnings"] == 0  # 109 minutes left
    assert sla_sweep(now=at(2026, 3, 2, 17, 12))["warnings"] == 1  # 108 minutes left
    assert sla_sweep(now=at(2026, 3, 2, 17, 30))["warnings"] == 0
    assert sla_sweep(now=at(2026, 3, 2, 17, 40))["warnings"] == 0
    case = Case.objects.get(pk=urgent_case.pk)
    assert case.sla_warned_at == at(2026, 3, 2, 17, 12)
    assert sla_state(case, at(2026, 3, 2, 17, 40)) == "warning"
    assert CaseEvent.objects.filter(case=case, kind="sla_warning").count() == 1


def test_breaches_are_recorded_once_however_often_the_sweep_runs(
    urgent_case: Case, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = sla_sweep(now=at(2026, 3, 2, 10, 1))  # first response missed
    assert first == {"warnings": 0, "breaches": 1, "escalations": 0}
    for minute in (5, 10, 15):
        assert sla_sweep(now=at(2026, 3, 2, 10, minute))["breaches"] == 0

    with django_capture_on_commit_callbacks(execute=True):
        later = sla_sweep(now=at(2026, 3, 3, 9))  # resolution missed: escalate
    assert later["breaches"] == 1 and later["escalations"] == 1
    for _ in range(3):
        assert sla_sweep(now=at(2026, 3, 3, 9, 5)) == {
            "warnings": 0,
            "breaches": 0,
            "escalations": 0,
        }
    case = Case.objects.get(pk=urgent_case.pk)
    assert case.first_response_breached_at == at(2026, 3, 2, 10, 1)
    assert case.resolution_breached_at == at(2026, 3, 3, 9)
    assert sla_state(case, at(2026, 3, 3, 9, 5)) == "breached"
    breaches = CaseEvent.objects.filter(case=case, kind="sla_breach")
    assert sorted(e.data["target"] for e in breaches) == ["first_response", "resolution"]
    assert AuditEntry.objects.filter(entity_id=case.pk, summary__startswith="SLA").count() == 2


def test_escalation_goes_to_the_relationship_manager_then_the_quality_managers(
    urgent_case: Case, manager: Any, make_user: Callable, django_capture_on_commit_callbacks: Any
) -> None:
    quality = [make_user("quality_manager"), make_user("quality_manager")]
    make_user("quality_manager", is_active=False)
    urgent_case.first_responded_at = at(2026, 3, 2, 9, 30)
    urgent_case.save()

    with django_capture_on_commit_callbacks(execute=True):
        sla_sweep(now=at(2026, 3, 3, 9, 1))
    case = Case.objects.get(pk=urgent_case.pk)
    assert case.escalation_level == 1
    assert [m.to for m in mail.outbox] == [[manager.email]]
    assert case.protocol in mail.outbox[0].subject

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sla_sweep(now=at(2026, 3, 3, 13, 0))  # 4 h overdue: not yet half the target
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        sla_sweep(now=at(2026, 3, 3, 14, 30))  # 4.5 h overdue: half of 9 h
        sla_sweep(now=at(2026, 3, 3, 15))
    case.refresh_from_db()
    assert case.escalation_level == 2
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == sorted(u.email for u in quality)
    escalations = CaseEvent.objects.filter(case=case, kind="escalated")
    assert [e.data["level"] for e in escalations] == [1, 2]
    assert escalations[0].data["to"] == [manager.pk]


def test_a_late_sweep_escalates_both_levels_at_once(
    urgent_case: Case, make_user: Callable, django_capture_on_commit_callbacks: Any
) -> None:
    make_user("quality_manager")
    with django_capture_on_commit_callbacks(execute=True):
        counts = sla_sweep(now=at(2026, 3, 10, 9))
    assert counts == {"warnings": 0, "breaches": 2, "escalations": 2}
    assert len(mail.outbox) == 2


def test_without_a_relationship_manager_level_one_is_recorded_without_mail(
    agent: Any, customer: Party, django_capture_on_commit_callbacks: Any
) -> None:
    case = open_at(agent, customer, at(2026, 3, 2, 9))
    with django_capture_on_commit_callbacks(execute=True):
        sla_sweep(now=at(2026, 3, 3, 9, 1))
    assert Case.objects.get(pk=case.pk).escalation_level == 1
    assert mail.outbox == []


def test_closed_cases_are_not_swept(agent: Any, customer: Party) -> None:
    case = open_at(agent, customer, at(2026, 3, 2, 9))
    case_transition(
        actor=agent, protocol=case.protocol, to_status="closed", now=at(2026, 3, 2, 9, 30)
    )
    assert sla_sweep(now=at(2026, 3, 20))["breaches"] == 0
    assert sla_state(Case.objects.get(pk=case.pk), at(2026, 3, 20)) == "met"


def test_the_sweep_task_runs_the_sweep(urgent_case: Case) -> None:
    result = sla_sweep_task.enqueue()
    assert result.return_value == {"warnings": 0, "breaches": 2, "escalations": 2}


def test_the_policy_calendar_may_be_another_country(agent: Any, customer: Party) -> None:
    lisbon = BusinessCalendar.objects.get(country="PT")
    SlaPolicyFactory(
        name="Licença PT",
        case_type=case_type("licence-request"),
        customer_tier="pt",
        first_response_minutes=60,
        resolution_minutes=420,
        calendar=lisbon,
    )
    customer.tier = "pt"
    customer.save()
    # Friday 5 June 2026 16:00 in Lisbon; 10 June (Portugal Day) is a holiday.
    start = datetime.datetime(2026, 6, 9, 16, tzinfo=ZoneInfo("Europe/Lisbon"))
    case = open_at(agent, customer, start, priority="normal", kind="licence-request")
    assert policy_name(case) == "Licença PT"
    # Tue 16:00–17:30 = 1.5 h; Wed 10 June closed; Thu 11 June 09:00 + 5.5 h → 16:00
    expected = datetime.datetime(2026, 6, 11, 16, tzinfo=ZoneInfo("Europe/Lisbon"))
    assert case.resolution_due == expected
