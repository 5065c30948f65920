"""The service and retention screens: they show the hand-worked figures in English, answer
a bad filter with the form's errors, are closed to agents and listed on the analytics home."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fregues.analytics.facts_service import refresh_service_facts
from fregues.analytics.refresh import RefreshWindow
from fregues.analytics.retention import refresh_retention
from fregues.analytics.templatetags.charts_service import chart_geometry

from . import retention_data, service_data

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def quality(make_user: Any) -> Client:
    return client_for(make_user("quality_manager"))


@pytest.fixture
def service() -> dict:
    data = service_data.build()
    refresh_service_facts(
        RefreshWindow(since=None, until=service_data.at(6, 20), today=datetime.date(2026, 3, 6))
    )
    return data


MARCH = {"date_from": "2026-03-01", "date_to": "2026-03-31"}


@pytest.mark.parametrize(
    ("url", "figure"),
    [
        ("/analytics/service/sla/", "33.3"),  # resolution on time: 1 of 3
        ("/analytics/service/first-contact-resolution/", "33.3"),  # 1 of 3 resolved
        ("/analytics/service/avoidable-contacts/", "33.3"),  # 1 of 3 inbound contacts
        ("/analytics/service/satisfaction/", "70.0"),  # quality (80 + 60 + 70) / 3
    ],
)
def test_service_screens_show_the_figures(
    service: dict, quality: Client, url: str, figure: str, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(14):
        r = quality.get(url, MARCH)
    assert r.status_code == 200
    html = r.content.decode()
    assert "<svg" in html and 'role="img"' in html
    assert '<th scope="col"' in html
    assert f">{figure}<" in html
    assert "Total" in html


def test_service_screen_by_queue_names_the_queues(service: dict, quality: Client) -> None:
    html = quality.get("/analytics/service/sla/", {**MARCH, "by": "queue"}).content.decode()
    assert ">Q1<" in html and ">Q2<" in html


def test_backlog_screen(service: dict, quality: Client) -> None:
    r = quality.get("/analytics/service/backlog/", {**MARCH, "by": "queue"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "Open cases on" in html and "30 days or more" in html
    assert 'id="backlog-series"' in html


def test_a_bad_filter_is_shown_on_the_form(quality: Client) -> None:
    r = quality.get("/analytics/service/sla/", {"date_from": "2026-04-01", "date_to": "2026-03-01"})
    assert r.status_code == 422
    assert "The start comes after the end." in r.content.decode()
    c = quality.get("/analytics/retention/cohorts/", {"month_from": "2026-13"})
    assert c.status_code == 422 and "Give a month as YYYY-MM." in c.content.decode()
    f = quality.get(
        "/analytics/lifecycle/funnel/", {"date_from": "2026-04-01", "date_to": "2026-03-01"}
    )
    assert f.status_code == 422 and 'aria-invalid="true"' in f.content.decode()


def test_retention_screens(quality: Client) -> None:
    retention_data.build_orders()
    retention_data.build_moves()
    refresh_retention(
        RefreshWindow(since=None, until=timezone.now(), today=datetime.date(2026, 4, 30))
    )
    r = quality.get(
        "/analytics/retention/cohorts/", {"month_from": "2026-01", "month_to": "2026-04"}
    )
    assert r.status_code == 200
    html = r.content.decode()
    assert "January 2026" in html and ">50.0%<" in html
    assert 'value="2026-01"' in html  # the form shows the cohorts asked for
    f = quality.get(
        "/analytics/lifecycle/funnel/", {"date_from": "2026-01-01", "date_to": "2026-03-31"}
    )
    assert f.status_code == 200
    assert ">33.3<" in f.content.decode()  # buyers who moved on: 1 of 3


@pytest.mark.parametrize(
    "url",
    [
        "/analytics/service/sla/",
        "/analytics/service/backlog/",
        "/analytics/retention/cohorts/",
        "/analytics/lifecycle/funnel/",
    ],
)
def test_agents_cannot_open_the_screens(agent: Any, url: str) -> None:
    assert client_for(agent).get(url).status_code == 403


def test_the_home_lists_the_service_and_retention_reports(quality: Client) -> None:
    html = quality.get("/analytics/").content.decode()
    for title in ("SLA compliance", "Backlog by age", "Cohort retention", "Lifecycle funnel"):
        assert title in html
    assert "Service" in html and "Retention" in html


def test_chart_geometry_scales_bars_to_a_round_top() -> None:
    chart = chart_geometry([("a", 50.0), ("b", 100.0), ("c", None)], top=100.0)
    heights = [bar["h"] for bar in chart["bars"]]
    plot = chart["base_y"] - chart["top_y"]
    assert heights == [plot / 2, plot, 0.0]
    assert chart_geometry([("a", 7.0)])["ceiling"] == 10.0
