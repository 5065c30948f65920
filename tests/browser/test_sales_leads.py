"""Leads in the browser: a visitor sends the public form; the salesperson finds the lead in the
list, opens it and converts it, landing on the deal's customer."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def sales_setup(users):
    """The seeded pipeline and lead form (a transactional test may have flushed them)."""
    from fregues.sales.models import LeadForm, Pipeline, PipelineStage

    pipeline, created = Pipeline.objects.get_or_create(
        code="new-business",
        defaults={"name": "Novos negócios", "name_en": "New business", "is_default": True},
    )
    if created:
        for position, (code, name, probability) in enumerate(
            [("qualify", "Qualificação", 10), ("proposal", "Proposta", 50)]
        ):
            PipelineStage.objects.create(
                pipeline=pipeline, code=code, name=name, probability=probability, position=position
            )
    LeadForm.objects.get_or_create(
        code="contato",
        defaults={
            "name": "Fale conosco",
            "title": "Fale com a nossa equipe comercial",
            "thank_you": "Obrigado! Entraremos em contato em breve.",
            "pipeline": pipeline,
            "owner": users["rita"],
        },
    )
    return pipeline


def test_a_visitor_sends_the_public_form(page, live_server, sales_setup):
    from fregues.sales.models import Lead

    page.goto(f"{live_server.url}/forms/contato")
    expect(page.get_by_role("heading", name="Fale com a nossa equipe comercial")).to_be_visible()
    expect(page.locator("input[name=website]")).not_to_be_visible()  # the honeypot
    page.fill("#id_name", "Maria Souza")
    page.fill("#id_email", "maria@padaria.com.br")
    page.fill("#id_phone", "(11) 98765-4321")
    page.fill("#id_company", "Padaria Boa Massa")
    page.fill("#id_message", "Quero um orçamento de fornos.")
    page.click("#send-lead")
    expect(page.locator("#lead-thanks")).to_contain_text("Obrigado")
    lead = Lead.objects.get()
    assert lead.form.code == "contato" and lead.phone_normalized == "+5511987654321"


def test_list_open_a_lead_convert_it_and_land_on_the_customer(
    page, live_server, login, users, sales_setup
):
    from fregues.sales.models import Opportunity
    from fregues.sales.services.leads import lead_create

    lead = lead_create(
        actor=users["rita"],
        data={
            "name": "Maria Souza",
            "email": "maria@padaria.com.br",
            "phone": "(11) 98765-4321",
            "company": "Padaria Boa Massa",
            "interest": "Fornos",
            "message": "Quero um orçamento de fornos.",
            "estimated_amount": "25.000,00",
            "owner_id": users["rita"].pk,
        },
    ).lead
    login("rita")
    page.goto(f"{live_server.url}/sales/leads/")
    row = page.locator(f"tr[data-lead='{lead.pk}']")
    expect(row).to_contain_text("Padaria Boa Massa")
    row.get_by_role("link", name="Maria Souza").click()
    page.wait_for_url(re.compile(rf"/sales/leads/{lead.pk}/$"))
    expect(page.locator("#lead-title")).to_contain_text("Maria Souza")

    page.click("#convert")
    dialog = page.locator("#convert-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#id_title")).to_have_value("Padaria Boa Massa — Fornos")
    dialog.locator("#id_title").fill("Fornos para a Padaria")
    dialog.locator("#convert-confirm").click()

    page.wait_for_url(re.compile(r"/(customers|sales/opportunities)/\d+/"))
    deal = Opportunity.objects.get()
    assert deal.title == "Fornos para a Padaria" and deal.party.name == "Padaria Boa Massa"
    expect(page.locator("#messages")).to_contain_text("Fornos para a Padaria")
    expect(page.locator("main")).to_contain_text("Padaria Boa Massa")

    lead.refresh_from_db()
    assert lead.status == "converted"
    page.goto(f"{live_server.url}/sales/leads/{lead.pk}/")
    expect(page.locator("#converted-party")).to_have_text("Maria Souza")
    expect(page.locator(".converted-deal")).to_have_text("Fornos para a Padaria")
    expect(page.locator("#convert")).to_have_count(0)
