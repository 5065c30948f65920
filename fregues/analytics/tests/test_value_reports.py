"""The value and churn reports (API and screens) on hand-made reporting-store rows: totals,
deciles and groups computed by hand, the churn list's order, filters, paging and 422s, and
what each role may see."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from fregues.analytics.models import CustomerFact, ValueModelFit
from fregues.parties.tests.factories import PartyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def store(manager: Any) -> dict[int, Any]:
    """20 customers, k = 1..20: CLV 5k, P(alive) k/20, churn risk 1 − k/25, one expected
    order a year each; k > 10 "champions" else "hibernating"; even k clients, odd k buyers;
    k ≤ 3 in the manager's portfolio."""
    parties = {}
    now = timezone.now()
    for k in range(1, 21):
        party = PartyFactory(name=f"Cliente {k:02d}")
        parties[k] = party
        CustomerFact.objects.create(
            party=party,
            refreshed_at=now,
            clv=Decimal(5 * k),
            p_alive=k / 20,
            expected_orders_year=1.0,
            churn_risk=1 - k / 25,
            churn_reasons=[{"code": "overdue", "weight": 0.25, "days": 100 + k, "usual_days": 30}],
            rfm_segment="champions" if k > 10 else "hibernating",
            lifecycle_stage="client" if k % 2 == 0 else "buyer",
            owner_id=manager.pk if k <= 3 else None,
            orders_count=k,
        )
    ValueModelFit.objects.create(
        fitted_at=now - datetime.timedelta(hours=1),
        parameters={
            "bgnbd": {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426},
            "gamma_gamma": {"p": 6.25, "q": 3.74, "v": 15.44},
            "time_unit": "week",
            "horizon_months": 36,
            "monthly_discount_rate": 0.01,
        },
        customers=20,
        repeat_customers=15,
        log_likelihood=-123.4,
    )
    return parties


def test_value_report_totals_deciles_and_groups(store: dict, manager_api: Any) -> None:
    response = manager_api.get("/analytics/value")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["currency"] == "BRL"
    assert body["model"]["bgnbd"] == {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    assert body["model"]["customers"] == 20 and body["model"]["horizon_months"] == 36
    # Σ 5k for k = 1..20 = 5 · 210 = 1050; mean P(alive) = 10.5 / 20 = 0.525
    assert body["customers"] == 20
    assert Decimal(body["total_clv"]) == Decimal("1050.00")
    assert body["average_p_alive"] == pytest.approx(0.525)
    assert body["expected_orders_year"] == 20.0
    # churn risk ≥ 0.5 ⇔ 1 − k/25 ≥ 0.5 ⇔ k ≤ 12
    assert body["customers_at_risk"] == 12
    # deciles of two customers each, highest first: (100 + 95) … (10 + 5)
    deciles = body["deciles"]
    assert [d["customers"] for d in deciles] == [2] * 10
    assert (Decimal(deciles[0]["total_clv"]), Decimal(deciles[0]["min_clv"])) == (195, 95)
    assert Decimal(deciles[9]["total_clv"]) == 15
    # champions k = 11..20: 5 · 155 = 775, mean 77.5, mean risk 1 − 15.5/25 = 0.38;
    # hibernating k = 1..10: 5 · 55 = 275, mean 27.5, mean risk 1 − 5.5/25 = 0.78
    segments = {g["group"]: g for g in body["by_segment"]}
    assert Decimal(segments["champions"]["total_clv"]) == 775
    assert Decimal(segments["champions"]["average_clv"]) == Decimal("77.50")
    assert segments["champions"]["average_churn_risk"] == pytest.approx(0.38)
    assert Decimal(segments["hibernating"]["total_clv"]) == 275
    assert segments["hibernating"]["average_churn_risk"] == pytest.approx(0.78)
    # clients are the even k: 5 · (2 + 4 + … + 20) = 5 · 110 = 550; buyers 5 · 100 = 500
    stages = {g["group"]: Decimal(g["total_clv"]) for g in body["by_lifecycle"]}
    assert stages == {"client": 550, "buyer": 500}


def test_value_report_is_aggregate_so_marketing_reads_it_and_agents_do_not(
    store: dict, marketing_api: Any, api: Any
) -> None:
    assert marketing_api.get("/analytics/value").status_code == 200
    response = api.get("/analytics/value")
    assert response.status_code == 403
    assert response.json()["code"]


def test_value_report_without_a_fit_or_scores(manager_api: Any) -> None:
    body = manager_api.get("/analytics/value").json()
    assert body["model"] is None and body["customers"] == 0 and body["deciles"] == []


def test_churn_list_riskiest_first_with_reasons(
    store: dict, manager_api: Any, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(6):
        response = manager_api.get("/analytics/churn", {"limit": 5})
    assert response.status_code == 200, response.content
    body = response.json()
    assert [i["name"] for i in body["items"]] == [f"Cliente {k:02d}" for k in range(1, 6)]
    first = body["items"][0]
    assert first["churn_risk"] == pytest.approx(0.96)  # 1 − 1/25
    assert first["reasons"] == [{"code": "overdue", "weight": 0.25, "days": 101, "usual_days": 30}]
    assert Decimal(first["clv"]) == 5 and body["amounts_shown"] is True
    assert body["next_offset"] == 5
    last = manager_api.get("/analytics/churn", {"limit": 5, "offset": 15}).json()
    assert [i["name"] for i in last["items"]][-1] == "Cliente 20" and last["next_offset"] is None


def test_churn_list_filters(store: dict, manager: Any, manager_api: Any) -> None:
    # clients (even k) with risk ≥ 0.7 ⇔ k ≤ 7.5: k = 2, 4, 6
    body = manager_api.get(
        "/analytics/churn", {"lifecycle_stage": "client", "min_risk": "0.7"}
    ).json()
    assert [i["name"] for i in body["items"]] == ["Cliente 02", "Cliente 04", "Cliente 06"]
    mine = manager_api.get("/analytics/churn", {"owner_id": manager.pk}).json()
    assert [i["name"] for i in mine["items"]] == ["Cliente 01", "Cliente 02", "Cliente 03"]


def test_churn_list_bad_filters_are_a_422_naming_each(store: dict, manager_api: Any) -> None:
    response = manager_api.get(
        "/analytics/churn", {"min_risk": "2", "lifecycle_stage": "nope", "owner_id": "x"}
    )
    assert response.status_code == 422
    body = response.json()
    assert set(body["errors"]) == {"min_risk", "lifecycle_stage", "owner_id"}


def test_churn_list_roles(store: dict, marketing_api: Any, api: Any) -> None:
    body = marketing_api.get("/analytics/churn").json()
    assert body["amounts_shown"] is False
    assert all(i["clv"] is None for i in body["items"]) and body["items"]
    assert api.get("/analytics/churn").status_code == 403


def _en(client: Any, user: Any) -> Any:
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def test_value_screen(store: dict, client: Any, manager: Any) -> None:
    response = _en(client, manager).get("/analytics/value/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "By decile of value" in html and "champions" in html
    assert "r=0.243" in html
    home = client.get("/analytics/").content.decode()
    assert "/analytics/value/" in home and "/analytics/churn/" in home


def test_churn_screen(store: dict, client: Any, manager: Any) -> None:
    response = _en(client, manager).get("/analytics/churn/", {"lifecycle_stage": "client"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Cliente 02" in html and "Cliente 01" not in html
    assert "No order for 102 days (usually every 30)" in html
    assert 'scope="col" class="hide-sm">Lifetime value' in html
    bad = client.get("/analytics/churn/", {"min_risk": "abc"})
    assert bad.status_code == 422
    assert "The minimum risk is a number from 0 to 1." in bad.content.decode()


def test_churn_screen_roles(store: dict, client: Any, marketer: Any, agent: Any) -> None:
    html = _en(client, marketer).get("/analytics/churn/").content.decode()
    assert "Cliente 01" in html and ">Lifetime value</th>" not in html
    client.force_login(agent)
    assert client.get("/analytics/churn/").status_code == 403
    assert client.get("/analytics/value/").status_code == 403
