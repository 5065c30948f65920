"""The backfill: set-based, idempotent, and the same as applying the rules order by order."""

from __future__ import annotations

import datetime
import io
import json
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fregues.core.models import AuditEntry
from fregues.parties.models import LifecycleMove, Party
from fregues.parties.tests.factories import PartyFactory
from fregues.sales.models import LifecycleRule
from fregues.sales.services.lifecycle_backfill import dormant_sweep, lifecycle_backfill
from fregues.sales.services.lifecycle_rules import lifecycle_rules_apply
from fregues.sales.tests.factories import OrderFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)
LONG_AGO = NOW - datetime.timedelta(days=5000)


def days_ago(n: float) -> datetime.datetime:
    return NOW - datetime.timedelta(days=n)


def party(stage: str = "suspect") -> Party:
    return PartyFactory(lifecycle_stage=stage, lifecycle_changed_at=LONG_AGO)


def order(p: Party, at: datetime.datetime, paid: bool = False, status: str = "confirmed") -> Any:
    return OrderFactory(
        party=p, ordered_at=at, payment_state="paid" if paid else "unpaid", status=status
    )


def stage(p: Party) -> str:
    return Party.objects.values_list("lifecycle_stage", flat=True).get(pk=p.pk)


def rule_moves(p: Party) -> list[tuple[str, str]]:
    return list(
        LifecycleMove.objects.filter(party=p)
        .exclude(cause_type="")
        .order_by("id")
        .values_list("from_stage", "to_stage")
    )


def test_backfill_moves_each_customer_from_its_history_with_reasons_and_causes() -> None:
    buyer, client, lapsed, nothing = party(), party("prospect"), party(), party()
    first = order(buyer, days_ago(20), paid=True)
    order(client, days_ago(100), paid=True)
    again = order(client, days_ago(30))
    order(lapsed, days_ago(800), paid=True)
    last = order(lapsed, days_ago(700), paid=True)
    order(nothing, days_ago(5))
    result = lifecycle_backfill(now=NOW)
    assert (stage(buyer), stage(client), stage(lapsed), stage(nothing)) == (
        "buyer",
        "client",
        "inactive",
        "suspect",
    )
    assert result.parties_read == 4 and result.parties_moved == 3
    assert result.by_move == {
        "suspect→buyer": 1,
        "prospect→client": 1,
        "suspect→client": 1,
        "client→inactive": 1,
    }
    move = LifecycleMove.objects.get(party=buyer, to_stage="buyer")
    assert (move.cause_type, move.cause_id) == ("sales.order", first.pk)
    assert first.number in move.reason
    assert LifecycleMove.objects.get(party=client, to_stage="client").cause_id == again.pk
    gone = LifecycleMove.objects.get(party=lapsed, to_stage="inactive")
    assert gone.cause_id == last.pk and last.number in gone.reason
    assert rule_moves(lapsed) == [("suspect", "client"), ("client", "inactive")]
    refreshed = Party.objects.get(pk=buyer.pk)
    assert refreshed.version == buyer.version + 1
    assert refreshed.lifecycle_changed_at == NOW
    entry = AuditEntry.objects.get(entity_type="sales.lifecyclerule")
    assert entry.changes["moves"]["suspect→buyer"] == 1 and entry.changes["parties"] == 3


def test_a_second_run_moves_nothing() -> None:
    p, q = party(), party("inactive")
    order(p, days_ago(20), paid=True)
    order(q, days_ago(3), paid=True)
    assert lifecycle_backfill(now=NOW).moves == 2
    again = lifecycle_backfill(now=NOW)
    assert (again.moves, again.parties_moved, again.parties_read) == (0, 0, 2)
    assert AuditEntry.objects.filter(entity_type="sales.lifecyclerule").count() == 1


def test_dry_run_counts_and_writes_nothing(unchanged: Any) -> None:
    p = party()
    order(p, days_ago(20), paid=True)
    order(p, days_ago(10), paid=True)
    with unchanged():
        result = lifecycle_backfill(now=NOW, dry_run=True)
    assert result.by_move == {"suspect→client": 1}
    assert stage(p) == "suspect"


def test_batches_cover_every_party_and_one_party_alone() -> None:
    parties = [party() for _ in range(7)]
    for p in parties:
        order(p, days_ago(9), paid=True)
    assert lifecycle_backfill(now=NOW, party_id=parties[3].pk).moves == 1
    assert stage(parties[3]) == "buyer" and stage(parties[2]) == "suspect"
    result = lifecycle_backfill(now=NOW, batch_size=2)
    assert result.moves == 6 and result.batches >= 4
    assert {stage(p) for p in parties} == {"buyer"}


def test_backfill_respects_allowed_moves_and_forward_only() -> None:
    advocate, lost, client = party("advocate"), party("lost"), party("client")
    for p in (advocate, lost, client):
        order(p, days_ago(60), paid=True)
        order(p, days_ago(30), paid=True)
    lifecycle_backfill(now=NOW)
    assert stage(advocate) == "advocate" and stage(client) == "client"
    # lost → client is not an allowed move: through buyer
    assert rule_moves(lost) == [("lost", "buyer"), ("buyer", "client")]


def test_a_party_changed_meanwhile_is_left_alone() -> None:
    from fregues.sales.services import lifecycle_backfill as module

    p = party()
    order(p, days_ago(5), paid=True)
    real = module.read_facts

    def stale(*args: Any, **kwargs: Any) -> Any:
        facts = real(*args, **kwargs)
        Party.objects.filter(pk=p.pk).update(version=99)
        return facts

    with mock.patch.object(module, "read_facts", stale):
        assert lifecycle_backfill(now=NOW).moves == 0
    assert stage(p) == "suspect"


def test_rules_switched_off_move_nobody() -> None:
    LifecycleRule.objects.filter(kind__in=["first_paid_order", "repeat_order", "dormant"]).update(
        is_active=False
    )
    p = party()
    order(p, days_ago(5), paid=True)
    assert lifecycle_backfill(now=NOW).moves == 0


def test_the_command_prints_counts_and_json() -> None:
    p = party()
    order(p, days_ago(5), paid=True)
    out = io.StringIO()
    call_command("lifecycle", "backfill", "--dry-run", stdout=out)
    assert "would move 1" in out.getvalue() and "suspect→buyer" in out.getvalue()
    assert stage(p) == "suspect"
    out = io.StringIO()
    call_command("lifecycle", "backfill", "--json", stdout=out)
    assert json.loads(out.getvalue())["by_move"] == {"suspect→buyer": 1}
    out = io.StringIO()
    call_command("lifecycle", "backfill", "--party", str(p.pk), "--json", stdout=out)
    assert json.loads(out.getvalue())["moves"] == 0
    out = io.StringIO()
    call_command("lifecycle", "sweep", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {"moves": 0}


# --- the property: the backfill gives what the rules give, applied order by order -----------

history = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=1600),  # days before NOW
        st.booleans(),  # paid
        st.sampled_from(["confirmed", "confirmed", "confirmed", "cancelled"]),
    ),
    max_size=6,
)


def _replay(p: Party, orders: list[tuple[int, bool, str]]) -> None:
    """What happens live: the daily sweep runs, each order is written (and the rules applied)
    on the day it is placed, the clock at that day."""
    for days, paid, status in sorted(orders, key=lambda o: -o[0]):
        at = days_ago(days)
        dormant_sweep(now=at)
        with mock.patch("django.utils.timezone.now", return_value=at):
            order(p, at, paid, status)
            lifecycle_rules_apply(party_ids=[p.pk], cause_type="sales.order", now=at)
    dormant_sweep(now=NOW)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    start=st.sampled_from(["suspect", "prospect", "inactive", "lost"]),
    orders=history,
    window=st.sampled_from([30, 365, 500]),
    months=st.sampled_from([3, 12]),
)
def test_backfill_equals_the_rules_applied_order_by_order(
    start: str, orders: list[tuple[int, bool, str]], window: int, months: int
) -> None:
    LifecycleRule.objects.filter(kind="repeat_order").update(window_days=window)
    LifecycleRule.objects.filter(kind="dormant").update(months=months)
    live, later = party(start), party(start)
    Party.objects.filter(pk__in=[live.pk, later.pk]).update(lifecycle_changed_at=LONG_AGO)
    _replay(live, orders)
    for days, paid, status in orders:
        order(later, days_ago(days), paid, status)
    lifecycle_backfill(now=NOW, party_id=later.pk)
    assert stage(later) == stage(live), (orders, rule_moves(live), rule_moves(later))
    assert lifecycle_backfill(now=NOW, party_id=later.pk).moves == 0
    assert lifecycle_rules_apply(party_ids=[later.pk, live.pk], now=NOW) == []
