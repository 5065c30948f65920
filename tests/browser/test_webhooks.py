"""The webhook screens in a browser: an admin subscribes a receiver with the checkboxes, sees
the secret once, and sees the delivery (with the receiver's answer) after a customer is
created."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from fregues.integrations.tests.webhook_receiver import Receiver

from .axe import serious_violations

pytestmark = pytest.mark.browser


def test_subscribe_then_see_the_delivery_of_a_new_customer(page, live_server, login, users):
    from fregues.integrations.models import WebhookSubscription
    from fregues.parties.services import party_create

    receiver = Receiver()
    receiver.answer(200)
    try:
        page.context.add_cookies(
            [{"name": "django_language", "value": "en", "url": live_server.url}]
        )
        login("ana")
        page.locator("nav.mainnav .navmenu > summary").click()  # the Channels menu
        page.get_by_role("link", name="Webhook subscriptions").click()
        page.wait_for_url(f"{live_server.url}/channels/webhooks/")
        page.get_by_role("link", name="New subscription").click()
        assert serious_violations(page) == []
        page.fill("#id_url", receiver.url())
        page.fill("#id_description", "ERP")
        page.get_by_label("party.created", exact=True).check()
        page.get_by_role("button", name="Save").click()

        secret = WebhookSubscription.objects.get().secret
        expect(page.locator(".wh-secret-value")).to_have_text(secret)
        expect(page.locator("#wh-deliveries")).to_contain_text("Nothing sent yet")

        party_create(actor=users["ana"], data={"kind": "person", "name": "Clara Nunes"})
        page.get_by_role("button", name="Refresh").click()
        row = page.locator("tr.wh-delivery").first
        expect(row).to_contain_text("party.created")
        expect(row).to_contain_text("Delivered")
        expect(row.locator(".wh-code-ok")).to_have_text("200")
        assert [r.event for r in receiver.accepted] == ["party.created"]
        assert serious_violations(page) == []

        page.get_by_role("button", name="Send a test ping").click()
        expect(page.locator("tr.wh-delivery").first).to_contain_text("ping")
        page.goto(f"{live_server.url}/channels/webhooks/")
        expect(page.locator("table.wh-table")).to_contain_text("Healthy")
        assert serious_violations(page) == []
        expect(page.locator("body")).not_to_contain_text(re.compile(re.escape(secret)))
    finally:
        receiver.down()
