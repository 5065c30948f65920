"""A small sales and lifecycle dataset for the retention reports (2026, local time
America/Sao_Paulo, UTC-3)."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fregues.parties.models import LifecycleMove
from fregues.parties.tests.factories import PartyFactory
from fregues.sales.tests.factories import OrderFactory

LOCAL = ZoneInfo("America/Sao_Paulo")


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=LOCAL)


def build_orders() -> list[Any]:
    """P1 orders in Jan, Feb and Mar (cohort Jan); P2 twice in Jan and in Mar (cohort Jan);
    P3 in Feb and a cancelled order in Mar (cohort Feb, the cancelled one does not count);
    P4 on 28 Feb at 23:30 local time (1 Mar in UTC: still February) and in Apr (cohort Feb)."""
    p1, p2, p3, p4 = (PartyFactory() for _ in range(4))
    for party, when, status in (
        (p1, at(1, 10), "confirmed"),
        (p1, at(2, 5), "confirmed"),
        (p1, at(3, 20), "fulfilled"),
        (p2, at(1, 15), "confirmed"),
        (p2, at(1, 20), "confirmed"),
        (p2, at(3, 1), "confirmed"),
        (p3, at(2, 2), "confirmed"),
        (p3, at(3, 3), "cancelled"),
        (p4, at(2, 28, 23, 30), "confirmed"),
        (p4, at(4, 2), "confirmed"),
    ):
        OrderFactory(party=party, ordered_at=when, status=status)
    return [p1, p2, p3, p4]


def build_moves() -> list[Any]:
    """P1 suspect 1 Jan → prospect 11 Jan (10 days) → buyer 31 Jan (20 days) → client 2 Mar
    (30 days); P2 prospect 5 Jan → buyer 15 Jan (10 days); P3 suspect 1 Feb → lost 21 Feb
    (20 days); P4 prospect 1 Feb → buyer 4 Feb (3 days)."""
    parties = [PartyFactory() for _ in range(4)]
    LifecycleMove.objects.filter(party__in=parties).delete()
    plan = {
        0: [
            ("suspect", at(1, 1)),
            ("prospect", at(1, 11)),
            ("buyer", at(1, 31)),
            ("client", at(3, 2)),
        ],
        1: [("prospect", at(1, 5)), ("buyer", at(1, 15))],
        2: [("suspect", at(2, 1)), ("lost", at(2, 21))],
        3: [("prospect", at(2, 1)), ("buyer", at(2, 4))],
    }
    for i, steps in plan.items():
        previous = ""
        for stage, when in steps:
            LifecycleMove.objects.create(
                party=parties[i], from_stage=previous, to_stage=stage, occurred_at=when
            )
            previous = stage
    return parties
