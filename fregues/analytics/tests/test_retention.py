"""Cohort retention and the lifecycle funnel against hand-worked data (``retention_data``)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from fregues.analytics.models import CohortCell, LifecycleSpell, PartyMonthActivity
from fregues.analytics.refresh import RefreshWindow
from fregues.analytics.retention import refresh_retention
from fregues.analytics.selectors.retention import cohort_retention, lifecycle_funnel
from fregues.parties.models import LifecycleMove
from fregues.sales.models import Order
from fregues.sales.tests.factories import OrderFactory

from .retention_data import at, build_moves, build_orders

pytestmark = pytest.mark.django_db

JAN, FEB, MAR, APR = (datetime.date(2026, m, 1) for m in (1, 2, 3, 4))


def full() -> RefreshWindow:
    return RefreshWindow(since=None, until=timezone.now(), today=datetime.date(2026, 4, 30))


def test_cohort_triangle_from_orders() -> None:
    build_orders()
    refresh_retention(full())
    assert set(CohortCell.objects.values_list("cohort_month", "month", "customers")) == {
        (JAN, JAN, 2),  # P1, P2
        (JAN, FEB, 1),  # P1
        (JAN, MAR, 2),  # P1, P2
        (FEB, FEB, 2),  # P3, P4 (P4's 28 Feb 23:30 local is February)
        (FEB, APR, 1),  # P4 (P3's March order was cancelled)
    }
    report = cohort_retention(actor=None, month_from=JAN, month_to=APR)
    assert report["offsets"] == 3
    jan, feb = report["cohorts"]
    assert jan["customers"] == 2
    # Jan: 2/2 = 100 %, Feb: 1/2 = 50 %, Mar: 2/2 = 100 %
    assert [(m["customers"], m["pct"]) for m in jan["months"]] == [
        (2, 100.0),
        (1, 50.0),
        (2, 100.0),
    ]
    # Feb: 2/2, Mar: 0/2, Apr: 1/2
    assert [(m["customers"], m["pct"]) for m in feb["months"]] == [(2, 100.0), (0, 0.0), (1, 50.0)]


def test_activity_is_rebuilt_only_for_parties_with_new_orders() -> None:
    p1, _p2, p3, _p4 = build_orders()
    refresh_retention(full())
    since = timezone.now()
    OrderFactory(party=p3, ordered_at=at(3, 10))  # P3 now ordered again in March
    Order.objects.filter(party=p1).update(updated_at=since - datetime.timedelta(days=1))
    refresh_retention(
        RefreshWindow(since=since, until=timezone.now(), today=datetime.date(2026, 4, 30))
    )
    assert set(
        PartyMonthActivity.objects.filter(party=p3).values_list("month", "cohort_month")
    ) == {
        (FEB, FEB),
        (MAR, FEB),
    }
    assert CohortCell.objects.get(cohort_month=FEB, month=MAR).customers == 1


def test_lifecycle_funnel_and_time_in_stage() -> None:
    build_moves()
    refresh_retention(full())
    assert LifecycleSpell.objects.count() == LifecycleMove.objects.count() == 10
    report = lifecycle_funnel(
        actor=None, date_from=datetime.date(2026, 1, 1), date_to=datetime.date(2026, 3, 31)
    )
    rows = {r["stage"]: r for r in report["stages"]}
    # entered: suspect P1, P3; prospect P1, P2, P4; buyer P1, P2, P4; client P1; advocate none
    assert [rows[s]["entered"] for s in ("suspect", "prospect", "buyer", "client", "advocate")] == [
        2,
        3,
        3,
        1,
        0,
    ]
    # moved on: suspect 1 of 2 (P3 was lost), prospect 3 of 3, buyer 1 of 3, client 0 of 1
    assert [rows[s]["conversion_pct"] for s in ("suspect", "prospect", "buyer", "client")] == [
        50.0,
        100.0,
        33.3,
        0.0,
    ]
    assert rows["advocate"]["conversion_pct"] is None
    assert rows["suspect"]["step_pct"] == 150.0  # 3 prospects entered per 2 suspects
    # days in stage: suspect 10 (P1), 20 (P3) → median 15, mean 15; prospect 20 (P1),
    # 10 (P2), 3 (P4) → median 10, mean 33/3 = 11; buyer 30 (P1; P2 and P4 still are) → 30
    assert (rows["suspect"]["median_days"], rows["suspect"]["average_days"]) == (15.0, 15.0)
    assert (rows["prospect"]["median_days"], rows["prospect"]["average_days"]) == (10.0, 11.0)
    assert (rows["buyer"]["median_days"], rows["buyer"]["average_days"]) == (30.0, 30.0)
    assert rows["client"]["median_days"] is None


def test_new_moves_are_read_incrementally() -> None:
    parties = build_moves()
    refresh_retention(full())
    LifecycleMove.objects.create(
        party=parties[1], from_stage="buyer", to_stage="client", occurred_at=at(3, 15)
    )
    refresh_retention(
        RefreshWindow(since=timezone.now(), until=timezone.now(), today=datetime.date(2026, 4, 30))
    )
    spell = LifecycleSpell.objects.get(party=parties[1], stage="buyer")
    assert spell.next_stage == "client"
    # 15 Jan 10:00 → 15 Mar 10:00 = 59 days (no DST in Brazil in 2026)
    assert spell.days == pytest.approx(59.0)
