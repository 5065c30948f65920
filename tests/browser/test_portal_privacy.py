"""The customer's privacy page on a phone: download my data, then ask for erasure."""

from __future__ import annotations

import json
import zipfile
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.browser.axe import serious_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": {"width": 360, "height": 800}}


def test_a_customer_downloads_their_data_and_asks_for_erasure(
    page: Any, live_server: Any, joao: Any
) -> None:
    from fregues.portal.models import PrivacyRequest
    from fregues.portal.services import portal_session_open

    _session, raw = portal_session_open(party=joao, ip="127.0.0.1")
    page.context.add_cookies(
        [{"name": settings.PORTAL_COOKIE_NAME, "value": raw, "url": live_server.url}]
    )

    page.goto(f"{live_server.url}/portal/privacy/")
    expect(page.locator("#download-my-data")).to_be_visible()
    assert serious_violations(page) == []

    with page.expect_download() as download:
        page.click("#download-my-data")
    path = download.value.path()
    assert download.value.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(path) as archive:
        data = json.loads(archive.read("data.json"))
        assert "README.txt" in archive.namelist()
    assert data["records"]["profile"][0]["name"] == "João da Silva"

    page.check("input[name=kind][value=erasure]")
    page.click("#send-privacy-request")
    expect(page.locator(".privacy-requests li")).to_have_count(1)
    assert serious_violations(page) == []
    assert PrivacyRequest.objects.get(party=joao).kind == "erasure"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
