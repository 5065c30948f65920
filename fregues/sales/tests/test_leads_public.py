"""The public lead form (``/forms/<code>``) and its JSON twin (``POST /api/v1/forms/{code}/
leads``): no account, no CSRF token, a honeypot that writes nothing, a rate limit per client
address, 404 for an unknown or inactive form."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from fregues.sales.models import Lead, LeadForm
from fregues.sales.tests.factories import LeadFormFactory

pytestmark = pytest.mark.django_db

FORM_URL = "/forms/contato"
API_URL = "/api/v1/forms/contato/leads"
VISITOR = {
    "name": "Maria Souza",
    "email": "maria@example.com",
    "phone": "(11) 98765-4321",
    "company": "Padaria Boa Massa",
    "message": "Quero um orçamento de fornos.",
}


@pytest.fixture(autouse=True)
def _fresh_limits() -> Any:
    cache.clear()
    yield
    cache.clear()


def browser(address: str = "203.0.113.7") -> Client:
    """A visitor's browser that enforces CSRF like a real one would."""
    return Client(enforce_csrf_checks=True, REMOTE_ADDR=address)


def send_json(body: dict[str, Any], address: str = "203.0.113.7", url: str = API_URL) -> Any:
    return browser(address).post(url, json.dumps(body), content_type="application/json")


def test_the_page_shows_the_forms_texts_and_hides_the_honeypot_from_people() -> None:
    response = Client().get(FORM_URL)
    assert response.status_code == 200
    html = response.content.decode()
    form = LeadForm.objects.get(code="contato")
    assert form.title in html and form.intro in html
    assert 'name="website"' in html
    trap = html[html.index('class="lead-hp"') - 5 : html.index('name="website"') + 80]
    assert 'aria-hidden="true"' in trap and 'tabindex="-1"' in trap and 'autocomplete="off"' in trap
    assert "X-Frame-Options" not in response  # it may be embedded in the company's site


def test_a_visitor_sends_the_form_without_a_csrf_token(make_user: Any) -> None:
    owner = make_user("sales")
    LeadForm.objects.filter(code="contato").update(owner=owner)
    response = browser().post(FORM_URL, {**VISITOR, "consent": "on", "utm_campaign": "natal"})
    assert response.status_code == 200
    assert "Obrigado" in response.content.decode()
    lead = Lead.objects.get()
    assert (lead.source, lead.source_detail, lead.form.code) == ("web_form", "contato", "contato")
    assert lead.owner == owner and lead.ip_address == "203.0.113.7"
    assert lead.phone_normalized == "+5511987654321"
    assert lead.attributes["utm_campaign"] == "natal"
    assert lead.attributes["marketing_consent"] is True and lead.attributes["consent_text"]


def test_problems_come_back_next_to_the_fields_and_nothing_is_written(unchanged: Any) -> None:
    with unchanged():
        response = browser().post(FORM_URL, {"name": "", "email": "nao-e-email"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "field-errors" in html and "nao-e-email" in html


def test_a_filled_honeypot_looks_like_success_and_writes_nothing(unchanged: Any) -> None:
    with unchanged():
        page = browser().post(FORM_URL, {**VISITOR, "website": "http://spam.example"})
        api = send_json({**VISITOR, "website": "http://spam.example"})
    assert page.status_code == 200 and "Obrigado" in page.content.decode()
    assert api.status_code == 201 and api.json()["status"] == "received"


def test_past_the_hourly_limit_an_address_is_told_to_wait(settings: Any) -> None:
    settings.LEAD_FORM_RATE_PER_HOUR = 3
    for i in range(3):
        assert send_json({"name": f"V{i}", "email": f"v{i}@example.com"}).status_code == 201
    refused = send_json({**VISITOR, "email": "v9@example.com"})
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited" and refused.json()["message"]
    page = browser().post(FORM_URL, {**VISITOR, "email": "v10@example.com"})
    assert page.status_code == 429 and "alert-error" in page.content.decode()
    assert Lead.objects.count() == 3
    # another address, or another form, has its own count
    assert (
        send_json({**VISITOR, "email": "w@example.com"}, address="198.51.100.2").status_code == 201
    )
    other = LeadFormFactory()
    assert send_json(VISITOR, url=f"/api/v1/forms/{other.code}/leads").status_code == 201


def test_an_unknown_or_inactive_form_is_a_404(unchanged: Any) -> None:
    LeadFormFactory(code="antigo", is_active=False)
    with unchanged():
        assert send_json(VISITOR, url="/api/v1/forms/nada/leads").status_code == 404
        inactive = send_json(VISITOR, url="/api/v1/forms/antigo/leads")
        assert browser().get("/forms/antigo").status_code == 404
        assert browser().post("/forms/nada", VISITOR).status_code == 404
    assert inactive.status_code == 404 and inactive.json()["code"] == "not_found"


def test_the_json_twin_validates_like_the_page(unchanged: Any) -> None:
    with unchanged():
        response = send_json({"name": "Zé"})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"email", "phone"}
    ok = send_json({**VISITOR, "answers": {"produto": "Forno", "visitas": 3}})
    assert ok.status_code == 201
    assert ok.json()["message"] == LeadForm.objects.get(code="contato").thank_you
    lead = Lead.objects.get()
    assert lead.attributes == {"produto": "Forno", "visitas": 3}


def test_the_form_describes_itself_for_pages_that_draw_it() -> None:
    body = Client().get("/api/v1/forms/contato").json()
    assert body["code"] == "contato" and body["honeypot"] == "website"
    assert "email" in body["fields"] and body["consent_text"]


def test_sending_again_adds_to_the_open_lead_instead_of_a_second_one() -> None:
    assert send_json(VISITOR).status_code == 201
    again = {**VISITOR, "email": "MARIA@example.com", "message": "Pode ser na semana que vem?"}
    assert send_json(again).status_code == 201
    lead = Lead.objects.get()
    assert "Quero um orçamento" in lead.message and "semana que vem" in lead.message
    assert lead.attributes["submissions"] == 2 and lead.version == 2
