"""One browser test per main screen: home, party list, create, lifecycle, duplicates, language."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _party(actor, name, **extra):
    from fregues.parties.services import party_create

    given, _, family = name.partition(" ")
    data = {"kind": "person", "given_name": given, "family_name": family}
    data.update(extra.pop("data", {}))
    return party_create(actor=actor, data=data, **extra)


def test_home_shows_stages_portfolio_and_latest_contacts(page, live_server, login, joao, users):
    from fregues.interactions.services import interaction_record

    interaction_record(
        actor=users["beto"],
        data={"channel": "email", "direction": "in", "subject": "Dúvida sobre entrega"},
        party_id=joao.pk,
    )
    login("rita")
    expect(page.locator(".home-overview .stage-suspect .count")).to_have_text("1")
    expect(page.locator(".home-portfolio")).to_contain_text("João da Silva")
    expect(page.locator(".home-recent")).to_contain_text("Dúvida sobre entrega")
    expect(page.locator("#global-search")).to_be_focused()
    # Enter in the search box opens the full list
    page.locator("#global-search").fill("silva")
    page.locator("#global-search").press("Enter")
    page.wait_for_url(re.compile(r"/customers/\?q=silva"))
    expect(page.locator(".party-row")).to_have_count(1)


def test_party_list_filters_and_pages_by_keyset(page, live_server, login, users):
    from fregues.parties.services import lifecycle_move

    ana = users["ana"]
    for i in range(30):
        _party(ana, f"Cliente {i:02d} Teste")
    client = _party(ana, "Zélia Cliente")
    lifecycle_move(actor=ana, party_id=client.pk, to_stage="client")

    login()
    page.goto(f"{live_server.url}/customers/")
    expect(page.locator(".party-row")).to_have_count(25)
    page.locator("#list-more a").click()
    expect(page.locator(".party-row")).to_have_count(31)
    expect(page.locator("#list-more")).to_have_count(0)

    page.select_option("#f-stage", "client")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url(re.compile(r"lifecycle_stage=client"))
    expect(page.locator(".party-row")).to_have_count(1)
    expect(page.locator(".party-row")).to_contain_text("Zélia Cliente")


def test_create_a_party_with_a_bad_email_then_fix_it(page, live_server, login, users):
    from fregues.parties.models import Party

    login()
    page.goto(f"{live_server.url}/customers/new/")
    page.fill("#id_given_name", "Maria")
    page.fill("#id_family_name", "Oliveira")
    page.fill("#id_email", "maria@@exemplo")
    page.fill("#id_phone", "(21) 99876-5432")
    page.locator("form.party-form button[type=submit]").click()

    expect(page.locator(".alert-error")).to_be_visible()
    email_field = page.locator(".field.has-error", has=page.locator("#id_email"))
    expect(email_field.locator(".field-errors")).to_contain_text("maria@@exemplo")
    expect(page.locator("#id_given_name")).to_have_value("Maria")  # nothing typed is lost
    assert not Party.objects.exists()

    page.fill("#id_email", "maria@exemplo.com.br")
    page.locator("form.party-form button[type=submit]").click()
    expect(page.locator("h1.party-name")).to_have_text("Maria Oliveira")
    expect(page.locator("#contacts")).to_contain_text("maria@exemplo.com.br")
    assert Party.objects.count() == 1


def test_move_the_lifecycle_stage_on_the_customer_page(page, live_server, login, joao):
    login()
    page.goto(f"{live_server.url}/customers/{joao.pk}/")
    lifecycle = page.locator("#lifecycle")

    # going "lost" needs a reason: the service says so, next to the field
    lifecycle.locator("select[name=to_stage]").select_option("lost")
    lifecycle.locator("button[type=submit]").click()
    expect(page.locator("#lifecycle .field-errors")).to_be_visible()

    lifecycle = page.locator("#lifecycle")
    lifecycle.locator("select[name=to_stage]").select_option("client")
    lifecycle.locator("input[name=reason]").fill("Fechou o primeiro contrato")
    lifecycle.locator("button[type=submit]").click()

    expect(page.locator(".party-head .stage-client")).to_be_visible()
    expect(page.locator("#lifecycle .history")).to_contain_text("Fechou o primeiro contrato")
    expect(page.locator("#messages .toast-success")).to_be_visible()
    joao.refresh_from_db()
    assert joao.lifecycle_stage == "client"


def test_contact_point_held_by_another_customer_names_the_holder(
    page, live_server, login, joao, users
):
    other = _party(users["ana"], "Pedro Souza")
    login()
    page.goto(f"{live_server.url}/customers/{other.pk}/")
    page.locator("#contacts .add-block > summary").click()
    form = page.locator("#contacts .add-block form")
    form.locator("select[name='cp-new-kind']").select_option("phone")
    form.locator("input[name='cp-new-value']").fill("11 98765 4321")
    form.locator("button[type=submit]").click()
    alert = page.locator("#contacts .alert-error")
    expect(alert).to_contain_text("João da Silva")
    alert.locator("a.holder-link").click()
    page.wait_for_url(re.compile(rf"/customers/{joao.pk}/$"))


def test_review_duplicates_and_merge(page, live_server, login, joao, users):
    from fregues.parties.models import Party

    twin = _party(
        users["ana"],
        "Joao Silva",
        data={"tax_id": "52998224725"},
        contact_points=[{"kind": "email", "value": "joao.s@example.net"}],
    )
    login("rita")
    page.goto(f"{live_server.url}/customers/duplicates/")
    page.locator("form[action$='/duplicates/scan/'] button").click()
    expect(page.locator("#messages .toast-success")).to_be_visible()
    row = page.locator(".dup-table tbody tr", has_text="Joao Silva")
    row.locator("a.btn").click()
    page.wait_for_url(re.compile(r"/customers/duplicates/\d+/\d+/"))

    page.locator(f"input[name=survivor][value='{joao.pk}']").check()
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("button[name=action][value=merge]").click()
    page.wait_for_url(re.compile(rf"/customers/{joao.pk}/$"))
    expect(page.locator("#contacts")).to_contain_text("joao.s@example.net")

    twin.refresh_from_db()
    assert twin.merged_into_id == joao.pk
    page.goto(f"{live_server.url}/customers/{twin.pk}/")  # the old address still works
    page.wait_for_url(re.compile(rf"/customers/{joao.pk}/$"))
    assert Party.objects.filter(merged_into__isnull=True).count() == 1


def test_switch_the_language_to_english(page, live_server, login):
    login()
    nav = page.locator(".mainnav")
    expect(nav).to_contain_text("Clientes")
    expect(page.locator("html")).to_have_attribute("lang", "pt-br")
    page.locator(".usermenu > summary").click()
    page.select_option("#language-menu", "en")
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".mainnav")).to_contain_text("Customers")
    page.goto(f"{live_server.url}/customers/")
    expect(page.locator("h1")).to_have_text("Customers")


def test_language_switch_on_the_login_page(page, live_server, users):
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.locator("h1")).to_have_text("Entrar")
    page.select_option("#language-login", "en")
    expect(page.locator("h1")).to_have_text("Sign in")


def test_timeline_chips_filter_and_older_contacts_load(page, live_server, login, joao, users):
    from fregues.interactions.tests.factories import InteractionFactory

    for i in range(25):
        InteractionFactory(
            party=joao,
            agent=users["beto"],
            channel="email" if i % 5 == 0 else "phone",
            subject=f"Contato {i:02d}",
        )
    login()
    page.goto(f"{live_server.url}/customers/{joao.pk}/")
    items = page.locator("#timeline-items .tl-item")
    expect(items).to_have_count(20)
    page.locator("#timeline-more a").click()
    expect(items).to_have_count(25)

    page.locator(".chips a.chip", has_text="E-mail").click()
    expect(page.locator(".chips a.chip[aria-current=true]")).to_contain_text("E-mail")
    expect(items).to_have_count(5)
    expect(page.locator("#timeline-items .ch-phone")).to_have_count(0)
    assert page.url.endswith(f"/customers/{joao.pk}/")  # filtered in place, no reload


def test_search_dropdown_is_keyboard_friendly(page, live_server, login, joao):
    login()
    page.wait_for_load_state("load")  # app.js (deferred) binds the "/" shortcut
    page.keyboard.press("Escape")
    # nothing focused: a click on the page body could land on a link or a field
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press("/")
    expect(page.locator("#global-search")).to_be_focused()
    page.keyboard.type("silva", delay=30)
    expect(page.locator("#search-results .sr-item").first).to_be_visible()
    page.keyboard.press("ArrowDown")
    expect(page.locator('#search-results .sr-item[aria-selected="true"]')).to_contain_text(
        "João da Silva"
    )
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/customers/{joao.pk}/$"))
