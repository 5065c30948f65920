"""The Channels menu of the top bar: an admin opens it and reaches the mailboxes, the SMS and
WhatsApp providers and the webhook subscriptions (and the inbox); an agent finds only the
inbox there."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def english(page, live_server) -> None:
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


def test_an_admin_reaches_every_channel_screen_from_the_menu(page, live_server, login):
    english(page, live_server)
    login("ana")
    menu = page.locator("nav.mainnav .navmenu")
    for link, path, heading in (
        ("Mailboxes", "/channels/mailboxes/", "Mailboxes"),
        ("SMS and WhatsApp providers", "/channels/providers/", "providers"),
        ("Webhook subscriptions", "/channels/webhooks/", "Webhook"),
    ):
        menu.locator("summary").click()
        expect(menu.get_by_role("link", name=link)).to_be_visible()
        menu.get_by_role("link", name=link).click()
        page.wait_for_url(f"{live_server.url}{path}")
        expect(page.locator("h1")).to_contain_text(heading)
        expect(menu.locator("summary")).to_have_attribute("aria-current", "page")
    menu.locator("summary").click()
    page.keyboard.press("Escape")  # closes the menu
    expect(menu.get_by_role("link", name="Mailboxes")).to_be_hidden()


def test_an_agent_finds_only_the_inbox_under_channels(page, live_server, login):
    english(page, live_server)
    login("beto")
    menu = page.locator("nav.mainnav .navmenu")
    menu.locator("summary").click()
    expect(menu.locator(".menu-link")).to_have_count(1)
    menu.get_by_role("link", name="Inbox").click()
    page.wait_for_url(f"{live_server.url}/channels/inbox/")
    expect(page.locator("h1")).to_contain_text("Inbox")
