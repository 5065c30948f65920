"""Issue 10's whole journey on a phone-sized screen, in one sitting: a customer signs in with the
magic link read from the test outbox, changes their phone number (confirmed by an SMS code),
withdraws their marketing consent, opens a request and follows it, and downloads the ZIP of
their data. Every page passes axe's serious WCAG 2.1 AA checks and fits 360 px."""

from __future__ import annotations

import json
import re
import zipfile
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.browser.axe import serious_violations

pytestmark = pytest.mark.browser


def _check(page: Any) -> None:
    assert serious_violations(page) == [], page.url
    width = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert width, page.url


def test_the_customers_whole_portal_journey(
    page: Any, live_server: Any, settings: Any, transactional_db: None
) -> None:
    from fregues.parties.models import ConsentRecord, ContactPoint
    from fregues.parties.services.consent import consent_record
    from fregues.parties.tests.factories import ContactPointFactory, PartyFactory
    from fregues.portal.tests.sms import RecordingSms
    from fregues.service.models import Case

    settings.NOTICE_SENDERS = {
        **settings.NOTICE_SENDERS,
        "sms": "fregues.portal.tests.sms.RecordingSms",
    }
    settings.PUBLIC_BASE_URL = live_server.url
    RecordingSms.outbox.clear()
    ana = PartyFactory(name="Ana Souza", given_name="Ana", family_name="Souza", language="en")
    ContactPointFactory(party=ana, kind="email", value="ana@example.com")
    old_phone = ContactPointFactory(party=ana, kind="phone", value="+5511987654321")
    consent_record(
        actor=None, party_id=ana.pk, purpose="marketing_email", granted=True, source="form"
    )
    page.set_viewport_size({"width": 360, "height": 800})

    # 1. sign in with the link from the outbox
    page.goto(f"{live_server.url}/portal/")
    page.wait_for_url("**/portal/sign-in?next=/portal/")
    _check(page)
    page.fill("#sign-in-address", "ana@example.com")
    page.click("form.form button[type=submit]")
    page.wait_for_selector("#sent-title")
    link = re.search(r"http\S+/portal/sign-in/link/\S+", mail.outbox[-1].body)
    assert link is not None
    page.goto(link.group(0))
    _check(page)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/portal/")
    _check(page)

    # 2. a new phone number, confirmed by the code sent to it, made the main one
    page.goto(f"{live_server.url}/portal/profile/")
    page.check("input[name=kind][value=phone]")
    page.fill("#add-value", "(21) 99876-5432")
    page.click("form[action$='/profile/contact-points'] button[type=submit]")
    page.wait_for_selector(".portal-pending")
    _check(page)
    code = re.search(r"\b(\d{6})\b", RecordingSms.outbox[-1]["body"])
    assert code is not None
    page.locator(".portal-pending input[name=code]").fill(code.group(1))
    page.locator(".portal-pending button.btn-primary").click()
    page.wait_for_selector(".portal-messages")
    new_phone = ContactPoint.objects.get(party=ana, normalized="+5521998765432")
    page.locator(f"#point-{new_phone.pk} form[action$='/primary'] button").click()
    page.wait_for_selector(".portal-messages")
    page.locator(f"#point-{old_phone.pk} form[action$='/remove'] button").click()
    page.wait_for_selector(".portal-messages")
    _check(page)
    phones = ContactPoint.objects.filter(party=ana, kind="phone")
    assert [(p.normalized, p.is_primary) for p in phones] == [("+5521998765432", True)]

    # 3. marketing by e-mail withdrawn in one click
    page.goto(f"{live_server.url}/portal/consents/")
    card = page.locator("#purpose-marketing_email")
    expect(card).to_contain_text("Allowed")
    card.get_by_role("button", name="Withdraw: Offers by e-mail").click()
    expect(page.locator("#purpose-marketing_email")).to_contain_text("Not allowed")
    _check(page)
    latest = ConsentRecord.objects.filter(party=ana).order_by("-id").first()
    assert latest is not None and latest.granted is False and latest.source == "portal"

    # 4. a request opened, then followed from the list
    page.goto(f"{live_server.url}/portal/requests/")
    page.get_by_role("link", name="Open a request").click()
    _check(page)
    page.get_by_label("What do you need?").select_option("technical-assistance")
    page.get_by_label("In a line, what is it about?").fill("Washing machine does not start")
    page.get_by_label("Tell us more (optional)").fill("Since yesterday, no light at all.")
    page.get_by_role("button", name="Send the request").click()
    case = Case.objects.get(party=ana)
    expect(page.locator(".portal-messages")).to_contain_text(case.protocol)
    page.get_by_role("link", name="My requests").first.click()
    page.get_by_role("link", name="Washing machine does not start").click()
    expect(page.locator("main")).to_contain_text(case.protocol)
    _check(page)

    # 5. the ZIP of everything about her
    page.goto(f"{live_server.url}/portal/privacy/")
    _check(page)
    with page.expect_download() as download:
        page.click("#download-my-data")
    with zipfile.ZipFile(download.value.path()) as archive:
        data = json.loads(archive.read("data.json"))
    records = data["records"]
    assert records["profile"][0]["name"] == "Ana Souza"
    assert any("99876" in re.sub(r"\D", "", p.get("value", "")) for p in records["contact_points"])
    assert any(c.get("protocol") == case.protocol for c in records["cases"])
