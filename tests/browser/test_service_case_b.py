"""Case B through the browser: a citizen requests a licence at the counter; the agent opens
the case from the citizen's page and gives the protocol and tracking code; the citizen, at
home and without an account, follows it on the tracking page; the agent moves it along its
regulatory circuit; the notice arrives (Django's outbox) and the tracking page shows the new
status — no need to call."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def maria(users):
    """Maria Oliveira, a citizen told by e-mail."""
    from fregues.parties.services import party_create

    return party_create(
        actor=users["ana"],
        data={
            "kind": "person",
            "given_name": "Maria",
            "family_name": "Oliveira Prates",
            "preferred_channel": "email",
            "language": "pt-br",
        },
        contact_points=[
            {"kind": "email", "value": "maria.prates@example.com"},
            {"kind": "phone", "value": "(21) 99876-1234"},
        ],
    )


def test_case_b_licence_request_followed_on_the_tracking_page(
    page, browser, live_server, login, maria, users
):
    from fregues.service.models import Case

    mail.outbox.clear()
    login("beto")

    # 1. The agent opens a licence request from the citizen's page.
    page.goto(f"{live_server.url}/customers/{maria.pk}/")
    page.locator("#party-cases #new-case").click()
    page.wait_for_url(re.compile(r"/cases/new/\?party="))
    page.select_option("#id_case_type", "licence-request")
    expect(page.locator("#id_category option[value=Obras]")).to_have_count(1)  # htmx
    page.select_option("#id_category", "Obras")
    page.fill("#id_subject", "Licença de obras para ampliação da casa")
    page.fill("#id_description", "Entregou a planta e a escritura.")
    page.select_option("#id_channel", "visit")
    page.locator("#open-case").click()

    # 2. The protocol and the tracking code are shown, to give to the citizen.
    page.wait_for_url(re.compile(r"/cases/[^/]+/\?opened=1$"))
    banner = page.locator("#opened-banner")
    expect(banner).to_be_visible()
    protocol = page.locator("#case-page").get_attribute("data-protocol")
    code = page.locator("#tracking-code").inner_text().strip()
    case = Case.objects.get(protocol=protocol)
    assert case.party_id == maria.pk and case.case_type.code == "licence-request"
    assert code == case.tracking_code
    expect(banner).to_contain_text(protocol)
    # the receipt went out by e-mail with the protocol and the code
    receipt = [m for m in mail.outbox if protocol in m.subject]
    assert len(receipt) == 1 and receipt[0].to == ["maria.prates@example.com"]
    assert code in receipt[0].body and f"/track/{protocol}" in receipt[0].body

    # 3. At home, the citizen (no account, another browser) follows it with the code.
    home = browser.new_context(locale="pt-BR", timezone_id="America/Sao_Paulo")
    citizen = home.new_page()
    citizen.goto(f"{live_server.url}/track/{protocol}")
    expect(citizen.locator("#track-form")).to_be_visible()
    citizen.fill("#id_code", code.lower())
    citizen.locator("#track-form button[type=submit]").click()
    status = citizen.locator("#current-status")
    expect(status).to_contain_text("Submetido")
    body = citizen.locator("body").inner_text()
    assert "Maria" in body
    for personal in ("Oliveira", "Prates", "maria.prates@example.com", "99876"):
        assert personal not in body

    # 4. The agent moves the case to document check.
    page.locator("#case-next button[name=to_status][value=document_check]").click()
    expect(page.locator(".case-head .badge.st")).to_contain_text("Verificação documental")
    expect(page.locator("#messages .toast")).to_contain_text("Verificação documental")
    case.refresh_from_db()
    assert case.status.code == "document_check"

    # 5. The notice arrives, on the citizen's preferred channel (e-mail).
    notices = [m for m in mail.outbox if protocol in m.subject and m is not receipt[0]]
    assert len(notices) == 1, [m.subject for m in mail.outbox]
    assert notices[0].to == ["maria.prates@example.com"]
    assert "Verificação documental" in notices[0].subject
    assert "Olá Maria" in notices[0].body or "Maria" in notices[0].body

    # 6. The tracking page shows the new status (the code is remembered in that browser).
    citizen.reload()
    expect(status).to_contain_text("Verificação documental")
    expect(citizen.locator("#history li")).to_have_count(2)
    home.close()


def test_new_case_proposes_to_join_the_similar_open_one(page, live_server, login, maria, users):
    from fregues.service.models import AvoidableContact, Case
    from fregues.service.services import case_open

    existing = case_open(
        actor=users["beto"],
        party_id=maria.pk,
        case_type="licence-request",
        subject="Licença de obras para ampliação",
        notify=False,
    ).case
    login("beto")
    page.goto(f"{live_server.url}/cases/new/?party={maria.pk}")
    page.select_option("#id_case_type", "licence-request")
    page.locator("#id_subject").press_sequentially("licenca de obras ampliacao", delay=20)
    proposal = page.locator("#similar-box")
    expect(proposal).to_contain_text(existing.protocol)
    expect(page.locator("#open-case")).to_be_hidden()  # the default now joins
    page.locator("#join-case").click()
    page.wait_for_url(re.compile(rf"/cases/{existing.protocol}/\?joined=1$"))
    expect(page.locator("#joined-banner")).to_be_visible()
    assert Case.objects.filter(party=maria).count() == 1
    assert AvoidableContact.objects.filter(case=existing, reason="repeat_report").count() == 1
