"""Orders through /api/v1/orders: recording one by hand, its totals and margin, payments,
status and cancel, lists with the shared filters, roles, and bad input refused whole."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from fregues.core.models import AuditEntry
from fregues.parties.tests.factories import PartyFactory
from fregues.sales.models import Order, Payment
from fregues.sales.tests.factories import (
    OrderFactory,
    PriceFactory,
    PriceListFactory,
    ProductFactory,
    TaxRateFactory,
    add_lines,
)

pytestmark = pytest.mark.django_db


def _order(party_id: int, **extra: Any) -> dict[str, Any]:
    product = ProductFactory(sku="CAFE-1KG", name="Café 1 kg", cost=Decimal("20"))
    body = {
        "party_id": party_id,
        "currency": "BRL",
        "lines": [
            {"sku": product.sku, "quantity": 3, "unit_price": "40.00", "tax_rate": 18},
            {
                "description": "Instalação",
                "quantity": 1,
                "unit_price": "100",
                "discount_percent": 10,
                "unit_cost": "50",
            },
        ],
    }
    body.update(extra)
    return body


def test_a_salesperson_records_an_order_with_totals_and_margin(api_as: Any) -> None:
    api = api_as("sales")
    party = PartyFactory()
    response = api.post("/orders", _order(party.pk))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"].startswith("PED-") and body["number"].endswith("000001")
    assert body["party"] == {"id": party.pk, "name": party.name}
    # 3 × 40 = 120 + 18 % tax; 100 − 10 % = 90
    assert Decimal(body["subtotal"]) == Decimal("220.00")
    assert Decimal(body["discount_total"]) == Decimal("10.00")
    assert Decimal(body["tax_total"]) == Decimal("21.60")
    assert Decimal(body["total"]) == Decimal("231.60")
    assert Decimal(body["net_total"]) == Decimal("210.00")
    # the product's cost fills the first line: 3 × 20 + 1 × 50
    assert Decimal(body["cost_total"]) == Decimal("110.00")
    assert Decimal(body["margin"]) == Decimal("100.00")
    assert body["payment_state"] == "unpaid" and body["status"] == "confirmed"
    assert [line["description"] for line in body["lines"]] == ["Café 1 kg", "Instalação"]
    assert body["lines"][0]["sku"] == "CAFE-1KG" and body["lines"][0]["product_id"]
    assert body["owner"]["id"] == api.user.pk
    entry = AuditEntry.objects.get(entity_type="sales.order", entity_id=body["id"])
    assert entry.party_id == party.pk and entry.action == "create"


def test_a_line_without_cost_leaves_the_margin_unknown(api_as: Any) -> None:
    party = PartyFactory()
    body = {
        "party_id": party.pk,
        "lines": [{"description": "Consultoria", "quantity": "2", "unit_price": "150"}],
    }
    response = api_as("sales").post("/orders", body)
    assert response.status_code == 201
    assert response.json()["cost_total"] is None and response.json()["margin"] is None
    assert response.json()["currency"] == "BRL"


def test_the_price_list_and_the_product_tax_fill_a_line(api_as: Any) -> None:
    tax = TaxRateFactory(code="iva-23", name="IVA 23%", rate=Decimal("23"), country="PT")
    product = ProductFactory(tax_rate=tax, cost_currency="EUR", cost=Decimal("4"))
    PriceFactory(
        product=product,
        price_list=PriceListFactory(currency="EUR", is_default=True),
        unit_price=Decimal("10"),
    )
    body = {
        "party_id": PartyFactory().pk,
        "currency": "eur",
        "lines": [{"product_id": product.pk, "quantity": 2}],
    }
    response = api_as("sales").post("/orders", body)
    assert response.status_code == 201, response.json()
    line = response.json()["lines"][0]
    assert Decimal(line["unit_price"]) == Decimal("10")
    assert Decimal(line["tax_rate"]) == Decimal("23") and line["tax_code"] == "iva-23"
    assert Decimal(response.json()["total"]) == Decimal("24.60")
    assert response.json()["currency"] == "EUR"
    assert Decimal(response.json()["cost_total"]) == Decimal("8.00")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"currency": "XYZ"}, "currency"),
        ({"lines": [{"description": "x", "quantity": -2, "unit_price": 10}]}, "lines.0.quantity"),
        ({"lines": [{"description": "x", "quantity": 0, "unit_price": 10}]}, "lines.0.quantity"),
        ({"lines": [{"description": "x", "quantity": 1, "unit_price": -1}]}, "lines.0.unit_price"),
        ({"lines": [{"product_id": 999999, "quantity": 1, "unit_price": 1}]}, "lines.0.product_id"),
        ({"lines": [{"sku": "NOPE", "quantity": 1, "unit_price": 1}]}, "lines.0.sku"),
        ({"lines": [{"quantity": 1, "unit_price": 1}]}, "lines.0.description"),
        ({"lines": []}, "lines"),
        (
            {
                "lines": [
                    {"description": "x", "quantity": 1, "unit_price": 1, "discount_percent": 120}
                ]
            },
            "lines.0.discount_percent",
        ),
        ({"lines": [{"description": "x", "quantity": 1}]}, "lines.0.unit_price"),
        ({"party_id": 999999}, "party_id"),
        ({"status": "lost"}, "status"),
    ],
)
def test_bad_input_is_refused_with_nothing_written(
    api_as: Any, unchanged: Any, change: dict[str, Any], field: str
) -> None:
    api = api_as("sales")
    body = _order(PartyFactory().pk)
    body.update(change)
    with unchanged():
        response = api.post("/orders", body)
    assert response.status_code == 422, response.json()
    assert field in response.json()["errors"], response.json()


def test_every_problem_is_reported_at_once_naming_its_line(api_as: Any, unchanged: Any) -> None:
    api = api_as("sales")
    body = {
        "party_id": PartyFactory().pk,
        "currency": "ABC",
        "lines": [
            {"description": "ok", "quantity": 1, "unit_price": 1},
            {"sku": "GONE", "quantity": -1, "unit_price": 1},
        ],
    }
    with unchanged():
        response = api.post("/orders", body, **{"Accept-Language": "en"})
    errors = response.json()["errors"]
    assert {"currency", "lines.1.quantity", "lines.1.sku"} <= set(errors)
    assert errors["lines.1.sku"] == ["Line 2: there is no product with SKU 'GONE'."]


def test_payments_make_an_order_partly_paid_then_paid(api_as: Any, unchanged: Any) -> None:
    api = api_as("sales")
    order = OrderFactory()
    add_lines(order, [(None, 1, "100.00")])
    response = api.post(f"/orders/{order.pk}/payments", {"amount": "40", "method": "pix"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["payment_state"] == "partial" and Decimal(body["balance"]) == Decimal("60.00")
    assert body["payments"][0]["method"] == "pix"
    assert body["payments"][0]["recorded_by"]["id"] == api.user.pk
    with unchanged():
        too_much = api.post(f"/orders/{order.pk}/payments", {"amount": "61"})
    assert too_much.status_code == 422 and too_much.json()["code"] == "overpayment"
    paid = api.post(
        f"/orders/{order.pk}/payments", {"amount": "60", "version": body["version"]}
    ).json()
    assert paid["payment_state"] == "paid" and paid["paid_at"]
    assert Payment.objects.filter(order=order).count() == 2
    with unchanged():
        stale = api.post(f"/orders/{order.pk}/payments", {"amount": "1", "version": 1})
    assert stale.status_code == 409


def test_a_payment_must_be_positive_and_not_in_the_future(api_as: Any, unchanged: Any) -> None:
    api = api_as("sales")
    order = OrderFactory()
    add_lines(order, [(None, 1, "100.00")])
    future = (timezone.now() + datetime.timedelta(days=5)).isoformat()
    with unchanged():
        response = api.post(
            f"/orders/{order.pk}/payments", {"amount": "-5", "paid_at": future, "method": "gold"}
        )
    assert response.status_code == 422
    assert {"amount", "paid_at", "method"} <= set(response.json()["errors"])


def test_status_notes_and_cancel(api_as: Any, unchanged: Any) -> None:
    api = api_as("sales")
    order = OrderFactory()
    add_lines(order, [(None, 1, "10")])
    response = api.patch(
        f"/orders/{order.pk}",
        {"status": "entregue", "notes": "Na portaria", "owner_id": api.user.pk},
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "fulfilled" and response.json()["version"] == 2
    assert response.json()["owner"]["id"] == api.user.pk
    with unchanged():
        stale = api.patch(f"/orders/{order.pk}", {"notes": "x"}, **{"If-Match": '"1"'})
    assert stale.status_code == 409
    with unchanged():
        refused = api.patch(f"/orders/{order.pk}", {"status": "cancelled"})
    assert refused.status_code == 422
    cancelled = api.post(f"/orders/{order.pk}/cancel", {"reason": "Cliente desistiu"})
    assert cancelled.json()["status"] == "cancelled"
    assert "Cliente desistiu" in cancelled.json()["notes"]
    with unchanged():
        late = api.post(f"/orders/{order.pk}/payments", {"amount": "1"})
    assert late.status_code == 422


def test_the_list_filters_pages_and_sums_per_currency(
    api_as: Any, django_assert_max_num_queries: Any
) -> None:
    api = api_as("agent")
    party = PartyFactory()
    now = timezone.now()
    for n in range(7):
        order = OrderFactory(
            party=party if n % 2 else PartyFactory(),
            currency="EUR" if n == 6 else "BRL",
            ordered_at=now - datetime.timedelta(days=n),
            payment_state="paid" if n < 3 else "unpaid",
        )
        add_lines(order, [(None, 1, "100")])
    with django_assert_max_num_queries(4):
        page = api.get("/orders", {"limit": 3}).json()
    assert len(page["items"]) == 3 and page["next_cursor"]
    rest = api.get("/orders", {"limit": 10, "cursor": page["next_cursor"]}).json()
    assert len(rest["items"]) == 4 and rest["next_cursor"] is None
    numbers = [o["number"] for o in page["items"] + rest["items"]]
    assert numbers == [o.number for o in Order.objects.order_by("-ordered_at")]
    assert len(api.get("/orders", {"party_id": party.pk}).json()["items"]) == 3
    assert len(api.get("/orders", {"payment_state": "paid"}).json()["items"]) == 3
    since = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    assert len(api.get("/orders", {"date_from": since}).json()["items"]) == 2
    first = Order.objects.order_by("ordered_at").first()
    assert first is not None
    found = api.get("/orders", {"q": first.number}).json()["items"]
    assert [o["id"] for o in found] == [first.pk]
    totals = {t["currency"]: t for t in api.get("/orders", {"totals": "true"}).json()["totals"]}
    assert totals["BRL"]["count"] == 6 and Decimal(totals["BRL"]["total"]) == Decimal("600")
    assert totals["EUR"]["count"] == 1
    assert api.get("/orders", {"cursor": "nonsense"}).status_code == 422


def test_the_list_reads_a_constant_number_of_queries(
    api_as: Any, django_assert_max_num_queries: Any
) -> None:
    api = api_as("sales")
    for _ in range(30):
        add_lines(OrderFactory(), [(None, 1, "5")])
    with django_assert_max_num_queries(4):
        response = api.get("/orders", {"limit": 50})
    assert len(response.json()["items"]) == 30
    order = Order.objects.first()
    assert order is not None
    with django_assert_max_num_queries(7):
        assert api.get(f"/orders/{order.pk}").status_code == 200


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        ("sales", 200, 201),
        ("relationship_manager", 200, 201),
        ("admin", 200, 201),
        ("agent", 200, 403),
        ("quality_manager", 200, 403),
        ("marketing", 403, 403),
    ],
)
def test_roles(api_as: Any, unchanged: Any, role: str, read: int, write: int) -> None:
    api = api_as(role)
    order = OrderFactory()
    add_lines(order, [(None, 1, "10")])
    assert api.get("/orders").status_code == read
    assert api.get(f"/orders/{order.pk}").status_code == read
    assert api.get("/invoices").status_code == read
    body = _order(PartyFactory().pk)
    if write == 403:
        with unchanged():
            response = api.post("/orders", body)
            payment = api.post(f"/orders/{order.pk}/payments", {"amount": "1"})
            cancel = api.post(f"/orders/{order.pk}/cancel", {})
        assert response.status_code == payment.status_code == cancel.status_code == 403
        assert response.json()["code"] == "forbidden"
    else:
        assert api.post("/orders", body).status_code == 201
        assert api.post(f"/orders/{order.pk}/payments", {"amount": "1"}).status_code == 200


def test_the_endpoints_are_documented() -> None:
    from django.test import Client

    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/orders"])
    assert {"get", "patch"} <= set(paths["/api/v1/orders/{order_id}"])
    assert "post" in paths["/api/v1/orders/{order_id}/payments"]
    assert "post" in paths["/api/v1/orders/{order_id}/cancel"]
    assert "get" in paths["/api/v1/invoices"] and "get" in paths["/api/v1/invoices/{invoice_id}"]
    assert "put" in paths["/api/v1/erp/orders/{external_id}"]
    assert "put" in paths["/api/v1/erp/invoices/{external_id}"]
    put = paths["/api/v1/erp/orders/{external_id}"]["put"]
    assert {"200", "201", "403", "422"} <= set(put["responses"])
