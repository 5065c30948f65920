"""The customers-and-value endpoints: figures from hand-computed portfolios, permissions per
role, 422s for bad input, and bounded query counts."""

from __future__ import annotations

from typing import Any

import pytest

from fregues.analytics.models import ChannelCost, RefreshState
from fregues.parties.tests.factories import PartyFactory

from .test_value_scores import refresh_all, rfm_portfolio
from .value_data import at, costs, order

pytestmark = pytest.mark.django_db


def test_rfm_grid_and_segments(manager_api: Any, api: Any) -> None:
    rfm_portfolio()
    refresh_all()
    response = manager_api.get("/analytics/rfm")
    assert response.status_code == 200, response.content
    body = response.json()
    assert len(body["grid"]) == 25
    cells = {(c["recency"], c["frequency"]): c for c in body["grid"]}
    # A (r5 f1) bought 500; B (r4 f5) 50; every other cell of the five is one customer
    assert cells[(5, 1)]["customers"] == 1 and float(cells[(5, 1)]["revenue"]) == 500
    assert cells[(4, 5)]["customers"] == 1 and float(cells[(4, 5)]["revenue"]) == 50
    assert cells[(5, 5)]["customers"] == 0
    assert sum(c["customers"] for c in body["grid"]) == 5
    segments = {s["code"]: s for s in body["segments"]}
    assert segments["hibernating"]["customers"] == 1  # E
    assert float(segments["hibernating"]["revenue"]) == 200
    assert segments["champions"]["customers"] == 0
    assert segments["champions"]["avg_recency_days"] is None
    assert segments["new_customers"]["avg_recency_days"] > 0
    assert api.get("/analytics/rfm").status_code == 403  # agents have no analytics


def test_profitability_quadrants_and_the_unprofitable(
    manager_api: Any, marketing_api: Any, api: Any, django_assert_max_num_queries: Any
) -> None:
    """V: revenue 10, cost 30 → profit −20 (below cost); H: revenue 10, no cost → profit 10."""
    v = PartyFactory(name="V")
    order(v, at(2026, 2, 1), "10", lines=[("1", "30")])
    h = PartyFactory(name="H")
    order(h, at(2026, 2, 1), "10")
    refresh_all()
    body = manager_api.get("/analytics/profitability").json()
    assert body["unprofitable_customers"] == 1 and float(body["unprofitable_loss"]) == -20
    # medians over V and H: margin (−20 + 10) / 2 = −5, cost to serve 0 → H champions, V cheap
    quadrants = {q["code"]: q for q in body["quadrants"]}
    assert quadrants["champions"]["customers"] == 1
    assert float(quadrants["champions"]["profit"]) == 10
    assert quadrants["cheap_to_keep"]["customers"] == 1
    assert [d["decile"] for d in body["deciles"]] == [1, 2]
    assert float(body["deciles"][0]["profit"]) == 10

    with django_assert_max_num_queries(8):
        page = manager_api.get("/analytics/profitability/unprofitable").json()
    assert page["count"] == 1 and page["amounts"] is True
    item = page["items"][0]
    assert item["party_id"] == v.pk and float(item["profit"]) == -20
    assert item["reasons"][0]["code"] == "below_cost" and item["reasons"][0]["value"] == -20
    # marketing drills into the customers but sees no amounts
    hidden = marketing_api.get("/analytics/profitability/unprofitable").json()["items"][0]
    assert hidden["profit"] is None and hidden["revenue"] is None
    assert hidden["reasons"][0]["code"] == "below_cost" and hidden["reasons"][0]["value"] is None
    assert (
        manager_api.get("/analytics/profitability/unprofitable", {"measure": "fixable"}).json()[
            "count"
        ]
        == 0
    )
    assert (
        manager_api.get("/analytics/profitability/unprofitable", {"measure": "price"}).json()[
            "count"
        ]
        == 1
    )
    bad = manager_api.get("/analytics/profitability/unprofitable", {"measure": "nope"})
    assert bad.status_code == 422 and "measure" in bad.json()["errors"]
    assert (
        manager_api.get("/analytics/profitability/unprofitable", {"page_size": 0}).status_code
        == 422
    )
    assert api.get("/analytics/profitability/unprofitable").status_code == 403


def test_party_scores(manager_api: Any, marketing_api: Any, api: Any) -> None:
    v = PartyFactory(name="V")
    order(v, at(2026, 2, 1), "10", lines=[("1", "30")])
    fresh = PartyFactory()
    refresh_all()
    fresh_after = PartyFactory()
    body = api.get(f"/parties/{v.pk}/scores").json()  # agents see one customer's value
    assert body["rfm_segment"] == "lost"  # the only buyer is in every first quintile: r1 f1
    assert float(body["profit"]) == -20 and body["quadrant"] == "cheap_to_keep"
    assert body["unprofitable_reasons"][0]["code"] == "below_cost"
    assert body["clv"] is None and body["refreshed_at"]
    assert manager_api.get(f"/parties/{fresh.pk}/scores").json()["orders_count"] == 0
    assert manager_api.get(f"/parties/{fresh_after.pk}/scores").json()["refreshed_at"] is None
    assert manager_api.get("/parties/999999/scores").status_code == 404
    assert marketing_api.get(f"/parties/{v.pk}/scores").status_code == 403


def test_costs_api(admin_api: Any, manager_api: Any) -> None:
    RefreshState.objects.create(name="customer_facts", watermark="2026-01-01T00:00:00Z")
    ok = admin_api.put(
        "/analytics/costs/channels",
        {"channel": "phone", "direction": "in", "cost_per_contact": "4.5", "currency": "brl"},
    )
    assert ok.status_code == 200, ok.content
    assert ok.json()["currency"] == "BRL"
    # a change in costs rebuilds the customer facts in full
    assert RefreshState.objects.get(name="customer_facts").watermark is None
    bad = admin_api.put(
        "/analytics/costs/channels",
        {"channel": "pigeon", "cost_per_contact": "-1", "currency": "XYZ"},
    )
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"channel", "cost_per_contact", "currency"}
    no_rate = admin_api.put(
        "/analytics/costs/queues", {"queue": None, "hourly_cost": "30", "currency": "EUR"}
    )
    assert no_rate.status_code == 422 and "currency" in no_rate.json()["errors"]
    rate = admin_api.put(
        "/analytics/costs/rates", {"currency": "EUR", "rate": "6.1", "valid_from": "2026-01-01"}
    )
    assert rate.status_code == 200
    queue = admin_api.put(
        "/analytics/costs/queues",
        {
            "queue": "support",
            "hourly_cost": "30",
            "currency": "EUR",
            "default_handling_minutes": 12,
        },
    )
    assert queue.status_code == 200, queue.content
    listed = manager_api.get("/analytics/costs").json()
    assert [c["channel"] for c in listed["channels"]] == ["phone"]
    assert listed["queues"][0]["queue"] == "support"
    assert listed["rates"][0]["currency"] == "EUR"
    assert (
        manager_api.put(
            "/analytics/costs/rates", {"currency": "EUR", "rate": "6", "valid_from": "2026-02-01"}
        ).status_code
        == 403
    )
    pk = ChannelCost.objects.get().pk
    assert manager_api.delete(f"/analytics/costs/channels/{pk}").status_code == 403
    assert admin_api.delete(f"/analytics/costs/channels/{pk}").status_code == 204
    assert admin_api.delete(f"/analytics/costs/channels/{pk}").status_code == 404
    assert costs is not None
