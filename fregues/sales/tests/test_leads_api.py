"""/api/v1/leads: taking leads in, listing them with the screen's filters, working and
converting them; errors as the house answers them; what each role may do."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from fregues.parties.tests.factories import PartyFactory
from fregues.sales.models import Lead, Opportunity
from fregues.sales.tests.factories import LeadFactory, LeadFormFactory

pytestmark = pytest.mark.django_db

MARIA = {
    "name": "Maria Souza",
    "email": "maria@example.com",
    "phone": "(11) 98765-4321",
    "company": "Padaria Boa Massa",
    "estimated_amount": 2500.5,
    "external_id": "rd-77",
}


def test_create_answers_201_then_200_for_the_same_external_id(api_as: Any) -> None:
    api = api_as("sales")
    first = api.post("/leads", MARIA)
    assert first.status_code == 201, first.json()
    body = first.json()
    assert body["source"] == "api" and body["status"] == "new"
    assert body["phone_e164"] == "+5511987654321"
    assert body["estimated_amount"] == "2500.50" and body["currency"] == "BRL"
    again = api.post("/leads", {**MARIA, "name": "Other Name"})
    assert again.status_code == 200
    assert again.json()["id"] == body["id"] and again.json()["name"] == "Maria Souza"
    assert Lead.objects.count() == 1


def test_bad_input_is_a_422_naming_each_field_and_writes_nothing(
    api_as: Any, unchanged: Any
) -> None:
    api = api_as("sales")
    with unchanged():
        response = api.post(
            "/leads",
            {"name": "", "email": "x@", "currency": "XYZ", "estimated_amount": "abc"},
        )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert {"name", "email", "currency", "estimated_amount"} <= set(body["errors"])
    with unchanged():
        wrong_type = api.post("/leads", {"name": "Ana", "email": "a@b.com", "owner_id": "x"})
    assert wrong_type.status_code == 422 and "owner_id" in wrong_type.json()["errors"]


def test_patch_checks_the_version_from_the_body_or_if_match(api_as: Any) -> None:
    api = api_as("sales")
    lead = api.post("/leads", MARIA).json()
    url = f"/leads/{lead['id']}"
    ok = api.patch(url, {"interest": "Fornos", "version": 1})
    assert ok.status_code == 200 and ok.json()["interest"] == "Fornos"
    assert ok.json()["version"] == 2
    stale = api.patch(url, {"interest": "Other"}, **{"If-Match": '"1"'})
    assert stale.status_code == 409 and stale.json()["code"] == "version_conflict"
    assert api.get(url).json()["interest"] == "Fornos"


def test_qualify_disqualify_reopen_assign(api_as: Any, make_user: Any) -> None:
    api = api_as("sales")
    lead_id = api.post("/leads", MARIA).json()["id"]
    no_reason = api.post(f"/leads/{lead_id}/disqualify", {})
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["errors"]
    out = api.post(f"/leads/{lead_id}/disqualify", {"reason": "Sem orçamento"}).json()
    assert (out["status"], out["disqualify_reason"]) == ("disqualified", "Sem orçamento")
    assert api.post(f"/leads/{lead_id}/reopen", {}).json()["status"] == "new"
    assert api.post(f"/leads/{lead_id}/qualify", {}).json()["status"] == "qualified"
    other = make_user("sales")
    assigned = api.post(f"/leads/{lead_id}/assign", {"owner_id": other.pk}).json()
    assert assigned["owner"]["id"] == other.pk
    assert api.get("/leads/999999").status_code == 404


def test_convert_returns_the_lead_the_customer_and_the_deal(api_as: Any) -> None:
    api = api_as("sales")
    known = PartyFactory(name="Maria Souza")
    known.contact_points.create(
        kind="email", value="maria@example.com", normalized="maria@example.com"
    )
    lead_id = api.post("/leads", {**MARIA, "company": ""}).json()["id"]
    response = api.post(f"/leads/{lead_id}/convert", {"title": "Fornos", "amount": "3.000,00"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["party_id"] == known.pk and body["party_created"] is False
    assert body["lead"]["status"] == "converted"
    assert body["lead"]["opportunity_ids"] == [body["opportunity_id"]]
    deal = Opportunity.objects.get(pk=body["opportunity_id"])
    assert (deal.title, str(deal.amount)) == ("Fornos", "3000.00")
    twice = api.post(f"/leads/{lead_id}/convert", {})
    assert twice.status_code == 409 and twice.json()["code"] == "lead_converted"


def test_convert_refuses_a_pipeline_that_does_not_exist(api_as: Any, unchanged: Any) -> None:
    api = api_as("sales")
    lead_id = api.post("/leads", MARIA).json()["id"]
    with unchanged():
        response = api.post(f"/leads/{lead_id}/convert", {"pipeline_id": 4242})
    assert response.status_code == 422 and "pipeline_id" in response.json()["errors"]


def test_the_list_filters_like_the_screen_and_pages_by_cursor(api_as: Any, make_user: Any) -> None:
    seller = make_user("sales")
    api = api_as("sales")
    form = LeadFormFactory()
    old = timezone.now() - datetime.timedelta(days=10)
    mine = LeadFactory(
        name="Ana Minha", owner=seller, status="qualified", source="web_form", form=form
    )
    LeadFactory(name="Beto", phone="+55 11 3456-7890", phone_normalized="+551134567890")
    dated = LeadFactory(name="Carla Antiga", status="disqualified")
    Lead.objects.filter(pk=dated.pk).update(created_at=old)

    def names(**params: Any) -> set[str]:
        response = api.get("/leads", params)
        assert response.status_code == 200, response.json()
        return {item["name"] for item in response.json()["items"]}

    assert names() == {"Ana Minha", "Beto", "Carla Antiga"}
    assert names(status="qualified") == {"Ana Minha"}
    assert names(owner_id=seller.pk) == {"Ana Minha"}
    assert names(unassigned=True) == {"Beto", "Carla Antiga"}
    assert names(source="web_form") == names(form_id=form.pk) == {"Ana Minha"}
    assert names(q="3456 7890") == {"Beto"}
    assert names(q="antiga") == {"Carla Antiga"}
    since = (timezone.localdate() - datetime.timedelta(days=2)).isoformat()
    assert names(created_from=since) == {"Ana Minha", "Beto"}
    assert names(created_to=(timezone.localdate() - datetime.timedelta(days=5)).isoformat()) == {
        "Carla Antiga"
    }
    mine_api = api_as("sales")
    assert mine_api.get("/leads", {"mine": True}).json()["items"] == []

    first = api.get("/leads", {"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = api.get("/leads", {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [i["name"] for i in rest["items"]] == ["Carla Antiga"] and rest["next_cursor"] is None
    assert api.get("/leads", {"cursor": "garbage"}).status_code == 422

    counts = api.get("/leads/counts").json()
    assert counts == {"new": 1, "qualified": 1, "disqualified": 1, "converted": 0, "all": 3}
    assert mine.pk


def test_the_list_costs_the_same_few_queries_for_many_leads(
    api_as: Any, django_assert_max_num_queries: Any
) -> None:
    api = api_as("sales")
    owner = api.user
    form = LeadFormFactory()
    for i in range(30):
        LeadFactory(owner=owner, form=form, party=PartyFactory() if i % 3 == 0 else None)
    with django_assert_max_num_queries(4):
        response = api.get("/leads", {"limit": 50})
    assert response.status_code == 200 and len(response.json()["items"]) == 30


# ---------------------------------------------------------------- roles


AGENT, MANAGER, QUALITY, SALES, MARKETING, ADMIN = (
    "agent",
    "relationship_manager",
    "quality_manager",
    "sales",
    "marketing",
    "admin",
)
ROLES = [AGENT, MANAGER, QUALITY, SALES, MARKETING, ADMIN]


@dataclass
class Call:
    name: str
    allowed: set[str]
    success: int
    run: Callable[[Any, Lead], Any]


CALLS = [
    Call("list", {SALES, MANAGER, MARKETING, ADMIN}, 200, lambda api, lead: api.get("/leads")),
    Call(
        "read",
        {SALES, MANAGER, MARKETING, ADMIN},
        200,
        lambda api, lead: api.get(f"/leads/{lead.pk}"),
    ),
    Call(
        "create",
        {AGENT, MANAGER, SALES, MARKETING, ADMIN},
        201,
        lambda api, lead: api.post("/leads", {"name": "Novo", "email": "novo@example.com"}),
    ),
    Call(
        "change",
        {SALES, MANAGER, ADMIN},
        200,
        lambda api, lead: api.patch(f"/leads/{lead.pk}", {"interest": "Fornos"}),
    ),
    Call(
        "qualify",
        {SALES, MANAGER, ADMIN},
        200,
        lambda api, lead: api.post(f"/leads/{lead.pk}/qualify", {}),
    ),
    Call(
        "disqualify",
        {SALES, MANAGER, ADMIN},
        200,
        lambda api, lead: api.post(f"/leads/{lead.pk}/disqualify", {"reason": "spam"}),
    ),
    Call(
        "assign",
        {SALES, MANAGER, ADMIN},
        200,
        lambda api, lead: api.post(f"/leads/{lead.pk}/assign", {"owner_id": None}),
    ),
    Call(
        "convert",
        {SALES, MANAGER, ADMIN},
        200,
        lambda api, lead: api.post(f"/leads/{lead.pk}/convert", {}),
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("call", CALLS, ids=[c.name for c in CALLS])
def test_each_role_may_do_what_its_job_needs(
    role: str, call: Call, api_as: Any, unchanged: Any
) -> None:
    api = api_as(role)
    lead = LeadFactory(email="maria@example.com", email_normalized="maria@example.com")
    if role in call.allowed:
        response = call.run(api, lead)
        assert response.status_code == call.success, response.json()
    else:
        with unchanged():
            response = call.run(api, lead)
        assert response.status_code == 403, response.json()
        assert response.json()["code"] == "forbidden"


def test_an_anonymous_caller_is_asked_to_sign_in(anonymous_api: Any) -> None:
    assert anonymous_api.get("/leads").status_code == 401
    assert anonymous_api.post("/leads", MARIA).status_code == 401


def test_the_openapi_document_describes_the_lead_endpoints() -> None:
    from django.test import Client

    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    expected = {
        "/api/v1/leads": {"get", "post"},
        "/api/v1/leads/counts": {"get"},
        "/api/v1/leads/{lead_id}": {"get", "patch"},
        "/api/v1/leads/{lead_id}/qualify": {"post"},
        "/api/v1/leads/{lead_id}/disqualify": {"post"},
        "/api/v1/leads/{lead_id}/reopen": {"post"},
        "/api/v1/leads/{lead_id}/assign": {"post"},
        "/api/v1/leads/{lead_id}/convert": {"post"},
        "/api/v1/forms/{code}": {"get"},
        "/api/v1/forms/{code}/leads": {"post"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths.get(path, {})), path
    public = paths["/api/v1/forms/{code}/leads"]["post"]
    assert not public.get("security") and "429" in public["responses"]
