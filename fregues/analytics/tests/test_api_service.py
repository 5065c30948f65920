"""/api/v1/analytics/service/..., /retention/cohorts and /lifecycle/funnel: the figures of the
hand-worked datasets, the roles, the 422s and the number of queries."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from fregues.analytics.facts_service import refresh_service_facts
from fregues.analytics.refresh import RefreshWindow
from fregues.analytics.retention import refresh_retention

from . import retention_data, service_data

pytestmark = pytest.mark.django_db

MARCH = {"date_from": "2026-03-01", "date_to": "2026-03-31"}


@pytest.fixture
def service() -> dict[str, Any]:
    data = service_data.build()
    refresh_service_facts(
        RefreshWindow(since=None, until=service_data.at(6, 20), today=datetime.date(2026, 3, 6))
    )
    return data


def test_sla_per_queue(service: dict, manager_api: Any, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(8):
        r = manager_api.get("/analytics/service/sla", {**MARCH, "by": "queue"})
    assert r.status_code == 200, r.json()
    body = r.json()
    rows = {row["group_label"]: row for row in body["rows"]}
    # Q1: case 1 met both, case 2 missed both → 1/2 = 50 % each
    assert rows["Q1"]["period"] == "2026-03-01"
    assert (rows["Q1"]["first_response_met"], rows["Q1"]["first_response_measured"]) == (1, 2)
    assert rows["Q1"]["resolution_pct"] == 50.0
    # Q2: case 3 has no SLA, case 4's resolution is late and its first response still runs
    assert (rows["Q2"]["first_response_measured"], rows["Q2"]["first_response_pct"]) == (0, None)
    assert (rows["Q2"]["resolution_met"], rows["Q2"]["resolution_measured"]) == (0, 1)
    # all: first response 1 of 2 = 50 %, resolution 1 of 3 = 33.3 %
    assert body["totals"]["first_response_pct"] == 50.0
    assert body["totals"]["resolution_pct"] == 33.3


def test_sla_per_agent_and_week(service: dict, manager_api: Any) -> None:
    r = manager_api.get("/analytics/service/sla", {**MARCH, "by": "agent", "period": "week"})
    rows = {(row["period"], row["group"]): row["cases"] for row in r.json()["rows"]}
    # every case opened in the week of Monday 2 Mar: ana has cases 1 and 3, bia case 2,
    # case 4 nobody
    a1, a2 = service["a1"].pk, service["a2"].pk
    assert rows == {("2026-03-02", a1): 2, ("2026-03-02", a2): 1, ("2026-03-02", None): 1}
    labels = {row["group"]: row["group_label"] for row in r.json()["rows"]}
    assert labels[a1] == service["a1"].display_name


def test_first_contact_resolution(service: dict, manager_api: Any) -> None:
    r = manager_api.get("/analytics/service/first-contact-resolution", MARCH)
    totals = r.json()["totals"]
    # resolved: cases 1, 2, 3; at first contact: case 1 → 1/3 = 33.3 %; case 3 reopened once
    assert (totals["resolved"], totals["first_contact_resolved"], totals["fcr_pct"]) == (
        3,
        1,
        33.3,
    )
    assert totals["reopened"] == 1


def test_avoidable_contacts_filtered_by_channel(service: dict, manager_api: Any) -> None:
    r = manager_api.get("/analytics/service/avoidable-contacts", MARCH)
    totals = r.json()["totals"]
    # inbound contacts: case 1 one, case 2 two → 3; avoidable: 1 → 33.3 %
    assert (totals["inbound_contacts"], totals["avoidable_contacts"]) == (3, 1)
    assert totals["avoidable_pct"] == 33.3
    assert totals["avoidable_reasons"]["status_inquiry"] == 1
    email = manager_api.get("/analytics/service/avoidable-contacts", {**MARCH, "channel": "email"})
    # only case 2 came by e-mail: 1 of its 2 inbound contacts
    assert email.json()["totals"]["avoidable_pct"] == 50.0


def test_satisfaction_and_quality_per_agent(service: dict, make_user: Any, api_for: Any) -> None:
    api = api_for(make_user("quality_manager"))
    r = api.get("/analytics/service/satisfaction", {**MARCH, "by": "agent"})
    assert r.status_code == 200
    rows = {row["group"]: row for row in r.json()["rows"]}
    rows["ana"], rows["bia"] = rows[service["a1"].pk], rows[service["a2"].pk]
    # ana: CSAT 5 (case 1), quality 80; bia: CSAT 3, quality (60 + 70) / 2 = 65
    assert (rows["ana"]["csat_average"], rows["ana"]["quality_average"]) == (5.0, 80.0)
    assert (rows["bia"]["csat_average"], rows["bia"]["quality_average"]) == (3.0, 65.0)
    totals = r.json()["totals"]
    # all: CSAT (5 + 3) / 2 = 4; quality (80 + 60 + 70) / 3 = 70
    assert (totals["csat_average"], totals["quality_average"]) == (4.0, 70.0)


def test_backlog_now_and_over_time(service: dict, manager_api: Any) -> None:
    r = manager_api.get("/analytics/service/backlog", {**MARCH, "by": "queue"})
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["day"] == "2026-03-06"
    now = {
        row["group_label"]: (row["open_count"], row["age_1_3"], row["age_3_7"])
        for row in body["now"]
    }
    assert now == {"Q1": (1, 0, 1), "Q2": (1, 1, 0)}  # case 2 aged 3, case 4 aged 1
    assert [(d["day"], d["open_count"]) for d in body["series"]] == [
        ("2026-03-03", 1),
        ("2026-03-04", 2),
        ("2026-03-05", 3),
        ("2026-03-06", 2),
    ]
    bad = manager_api.get("/analytics/service/backlog", {"agent": "1"})
    assert bad.status_code == 422 and "agent" in bad.json()["errors"]


def test_bad_filters_are_422_naming_each_field(manager_api: Any) -> None:
    r = manager_api.get(
        "/analytics/service/sla",
        {
            "date_from": "2026-04-01",
            "date_to": "2026-03-01",
            "by": "moon",
            "period": "day",
            "channel": "pigeon",
            "queue": "x",
        },
    )
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "invalid"
    assert set(body["errors"]) == {"date_from", "by", "period", "channel", "queue"}
    assert (
        manager_api.get("/analytics/retention/cohorts", {"month_from": "2026-13"}).status_code
        == 422
    )
    assert (
        manager_api.get("/analytics/lifecycle/funnel", {"date_to": "yesterday"}).status_code == 422
    )


@pytest.mark.parametrize(
    "path",
    [
        "/analytics/service/sla",
        "/analytics/service/backlog",
        "/analytics/service/first-contact-resolution",
        "/analytics/service/avoidable-contacts",
        "/analytics/service/satisfaction",
        "/analytics/retention/cohorts",
        "/analytics/lifecycle/funnel",
    ],
)
def test_agents_may_not_read_analytics(path: str, api: Any) -> None:
    r = api.get(path)
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden"


def test_cohorts_and_funnel(manager_api: Any, django_assert_max_num_queries: Any) -> None:
    retention_data.build_orders()
    retention_data.build_moves()
    refresh_retention(
        RefreshWindow(since=None, until=timezone.now(), today=datetime.date(2026, 4, 30))
    )
    with django_assert_max_num_queries(6):
        r = manager_api.get(
            "/analytics/retention/cohorts", {"month_from": "2026-01", "month_to": "2026-04"}
        )
    assert r.status_code == 200
    jan = r.json()["cohorts"][0]
    assert jan["cohort"] == "2026-01-01"
    assert [m["pct"] for m in jan["months"]] == [100.0, 50.0, 100.0]  # 2/2, 1/2, 2/2
    with django_assert_max_num_queries(12):
        f = manager_api.get(
            "/analytics/lifecycle/funnel", {"date_from": "2026-01-01", "date_to": "2026-03-31"}
        )
    assert f.status_code == 200
    stages = {s["stage"]: s for s in f.json()["stages"]}
    assert stages["prospect"]["entered"] == 3 and stages["buyer"]["conversion_pct"] == 33.3
