"""Segments in the browser: a marketer builds a segment of two conditions, watches the live
count follow each change, saves it and takes a snapshot."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import PASSWORD, htmx_ready

pytestmark = pytest.mark.browser


@pytest.fixture
def marketer(users: dict[str, Any]) -> Any:
    from fregues.accounts.models import User

    return User.objects.create_user(
        username="mara", password=PASSWORD, role="marketing", first_name="Mara"
    )


@pytest.fixture
def customers(users: dict[str, Any]) -> None:
    from fregues.parties.models import ContactPoint, Party

    for i, (stage, city) in enumerate(
        [
            ("client", "São Paulo"),
            ("client", "São Paulo"),
            ("client", "São Paulo"),
            ("client", "Rio de Janeiro"),
            ("client", "Rio de Janeiro"),
            ("prospect", "São Paulo"),
            ("suspect", "Recife"),
        ]
    ):
        party = Party.objects.create(kind="person", name=f"Cliente {i}", lifecycle_stage=stage)
        ContactPoint.objects.create(
            party=party,
            kind="address",
            value=f"Rua {i}, {city}",
            normalized=f"rua {i}, {city}".casefold(),
            city=city,
            is_primary=True,
        )


def test_build_count_save_and_snapshot(login, live_server, marketer, customers) -> None:
    from fregues.marketing.models import Segment, SegmentSnapshot

    page = login("mara")
    page.goto(f"{live_server.url}/marketing/segments/")
    page.click("#new-segment")
    page.wait_for_url("**/marketing/segments/new/")
    count = page.locator("#count-number")
    expect(count).to_have_attribute("data-count", "")  # a condition without its value yet

    page.fill("#segment-name", "Clientes de São Paulo")
    page.select_option("select[name='value.0.0']", ["client"])
    expect(count).to_have_attribute("data-count", "5")

    page.click("#builder .rule-add")
    second = page.locator(".rule-condition[data-path='0.1']")
    expect(second).to_be_visible()
    htmx_ready(page, "#field-0\\.1")
    page.select_option("#field-0\\.1", "city")
    expect(page.locator("input[name='value.0.1']")).to_be_visible()
    page.fill("input[name='value.0.1']", "são paulo")
    expect(count).to_have_attribute("data-count", "3")

    page.click("#preview-members")
    expect(page.locator("#preview tbody tr")).to_have_count(3)

    page.click("#save-segment")
    page.wait_for_url("**/marketing/segments/*/")
    segment = Segment.objects.get()
    assert segment.rules == {
        "all": [
            {"field": "lifecycle_stage", "op": "in", "value": ["client"]},
            {"field": "city", "op": "in", "value": ["são paulo"]},
        ]
    }
    expect(page.locator("input[name='value.0.1']")).to_have_value("são paulo")
    expect(count).to_have_attribute("data-count", "3")

    page.fill("#snapshot-name", "Campanha de verão")
    page.click("#take-snapshot")
    expect(page.locator("#snapshot-list")).to_contain_text("Campanha de verão")
    snapshot = SegmentSnapshot.objects.get(segment=segment)
    assert snapshot.member_count == 3

    page.goto(f"{live_server.url}/marketing/segments/")
    expect(page.locator(".segment-table")).to_contain_text("Clientes de São Paulo")
