"""The lead screens: the list with its tabs and filters, the lead page and its actions, new and
edit, and the lead-forms setup; what each role sees."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from fregues.parties.tests.factories import PartyFactory
from fregues.sales.models import Lead, LeadForm, Opportunity
from fregues.sales.tests.factories import LeadFactory, LeadFormFactory

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def seller(make_user: Any) -> Any:
    return make_user("sales", first_name="Sofia")


@pytest.fixture
def web(seller: Any) -> Client:
    return client_for(seller)


def test_the_list_shows_tabs_with_counts_and_filters(web: Client, seller: Any) -> None:
    LeadFactory(name="Ana Minha", owner=seller, status="qualified")
    LeadFactory(name="Beto Novo")
    LeadFactory(name="Carla Fora", status="disqualified")
    page = web.get("/sales/leads/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ana Minha" in html and "Beto Novo" in html and "Carla Fora" in html
    assert 'data-status="all"' in html and 'data-status="qualified"' in html
    mine = web.get("/sales/leads/", {"owner": "me"}).content.decode()
    assert "Ana Minha" in mine and "Beto Novo" not in mine
    tab = web.get("/sales/leads/", {"status": "disqualified"}).content.decode()
    assert "Carla Fora" in tab and "Ana Minha" not in tab
    search = web.get("/sales/leads/", {"q": "beto"}).content.decode()
    assert "Beto Novo" in search and "Carla Fora" not in search


def test_the_list_costs_a_fixed_number_of_queries(
    web: Client, seller: Any, django_assert_max_num_queries: Any
) -> None:
    form = LeadFormFactory()
    for i in range(40):
        LeadFactory(owner=seller, form=form, party=PartyFactory() if i % 4 == 0 else None)
    with django_assert_max_num_queries(8):
        page = web.get("/sales/leads/")
    assert page.status_code == 200 and page.content.decode().count('class="lead-row"') == 40


def test_the_lead_page_shows_the_customer_it_would_find(web: Client) -> None:
    known = PartyFactory(name="Maria Já Cliente")
    known.contact_points.create(kind="email", value="m@example.com", normalized="m@example.com")
    lead = LeadFactory(email="m@example.com", email_normalized="m@example.com")
    html = web.get(f"/sales/leads/{lead.pk}/").content.decode()
    assert 'id="lead-match"' in html and "Maria Já Cliente" in html
    assert 'id="convert"' in html and 'id="disqualify"' in html


def test_disqualify_without_a_reason_reopens_the_dialog_with_the_message(
    web: Client, unchanged: Any
) -> None:
    lead = LeadFactory()
    with unchanged():
        response = web.post(f"/sales/leads/{lead.pk}/disqualify/", {"reason": ""})
    assert response.status_code == 422
    html = response.content.decode()
    assert "data-open-modal" in html and "field-errors" in html
    ok = web.post(f"/sales/leads/{lead.pk}/disqualify/", {"reason": "Sem orçamento"})
    assert ok.status_code == 302
    lead.refresh_from_db()
    assert lead.status == "disqualified" and lead.disqualify_reason == "Sem orçamento"
    assert web.post(f"/sales/leads/{lead.pk}/reopen/").status_code == 302
    assert web.post(f"/sales/leads/{lead.pk}/qualify/").status_code == 302
    lead.refresh_from_db()
    assert lead.status == "qualified"


def test_convert_lands_on_the_customer_and_the_lead_links_both(web: Client) -> None:
    lead = LeadFactory(name="Maria Souza", company="", email="m@example.com")
    response = web.post(
        f"/sales/leads/{lead.pk}/convert/",
        {"title": "Fornos", "amount": "1.000,00", "currency": "BRL"},
    )
    assert response.status_code == 302
    lead.refresh_from_db()
    deal = Opportunity.objects.get()
    assert lead.status == "converted" and deal.lead == lead
    assert response["Location"] in (
        f"/customers/{lead.party_id}/",
        f"/sales/opportunities/{deal.pk}/",
    )
    html = web.get(f"/sales/leads/{lead.pk}/").content.decode()
    assert 'id="converted-party"' in html and "Fornos" in html
    assert 'id="convert"' not in html
    again = web.post(f"/sales/leads/{lead.pk}/convert/", {"title": "Again"})
    assert again.status_code == 409 and Opportunity.objects.count() == 1


def test_a_new_lead_is_typed_in_and_edited_with_the_services_rules(
    web: Client, seller: Any, unchanged: Any
) -> None:
    form = web.get("/sales/leads/new/")
    assert form.status_code == 200
    with unchanged():
        bad = web.post("/sales/leads/new/", {"name": "Ana", "source": "manual", "currency": "BRL"})
    assert bad.status_code == 422 and "field-errors" in bad.content.decode()
    referrer = PartyFactory(name="Carla Indica")
    created = web.post(
        "/sales/leads/new/",
        {
            "name": "Ana Lima",
            "email": "ana@example.com",
            "source": "referral",
            "estimated_amount": "2.000,00",
            "currency": "EUR",
            "owner": str(seller.pk),
            "referred_by": str(referrer.pk),
        },
    )
    assert created.status_code == 302
    lead = Lead.objects.get(name="Ana Lima")
    assert lead.referred_by == referrer and lead.currency == "EUR" and lead.owner == seller
    edit = web.get(f"/sales/leads/{lead.pk}/edit/")
    assert edit.status_code == 200 and "Carla Indica" in edit.content.decode()
    saved = web.post(
        f"/sales/leads/{lead.pk}/edit/",
        {
            "name": "Ana Lima",
            "email": "ana@example.com",
            "phone": "11 3456-7890",
            "source": "referral",
            "currency": "EUR",
            "estimated_amount": "2.000,00",
            "version": str(lead.version),
            "referred_by": str(referrer.pk),
        },
    )
    assert saved.status_code == 302
    lead.refresh_from_db()
    assert lead.phone_normalized == "+551134567890" and lead.version == 2
    stale = web.post(
        f"/sales/leads/{lead.pk}/edit/",
        {"name": "Other", "email": "ana@example.com", "source": "referral", "version": "1"},
    )
    assert stale.status_code == 409
    options = web.get("/sales/leads/referrers/", {"referrer_q": "Carla"}).content.decode()
    assert "Carla Indica" in options


def test_assign_to_myself(web: Client, seller: Any) -> None:
    lead = LeadFactory()
    assert web.post(f"/sales/leads/{lead.pk}/assign/", {"action": "me"}).status_code == 302
    lead.refresh_from_db()
    assert lead.owner == seller


def test_marketing_sees_leads_but_not_the_buttons_that_work_them(make_user: Any) -> None:
    web = client_for(make_user("marketing"))
    lead = LeadFactory()
    assert web.get("/sales/leads/").status_code == 200
    html = web.get(f"/sales/leads/{lead.pk}/").content.decode()
    assert 'id="convert"' not in html and 'id="qualify"' not in html
    assert web.post(f"/sales/leads/{lead.pk}/convert/", {}).status_code == 403
    lead.refresh_from_db()
    assert lead.status == "new"
    assert client_for(make_user("agent")).get("/sales/leads/").status_code == 403


def test_the_home_page_shows_my_open_leads_and_the_unowned_ones(web: Client, seller: Any) -> None:
    LeadFactory(name="Ana Minha", owner=seller)
    LeadFactory(name="Done Already", owner=seller, status="converted")
    LeadFactory(name="Nobody's")
    home = web.get("/").content.decode()
    assert 'id="home-leads"' in home and "/sales/leads/home-card/" in home
    html = web.get("/sales/leads/home-card/", headers={"HX-Request": "true"}).content.decode()
    assert "Ana Minha" in html and "Done Already" not in html and "?owner=none" in html


def test_marketing_does_not_see_the_deal_amount_of_a_converted_lead(
    web: Client, make_user: Any
) -> None:
    lead = LeadFactory(name="Maria Souza", company="", email="m@example.com")
    web.post(f"/sales/leads/{lead.pk}/convert/", {"title": "Fornos", "amount": "1234,00"})
    html = client_for(make_user("marketing")).get(f"/sales/leads/{lead.pk}/").content.decode()
    assert 'id="converted-party"' in html and "1.234" not in html


def test_an_agent_types_a_lead_in_for_sales(make_user: Any) -> None:
    web = client_for(make_user("agent"))
    response = web.post(
        "/sales/leads/new/", {"name": "Zé", "phone": "11 98765-4321", "source": "phone"}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert Lead.objects.filter(name="Zé").exists()


# ---------------------------------------------------------------- lead forms setup


def test_an_admin_sets_up_a_form_and_deactivates_it(make_user: Any, unchanged: Any) -> None:
    admin = make_user("admin")
    web = client_for(admin)
    assert web.get("/sales/setup/").content.decode().count("/sales/setup/lead-forms/") >= 1
    listing = web.get("/sales/setup/lead-forms/").content.decode()
    assert "/forms/contato" in listing and "data-copy" in listing
    with unchanged():
        taken = web.post("/sales/setup/lead-forms/new/", {"name": "Outro", "code": "contato"})
    assert taken.status_code == 422
    created = web.post(
        "/sales/setup/lead-forms/new/",
        {
            "name": "Feira 2026",
            "title": "Fale conosco na feira",
            "owner": str(admin.pk),
            "is_active": "on",
        },
    )
    assert created.status_code == 302
    form = LeadForm.objects.get(code="feira-2026")
    page = web.get(f"/sales/setup/lead-forms/{form.pk}/").content.decode()
    assert "/forms/feira-2026" in page and "&lt;iframe" in page and "website" in page
    assert Client().get("/forms/feira-2026").status_code == 200
    web.post(f"/sales/setup/lead-forms/{form.pk}/active/", {"active": "0"})
    form.refresh_from_db()
    assert form.is_active is False
    assert Client().get("/forms/feira-2026").status_code == 404


def test_only_administrators_set_up_forms(web: Client) -> None:
    assert web.get("/sales/setup/lead-forms/").status_code == 403
    assert web.post("/sales/setup/lead-forms/new/", {"name": "X"}).status_code == 403
