"""The ERP pushes its products: PUT /api/v1/erp/products/{external_id}?source=erp, an
idempotent upsert (a repeat changes nothing), a SKU held by another product refused."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from fregues.core.models import AuditEntry, OutboxEvent
from fregues.sales.models import Price, Product
from fregues.sales.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

PRODUCT = {
    "sku": "ERP-7788",
    "name": "Parafusadeira 12V",
    "unit": "un",
    "category": "Ferramentas",
    "tax_code": "icms-18",
    "cost": "89.90",
    "cost_currency": "BRL",
    "attributes": {"voltagem": "12V", "garantia_meses": 12},
    "prices": [{"price_list": "padrao-brl", "unit_price": "149.90"}],
}


@pytest.fixture
def erp(api_as: Any) -> Any:
    return api_as("admin", username="erp-bot")


def test_the_first_put_creates_a_repeat_changes_nothing(erp: Any) -> None:
    first = erp.put("/erp/products/77881?source=erp", PRODUCT)
    assert first.status_code == 201, first.content
    body = first.json()
    assert (body["sku"], body["source"], body["external_id"], body["version"]) == (
        "ERP-7788",
        "erp",
        "77881",
        1,
    )
    assert [Decimal(p["unit_price"]) for p in body["prices"]] == [Decimal("149.90")]
    audits = AuditEntry.objects.count()
    events = OutboxEvent.objects.count()
    again = erp.put("/erp/products/77881?source=erp", PRODUCT)
    assert again.status_code == 200
    assert again.json() == body  # same version, same updated_at: nothing was written
    assert AuditEntry.objects.count() == audits and OutboxEvent.objects.count() == events
    assert Product.objects.count() == 1


def test_a_change_is_written_once(erp: Any) -> None:
    erp.put("/erp/products/1?source=erp", PRODUCT)
    changed = {
        **PRODUCT,
        "name": "Parafusadeira 12V Pro",
        "prices": [{"price_list": "padrao-brl", "unit_price": "159.90"}],
    }
    response = erp.put("/erp/products/1?source=erp", changed)
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["version"]) == ("Parafusadeira 12V Pro", 2)
    assert Price.objects.get().unit_price == Decimal("159.90")
    entry = AuditEntry.objects.filter(entity_type="sales.product").order_by("-id").first()
    assert entry is not None and entry.changes["name"] == [
        "Parafusadeira 12V",
        "Parafusadeira 12V Pro",
    ]
    # a price-only change moves the version too
    only_price = {**changed, "prices": [{"price_list": "padrao-brl", "unit_price": "139.90"}]}
    assert erp.put("/erp/products/1?source=erp", only_price).json()["version"] == 3
    # fields left out keep their value
    partial = erp.put("/erp/products/1?source=erp", {"is_active": False})
    assert (
        partial.json()["name"] == "Parafusadeira 12V Pro" and partial.json()["is_active"] is False
    )


def test_a_sku_held_by_another_product_is_a_409(erp: Any, unchanged: Any) -> None:
    ProductFactory(sku="ERP-7788", name="Cadastrada à mão")
    with unchanged():
        response = erp.put("/erp/products/9?source=erp", PRODUCT)
    assert response.status_code == 409 and response.json()["code"] == "sku_taken"
    erp.put("/erp/products/10?source=erp", {**PRODUCT, "sku": "ERP-10"})
    with unchanged():
        moved = erp.put("/erp/products/10?source=erp", {**PRODUCT, "sku": "ERP-7788"})
    assert moved.status_code == 409


def test_the_same_external_id_in_two_sources_is_two_products(erp: Any) -> None:
    assert erp.put("/erp/products/5?source=erp", PRODUCT).status_code == 201
    other = erp.put("/erp/products/5?source=loja", {**PRODUCT, "sku": "LOJA-5"})
    assert other.status_code == 201 and Product.objects.count() == 2


def test_bad_input_is_a_422_with_nothing_written(erp: Any, unchanged: Any) -> None:
    with unchanged():
        missing = erp.put("/erp/products/3?source=erp", {"name": "Sem SKU"})
    assert missing.status_code == 422 and "sku" in missing.json()["errors"]
    bad = {
        **PRODUCT,
        "tax_code": "nope",
        "cost": "-1",
        "prices": [{"price_list": "no-such-list", "unit_price": "1"}],
    }
    with unchanged():
        response = erp.put("/erp/products/3?source=erp", bad)
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"tax_code", "cost", "prices.0.price_list"}


@pytest.mark.parametrize("role", ["sales", "relationship_manager", "agent", "marketing"])
def test_only_the_erp_role_may_push(api_as: Any, role: str, unchanged: Any) -> None:
    client = api_as(role)
    with unchanged():
        response = client.put("/erp/products/1?source=erp", PRODUCT)
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
