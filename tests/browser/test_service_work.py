"""The agent's and the quality manager's screens in the browser: my work and a queue with
bulk reassign; the SLA board; the case page on a phone."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def support(users):
    """A queue served by Beto and Carla, with four of Beto's open cases in it."""
    from fregues.accounts.models import Team, User
    from fregues.service.models import Queue
    from fregues.service.services import case_open

    from .conftest import PASSWORD

    carla = User.objects.create_user(
        username="carla", password=PASSWORD, role="agent", first_name="Carla"
    )
    team = Team.objects.create(name="Balcão")
    team.members.add(users["beto"], carla)
    queue = Queue.objects.create(code="balcao", name="Balcão", team=team, strategy="manual")
    cases = [
        case_open(
            actor=users["beto"],
            party_id=party.pk,
            case_type="technical-assistance",
            subject=subject,
            queue_id=queue.pk,
            assignee_id=users["beto"].pk,
            notify=False,
        ).case
        for party, subject in zip(
            _customers(users["ana"], 4),
            ["Geladeira não gela", "Forno não liga", "Ar pingando", "Máquina barulhenta"],
            strict=True,
        )
    ]
    return {"queue": queue, "cases": cases, "carla": carla}


def _customers(actor, n):
    from fregues.parties.services import party_create

    return [
        party_create(
            actor=actor,
            data={"kind": "person", "given_name": f"Cliente{i}", "family_name": "Teste"},
            contact_points=[{"kind": "email", "value": f"cliente{i}@example.com"}],
        )
        for i in range(n)
    ]


def test_my_work_and_bulk_reassign_from_the_queue(page, live_server, login, users, support):
    from fregues.service.models import Case

    cases = support["cases"]
    soon = cases[2]
    Case.objects.filter(pk=soon.pk).update(
        resolution_due=timezone.now() + datetime.timedelta(minutes=30)
    )
    login("beto")

    # the home page's card loads itself, then My work lists the cases, the nearest due first
    card = page.locator("#home-my-work")
    expect(card).to_contain_text("4")
    expect(card.locator(".case-item").first).to_contain_text(soon.protocol)
    page.goto(f"{live_server.url}/cases/mine/")
    items = page.locator("#my-cases .case-item")
    expect(items).to_have_count(4)
    expect(items.first).to_contain_text(soon.protocol)

    # Beto goes on leave: two of his cases go to Carla at once
    page.goto(f"{live_server.url}/cases/queues/{support['queue'].pk}/")
    for case in cases[:2]:
        page.locator(f"input[name=protocols][value='{case.protocol}']").check()
    page.select_option("#bulk-bar select[name=assignee]", str(support["carla"].pk))
    page.locator("#bulk-bar button[type=submit]").click()
    expect(page.locator("#messages .toast")).to_contain_text("Carla")
    rows = page.locator("#case-rows tr")
    for case in cases[:2]:
        expect(rows.filter(has_text=case.protocol).locator(".assignee")).to_have_text("Carla")
    assignees = {c.protocol: c.assignee.username for c in Case.objects.select_related("assignee")}
    assert [assignees[c.protocol] for c in cases] == ["carla", "carla", "beto", "beto"]

    # nothing ticked: the page says so, nothing changes
    page.select_option("#bulk-bar select[name=assignee]", str(support["carla"].pk))
    page.locator("#bulk-bar button[type=submit]").click()
    expect(page.locator("#reassign-form .alert-error")).to_be_visible()
    assert Case.objects.filter(assignee__username="carla").count() == 2


def test_the_sla_board_shows_compliance_and_cases_past_due(
    page, live_server, login, users, support
):
    from fregues.accounts.models import User
    from fregues.service.models import Case

    from .conftest import PASSWORD

    User.objects.create_user(
        username="quiteria", password=PASSWORD, role="quality_manager", first_name="Quitéria"
    )
    late = support["cases"][0]
    Case.objects.filter(pk=late.pk).update(
        resolution_due=timezone.now() - datetime.timedelta(hours=3)
    )
    login("quiteria")
    page.goto(f"{live_server.url}/cases/quality/")
    table = page.locator("#compliance")
    expect(table).to_contain_text("Balcão")
    expect(page.locator("#sla-totals")).to_contain_text("4")
    attention = page.locator("#attention .case-item")
    expect(attention).to_have_count(1)
    expect(attention.first).to_contain_text(late.protocol)
    expect(attention.first.locator(".sla-breached")).to_be_visible()

    page.locator("a.chip", has_text="Atendente").or_(
        page.locator("a.chip", has_text="Agent")
    ).click()
    expect(table).to_contain_text("beto")
    attention.first.click()
    expect(page.locator("#case-title")).to_contain_text(late.subject)


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport={"width": 375, "height": 812},
        is_mobile=True,
        has_touch=True,
        locale="pt-BR",
        timezone_id="America/Sao_Paulo",
    )
    yield context.new_page()
    context.close()


def test_the_case_page_and_the_new_case_form_fit_a_phone(phone, live_server, users, support):
    from .conftest import PASSWORD

    case = support["cases"][0]
    phone.goto(f"{live_server.url}/accounts/login/")
    phone.fill("#id_username", "beto")
    phone.fill("#id_password", PASSWORD)
    phone.click("form.stack button[type=submit]")
    phone.wait_for_url(f"{live_server.url}/")
    for path in (
        f"/cases/{case.protocol}/",
        f"/cases/new/?party={case.party_id}",
        "/cases/mine/",
        f"/cases/queues/{support['queue'].pk}/",
        f"/track/{case.protocol}",
    ):
        phone.goto(f"{live_server.url}{path}")
        widths = phone.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1] == 375, (path, widths)


def test_search_the_knowledge_base_from_the_case_page(page, live_server, login, users, support):
    from fregues.service.services.knowledge import article_create

    article_create(
        actor=users["ana"],
        title="Geladeira não gela: o que verificar",
        body="## Antes da visita\n\n- Termostato no **5**\n- Porta fechando bem",
        category="Refrigeração",
    )
    case = support["cases"][0]
    login("beto")
    page.goto(f"{live_server.url}/cases/{case.protocol}/")
    page.locator("#kb-q").press_sequentially("geladeira", delay=20)
    result = page.locator("#kb-results a", has_text="Geladeira não gela")
    expect(result).to_be_visible()
    result.click()
    article = page.locator("#kb-article .kb-article")
    expect(article.locator("h2")).to_have_text("Antes da visita")
    expect(article.locator("strong")).to_have_text("5")
    assert page.url.endswith(f"/cases/{case.protocol}/")  # the agent never left the case
