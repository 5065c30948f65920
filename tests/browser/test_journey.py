"""The issue's journey: log in, search "joao", open the customer page, log a phone
interaction, see it on the timeline."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_agent_finds_joao_and_logs_a_phone_call(page, live_server, login, joao, users):
    from fregues.interactions.models import Interaction

    login("beto")

    search = page.locator("#global-search")
    search.press_sequentially("joao", delay=40)
    result = page.locator("#search-results .sr-item", has_text="João da Silva")
    expect(result).to_be_visible()
    result.click()

    page.wait_for_url(re.compile(rf"/customers/{joao.pk}/$"))
    expect(page.locator("h1.party-name")).to_have_text("João da Silva")

    form = page.locator("#log-form")
    expect(form.locator("select[name=channel]")).to_have_value("phone")
    expect(form.locator("input[name=direction][value=in]")).to_be_checked()
    form.locator("input[name=subject]").fill("Pediu a segunda via da fatura")
    form.locator("textarea[name=body]").fill("Cliente ligou às 10h; enviaremos por e-mail.")
    form.locator("button[type=submit]").click()

    first = page.locator("#timeline-items .tl-item").first
    expect(first).to_contain_text("Pediu a segunda via da fatura")
    expect(first).to_have_class(re.compile(r"\bch-phone\b"))
    expect(first.locator(".tl-icon svg[role=img]")).to_have_attribute("aria-label", re.compile("."))
    # the form is ready for the next contact, and nothing was reloaded
    expect(page.locator("#log-form input[name=subject]")).to_have_value("")

    item = Interaction.objects.get(party=joao)
    assert item.channel == "phone"
    assert item.direction == "in"
    assert item.agent == users["beto"]
