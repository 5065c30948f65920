"""Invoices by hand and the payment state an order takes from them; the order service as the
quotes area calls it; lifecycle rules run on every write."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation

from fregues.parties.tests.factories import PartyFactory
from fregues.sales.models import Invoice, Order
from fregues.sales.services import invoices as invoice_services
from fregues.sales.services import orders as order_services
from fregues.sales.services.invoices import invoice_create, invoice_payment_record, invoice_void
from fregues.sales.services.orders import order_create, order_payment_record
from fregues.sales.tests.factories import (
    OrderFactory,
    ProductFactory,
    QuoteFactory,
    add_lines,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


@pytest.fixture
def calls(monkeypatch: Any) -> list[dict[str, Any]]:
    """The lifecycle rules' calls (the rules themselves are another area's)."""
    seen: list[dict[str, Any]] = []

    def record(**kwargs: Any) -> list[Any]:
        seen.append(kwargs)
        return []

    monkeypatch.setattr(order_services, "lifecycle_rules_apply", record)
    monkeypatch.setattr(invoice_services, "lifecycle_rules_apply", record)
    return seen


def _order(total: str = "100.00") -> Order:
    order = OrderFactory()
    add_lines(order, [(None, 1, total)])
    return order


def test_an_order_created_from_an_accepted_quote(calls: list[dict[str, Any]]) -> None:
    """What the quotes area sends: Decimals, the quote, no actor (the customer accepted)."""
    product = ProductFactory(cost=Decimal("30"))
    quote = QuoteFactory()
    order = order_create(
        actor=None,
        data={
            "party_id": quote.party_id,
            "currency": "BRL",
            "quote_id": quote.pk,
            "lines": [
                {
                    "product_id": product.pk,
                    "sku": product.sku,
                    "description": product.name,
                    "quantity": Decimal("2"),
                    "unit_price": Decimal("50.00"),
                    "discount_percent": Decimal("0"),
                    "tax_rate": Decimal("5"),
                    "unit_cost": None,
                }
            ],
        },
    )
    assert order.quote_id == quote.pk and order.total == Decimal("105.00")
    assert order.cost_total == Decimal("60.00") and order.owner_id is None
    assert calls == [
        {"party_ids": [quote.party_id], "cause_type": "sales.order", "cause_id": order.pk}
    ]


def test_a_quote_becomes_one_order_only(unchanged: Any) -> None:
    quote = QuoteFactory()
    data = {
        "party_id": quote.party_id,
        "quote_id": quote.pk,
        "lines": [{"description": "x", "quantity": 1, "unit_price": 1}],
    }
    order_create(actor=None, data=data)
    with unchanged(), pytest.raises(Exception) as refused:
        order_create(actor=None, data=data)
    assert "quote_id" in refused.value.errors  # type: ignore[attr-defined]


def test_an_invoice_without_lines_bills_the_whole_order(api_as: Any) -> None:
    order = _order("80.00")
    response = api_as("sales").post("/invoices", {"order_id": order.pk, "due_date": "2026-12-31"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"].startswith("FAT-") and body["order_id"] == order.pk
    assert Decimal(body["total"]) == Decimal("80.00") and body["party"]["id"] == order.party_id
    assert body["lines"][0]["description"] == "Serviço"


def test_the_order_is_paid_when_its_invoices_cover_it(calls: list[dict[str, Any]]) -> None:
    order = _order("100.00")
    lines = [{"description": "Parcela", "quantity": 1, "unit_price": "50"}]
    first = invoice_create(actor=None, data={"order_id": order.pk, "lines": lines})
    second = invoice_create(actor=None, data={"order_id": order.pk, "lines": lines})
    assert calls[-1]["cause_type"] == "sales.invoice" and calls[-1]["cause_id"] == second.pk
    invoice_payment_record(actor=None, invoice_id=first.pk, amount="50")
    order.refresh_from_db()
    assert (order.payment_state, order.amount_paid) == ("partial", Decimal("50.00"))
    invoice_payment_record(actor=None, invoice_id=second.pk, amount="20")
    order.refresh_from_db()
    assert order.payment_state == "partial" and order.amount_paid == Decimal("70.00")
    invoice_payment_record(actor=None, invoice_id=second.pk, amount="30")
    order.refresh_from_db()
    assert order.payment_state == "paid" and order.paid_at is not None
    invoice_void(actor=None, invoice_id=second.pk, reason="emitida por engano")
    order.refresh_from_db()
    assert order.payment_state == "partial" and order.amount_paid == Decimal("50.00")


def test_a_payment_on_an_invoiced_order_goes_to_its_open_invoices(unchanged: Any) -> None:
    order = _order("100.00")
    lines = [{"description": "Parcela", "quantity": 1, "unit_price": "50"}]
    early = invoice_create(
        actor=None, data={"order_id": order.pk, "lines": lines, "due_date": "2026-01-10"}
    )
    late = invoice_create(
        actor=None, data={"order_id": order.pk, "lines": lines, "due_date": "2026-02-10"}
    )
    order.refresh_from_db()
    with unchanged(), pytest.raises(Exception, match="open invoices"):
        order_payment_record(actor=None, order_id=order.pk, amount="101")
    order_payment_record(actor=None, order_id=order.pk, amount="70", method="boleto")
    early.refresh_from_db()
    late.refresh_from_db()
    assert (early.payment_state, late.payment_state) == ("paid", "partial")
    assert late.amount_paid == Decimal("20.00")
    order.refresh_from_db()
    assert order.payment_state == "partial" and order.amount_paid == Decimal("70.00")
    assert order.payments.count() == 2


def test_an_invoice_in_another_currency_than_its_order_is_refused(unchanged: Any) -> None:
    order = _order()
    with unchanged(), pytest.raises(Exception) as refused:
        invoice_create(actor=None, data={"order_id": order.pk, "currency": "USD"})
    assert "currency" in refused.value.errors  # type: ignore[attr-defined]


def test_overdue_invoices_are_listed_and_marked(api_as: Any) -> None:
    api = api_as("agent")
    party = PartyFactory()
    today = timezone.localdate()
    overdue = Invoice.objects.create(
        number="NF-1",
        party=party,
        currency="BRL",
        issued_at=timezone.now(),
        due_date=today - datetime.timedelta(days=3),
        total=Decimal("10"),
    )
    Invoice.objects.create(
        number="NF-2",
        party=party,
        currency="BRL",
        issued_at=timezone.now(),
        due_date=today - datetime.timedelta(days=3),
        payment_state="paid",
        total=Decimal("10"),
    )
    Invoice.objects.create(
        number="NF-3",
        party=party,
        currency="BRL",
        issued_at=timezone.now(),
        due_date=today + datetime.timedelta(days=3),
        total=Decimal("10"),
    )
    listed = api.get("/invoices", {"overdue": "true"}).json()["items"]
    assert [i["id"] for i in listed] == [overdue.pk]
    everything = api.get("/invoices", {"party_id": party.pk}).json()["items"]
    assert {i["number"]: i["overdue"] for i in everything} == {
        "NF-1": True,
        "NF-2": False,
        "NF-3": False,
    }
    assert api.get(f"/invoices/{overdue.pk}").json()["overdue"] is True
    assert api.get("/invoices/999999").status_code == 404
