"""The dashboard's pivots stored at refresh (``PivotSummary``): the same figures as the
pivot computed from the facts, read without touching the facts, and never stale."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fregues.analytics.models import PivotSummary
from fregues.analytics.pivot import pivot_run
from fregues.analytics.pivot_summaries import pivot_summary_run
from fregues.analytics.services.refresh import analytics_refresh
from fregues.analytics.widgets import widgets
from fregues.sales.tests.factories import OrderFactory, add_lines

from .pivot_data import local, make_dataset, screen_client

pytestmark = pytest.mark.django_db

# the customer-facts rows of the dataset are written by hand: refresh the pivot's parts only
PARTS = ["pivot_facts", "dashboard"]
AGE_BY_CATEGORY = {"rows": "age_band", "columns": "category", "measure": "revenue"}


@pytest.fixture
def data() -> dict[str, Any]:
    d = make_dataset()
    analytics_refresh(actor=None, full=True, only=PARTS)
    return d


def test_every_dashboard_pivot_is_stored_with_the_figures_of_the_facts(
    data: dict[str, Any], make_user: Any
) -> None:
    definitions = [w.definition for w in widgets() if w.definition]
    assert PivotSummary.objects.count() == len(definitions)
    admin = make_user("admin")
    for definition in definitions:
        assert pivot_summary_run(actor=admin, definition=definition) == pivot_run(
            actor=admin, definition=definition
        ), definition


def test_the_widget_reads_the_summary_not_the_facts(
    data: dict[str, Any], make_user: Any, django_assert_max_num_queries: Any
) -> None:
    client = screen_client(make_user("sales"))
    with CaptureQueriesContext(connection) as queries, django_assert_max_num_queries(8):
        widget = client.get("/analytics/dashboard/widgets/pivot.revenue_by_month/")
    assert widget.status_code == 200
    html = widget.content.decode()
    assert "Revenue per month" in html and ">370.00<" in html and ">570.00<" in html
    assert not [q for q in queries if "analytics_orderfact" in q["sql"]]
    assert client.get("/analytics/dashboard/widgets/pivot.nothing/").status_code == 404
    # a widget of another role's dashboard is not on the sales dashboard
    assert client.get("/analytics/dashboard/widgets/pivot.contacts_by_channel/").status_code == 404


def test_the_dashboard_never_shows_a_stale_summary(
    data: dict[str, Any], make_user: Any, api_for: Any
) -> None:
    sales = api_for(make_user("sales"))
    by_month = sales.get("/analytics/dashboards").json()["widgets"][0]["result"]
    assert by_month["row_totals"] == ["370.00", "200.00"]  # January (A, B), February (C)
    order = OrderFactory(party=data["c"], ordered_at=local(2026, 2, 9))
    add_lines(order, [(data["p2"], "1", "30")])
    # only the facts refreshed: the stored summary is older than the store, so not read
    analytics_refresh(actor=None, only=["pivot_facts"])
    by_month = sales.get("/analytics/dashboards").json()["widgets"][0]["result"]
    assert by_month["row_totals"] == ["370.00", "230.00"]
    # the whole refresh stores the new figures
    analytics_refresh(actor=None, only=PARTS)
    stored = PivotSummary.objects.get(definition__rows="month", definition__measure="revenue")
    assert stored.grid["row_totals"] == ["370.00", "230.00"]
    by_month = sales.get("/analytics/dashboards").json()["widgets"][0]["result"]
    assert by_month["row_totals"] == ["370.00", "230.00"] and by_month["total"] == "600.00"


def test_a_pinned_report_is_stored_at_the_next_refresh(
    data: dict[str, Any], make_user: Any, api_for: Any
) -> None:
    sales = api_for(make_user("sales"))
    made = sales.post(
        "/analytics/reports",
        {"name": "Idade × categoria", "definition": AGE_BY_CATEGORY, "shared_roles": ["sales"]},
    )
    assert (
        sales.post("/analytics/dashboards/pins", {"report_id": made.json()["id"]}).status_code
        == 201
    )
    # not stored yet: computed from the facts
    board = sales.get("/analytics/dashboards").json()
    assert [(w["title"], w["result"]["total"]) for w in board["widgets"]] == [
        ("Idade × categoria", "570.00")
    ]
    analytics_refresh(actor=None, only=PARTS)
    assert PivotSummary.objects.filter(definition__columns="category").exists()
    again = sales.get("/analytics/dashboards").json()
    assert again["widgets"] == board["widgets"]
    cells = again["widgets"][0]["result"]["cells"]
    assert cells[0][0] == "300.00"  # 25-34 × Eletro: A 200 + B 100
