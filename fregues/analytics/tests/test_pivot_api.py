"""/api/v1/analytics/pivot, /pivot/drill, /pivot/export, /pivot/segment, /reports and
/dashboards against the hand-computed dataset of ``pivot_data``."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from fregues.analytics.models import DashboardItem, SavedReport
from fregues.core.audit import AuditEntry
from fregues.marketing.models import Segment
from fregues.marketing.selectors.segments import segment_party_ids

from .pivot_data import make_dataset, refresh_facts

pytestmark = pytest.mark.django_db

ENGLISH = {"Accept-Language": "en"}
AGE_BY_CATEGORY = {"rows": "age_band", "columns": "category", "measure": "revenue"}


@pytest.fixture
def data() -> dict[str, Any]:
    d = make_dataset()
    refresh_facts()
    return d


def test_pivot_post_and_get_answer_the_same(
    data: dict[str, Any], manager_api: Any, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(4):  # auth (token + user), the grouped statement
        posted = manager_api.post("/analytics/pivot", AGE_BY_CATEGORY)
    assert posted.status_code == 200, posted.content
    body = posted.json()
    assert [v["value"] for v in body["rows"]["values"]] == ["25-34", "35-44"]
    assert [v["value"] for v in body["columns"]["values"]] == ["Eletro", "Móveis", ""]
    # 25-34: Eletro 200 + 100, Móveis 50, none 20; 35-44: Móveis 200 (40 USD × 5)
    assert body["cells"] == [["300.00", "50.00", "20.00"], [None, "200.00", None]]
    assert body["row_totals"] == ["370.00", "200.00"]
    assert body["column_totals"] == ["300.00", "250.00", "20.00"]
    assert body["total"] == "570.00"
    got = manager_api.get("/analytics/pivot", AGE_BY_CATEGORY)
    assert got.json()["cells"] == body["cells"]
    filtered = manager_api.get(
        "/analytics/pivot",
        {"rows": "region", "measure": "customers", "filter": ["age_band:25-34", "age_band:35-44"]},
    )
    assert filtered.json()["row_totals"] == [2, 1]  # SP: A and C; RJ: B


def test_pivot_422_and_403(data: dict[str, Any], manager_api: Any, api: Any) -> None:
    bad = manager_api.post("/analytics/pivot", {"rows": "nope", "measure": "revenue"})
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid" and "rows" in bad.json()["errors"]
    mixed = manager_api.get(
        "/analytics/pivot", {"rows": "product", "columns": "channel", "measure": "revenue"}
    )
    assert mixed.status_code == 422 and set(mixed.json()["errors"]) == {"columns"}
    assert api.post("/analytics/pivot", AGE_BY_CATEGORY).status_code == 403  # an agent
    registry = manager_api.get("/analytics/pivot/dimensions").json()
    assert {"age_band", "product", "channel", "month"} <= {
        d["code"] for d in registry["dimensions"]
    }


def test_drill_pages_and_hides_amounts_from_marketing(
    data: dict[str, Any],
    manager_api: Any,
    marketing_api: Any,
    api: Any,
    django_assert_max_num_queries: Any,
) -> None:
    body = {"definition": AGE_BY_CATEGORY, "row": "25-34", "column": "Eletro", "page_size": 1}
    with django_assert_max_num_queries(5):  # auth, count, page, names
        first = manager_api.post("/analytics/pivot/drill", body)
    assert first.status_code == 200, first.content
    assert first.json()["count"] == 2
    assert [(r["name"], r["value"]) for r in first.json()["results"]] == [("Ana Alves", "200.00")]
    second = manager_api.post("/analytics/pivot/drill", {**body, "page": 2}).json()
    assert [(r["name"], r["value"]) for r in second["results"]] == [("Bruno Borges", "100.00")]
    hidden = marketing_api.post("/analytics/pivot/drill", {**body, "page_size": 50}).json()
    assert hidden["amounts"] is False
    assert [(r["name"], r["value"]) for r in hidden["results"]] == [
        ("Ana Alves", None),
        ("Bruno Borges", None),
    ]
    assert api.post("/analytics/pivot/drill", body).status_code == 403
    bad = manager_api.post("/analytics/pivot/drill", {**body, "page": 0})
    assert bad.status_code == 422 and "page" in bad.json()["errors"]


def _csv(response: Any) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


def test_exports_csv_and_xlsx(data: dict[str, Any], manager_api: Any, marketing_api: Any) -> None:
    response = manager_api.get("/analytics/pivot/export", {**AGE_BY_CATEGORY, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = _csv(response)
    assert rows[1:] == [
        ["25-34", "300.00", "50.00", "20.00", "370.00"],
        ["35-44", "", "200.00", "", "200.00"],
        ["Total", "300.00", "250.00", "20.00", "570.00"],
    ]
    xlsx = manager_api.get("/analytics/pivot/export", {**AGE_BY_CATEGORY, "format": "xlsx"})
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[-1][0] == "Total" and float(values[-1][-1]) == 570.0
    drill = manager_api.get(
        "/analytics/pivot/export",
        {**AGE_BY_CATEGORY, "format": "csv", "drill": "1", "row": "25-34", "column": "Eletro"},
        **ENGLISH,
    )
    assert [r[1:] for r in _csv(drill)] == [
        ["Name", "Lifecycle stage", "Revenue"],
        ["Ana Alves", "Client", "200.00"],
        ["Bruno Borges", "Buyer", "100.00"],
    ]
    no_amounts = marketing_api.get(
        "/analytics/pivot/export",
        {**AGE_BY_CATEGORY, "format": "csv", "drill": "1", "row": "25-34", "column": "Eletro"},
        **ENGLISH,
    )
    assert _csv(no_amounts)[0][1:] == ["Name", "Lifecycle stage"]
    bad = manager_api.get("/analytics/pivot/export", {**AGE_BY_CATEGORY, "format": "pdf"})
    assert bad.status_code == 422 and "format" in bad.json()["errors"]


def test_segment_from_a_cell(data: dict[str, Any], marketing_api: Any, manager_api: Any) -> None:
    body = {
        "definition": AGE_BY_CATEGORY,
        "row": "25-34",
        "column": "Móveis",
        "name": "Móveis jovens",
    }
    made = marketing_api.post("/analytics/pivot/segment", body)
    assert made.status_code == 201, made.content
    assert made.json()["members"] == 1
    segment = Segment.objects.get(pk=made.json()["id"])
    assert segment.name == "Móveis jovens"
    assert list(segment_party_ids(segment)) == [data["a"].pk]  # only A bought Móveis at 25-34
    assert AuditEntry.objects.filter(entity_type="marketing.segment", action="create").exists()
    # a relationship manager may drill but not make segments
    assert manager_api.post("/analytics/pivot/segment", body).status_code == 403


def test_saved_reports_and_the_role_dashboard(
    data: dict[str, Any], make_user: Any, api_for: Any, django_assert_max_num_queries: Any
) -> None:
    sales = api_for(make_user("sales"))
    other_sales = api_for(make_user("sales"))
    marketer = api_for(make_user("marketing"))
    default = sales.get("/analytics/dashboards").json()
    assert default["role"] == "sales" and default["defaults"] is True
    assert [w["code"] for w in default["widgets"]] == [
        "pivot.revenue_by_month",
        "pivot.revenue_by_category",
    ]
    by_month = default["widgets"][0]["result"]
    assert by_month["row_totals"] == ["370.00", "200.00"]  # January (A, B), February (C)
    bad = sales.post(
        "/analytics/reports", {"name": "", "definition": {"rows": "x", "measure": "revenue"}}
    )
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"name", "definition.rows"}
    made = sales.post(
        "/analytics/reports",
        {"name": "Idade × categoria", "definition": AGE_BY_CATEGORY, "shared_roles": ["sales"]},
    )
    assert made.status_code == 201, made.content
    report_id = made.json()["id"]
    assert other_sales.get(f"/analytics/reports/{report_id}").json()["result"]["total"] == "570.00"
    assert marketer.get(f"/analytics/reports/{report_id}").status_code == 404  # not shared
    assert other_sales.patch(f"/analytics/reports/{report_id}", {"name": "x"}).status_code == 403
    assert (
        sales.patch(f"/analytics/reports/{report_id}", {"chart": "line"}).json()["chart"] == "line"
    )
    with django_assert_max_num_queries(4):
        listed = other_sales.get("/analytics/reports")
    assert [r["id"] for r in listed.json()] == [report_id]
    pinned = other_sales.post("/analytics/dashboards/pins", {"report_id": report_id})
    assert pinned.status_code == 201, pinned.content
    assert marketer.post("/analytics/dashboards/pins", {"report_id": report_id}).status_code == 404
    board = sales.get("/analytics/dashboards").json()
    assert board["defaults"] is False
    assert [(w["title"], w["result"]["total"]) for w in board["widgets"]] == [
        ("Idade × categoria", "570.00")
    ]
    assert sales.delete(f"/analytics/dashboards/pins/{pinned.json()['id']}").status_code == 403
    assert (
        other_sales.delete(f"/analytics/dashboards/pins/{pinned.json()['id']}").status_code == 204
    )
    assert sales.delete(f"/analytics/reports/{report_id}").status_code == 204
    assert not SavedReport.objects.exists() and not DashboardItem.objects.exists()
