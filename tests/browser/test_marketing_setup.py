"""Marketing setup in the browser: the marketer puts an address on the suppression list and
changes the frequency cap; a customer page says why the customer gets no marketing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def mara(users):
    """Mara, the marketer, who reads the UI in English."""
    from fregues.accounts.models import User

    from .conftest import PASSWORD

    return User.objects.create_user(
        username="mara", password=PASSWORD, role="marketing", first_name="Mara", language="en"
    )


def test_the_marketer_suppresses_an_address_and_changes_the_frequency_cap(
    page, live_server, login, mara
):
    from fregues.parties.models import Suppression
    from fregues.service.models import SendingPolicy

    login("mara")
    page.goto(f"{live_server.url}/marketing/suppressions/")
    expect(page.get_by_role("heading", name="Suppression list")).to_be_visible()
    page.fill("#id_address", "Nao.Quero@Exemplo.com.br")
    page.select_option("#id_reason", "unsubscribe")
    page.fill("#id_note", "Asked on the phone")
    page.click("#suppression-add")
    row = page.locator(".suppression-row", has_text="nao.quero@exemplo.com.br")
    expect(row).to_be_visible()
    expect(row).to_contain_text("Unsubscribed")
    entry = Suppression.objects.get()
    assert entry.reason == "unsubscribe" and entry.actor == mara

    page.get_by_role("link", name=re.compile("Sending rules")).click()
    page.wait_for_url("**/marketing/sending-rules/")
    expect(page.locator("#id_frequency_cap_count")).to_have_value("3")
    page.fill("#id_frequency_cap_count", "2")
    page.fill("#id_frequency_cap_days", "14")
    page.click("#policy-save")
    expect(page.locator("#id_frequency_cap_count")).to_have_value("2")
    policy = SendingPolicy.current()
    assert (policy.frequency_cap_count, policy.frequency_cap_days) == (2, 14)

    # the address can be lifted again from the list
    page.goto(f"{live_server.url}/marketing/suppressions/")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name=re.compile("Lift")).click()
    expect(page.locator(".suppression-row", has_text="nao.quero@exemplo.com.br")).to_have_count(0)


def test_a_customer_page_says_why_the_customer_gets_no_marketing(
    page, live_server, login, mara, joao, users
):
    from fregues.parties.services import consent_record
    from fregues.service.services import case_open

    consent_record(
        actor=None, party_id=joao.pk, purpose="marketing_email", granted=True, source="form"
    )
    opened = case_open(
        actor=users["beto"],
        party_id=joao.pk,
        case_type="technical-assistance",
        subject="A máquina de lavar não liga",
        force_new=True,
        notify=False,
    )
    login("mara")
    page.goto(f"{live_server.url}/customers/{joao.pk}/")
    panel = page.locator("#party-reach")
    expect(panel).to_be_visible()
    email = panel.locator(".reach-line[data-channel=email]")
    expect(email).to_contain_text(f"Open complaint — case {opened.case.protocol}")
    expect(panel).to_contain_text("gets no marketing")
