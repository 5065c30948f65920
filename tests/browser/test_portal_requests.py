"""My requests through the browser, on a phone (360 px): a signed-in customer opens a request
with a file and gets the protocol, finds it in the list, follows it and replies when our team
waits on them — every page free of serious accessibility problems."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.browser.axe import serious_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def customer_page(browser: Any, live_server: Any, transactional_db: None) -> Any:
    """A phone-sized browser signed in to the portal as Ana Souza, in English."""
    from fregues.parties.tests.factories import PartyFactory
    from fregues.portal.services import portal_session_open

    ana = PartyFactory(name="Ana Souza", given_name="Ana", family_name="Souza")
    _session, raw = portal_session_open(party=ana)
    context = browser.new_context(
        locale="en-US", timezone_id="America/Sao_Paulo", viewport={"width": 360, "height": 800}
    )
    context.add_cookies(
        [
            {"name": settings.PORTAL_COOKIE_NAME, "value": raw, "url": live_server.url},
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url},
        ]
    )
    page = context.new_page()
    page.party = ana
    yield page
    context.close()


def no_horizontal_scroll(page: Any) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_customer_opens_follows_and_replies_on_a_request(
    customer_page: Any, live_server: Any, users: dict[str, Any], tmp_path: Path
) -> None:
    from fregues.service.models import Case
    from fregues.service.services import case_transition

    page = customer_page
    page.goto(f"{live_server.url}/portal/requests/")
    expect(page.get_by_role("heading", name="My requests")).to_be_visible()
    assert serious_violations(page) == []

    # 1. Open a request with a photo of the invoice (a PDF here).
    page.get_by_role("link", name="Open a request").click()
    page.wait_for_url("**/portal/requests/new/")
    assert serious_violations(page) == []
    assert no_horizontal_scroll(page)
    page.get_by_label("What do you need?").select_option("technical-assistance")
    page.get_by_label("In a line, what is it about?").fill("Washing machine does not start")
    page.get_by_label("Tell us more (optional)").fill("Since yesterday, no light at all.")
    invoice = tmp_path / "invoice.pdf"
    invoice.write_bytes(b"%PDF-1.4\n%%EOF\n")
    page.get_by_label("Files (optional)").set_input_files(str(invoice))
    page.get_by_role("button", name="Send the request").click()

    # 2. The protocol staff use is shown at once, on the request's page.
    page.wait_for_url(re.compile(r"/portal/requests/[^/]+/$"))
    case = Case.objects.get(party=page.party)
    expect(page.locator(".portal-messages")).to_contain_text(case.protocol)
    expect(page.locator(".req-messages")).to_contain_text("invoice.pdf")
    assert serious_violations(page) == []
    assert no_horizontal_scroll(page)

    # 3. It is in the list, with its status in words.
    page.get_by_role("link", name="My requests").first.click()
    page.wait_for_url("**/portal/requests/")
    item = page.locator(".req-item", has_text=case.protocol)
    expect(item).to_contain_text("New")
    assert serious_violations(page) == []
    assert no_horizontal_scroll(page)

    # 4. Our team asks for something; the customer follows the request and answers.
    case_transition(actor=users["beto"], protocol=case.protocol, to_status="waiting_customer")
    item.get_by_role("link", name="Washing machine does not start").click()
    page.wait_for_url(f"**/portal/requests/{case.protocol}/")
    expect(page.locator(".req-waiting")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_label("Your message").fill("The serial number is 42-XYZ.")
    page.get_by_role("button", name="Send the message").click()
    expect(page.locator(".portal-messages")).to_contain_text("Your message was sent.")
    expect(page.locator(".req-messages")).to_contain_text("The serial number is 42-XYZ.")
    expect(page.locator(".req-now")).to_contain_text("Triaged")
    assert serious_violations(page) == []
    assert no_horizontal_scroll(page)
    case.refresh_from_db()
    assert case.status.code == "triaged"
