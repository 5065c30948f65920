"""RFM quintiles and segments, profitability quadrants and the reasons a customer loses money,
on small portfolios whose figures are worked out by hand."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from fregues.analytics.facts_customers import customer_facts_refresh
from fregues.analytics.models import CustomerFact
from fregues.analytics.refresh import RefreshWindow
from fregues.analytics.value_scores import (
    RFM_SEGMENTS,
    profitability_refresh,
    rfm_refresh,
    rfm_segment_of,
)
from fregues.interactions.tests.factories import InteractionFactory
from fregues.parties.tests.factories import PartyFactory
from fregues.service.models import AvoidableContact, Queue
from fregues.service.tests.factories_cases import CaseFactory

from .value_data import TODAY, at, costs, order

pytestmark = pytest.mark.django_db
D = Decimal


def window(since: datetime.datetime | None = None) -> RefreshWindow:
    return RefreshWindow(since, timezone.now(), TODAY)


def refresh_all() -> None:
    customer_facts_refresh(window())
    rfm_refresh(window())
    profitability_refresh(window())


def test_the_segment_map_covers_every_cell() -> None:
    cells = {(r, f): rfm_segment_of(r, f) for r in range(1, 6) for f in range(1, 6)}
    assert all(cells.values())
    assert cells[(1, 1)] == "lost" and cells[(2, 2)] == "hibernating"
    assert cells[(5, 5)] == "champions" and cells[(1, 5)] == "cant_lose"
    assert {code for code, _r, _f in RFM_SEGMENTS} == set(cells.values())


def rfm_portfolio() -> dict[str, object]:
    """Five buyers (last order, orders, net per order) and one who never bought:
    A: 1 Jun, 1 × 500 = 500 · B: 1 May, 5 × 10 = 50 · C: 1 Apr, 3 × 30 = 90
    D: 1 Mar, 4 × 40 = 160 · E: 1 Feb, 2 × 100 = 200.
    Recency (latest = 5): A5 B4 C3 D2 E1. Frequency: A1 E2 C3 D4 B5.
    Monetary: B1 (50) C2 (90) D3 (160) E4 (200) A5 (500)."""
    spec = {
        "A": (at(2026, 6, 1), 1, "500"),
        "B": (at(2026, 5, 1), 5, "10"),
        "C": (at(2026, 4, 1), 3, "30"),
        "D": (at(2026, 3, 1), 4, "40"),
        "E": (at(2026, 2, 1), 2, "100"),
    }
    parties: dict[str, object] = {}
    for name, (last, count, net) in spec.items():
        party = PartyFactory(name=name)
        order(party, last, net)
        for n in range(count - 1):
            order(party, at(2026, 1, 1 + n), net)
        parties[name] = party
    parties["F"] = PartyFactory(name="F")
    return parties


def test_rfm_quintiles_and_segments() -> None:
    parties = rfm_portfolio()
    customer_facts_refresh(window())
    rfm_refresh(window())
    got = {
        f.party.name: (f.rfm_recency, f.rfm_frequency, f.rfm_monetary, f.rfm_segment)
        for f in CustomerFact.objects.select_related("party")
    }
    assert got == {
        "A": (5, 1, 5, "new_customers"),
        "B": (4, 5, 1, "loyal"),
        "C": (3, 3, 2, "need_attention"),
        "D": (2, 4, 3, "at_risk"),
        "E": (1, 2, 4, "hibernating"),
        "F": (None, None, None, ""),
    }
    # nothing moved: a second run writes nothing
    assert rfm_refresh(window()) == 0
    assert parties


def test_quadrants_split_at_the_medians_of_active_customers() -> None:
    """Gross margin / cost to serve: W 1000/10, X 800/300, Y 100/5, Z 50/400, N inactive.
    Medians over W X Y Z: margin (100 + 800) / 2 = 450, cost (10 + 300) / 2 = 155."""
    now = timezone.now()
    rows = {"W": ("1000", "10"), "X": ("800", "300"), "Y": ("100", "5"), "Z": ("50", "400")}
    for name, (revenue, cost) in rows.items():
        CustomerFact.objects.create(
            party=PartyFactory(name=name),
            orders_count=1,
            revenue=D(revenue),
            cost_to_serve=D(cost),
            profit=D(revenue) - D(cost),
            refreshed_at=now,
        )
    CustomerFact.objects.create(party=PartyFactory(name="N"), refreshed_at=now, quadrant="loss")
    profitability_refresh(window())
    got = dict(CustomerFact.objects.values_list("party__name", "quadrant"))
    assert got == {
        "W": "champions",
        "X": "demanding",
        "Y": "cheap_to_keep",
        "Z": "loss",
        "N": "",
    }


def test_the_reasons_a_customer_loses_money() -> None:
    """U: 4 orders of net 20 (gross 25, discount 5), each 1 × 19 of cost, and a cancelled one:
    revenue 80, cost of goods 76, margin 4 (5 % of revenue), discounts 20 / 100 = 20 %,
    average order 20. Three inbound calls about one case (support, 60 min each → 180 min ×
    60/h = 180.00; calls 3 × 5.00 = 15.00), one of them avoidable, two beyond the first.
    Cost to serve 195.00 > margin 4; profit 80 − 76 − 195 = −191.
    V: one order of 10 that cost 30: margin −20, profit −20."""
    costs()
    u = PartyFactory(name="U")
    for n in range(4):
        order(u, at(2026, 2, 1 + n), "20", discount="5", lines=[("1", "19")])
    order(u, at(2026, 2, 10), "20", status="cancelled")
    case = CaseFactory(party=u, queue=Queue.objects.get(code="support"))
    calls = [
        InteractionFactory(
            party=u,
            channel="phone",
            direction="in",
            occurred_at=at(2026, 3, 1 + n),
            duration_seconds=3600,
            regarding_type="service.case",
            regarding_id=case.pk,
        )
        for n in range(3)
    ]
    AvoidableContact.objects.create(
        case=case, interaction=calls[1], reason="status_inquiry", occurred_at=at(2026, 3, 2)
    )
    v = PartyFactory(name="V")
    order(v, at(2026, 2, 1), "10", lines=[("1", "30")])
    happy = PartyFactory(name="H")
    order(happy, at(2026, 2, 1), "10")
    refresh_all()
    fu = CustomerFact.objects.get(party=u)
    assert fu.cost_to_serve == D("195.00") and fu.profit == D("-191.00")
    assert [(r["code"], r["measure"], float(r["value"])) for r in fu.unprofitable_reasons] == [
        ("avoidable_contacts", "fixable", 1),
        ("repeat_contacts", "fixable", 2),
        ("long_handling", "fixable", 180.0),
        ("service_cost", "fixable", 195.0),
        ("small_orders", "orders", 20.0),
        ("returns", "orders", 1),
        ("low_margin", "orders", 0.05),
        ("discounts", "price", 0.2),
    ]
    fv = CustomerFact.objects.get(party=v)
    assert fv.profit == D("-20.00")
    assert [(r["code"], float(r["value"])) for r in fv.unprofitable_reasons] == [
        ("below_cost", -20.0)
    ]
    assert CustomerFact.objects.get(party=happy).unprofitable_reasons == []
    # V's cost is corrected: an incremental refresh clears the reasons
    t1 = timezone.now()
    line = v.orders.get().lines.get()
    line.unit_cost = D("5")
    line.save()
    v.orders.get().save()  # the ERP's upsert touches the order
    customer_facts_refresh(window(t1))
    profitability_refresh(window(t1))
    assert CustomerFact.objects.get(party=v).unprofitable_reasons == []
    assert len(CustomerFact.objects.get(party=u).unprofitable_reasons) == 8


def test_a_refresh_after_a_full_one_rereads_no_customer_it_stamped() -> None:
    """The rows a refresh stamped are not read again by the next one (its window overlaps
    the last by five minutes for other apps' clocks, not for the refresh's own stamps)."""
    from fregues.analytics.services.refresh import analytics_refresh

    costs()
    loser = PartyFactory()  # contacts and no orders: loses money, so it has reasons
    for _ in range(3):
        InteractionFactory(party=loser, channel="phone", occurred_at=at(2026, 2, 1))
    buyer = PartyFactory()
    order(buyer, at(2026, 1, 5), "100")
    parts = ["customer_facts", "profitability", "rfm"]
    first = timezone.now() + datetime.timedelta(minutes=10)  # the records are older than
    analytics_refresh(actor=None, full=True, only=parts, now=first)  # the overlap
    assert CustomerFact.objects.get(party=loser).unprofitable_reasons != []
    later = analytics_refresh(actor=None, only=parts, now=first + datetime.timedelta(minutes=10))
    assert {p.name: p.rows for p in later.parts} == {
        "customer_facts": 0,
        "profitability": 0,
        "rfm": 0,
    }
