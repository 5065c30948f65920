"""The customer page on a phone (375 px wide): nothing sticks out sideways."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "test-results"


@pytest.fixture
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "viewport": {"width": 375, "height": 812},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    }


def test_customer_page_has_no_horizontal_overflow_on_a_phone(page, live_server, login, joao, users):
    from fregues.interactions.services import interaction_record
    from fregues.parties.services import contact_point_add, note_add

    contact_point_add(
        actor=users["ana"],
        party_id=joao.pk,
        data={
            "kind": "address",
            "street": "Avenida Brigadeiro Faria Lima",
            "number": "1234",
            "complement": "Conjunto 56, Bloco B",
            "city": "São Paulo",
            "region": "SP",
            "postal_code": "01452-000",
        },
    )
    note_add(actor=users["ana"], party_id=joao.pk, body="Umaobservaçãomuitolonga" * 8)
    for channel in ("phone", "email", "whatsapp"):
        interaction_record(
            actor=users["beto"],
            data={
                "channel": "social" if channel == "whatsapp" else channel,
                "network": "whatsapp" if channel == "whatsapp" else "",
                "direction": "in",
                "subject": "Assunto comprido " * 6,
                "body": "https://exemplo.com.br/" + "caminho/" * 20,
                "duration_seconds": 95,
            },
            party_id=joao.pk,
        )
    login()
    page.goto(f"{live_server.url}/customers/{joao.pk}/")
    expect(page.locator("h1.party-name")).to_be_visible()
    page.locator("#contacts .cp-edit summary").first.click()
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "customer-page-phone.png"), full_page=True)
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1] == 375, widths
    # elements reaching past the right edge, except those inside a sideways-scrolling strip
    # (the timeline's filter chips scroll on purpose)
    wide = page.evaluate(
        """Array.from(document.querySelectorAll('#party-page *')).filter(e => {
             if (e.getBoundingClientRect().right <= 375.5) return false;
             for (let a = e.parentElement; a; a = a.parentElement) {
               const o = getComputedStyle(a).overflowX;
               if ((o === 'auto' || o === 'scroll' || o === 'hidden')
                   && a.getBoundingClientRect().right <= 375.5) return false;
             }
             return true;
           }).map(e => e.tagName + '.' + e.getAttribute('class')).slice(0, 5)"""
    )
    assert wide == []
