"""The ERP's upserts: PUT /api/v1/erp/orders/{id} and /erp/invoices/{id} — idempotent, lines
included, the customer found by code, tax id or e-mail, an unknown one refused."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from fregues.core.models import AuditEntry
from fregues.parties.services import party_merge
from fregues.parties.tests.factories import ContactPointFactory, ExternalIdFactory, PartyFactory
from fregues.sales.models import Invoice, Order, OrderLine
from fregues.sales.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def erp(api_as: Any) -> Any:
    return api_as("admin")


@pytest.fixture
def customer() -> Any:
    party = PartyFactory()
    ExternalIdFactory(party=party, source="erp", code="CLI-42")
    return party


@pytest.fixture(autouse=True)
def product(db: None) -> Any:
    return ProductFactory(
        sku="PAR-10", name="Parafuso 10 mm", source="erp", external_id="P10", cost=None
    )


def _payload(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "customer": {"external_id": "CLI-42"},
        "number": "77001",
        "currency": "BRL",
        "ordered_at": "2026-03-02T10:00:00-03:00",
        "payment_state": "pago",
        "lines": [
            {"product_external_id": "P10", "quantity": "100", "unit_price": "0.35"},
            {"description": "Frete", "quantity": 1, "unit_price": "25.00"},
        ],
    }
    body.update(extra)
    return body


def test_a_new_order_is_created_and_a_repeat_changes_nothing(
    erp: Any, customer: Any, unchanged: Any
) -> None:
    first = erp.put("/erp/orders/PV-77001?source=erp", _payload())
    assert first.status_code == 201, first.json()
    body = first.json()
    assert body["result"] == "created" and body["party"]["id"] == customer.pk
    assert body["number"] == "77001" and body["external_id"] == "PV-77001"
    assert body["payment_state"] == "paid" and Decimal(body["amount_paid"]) == Decimal("60.00")
    assert [line["sku"] for line in body["lines"]] == ["PAR-10", ""]
    assert body["cost_total"] is None
    audits = AuditEntry.objects.filter(entity_type="sales.order").count()
    with unchanged():
        again = erp.put("/erp/orders/PV-77001?source=erp", _payload())
    assert again.status_code == 200
    repeat = again.json()
    assert repeat.pop("result") == "unchanged"
    body.pop("result")
    assert repeat == body  # same version, same lines, same everything
    assert AuditEntry.objects.filter(entity_type="sales.order").count() == audits


def test_numbers_written_otherwise_are_the_same_order(
    erp: Any, customer: Any, unchanged: Any
) -> None:
    assert erp.put("/erp/orders/PV-1", _payload()).status_code == 201
    same = _payload(payment_state="paid", currency="brl")
    same["lines"][0]["quantity"] = 100.0
    same["lines"][1]["unit_price"] = "25"
    with unchanged():
        response = erp.put("/erp/orders/PV-1", same)
    assert response.json()["result"] == "unchanged"


def test_a_changed_order_replaces_its_lines_with_the_difference_audited(
    erp: Any, customer: Any
) -> None:
    erp.put("/erp/orders/PV-2", _payload())
    changed = _payload(status="entregue")
    changed["lines"] = [{"sku": "PAR-10", "quantity": "200", "unit_price": "0.30"}]
    response = erp.put("/erp/orders/PV-2", changed)
    assert response.status_code == 200
    body = response.json()
    assert body["result"] == "updated" and body["version"] == 2
    assert body["status"] == "fulfilled" and Decimal(body["total"]) == Decimal("60.00")
    order = Order.objects.get(external_id="PV-2")
    assert OrderLine.objects.filter(order=order).count() == 1
    entry = AuditEntry.objects.filter(entity_id=order.pk, action="update").get()
    assert entry.changes["status"] == ["confirmed", "fulfilled"]
    assert entry.changes["lines"][1] == ["200.000 × PAR-10 @ 0.3000"]
    assert entry.party_id == customer.pk


def test_the_customer_is_found_by_tax_id_then_e_mail(erp: Any) -> None:
    by_tax = PartyFactory(tax_id="52998224725")
    by_email = PartyFactory()
    ContactPointFactory(party=by_email, kind="email", value="Compras@Loja.com.br")
    one = erp.put("/erp/orders/A", _payload(customer={"tax_id": "529.982.247-25"}))
    assert one.status_code == 201, one.json()
    assert one.json()["party"]["id"] == by_tax.pk
    two = erp.put("/erp/orders/B", _payload(customer={"email": " COMPRAS@loja.com.br "}))
    assert two.json()["party"]["id"] == by_email.pk
    # the code decides over a tax id that names someone else
    coded = PartyFactory()
    ExternalIdFactory(party=coded, source="erp", code="X9")
    three = erp.put(
        "/erp/orders/C", _payload(customer={"external_id": "X9", "tax_id": "529.982.247-25"})
    )
    assert three.json()["party"]["id"] == coded.pk


def test_a_merged_customer_resolves_to_its_survivor(erp: Any, customer: Any) -> None:
    survivor = PartyFactory()
    party_merge(actor=None, survivor_id=survivor.pk, merged_id=customer.pk)
    response = erp.put("/erp/orders/M", _payload())
    assert response.json()["party"]["id"] == survivor.pk


def test_an_order_for_an_unknown_customer_is_refused(erp: Any, unchanged: Any) -> None:
    with unchanged():
        response = erp.put(
            "/erp/orders/U",
            _payload(customer={"external_id": "NOPE", "tax_id": "123", "email": "ze@x.com"}),
        )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "unknown_customer"
    assert body["tried"] == {"external_id": "erp:NOPE", "tax_id": "123", "email": "ze@x.com"}
    assert "NOPE" in body["errors"]["customer"][0]
    # a code from another source is another customer's
    ExternalIdFactory(source="shop", code="NOPE")
    with unchanged():
        assert (
            erp.put("/erp/orders/U", _payload(customer={"external_id": "NOPE"})).status_code == 422
        )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"currency": "XYZ"}, "currency"),
        (
            {"lines": [{"product_external_id": "GONE", "quantity": 1, "unit_price": 1}]},
            "lines.0.product_external_id",
        ),
        ({"lines": [{"description": "x", "quantity": -1, "unit_price": 1}]}, "lines.0.quantity"),
        ({"amount_paid": "1000000"}, "amount_paid"),
    ],
)
def test_bad_orders_are_refused_whole(
    erp: Any, customer: Any, unchanged: Any, change: dict[str, Any], field: str
) -> None:
    with unchanged():
        response = erp.put("/erp/orders/BAD", _payload(**change))
    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_a_bad_update_leaves_the_order_as_it_was(erp: Any, customer: Any, unchanged: Any) -> None:
    erp.put("/erp/orders/K", _payload())
    with unchanged():
        response = erp.put("/erp/orders/K", _payload(currency="ZZZ"))
    assert response.status_code == 422
    assert Order.objects.get(external_id="K").version == 1


@pytest.mark.parametrize("role", ["sales", "relationship_manager", "agent", "marketing"])
def test_only_the_erp_integration_may_push(
    api_as: Any, customer: Any, unchanged: Any, role: str
) -> None:
    api = api_as(role)
    with unchanged():
        response = api.put("/erp/orders/R", _payload())
        invoice = api.put("/erp/invoices/R", {"order_external_id": "R"})
    assert response.status_code == invoice.status_code == 403


def test_invoices_name_their_order_and_its_payment_follows_them(erp: Any, customer: Any) -> None:
    order_body = _payload(payment_state=None)
    erp.put("/erp/orders/PV-9", order_body)
    order = Order.objects.get(external_id="PV-9")
    assert order.payment_state == "unpaid" and order.total == Decimal("60.00")
    half = [{"description": "Parcela", "quantity": 1, "unit_price": "30.00"}]
    first = erp.put(
        "/erp/invoices/NF-1",
        {
            "order_external_id": "PV-9",
            "lines": half,
            "payment_state": "paid",
            "due_date": "2026-04-01",
        },
    )
    assert first.status_code == 201, first.json()
    assert first.json()["party"]["id"] == customer.pk and first.json()["order_number"] == "77001"
    order.refresh_from_db()
    assert order.payment_state == "partial" and order.amount_paid == Decimal("30.00")
    second = erp.put(
        "/erp/invoices/NF-2",
        {
            "order_external_id": "PV-9",
            "lines": half,
            "payment_state": "unpaid",
            "due_date": "2026-05-01",
        },
    )
    assert second.json()["payment_state"] == "unpaid"
    order.refresh_from_db()
    assert order.payment_state == "partial"
    paid = erp.put(
        "/erp/invoices/NF-2",
        {
            "order_external_id": "PV-9",
            "lines": half,
            "payment_state": "paid",
            "due_date": "2026-05-01",
        },
    )
    assert paid.json()["result"] == "updated"
    order.refresh_from_db()
    assert order.payment_state == "paid" and order.amount_paid == Decimal("60.00")
    # a void invoice no longer covers the order
    erp.put(
        "/erp/invoices/NF-2",
        {
            "order_external_id": "PV-9",
            "lines": half,
            "status": "cancelada",
            "payment_state": "paid",
        },
    )
    order.refresh_from_db()
    assert order.payment_state == "partial"


def test_an_invoice_without_lines_bills_the_whole_order_and_repeats_change_nothing(
    erp: Any, customer: Any, unchanged: Any
) -> None:
    erp.put("/erp/orders/PV-3", _payload(payment_state=None))
    response = erp.put("/erp/invoices/NF-3", {"order_external_id": "PV-3", "amount_paid": "60"})
    assert response.status_code == 201
    assert Decimal(response.json()["total"]) == Decimal("60.00")
    assert response.json()["payment_state"] == "paid"
    assert Order.objects.get(external_id="PV-3").payment_state == "paid"
    with unchanged():
        again = erp.put("/erp/invoices/NF-3", {"order_external_id": "PV-3", "amount_paid": "60"})
    assert again.status_code == 200 and again.json()["result"] == "unchanged"
    assert again.json()["version"] == 1


def test_an_invoice_for_an_unknown_order_or_customer_is_refused(erp: Any, unchanged: Any) -> None:
    with unchanged():
        response = erp.put("/erp/invoices/NF-4", {"order_external_id": "GONE"})
    assert response.status_code == 422
    assert "order_external_id" in response.json()["errors"]
    with unchanged():
        alone = erp.put(
            "/erp/invoices/NF-5",
            {
                "customer": {"email": "nobody@x.com"},
                "lines": [{"description": "x", "quantity": 1, "unit_price": 1}],
            },
        )
    assert alone.json()["code"] == "unknown_customer"
    assert Invoice.objects.count() == 0
