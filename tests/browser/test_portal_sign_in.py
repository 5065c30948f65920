"""A customer signs in to the portal with a link by e-mail, on a phone-sized screen, and
changes their phone in "My data" (confirmed with a code by SMS)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail

from fregues.parties.models import ContactPoint
from fregues.parties.tests.factories import ContactPointFactory, PartyFactory
from fregues.portal.tests.sms import RecordingSms
from tests.browser.axe import serious_violations

pytestmark = pytest.mark.browser


def fits(page: Any) -> bool:
    """Nothing wider than the screen (no sideways scrolling at 360 px)."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_sign_in_by_link_and_change_the_phone(page: Any, live_server: Any, settings: Any) -> None:
    settings.NOTICE_SENDERS = {
        **settings.NOTICE_SENDERS,
        "sms": "fregues.portal.tests.sms.RecordingSms",
    }
    settings.PUBLIC_BASE_URL = live_server.url
    RecordingSms.outbox.clear()
    ana = PartyFactory(name="Ana Souza", given_name="Ana", family_name="Souza", language="en")
    ContactPointFactory(party=ana, kind="email", value="ana@example.com")
    old_phone = ContactPointFactory(party=ana, kind="phone", value="+5511987654321")
    page.set_viewport_size({"width": 360, "height": 800})

    page.goto(f"{live_server.url}/portal/profile/")
    page.wait_for_url("**/portal/sign-in?next=/portal/profile/")
    assert serious_violations(page) == [] and fits(page)
    page.fill("#sign-in-address", "ana@example.com")
    page.click("form.form button[type=submit]")
    page.wait_for_selector("#sent-title")
    assert serious_violations(page) == [] and fits(page)

    assert mail.outbox[-1].to == ["ana@example.com"]
    link = re.search(r"http\S+/portal/sign-in/link/\S+", mail.outbox[-1].body).group(0)  # type: ignore[union-attr]
    page.goto(link)
    assert serious_violations(page) == [] and fits(page)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/portal/profile/")
    assert page.locator("h1").inner_text() == "My data"
    assert serious_violations(page) == [] and fits(page)

    page.check("input[name=kind][value=phone]")
    page.fill("#add-value", "(21) 99876-5432")
    page.click("form[action$='/profile/contact-points'] button[type=submit]")
    page.wait_for_selector(".portal-pending")
    assert serious_violations(page) == [] and fits(page)
    assert not ContactPoint.objects.filter(party=ana, normalized="+5521998765432").exists()
    code = re.search(r"\b(\d{6})\b", RecordingSms.outbox[-1]["body"]).group(1)  # type: ignore[union-attr]
    assert RecordingSms.outbox[-1]["to"] == "+5521998765432"
    page.locator(".portal-pending input[name=code]").fill(code)
    page.locator(".portal-pending button.btn-primary").click()
    page.wait_for_selector(".portal-messages")
    new_phone = ContactPoint.objects.get(party=ana, normalized="+5521998765432")
    assert new_phone.is_verified

    page.locator(f"#point-{new_phone.pk} form[action$='/primary'] button").click()
    page.wait_for_selector(".portal-messages")
    page.locator(f"#point-{old_phone.pk} form[action$='/remove'] button").click()
    page.wait_for_selector(".portal-messages")
    phones = list(ContactPoint.objects.filter(party=ana, kind="phone"))
    assert [(p.normalized, p.is_primary) for p in phones] == [("+5521998765432", True)]
    assert serious_violations(page) == [] and fits(page)
