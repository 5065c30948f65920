"""Next-best offer on a small hand-built order history: co-occurrence, owned and inactive
products left out, cancelled orders ignored, the fallback to the segment's best-sellers, and
the profiling withdrawal."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from fregues.parties.models import Party
from fregues.parties.services import consent_record
from fregues.parties.tests.factories import ContactPointFactory, PartyFactory
from fregues.sales.models import Product
from fregues.sales.tests.factories import OrderFactory, ProductFactory, add_lines

from ..selectors.offers import next_best_offers, preferred_product_name

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    with translation.override("en"):
        yield


def buy(party: Party, *products: Product, status: str = "confirmed") -> None:
    order = OrderFactory(party=party, status=status)
    add_lines(order, [(p, 1, 100) for p in products])


@pytest.fixture
def shop() -> dict[str, Any]:
    """Ana bought an oven; five other bakers bought ovens and more; one bought only coffee."""
    names = {
        "oven": "Forno",
        "mixer": "Batedeira",
        "kneader": "Amassadeira",
        "showcase": "Vitrine",
        "scale": "Balança",
        "coffee": "Cafeteira",
    }
    p = {key: ProductFactory(name=name) for key, name in names.items()}
    p["scale"].is_active = False
    p["scale"].save()
    ana = PartyFactory(name="Ana")
    consent_record(actor=None, party_id=ana.pk, purpose="profiling", granted=True, source="portal")
    buy(ana, p["oven"])
    others = [PartyFactory(name=f"Baker {i}") for i in range(1, 7)]
    buy(others[0], p["oven"], p["mixer"])
    buy(others[0], p["kneader"])  # another order of the same customer counts too
    buy(others[1], p["oven"], p["mixer"])
    buy(others[2], p["oven"], p["showcase"])
    buy(others[3], p["oven"], p["mixer"], p["scale"])  # the scale is no longer sold
    buy(others[4], p["coffee"])  # not a similar customer
    buy(others[5], p["oven"])
    buy(others[5], p["kneader"], status="cancelled")  # a cancelled order says nothing
    return {"p": p, "ana": ana, "others": others}


def test_products_bought_by_similar_customers_and_not_owned(shop: dict[str, Any]) -> None:
    offers = next_best_offers(shop["ana"].pk)
    assert [o.name for o in offers] == ["Batedeira", "Amassadeira", "Vitrine"]
    mixer = offers[0]
    assert mixer.product_id == shop["p"]["mixer"].pk and mixer.sku == shop["p"]["mixer"].sku
    assert mixer.score == pytest.approx(3 / 5)  # 3 of the 5 other oven buyers
    assert offers[1].score == pytest.approx(1 / 5)
    assert mixer.reason == "Bought by 3 of 5 customers who bought the same products"
    assert preferred_product_name(shop["ana"].pk) == "Batedeira"
    assert [o.name for o in next_best_offers(shop["ana"].pk, limit=1)] == ["Batedeira"]


def test_what_the_customer_owns_is_never_offered(shop: dict[str, Any]) -> None:
    buy(shop["ana"], shop["p"]["mixer"])
    names = [o.name for o in next_best_offers(shop["ana"].pk, limit=5)]
    assert "Batedeira" not in names and "Forno" not in names and "Balança" not in names
    assert names[:2] == ["Amassadeira", "Vitrine"]


def test_without_a_profiling_grant_only_best_sellers_are_offered(shop: dict[str, Any]) -> None:
    from fregues.parties.models import ConsentRecord

    ConsentRecord.objects.filter(party=shop["ana"]).delete()  # never said anything
    assert [o.name for o in next_best_offers(shop["ana"].pk)] == [
        "Batedeira",
        "Amassadeira",
        "Cafeteira",
    ]


def test_a_withdrawn_profiling_consent_falls_back_to_best_sellers(shop: dict[str, Any]) -> None:
    consent_record(
        actor=None, party_id=shop["ana"].pk, purpose="profiling", granted=False, source="portal"
    )
    offers = next_best_offers(shop["ana"].pk)
    # the stage's best-sellers (Cafeteira is there: nothing of Ana's history was used)
    assert [o.name for o in offers] == ["Batedeira", "Amassadeira", "Cafeteira"]
    assert offers[0].reason == "A best-seller among customers at the same stage"
    consent_record(
        actor=None, party_id=shop["ana"].pk, purpose="profiling", granted=True, source="portal"
    )
    assert [o.name for o in next_best_offers(shop["ana"].pk)][2] == "Vitrine"


def test_a_customer_without_orders_gets_the_best_sellers_of_their_region_first(
    shop: dict[str, Any],
) -> None:
    ze = PartyFactory(name="Zé")
    assert [o.name for o in next_best_offers(ze.pk)] == ["Forno", "Batedeira", "Amassadeira"]
    ContactPointFactory(party=ze, kind="address", value="Rua A, 1", city="Campinas", region="SP")
    coffee_buyer = shop["others"][4]
    ContactPointFactory(
        party=coffee_buyer, kind="address", value="Rua B, 2", city="Santos", region="SP"
    )
    offers = next_best_offers(ze.pk)
    assert [o.name for o in offers] == ["Cafeteira", "Forno", "Batedeira"]
    assert offers[0].reason == "A best-seller among customers like this one in SP"


def test_nothing_to_offer_is_an_empty_list_and_an_empty_name() -> None:
    ze = PartyFactory(name="Zé")
    assert next_best_offers(ze.pk) == [] and preferred_product_name(ze.pk) == ""


def test_the_offers_api_and_its_query_count(shop: dict[str, Any], api: Any) -> None:
    url = f"/parties/{shop['ana'].pk}/offers"
    api.get(url)  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as queries:
        body = api.get(url).json()
    assert [o["name"] for o in body] == ["Batedeira", "Amassadeira", "Vitrine"]
    assert set(body[0]) == {"product_id", "name", "sku", "score", "reason"}
    first = len(queries)
    assert first <= 8
    for i in range(10):
        buy(PartyFactory(name=f"New {i}"), shop["p"]["oven"], shop["p"]["coffee"])
    with CaptureQueriesContext(connection) as queries:
        api.get(url)
    assert len(queries) == first
    assert api.get("/parties/999999/offers").status_code == 404
    assert api.get(url, {"limit": 0}).status_code == 422
