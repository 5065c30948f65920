"""The pivot explorer, drill-down, exports, saving, reports and dashboard screens."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from django.test import Client

from fregues.analytics.models import DashboardItem, SavedReport
from fregues.marketing.models import Segment

from .pivot_data import make_dataset, refresh_facts, screen_client

pytestmark = pytest.mark.django_db

AGE_BY_CATEGORY = {"rows": "age_band", "columns": "category", "measure": "revenue"}


@pytest.fixture
def data() -> dict[str, Any]:
    d = make_dataset()
    refresh_facts()
    return d


def _board(client: Client, query: str = "") -> str:
    """The dashboard as a browser shows it: the page, then each widget's own request."""
    page = client.get(f"/analytics/dashboard/{query}")
    assert page.status_code == 200
    html = page.content.decode()
    for url in re.findall(r'hx-get="([^"]+)" hx-trigger="load"', html):
        widget = client.get(unescape(url))
        assert widget.status_code == 200 and "<html" not in widget.content.decode()
        html += widget.content.decode()
    return html


def test_explorer_shows_the_table_chart_and_totals(data: dict[str, Any], make_user: Any) -> None:
    client = screen_client(make_user("relationship_manager"))
    page = client.get("/analytics/pivot/", AGE_BY_CATEGORY)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and 'class="pivot-chart"' in html
    assert 'data-cell="25-34|Eletro"' in html and ">300.00<" in html
    assert ">570.00<" in html  # the grand total
    fragment = client.get("/analytics/pivot/", AGE_BY_CATEGORY, headers={"HX-Request": "true"})
    assert "<html" not in fragment.content.decode() and ">370.00<" in fragment.content.decode()
    bad = client.get(
        "/analytics/pivot/", {"rows": "product", "columns": "channel", "measure": "revenue"}
    )
    assert bad.status_code == 422 and "cannot be combined" in bad.content.decode()
    home = client.get("/analytics/")
    assert "/analytics/pivot/" in home.content.decode()


def test_the_explorer_is_closed_to_agents(data: dict[str, Any], make_user: Any) -> None:
    client = screen_client(make_user("agent"))
    assert client.get("/analytics/pivot/").status_code == 403
    assert client.get("/analytics/dashboard/").status_code == 403


def test_drill_export_and_segment_from_a_cell(data: dict[str, Any], make_user: Any) -> None:
    client = screen_client(make_user("marketing"))
    drill = client.get(
        "/analytics/pivot/drill/",
        {**AGE_BY_CATEGORY, "row": "25-34", "column": "Eletro"},
        headers={"HX-Request": "true"},
    )
    html = drill.content.decode()
    assert drill.status_code == 200
    assert "Ana Alves" in html and "Bruno Borges" in html and "200.00" not in html  # no amounts
    assert "Create a segment of these customers" in html
    exported = client.get(
        "/analytics/pivot/export/",
        {**AGE_BY_CATEGORY, "format": "csv", "drill": "1", "row": "25-34"},
    )
    assert b"Ana Alves" in b"".join(exported.streaming_content)
    made = client.post(
        "/analytics/pivot/segment/",
        {**AGE_BY_CATEGORY, "row": "25-34", "column": "Eletro", "name": "Eletro 25-34"},
    )
    segment = Segment.objects.get(name="Eletro 25-34")
    assert made.status_code == 302 and made["Location"].endswith(f"/{segment.pk}/")
    assert sorted(segment.rules["party_ids"]) == sorted([data["a"].pk, data["b"].pk])


def test_save_pin_and_see_it_on_the_dashboard(data: dict[str, Any], make_user: Any) -> None:
    client = screen_client(make_user("sales"))
    page = client.get("/analytics/dashboard/").content.decode()
    assert "Revenue per month" in page and "pivot-chart" not in page  # widgets load on their own
    board = _board(client)
    assert "Revenue per month" in board and "<svg" in board  # the role's default widgets
    bad = client.post("/analytics/reports/save/", {**AGE_BY_CATEGORY, "name": ""})
    assert bad.status_code == 422 and not SavedReport.objects.exists()
    saved = client.post(
        "/analytics/reports/save/",
        {**AGE_BY_CATEGORY, "name": "Idade × categoria", "shared_roles": ["sales"], "chart": "bar"},
    )
    assert saved.status_code == 302
    report = SavedReport.objects.get()
    assert report.definition["columns"] == "category"
    listing = client.get("/analytics/reports/").content.decode()
    assert "Idade × categoria" in listing
    client.post(f"/analytics/reports/{report.pk}/pin/")
    assert DashboardItem.objects.filter(role="sales", report=report).exists()
    board = _board(client)
    assert "Idade × categoria" in board and "Revenue per month" not in board
    assert ">570.00<" in board
