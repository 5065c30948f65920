"""Case facts and backlog snapshots against the hand-worked dataset of ``service_data``."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from fregues.analytics.facts_service import refresh_service_facts
from fregues.analytics.models import BacklogSnapshot, CaseFact
from fregues.analytics.refresh import RefreshWindow
from fregues.interactions.tests.factories import InteractionFactory
from fregues.service.models import Case

from .service_data import at, build

pytestmark = pytest.mark.django_db

UNTIL = at(6, 20)
TODAY = datetime.date(2026, 3, 6)


def full() -> RefreshWindow:
    return RefreshWindow(since=None, until=UNTIL, today=TODAY)


def test_case_facts_are_worked_out_per_case() -> None:
    data = build()
    c1, c2, c3, c4 = data["cases"]
    refresh_service_facts(full())
    f = {f.case_id: f for f in CaseFact.objects.all()}
    assert len(f) == 4
    assert (f[c1.pk].first_response_met, f[c1.pk].resolution_met) == (True, True)
    assert (f[c2.pk].first_response_met, f[c2.pk].resolution_met) == (False, False)
    assert (f[c3.pk].first_response_met, f[c3.pk].resolution_met) == (None, None)
    assert (f[c4.pk].first_response_met, f[c4.pk].resolution_met) == (None, False)
    assert [f[c.pk].first_contact_resolution for c in (c1, c2, c3, c4)] == [
        True,
        False,
        False,
        None,
    ]
    assert (f[c1.pk].contacts, f[c1.pk].inbound_contacts) == (2, 1)
    assert (f[c2.pk].inbound_contacts, f[c2.pk].avoidable_contacts) == (2, 1)
    assert f[c2.pk].avoidable_status_inquiry == 1
    assert [f[c.pk].reopened for c in (c1, c2, c3, c4)] == [0, 0, 1, 0]
    assert (f[c1.pk].csat_score, f[c2.pk].csat_score, f[c3.pk].csat_score) == (5, 3, None)
    assert f[c2.pk].quality_score == pytest.approx(65.0)  # (60 + 70) / 2
    assert f[c2.pk].quality_reviews == 2
    assert f[c1.pk].opened_date == datetime.date(2026, 3, 2)
    assert f[c1.pk].opened_week == datetime.date(2026, 3, 2)  # a Monday
    assert f[c3.pk].opened_week == datetime.date(2026, 3, 2)  # Wed 4 Mar
    assert f[c1.pk].opened_month == datetime.date(2026, 3, 1)
    assert f[c3.pk].resolved_date == datetime.date(2026, 3, 6)
    assert f[c4.pk].is_open and f[c4.pk].queue_id == data["q2"].pk


def test_backlog_snapshots_count_open_cases_by_age_each_day() -> None:
    data = build()
    refresh_service_facts(full())
    q1, q2 = data["q1"].pk, data["q2"].pk
    rows = {
        (r.day.day, r.queue_id): (
            r.open_count,
            r.age_under_1,
            r.age_1_3,
            r.age_3_7,
            r.age_7_30,
            r.age_30_plus,
        )
        for r in BacklogSnapshot.objects.all()
    }
    # case 1 opened and resolved on 2 Mar: never open at the end of a day;
    # case 2 open 3–6 Mar (Q1), case 3 open 4–5 Mar (Q2), case 4 open from 5 Mar (Q2)
    assert rows == {
        (3, q1): (1, 1, 0, 0, 0, 0),  # case 2, age 0
        (4, q1): (1, 0, 1, 0, 0, 0),  # case 2, age 1
        (4, q2): (1, 1, 0, 0, 0, 0),  # case 3, age 0
        (5, q1): (1, 0, 1, 0, 0, 0),  # case 2, age 2
        (5, q2): (2, 1, 1, 0, 0, 0),  # case 4 age 0, case 3 age 1
        (6, q1): (1, 0, 0, 1, 0, 0),  # case 2, age 3
        (6, q2): (1, 0, 1, 0, 0, 0),  # case 4, age 1
    }


def test_incremental_refresh_rewrites_only_the_changed_cases() -> None:
    data = build()
    c1, _c2, _c3, c4 = data["cases"]
    refresh_service_facts(full())
    before = dict(CaseFact.objects.values_list("case_id", "refreshed_at"))
    since = timezone.now()
    # a second inbound contact on case 1 (no longer first-contact resolution), case 4 resolved
    InteractionFactory(
        party=c1.party,
        direction="in",
        occurred_at=at(6),
        regarding_type="service.case",
        regarding_id=c1.pk,
    )
    Case.objects.filter(pk=c4.pk).update(
        is_open=False, resolved_at=at(7), updated_at=timezone.now()
    )
    refresh_service_facts(RefreshWindow(since=since, until=UNTIL, today=datetime.date(2026, 3, 7)))
    after = {f.case_id: f for f in CaseFact.objects.all()}
    assert after[c1.pk].first_contact_resolution is False
    assert not after[c4.pk].is_open
    unchanged = [pk for pk in before if pk not in (c1.pk, c4.pk)]
    assert all(after[pk].refreshed_at == before[pk] for pk in unchanged)
    # 6 Mar rewritten, 7 Mar added: case 4 resolved on 7 Mar is still open at the end of 6 Mar
    day7 = BacklogSnapshot.objects.filter(day=datetime.date(2026, 3, 7))
    assert sorted((r.queue_id, r.open_count) for r in day7) == [(data["q1"].pk, 1)]
    assert BacklogSnapshot.objects.get(day=TODAY, queue_id=data["q2"].pk).open_count == 1
