"""The pivot's facts, against the hand-computed dataset of ``pivot_data``."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from fregues.analytics.models import InteractionFact, OrderFact
from fregues.analytics.services.refresh import analytics_refresh
from fregues.interactions.models import Interaction
from fregues.sales.models import Order
from fregues.sales.tests.factories import OrderFactory, add_lines

from .pivot_data import local, make_dataset, refresh_facts

pytestmark = pytest.mark.django_db


def _orders() -> list[tuple]:
    return sorted(
        (
            f.party_id,
            f.product_id or 0,
            f.category,
            f.month.isoformat(),
            f.revenue,
            f.quantity,
            f.cost,
            f.margin,
            f.orders,
        )
        for f in OrderFact.objects.all()
    )


def test_full_refresh_writes_the_hand_computed_facts() -> None:
    d = make_dataset()
    refresh_facts()
    a, b, c, p1, p2 = d["a"].pk, d["b"].pk, d["c"].pk, d["p1"].pk, d["p2"].pk
    D = Decimal
    assert _orders() == sorted(
        [
            (a, p1, "Eletro", "2026-01-01", D("200"), D("2"), D("120"), D("80"), D("0.5")),
            (a, p2, "Móveis", "2026-01-01", D("50"), D("1"), D("30"), D("20"), D("0.5")),
            (b, p1, "Eletro", "2026-01-01", D("100"), D("1"), D("60"), D("40"), D("0.5")),
            (b, 0, "", "2026-01-01", D("20"), D("1"), D("0"), D("0"), D("0.5")),
            # 40 USD × 5.00 (the rate valid on 2026-02-05); cost 30 × 5.00 = 150
            (c, p2, "Móveis", "2026-02-01", D("200"), D("1"), D("150"), D("50"), D("1")),
        ]
    )
    contacts = sorted(
        (f.party_id, f.channel, f.direction, f.month.isoformat(), f.contacts, f.duration_seconds)
        for f in InteractionFact.objects.all()
    )
    assert contacts == sorted(
        [
            (a, "phone", "in", "2026-01-01", 2, 600),
            (b, "email", "in", "2026-01-01", 1, 0),
            (c, "phone", "out", "2026-02-01", 1, 600),
        ]
    )


def test_incremental_refresh_rebuilds_only_the_changed_customers() -> None:
    d = make_dataset()
    start = timezone.now() - datetime.timedelta(hours=1)
    long_ago = start - datetime.timedelta(days=2)
    Order.objects.update(updated_at=long_ago)
    Interaction.objects.update(updated_at=long_ago)
    analytics_refresh(actor=None, full=True, only=["pivot_facts"], now=start)
    # a stale row of A's that an incremental refresh must leave alone (A did not change)
    OrderFact.objects.filter(party_id=d["a"].pk, product_id=d["p2"].pk).update(revenue=999)
    order = OrderFactory(party=d["b"], ordered_at=local(2026, 3, 2), currency="USD")
    add_lines(order, [(d["p2"], "2", "10")])  # 20 USD × 5.50 = 110
    analytics_refresh(actor=None, only=["pivot_facts"], now=timezone.now())
    b_rows = OrderFact.objects.filter(party_id=d["b"].pk).order_by("month", "category")
    assert [(r.month.isoformat(), r.category, r.revenue) for r in b_rows] == [
        ("2026-01-01", "", Decimal("20")),
        ("2026-01-01", "Eletro", Decimal("100")),
        ("2026-03-01", "Móveis", Decimal("110")),
    ]
    assert OrderFact.objects.get(party_id=d["a"].pk, product_id=d["p2"].pk).revenue == 999
