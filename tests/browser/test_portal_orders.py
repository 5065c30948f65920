"""A customer on a phone (360 px) in the portal: accepts a quote, withdraws a marketing consent
(one click, HTMX) and sends a suggestion; every page passes axe's serious WCAG checks and fits
the screen."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from .axe import serious_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def customer(transactional_db: None) -> dict[str, Any]:
    """Ana, who allowed offers by e-mail, with a quote sent to her."""
    from fregues.parties.services.consent import consent_record
    from fregues.parties.tests.factories import PartyFactory
    from fregues.sales.services.quote_links import quote_send
    from fregues.sales.tests.factories import ProductFactory, QuoteFactory, add_lines

    ana = PartyFactory(name="Ana Souza", given_name="Ana", family_name="Souza")
    consent_record(
        actor=None, party_id=ana.pk, purpose="marketing_email", granted=True, source="form"
    )
    quote = QuoteFactory(party=ana, title="Mesa de jantar")
    table = ProductFactory(
        name="Mesa de carvalho",
        customisation_options=[
            {"label": "Finish", "kind": "choice", "choices": ["Natural", "Dark"], "required": True},
            {"label": "Engraving", "kind": "text", "choices": [], "required": False},
        ],
    )
    add_lines(quote, [(table, 1, "1200.00")])
    quote = quote_send(actor=None, quote_id=quote.pk, to="ana@example.com")
    return {"ana": ana, "quote": quote}


def _fits(page: Any) -> None:
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1] == 360, (page.url, widths)


def _check(page: Any) -> None:
    assert serious_violations(page) == [], page.url
    _fits(page)


def test_accept_a_quote_withdraw_a_consent_send_a_suggestion(
    browser: Any, live_server: Any, customer: dict[str, Any]
) -> None:
    from django.conf import settings

    from fregues.parties.models import ConsentRecord
    from fregues.portal.models import CustomisationRequest, Suggestion
    from fregues.portal.services import portal_session_open
    from fregues.sales.models import Order, Quote

    ana, quote = customer["ana"], customer["quote"]
    _session, raw = portal_session_open(party=ana, ip="127.0.0.1")
    context = browser.new_context(
        viewport={"width": 360, "height": 800}, is_mobile=True, has_touch=True, locale="en-US"
    )
    context.add_cookies(
        [
            {"name": settings.PORTAL_COOKIE_NAME, "value": raw, "url": live_server.url},
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url},
        ]
    )
    page = context.new_page()

    # the quote waiting for an answer, opened from "My orders", accepted
    page.goto(f"{live_server.url}/portal/orders/")
    expect(page.locator("#portal-quotes")).to_contain_text("Waiting for your answer")
    _check(page)
    page.locator("#portal-quotes a", has_text=quote.number).click()
    expect(page.locator("#quote-status")).to_contain_text("Waiting for your answer")
    expect(page.locator("#id_name")).to_have_value("Ana Souza")
    _check(page)
    page.click("#accept-quote")
    expect(page.locator("#quote-status")).to_contain_text("Accepted")
    expect(page.locator(".portal-messages")).to_contain_text("your order is confirmed")
    _check(page)
    quote.refresh_from_db()
    assert quote.status == "accepted"
    order = Order.objects.get(quote=quote)
    assert order.party_id == ana.pk

    # the order it made, and a customisation of what was bought
    page.get_by_role("link", name=order.number).click()
    expect(page.locator("h1")).to_contain_text(order.number)
    _check(page)
    page.get_by_role("link", name="Ask for a customisation").click()
    _check(page)
    page.select_option("#id_option_0", "Dark")
    page.fill("#id_option_1", "Família Souza")
    page.click("#customise-form button[type=submit]")
    expect(page.locator(".portal-messages")).to_contain_text("customisation request")
    assert CustomisationRequest.objects.get(party=ana).order_id == order.pk

    # offers by e-mail withdrawn in one click
    page.goto(f"{live_server.url}/portal/consents/")
    card = page.locator("#purpose-marketing_email")
    expect(card).to_contain_text("Allowed")
    _check(page)
    card.get_by_role("button", name="Withdraw: Offers by e-mail").click()
    expect(page.locator("#purpose-marketing_email")).to_contain_text("Not allowed")
    expect(page.locator("#purpose-marketing_email .notice")).to_be_visible()
    _check(page)
    latest = ConsentRecord.objects.filter(party=ana).order_by("-id").first()
    assert latest is not None and latest.granted is False and latest.source == "portal"
    assert latest.text_version

    # a suggestion in the box
    page.goto(f"{live_server.url}/portal/help/")
    _check(page)
    page.fill("#id_subject", "Delivery on Saturdays")
    page.fill("#id_body", "Could you deliver furniture on Saturdays?")
    page.click("#suggestion-form button[type=submit]")
    expect(page.locator(".portal-messages")).to_contain_text("We received your suggestion")
    _check(page)
    assert Suggestion.objects.get(party=ana).subject == "Delivery on Saturdays"
    context.close()
    assert Quote.objects.get(pk=quote.pk).status == "accepted"
