"""The catalogue: taxes as data, products with a unique SKU, price lists per currency (one
default each), prices; through the services and /api/v1, with each role's rights."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from fregues.core.errors import Conflict, Forbidden, Invalid, VersionConflict
from fregues.core.models import AuditEntry
from fregues.sales.models import Price, PriceList, Product, TaxRate
from fregues.sales.services.catalog import (
    price_for,
    price_list_create,
    price_list_update,
    price_set,
    prices_set,
    product_create,
    product_deactivate,
    product_update,
    tax_rate_create,
    tax_rate_deactivate,
    tax_rate_delete,
)
from fregues.sales.tests.factories import ProductFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


@pytest.fixture
def boss(make_user: Any) -> Any:
    return make_user("admin")


# ---------------------------------------------------------------- taxes


def test_taxes_are_data_and_one_in_use_is_never_deleted(boss: Any, unchanged: Any) -> None:
    tax = tax_rate_create(
        actor=boss, data={"code": "ipi-10", "name": "IPI 10%", "rate": "10", "country": "br"}
    )
    assert (tax.rate, tax.country, tax.is_active) == (Decimal("10"), "BR", True)
    with unchanged(), pytest.raises(Conflict):
        tax_rate_create(actor=boss, data={"code": "ipi-10", "name": "Outro", "rate": "1"})
    with unchanged(), pytest.raises(Invalid) as refused:
        tax_rate_create(
            actor=boss, data={"code": "Bad Code", "name": "", "rate": "150", "country": "XX"}
        )
    assert set(refused.value.errors) == {"code", "name", "rate", "country"}
    ProductFactory(tax_rate=tax)
    with unchanged(), pytest.raises(Conflict) as in_use:
        tax_rate_delete(actor=boss, tax_rate_id=tax.pk)
    assert in_use.value.code == "tax_in_use"
    assert tax_rate_deactivate(actor=boss, tax_rate_id=tax.pk).is_active is False
    spare = tax_rate_create(actor=boss, data={"code": "spare", "name": "Spare", "rate": "1"})
    tax_rate_delete(actor=boss, tax_rate_id=spare.pk)
    assert not TaxRate.objects.filter(pk=spare.pk).exists()


# ---------------------------------------------------------------- products


def test_a_product_with_a_taken_sku_is_a_409(boss: Any, unchanged: Any) -> None:
    product = product_create(
        actor=boss,
        data={
            "sku": "FUR-100",
            "name": "Furadeira",
            "tax_code": "icms-18",
            "cost": "60.5",
            "attributes": {"voltagem": "220V"},
        },
    )
    assert product.tax_rate is not None and product.tax_rate.code == "icms-18"
    assert (product.unit, product.cost, product.cost_currency) == ("un", Decimal("60.5"), "BRL")
    with unchanged(), pytest.raises(Conflict) as taken:
        product_create(actor=boss, data={"sku": "FUR-100", "name": "Outra"})
    assert taken.value.code == "sku_taken"
    assert taken.value.details["product"]["id"] == product.pk
    other = product_create(actor=boss, data={"sku": "FUR-200", "name": "Outra"})
    with unchanged(), pytest.raises(Conflict):
        product_update(actor=boss, product_id=other.pk, data={"sku": "FUR-100"})


def test_product_input_is_checked_whole(boss: Any, unchanged: Any) -> None:
    with unchanged(), pytest.raises(Invalid) as refused:
        product_create(
            actor=boss,
            data={
                "sku": "A B",
                "name": "",
                "cost": "-1",
                "cost_currency": "XYZ",
                "tax_rate_id": 999999,
                "attributes": ["not", "a", "dict"],
            },
        )
    assert set(refused.value.errors) == {
        "sku",
        "name",
        "cost",
        "cost_currency",
        "tax_rate_id",
        "attributes",
    }


def test_product_versions(boss: Any, unchanged: Any) -> None:
    product = product_create(actor=boss, data={"sku": "X-1", "name": "Coisa"})
    product_update(actor=boss, product_id=product.pk, data={"name": "Coisa boa"}, version=1)
    with unchanged(), pytest.raises(VersionConflict):
        product_update(actor=boss, product_id=product.pk, data={"name": "Outra"}, version=1)
    withdrawn = product_deactivate(actor=boss, product_id=product.pk, version=2)
    assert (withdrawn.is_active, withdrawn.version) == (False, 3)
    # nothing changed: no new version, no audit entry
    entries = AuditEntry.objects.count()
    same = product_update(actor=boss, product_id=product.pk, data={"name": "Coisa boa"})
    assert same.version == 3 and AuditEntry.objects.count() == entries


def test_only_administrators_change_the_catalogue(make_user: Any, unchanged: Any) -> None:
    for role in ("sales", "relationship_manager", "agent", "marketing"):
        with unchanged(), pytest.raises(Forbidden):
            product_create(actor=make_user(role), data={"sku": "S-1", "name": "Nada"})


# ---------------------------------------------------------------- price lists and prices


def test_one_default_list_per_currency(boss: Any, unchanged: Any) -> None:
    first = price_list_create(
        actor=boss,
        data={"code": "pt-2026", "name": "Portugal", "currency": "eur", "is_default": True},
    )
    assert first.currency == "EUR" and first.is_default
    second = price_list_create(
        actor=boss,
        data={"code": "pt-promo", "name": "Promo", "currency": "EUR", "is_default": True},
    )
    first.refresh_from_db()
    assert second.is_default and not first.is_default
    assert PriceList.objects.get(code="padrao-brl").is_default  # another currency: untouched
    with unchanged(), pytest.raises(Invalid) as refused:
        price_list_create(actor=boss, data={"code": "x", "name": "X", "currency": "XYZ"})
    assert "Unknown currency" in refused.value.errors["currency"][0]
    price_list_update(actor=boss, price_list_id=second.pk, data={"is_active": False})
    second.refresh_from_db()
    assert not second.is_default


def test_prices_are_set_one_by_one_or_in_bulk(boss: Any, unchanged: Any) -> None:
    brl = PriceList.objects.get(code="padrao-brl")
    a, b = ProductFactory(), ProductFactory()
    price = price_set(actor=boss, price_list_id=brl.pk, product_id=a.pk, unit_price="12,50")
    assert price is not None and price.unit_price == Decimal("12.50")
    assert price_for(a, currency="BRL") == Decimal("12.50")
    assert price_for(a, price_list=brl) == Decimal("12.50")
    assert price_for(b, currency="BRL") is None
    with unchanged(), pytest.raises(Invalid):
        price_set(actor=boss, price_list_id=brl.pk, product_id=a.pk, unit_price="-3")
    with unchanged(), pytest.raises(Invalid) as refused:
        prices_set(
            actor=boss,
            price_list_id=brl.pk,
            prices=[
                {"product_id": b.pk, "unit_price": "5"},
                {"product_id": 999999, "unit_price": "5"},
                {"product_id": a.pk, "unit_price": "abc"},
            ],
        )
    assert set(refused.value.errors) == {"prices.1.product_id", "prices.2.unit_price"}
    changed = prices_set(
        actor=boss,
        price_list_id=brl.pk,
        prices=[{"product_id": b.pk, "unit_price": "5"}, {"product_id": a.pk, "unit_price": None}],
    )
    assert changed == 2
    assert list(Price.objects.filter(price_list=brl).values_list("product_id", flat=True)) == [b.pk]


# ---------------------------------------------------------------- the API


def test_products_through_the_api(api_as: Any, unchanged: Any) -> None:
    admin = api_as("admin")
    created = admin.post(
        "/products",
        {
            "sku": "CAD-01",
            "name": "Cadeira ergonômica",
            "unit": "un",
            "tax_code": "icms-18",
            "cost": "310.00",
            "category": "Móveis",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["tax"]["code"] == "icms-18" and body["prices"] == [] and body["version"] == 1
    pid = body["id"]
    with unchanged():
        assert admin.post("/products", {"sku": "CAD-01", "name": "Outra"}).status_code == 409
    seller = api_as("sales")
    listed = seller.get("/products", {"q": "cadeira", "category": "Móveis"})
    assert listed.status_code == 200 and [p["sku"] for p in listed.json()["items"]] == ["CAD-01"]
    assert seller.get(f"/products/{pid}").json()["name"] == "Cadeira ergonômica"
    with unchanged():
        assert seller.patch(f"/products/{pid}", {"name": "X"}).status_code == 403
    changed = admin.patch(f"/products/{pid}", {"name": "Cadeira", "version": 1})
    assert changed.status_code == 200 and changed.json()["version"] == 2
    with unchanged():
        stale = admin.patch(f"/products/{pid}", {"name": "Cadeira 2"}, **{"If-Match": '"1"'})
    assert stale.status_code == 409 and stale.json()["code"] == "version_conflict"
    assert api_as("marketing").get("/products").status_code == 403


def test_price_lists_and_taxes_through_the_api(api_as: Any, unchanged: Any) -> None:
    admin = api_as("admin")
    product = ProductFactory(sku="MES-1")
    made = admin.post(
        "/price-lists", {"code": "usa", "name": "USA", "currency": "usd", "is_default": True}
    )
    assert made.status_code == 201 and made.json()["currency"] == "USD"
    list_id = made.json()["id"]
    with unchanged():
        assert (
            admin.post("/price-lists", {"code": "zz", "name": "Z", "currency": "ZZZ"}).status_code
            == 422
        )
    put = admin.put(f"/price-lists/{list_id}/prices/{product.pk}", {"unit_price": "99.90"})
    assert put.status_code == 200 and Decimal(put.json()["unit_price"]) == Decimal("99.90")
    got = api_as("sales").get(f"/price-lists/{list_id}").json()
    assert [(p["sku"], Decimal(p["unit_price"])) for p in got["prices"]] == [
        ("MES-1", Decimal("99.90"))
    ]
    assert (
        admin.put(f"/price-lists/{list_id}/prices/{product.pk}", {"unit_price": None}).status_code
        == 204
    )
    assert (
        admin.patch(f"/price-lists/{list_id}", {"name": "Estados Unidos"}).json()["name"]
        == "Estados Unidos"
    )
    seller = api_as("sales")
    with unchanged():
        assert (
            seller.put(
                f"/price-lists/{list_id}/prices/{product.pk}", {"unit_price": "1"}
            ).status_code
            == 403
        )
    taxes = api_as("agent").get("/tax-rates").json()
    assert {"icms-18", "iva-23"} <= {t["code"] for t in taxes}
    tax = admin.post(
        "/tax-rates", {"code": "ipi-5", "name": "IPI 5%", "rate": "5", "country": "BR"}
    )
    assert tax.status_code == 201
    off = admin.patch(f"/tax-rates/{tax.json()['id']}", {"is_active": False})
    assert off.status_code == 200 and off.json()["is_active"] is False
    assert api_as("marketing").get("/tax-rates").status_code == 403


def test_product_list_query_count(api_as: Any, django_assert_max_num_queries: Any) -> None:
    seller = api_as("sales")
    for _ in range(30):
        ProductFactory(tax_rate=TaxRate.objects.get(code="icms-18"))
    with django_assert_max_num_queries(6):
        response = seller.get("/products", {"limit": 50})
    assert len(response.json()["items"]) == 30
    assert Product.objects.count() == 30
