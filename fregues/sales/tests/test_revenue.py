"""Revenue per customer: per currency, net of taxes, margins where cost is known, what is owed."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from fregues.parties.models import Party
from fregues.parties.tests.factories import PartyFactory
from fregues.sales.selectors.revenue import party_revenue
from fregues.sales.tests.factories import InvoiceFactory, OrderFactory, add_lines

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)


def at(day: int) -> datetime.datetime:
    return datetime.datetime(2026, 5, day, 12, tzinfo=datetime.UTC)


def make_order(
    p: Party, day: int, lines: list[tuple[Any, ...]], currency: str = "BRL", **fields: Any
) -> Any:
    o = OrderFactory(party=p, ordered_at=at(day), currency=currency, **fields)
    add_lines(o, lines)
    if "cost_total" in fields:
        o.cost_total = fields["cost_total"]
        o.save()
    return o


@pytest.fixture
def customer() -> Party:
    p = PartyFactory()
    # BRL: 2 × 100 + 18 % ICMS = 236 (net 200), cost 120
    make_order(p, 1, [(None, 2, "100.00", "18")], cost_total=Decimal("120.00"))
    # BRL: 50 + 5 % = 52.50 (net 50), cost unknown
    make_order(p, 10, [(None, 1, "50.00", "5")])
    # BRL cancelled: never counts
    make_order(p, 20, [(None, 10, "1000.00", "0")], status="cancelled", cost_total=Decimal("1"))
    # EUR: 3 × 10 + 23 % = 36.90 (net 30), cost 33 (sold at a loss)
    make_order(p, 5, [(None, 3, "10.00", "23")], currency="EUR", cost_total=Decimal("33.00"))
    InvoiceFactory(party=p, currency="BRL", total=Decimal("236.00"), amount_paid=Decimal("236.00"),
                   payment_state="paid", due_date=TODAY - datetime.timedelta(days=20))  # fmt: skip
    InvoiceFactory(party=p, currency="BRL", total=Decimal("52.50"), amount_paid=Decimal("10.00"),
                   payment_state="partial", due_date=TODAY - datetime.timedelta(days=1))  # fmt: skip
    InvoiceFactory(party=p, currency="EUR", total=Decimal("36.90"), payment_state="unpaid",
                   due_date=TODAY + datetime.timedelta(days=10))  # fmt: skip
    InvoiceFactory(party=p, currency="EUR", total=Decimal("99.00"), status="void",
                   due_date=TODAY - datetime.timedelta(days=10))  # fmt: skip
    return p


def test_revenue_per_currency_net_of_taxes_with_margins(customer: Party, make_user: Any) -> None:
    revenue = party_revenue(actor=make_user("sales"), party_id=customer.pk, today=TODAY)
    brl, eur = revenue.currencies
    assert (brl.currency, brl.orders, brl.revenue) == ("BRL", 2, Decimal("250.00"))
    assert brl.last_order_at == at(10)
    assert brl.average_ticket == Decimal("125.00")
    assert (brl.costed_orders, brl.cost, brl.margin) == (1, Decimal("120.00"), Decimal("80.00"))
    assert brl.margin_percent == Decimal("40.0")
    assert (brl.invoiced, brl.paid, brl.open) == (
        Decimal("288.50"),
        Decimal("246.00"),
        Decimal("42.50"),
    )
    assert (brl.overdue, brl.overdue_invoices) == (Decimal("42.50"), 1)
    assert (eur.orders, eur.revenue, eur.margin, eur.margin_percent) == (
        1,
        Decimal("30.00"),
        Decimal("-3.00"),
        Decimal("-10.0"),
    )
    assert (eur.invoiced, eur.open, eur.overdue) == (
        Decimal("36.90"),
        Decimal("36.90"),
        Decimal("0.00"),
    )


def test_no_cost_no_margin_and_no_orders_no_business(make_user: Any) -> None:
    p = PartyFactory()
    make_order(p, 3, [(None, 1, "10.00")])
    [brl] = party_revenue(actor=make_user("sales"), party_id=p.pk).currencies
    assert (brl.cost, brl.margin, brl.margin_percent) == (None, None, None)
    empty = party_revenue(actor=make_user("sales"), party_id=PartyFactory().pk)
    assert empty.currencies == [] and not empty.has_business


def test_api_answers_per_currency_and_the_latest_orders(customer: Party, api_as: Any) -> None:
    response = api_as("agent").get(f"/parties/{customer.pk}/revenue")
    assert response.status_code == 200
    body = response.json()
    assert [c["currency"] for c in body["currencies"]] == ["BRL", "EUR"]
    assert Decimal(body["currencies"][0]["revenue"]) == Decimal("250.00")
    assert Decimal(body["currencies"][0]["margin_percent"]) == Decimal("40.0")
    assert [o["ordered_at"][:10] for o in body["last_orders"]] == [
        "2026-05-20",
        "2026-05-10",
        "2026-05-05",
        "2026-05-01",
    ]
    assert body["last_orders"][0]["status"] == "cancelled"
    assert Decimal(body["last_orders"][1]["revenue"]) == Decimal("50.00")
    short = api_as("agent").get(f"/parties/{customer.pk}/revenue", {"last_orders": 1}).json()
    assert len(short["last_orders"]) == 1


def test_api_follows_merged_ids(customer: Party, api_as: Any) -> None:
    gone = PartyFactory()
    Party.objects.filter(pk=gone.pk).update(merged_into=customer)
    body = api_as("sales").get(f"/parties/{gone.pk}/revenue").json()
    assert body["party_id"] == customer.pk and len(body["currencies"]) == 2


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("agent", 200),
        ("sales", 200),
        ("relationship_manager", 200),
        ("quality_manager", 200),
        ("admin", 200),
        ("marketing", 403),
    ],
)
def test_revenue_permissions(customer: Party, api_as: Any, role: str, status: int) -> None:
    response = api_as(role).get(f"/parties/{customer.pk}/revenue")
    assert response.status_code == status
    if status == 403:
        assert response.json()["code"] == "forbidden"


def test_unknown_party_is_404(api_as: Any) -> None:
    assert api_as("sales").get("/parties/999999/revenue").status_code == 404


def test_revenue_read_is_a_fixed_number_of_queries(
    customer: Party, api_as: Any, django_assert_max_num_queries: Any
) -> None:
    api = api_as("sales")
    api.get(f"/parties/{customer.pk}/revenue")
    for _ in range(10):
        make_order(customer, 15, [(None, 1, "10.00")], currency="USD")
    # token + user + party + orders aggregate + invoices aggregate + latest orders
    with django_assert_max_num_queries(7):
        assert api.get(f"/parties/{customer.pk}/revenue").status_code == 200
