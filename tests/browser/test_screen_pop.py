"""The screen-pop in a browser: Beto (extension 2031) has the home page open; the telephony
system posts a signed "ringing" event for a call from João's mobile; within a second the card
with João's name is on Beto's screen. Answered and ended change the card; Dismiss closes it.
An unknown number shows the "new caller" card with the number for a new customer."""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

import pytest
from playwright.sync_api import expect

from .axe import serious_violations

pytestmark = pytest.mark.browser
SECRET = "segredo-de-teste-cti"


@pytest.fixture(autouse=True)
def cti(settings: Any, users: dict[str, Any]) -> None:
    from fregues.integrations.models import AgentExtension

    settings.CTI_SECRET = SECRET
    AgentExtension.objects.create(user=users["beto"], extension="2031")


def send(live_server: Any, event: str, number: str = "(11) 98765-4321", **extra: Any) -> None:
    """POST one signed event to the running server, as the PBX would."""
    from fregues.integrations.telephony.signing import cti_sign

    body = json.dumps(
        {"event": event, "call_id": "pbx-77", "from": number, "extension": "2031", **extra}
    ).encode()
    stamp = str(int(time.time()))
    request = urllib.request.Request(
        f"{live_server.url}/api/v1/cti/events",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Fregues-Timestamp": stamp,
            "X-Fregues-Signature": cti_sign(body, stamp, SECRET),
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status in (200, 201)


def test_ringing_pops_the_customer_within_a_second(login: Any, live_server: Any, joao: Any) -> None:
    page = login("beto")
    card = page.locator("#screen-pop .pop-card")
    expect(card).to_have_count(0)

    send(live_server, "ringing")

    expect(card.locator(".pop-name")).to_contain_text("João da Silva", timeout=1000)
    expect(card.locator(".pop-name a")).to_have_attribute("href", f"/customers/{joao.pk}/")
    assert serious_violations(page) == []

    send(live_server, "answered")
    expect(card).to_have_class("pop-card pop-answered", timeout=2000)
    send(live_server, "ended", duration_seconds=95)
    expect(card).to_have_class("pop-card pop-ended", timeout=2000)

    card.locator(".pop-close").click()
    expect(card).to_have_count(0)
    page.wait_for_timeout(1500)  # polls go on: the dismissed call does not come back
    expect(card).to_have_count(0)


def test_an_unknown_number_shows_the_new_caller_card(login: Any, live_server: Any) -> None:
    page = login("beto")
    send(live_server, "ringing", number="(21) 3333-4444")

    card = page.locator("#screen-pop .pop-card")
    expect(card.locator(".pop-number")).to_contain_text("+552133334444", timeout=1000)
    card.locator(".pop-actions a").click()
    page.wait_for_url("**/customers/new/**")
    expect(page.locator("input[name=phone]")).to_have_value("+552133334444")


def test_the_call_lands_on_the_calls_screen_and_the_customer_page_can_call_back(
    login: Any, live_server: Any, joao: Any
) -> None:
    send(live_server, "ringing")
    send(live_server, "ended")  # never answered: missed
    page = login("beto")
    page.locator("#screen-pop .pop-close").click()  # the missed call's card, dismissed

    page.goto(f"{live_server.url}/channels/calls/")
    row = page.locator("tr.call-missed")
    expect(row).to_contain_text("João da Silva")
    assert serious_violations(page) == []

    page.goto(f"{live_server.url}/customers/{joao.pk}/")
    button = page.locator(".call-btn")
    expect(button).to_have_count(1)
    assert serious_violations(page) == []
