"""The pivot explorer in a browser: a relationship manager chooses age band × product
category with revenue, reads the hand-computed numbers (see
``fregues/analytics/tests/pivot_data.py``), drills into a cell, then opens the role's
dashboard and sees its widgets; the same pivot on a phone-sized screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .axe import serious_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def dataset(users):
    from fregues.analytics.tests.pivot_data import make_dataset, refresh_facts

    data = make_dataset()
    refresh_facts()
    return data


def test_pivot_drill_and_dashboard(login, live_server, dataset) -> None:
    page = login("rita")
    page.goto(f"{live_server.url}/analytics/pivot/")
    page.select_option("#p-rows", "age_band")
    page.select_option("#p-columns", "category")
    page.select_option("#p-measure", "revenue")
    cell = page.locator('#pivot-result a[data-cell="25-34|Eletro"]')
    expect(cell).to_have_text("300,00")  # A 200 + B 100 (pt-BR figures)
    expect(page.locator('#pivot-result a[data-cell="35-44|Móveis"]')).to_have_text("200,00")
    expect(page.locator("#pivot-result tfoot")).to_contain_text("570,00")
    expect(page.locator("#pivot-result svg.pivot-chart")).to_be_visible()
    assert "columns=category" in page.url  # the choice is in the address (a link to share)
    assert serious_violations(page) == []

    cell.click()
    drill = page.locator("#drill-table")
    expect(drill).to_contain_text("Ana Alves")
    expect(drill).to_contain_text("Bruno Borges")
    expect(drill.locator("tbody tr").first).to_contain_text("200,00")
    assert serious_violations(page) == []

    page.goto(f"{live_server.url}/analytics/dashboard/")
    widget = page.locator("#widget-pivotrevenue_by_month")
    expect(widget).to_be_visible()
    expect(widget.locator("svg.pivot-chart")).to_be_visible()
    expect(widget.locator("tfoot")).to_contain_text("570,00")
    assert serious_violations(page) == []


def test_the_pivot_on_a_phone(login, live_server, dataset, page) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    login("rita")
    page.goto(f"{live_server.url}/analytics/pivot/?rows=age_band&columns=category&measure=revenue")
    expect(page.locator('#pivot-result a[data-cell="25-34|Eletro"]')).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 362, width  # the table scrolls inside its box, the page does not
