"""What each role may do through the API: allowed calls succeed, refused ones are a 403 JSON
that writes nothing. The expectations are written out here, not read from the permission
table, so a wrong change to the table fails."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from fregues.interactions.tests.factories import InteractionFactory
from fregues.parties.tests.factories import PartyFactory

pytestmark = pytest.mark.django_db

AGENT, MANAGER, QUALITY, SALES, MARKETING, ADMIN = (
    "agent",
    "relationship_manager",
    "quality_manager",
    "sales",
    "marketing",
    "admin",
)
EVERYONE = {AGENT, MANAGER, QUALITY, SALES, MARKETING, ADMIN}
FRONT_LINE = {AGENT, MANAGER, SALES, ADMIN}
ANALYTICS = {MANAGER, QUALITY, SALES, MARKETING, ADMIN}


@dataclass
class Call:
    name: str
    allowed: set[str]
    success: int
    run: Callable[[Any, dict[str, Any]], Any]


CALLS = [
    Call("list parties", EVERYONE, 200, lambda api, w: api.get("/parties")),
    Call("read a party", EVERYONE, 200, lambda api, w: api.get(f"/parties/{w['party'].pk}")),
    Call(
        "create a party",
        FRONT_LINE | {MARKETING},
        201,
        lambda api, w: api.post("/parties", {"name": "Nova Cliente"}),
    ),
    Call(
        "change a party",
        FRONT_LINE,
        200,
        lambda api, w: api.patch(f"/parties/{w['party'].pk}", {"name": "Outro Nome"}),
    ),
    Call(
        "delete a party",
        {MANAGER, ADMIN},
        204,
        lambda api, w: api.delete(f"/parties/{w['party'].pk}"),
    ),
    Call(
        "merge parties",
        {MANAGER, ADMIN},
        200,
        lambda api, w: api.post(f"/parties/{w['party'].pk}/merge", {"merge_id": w["other"].pk}),
    ),
    Call(
        "move in the lifecycle",
        FRONT_LINE | {MARKETING},
        201,
        lambda api, w: api.post(f"/parties/{w['party'].pk}/lifecycle", {"to_stage": "prospect"}),
    ),
    Call(
        "add a contact point",
        FRONT_LINE,
        201,
        lambda api, w: api.post(
            f"/parties/{w['party'].pk}/contact-points",
            {"kind": "email", "value": "novo@exemplo.com"},
        ),
    ),
    Call(
        "add a note",
        FRONT_LINE,
        201,
        lambda api, w: api.post(f"/parties/{w['party'].pk}/notes", {"body": "Ligar amanhã."}),
    ),
    Call(
        "read the audit trail",
        EVERYONE - {MARKETING},
        200,
        lambda api, w: api.get(f"/parties/{w['party'].pk}/audit"),
    ),
    Call(
        "read the timeline",
        EVERYONE,
        200,
        lambda api, w: api.get(f"/parties/{w['party'].pk}/timeline"),
    ),
    Call(
        "record a contact",
        FRONT_LINE | {QUALITY},
        201,
        lambda api, w: api.post(
            "/interactions", {"party_id": w["party"].pk, "channel": "phone", "direction": "in"}
        ),
    ),
    Call(
        "read a contact",
        EVERYONE,
        200,
        lambda api, w: api.get(f"/interactions/{w['interaction'].pk}"),
    ),
    Call(
        "delete a contact",
        {ADMIN},
        204,
        lambda api, w: api.delete(f"/interactions/{w['interaction'].pk}"),
    ),
    Call("scan for duplicates", {MANAGER, ADMIN}, 200, lambda api, w: api.post("/duplicates/scan")),
    Call(
        "dismiss a duplicate",
        {MANAGER, ADMIN},
        204,
        lambda api, w: api.post(
            "/duplicates/dismiss", {"party_a_id": w["party"].pk, "party_b_id": w["other"].pk}
        ),
    ),
    Call("list users", EVERYONE, 200, lambda api, w: api.get("/users")),
    Call("who am I", EVERYONE, 200, lambda api, w: api.get("/me")),
    # the consent ledger: everyone reads it, the front line and marketing record it
    Call(
        "read consents",
        EVERYONE,
        200,
        lambda api, w: api.get(f"/parties/{w['party'].pk}/consents"),
    ),
    Call(
        "record a consent",
        FRONT_LINE | {MARKETING},
        201,
        lambda api, w: api.post(
            f"/parties/{w['party'].pk}/consents", {"purpose": "marketing_email", "granted": True}
        ),
    ),
    # sales: marketing sees amounts only in aggregate (the forecast), never a deal or an order
    Call("list deals", EVERYONE - {MARKETING}, 200, lambda api, w: api.get("/opportunities")),
    Call(
        "open a deal",
        {SALES, MANAGER, ADMIN},
        201,
        lambda api, w: api.post(
            "/opportunities", {"title": "Linha branca", "party_id": w["party"].pk, "amount": 10}
        ),
    ),
    Call(
        "the forecast", {SALES, MANAGER, MARKETING, ADMIN}, 200, lambda api, w: api.get("/forecast")
    ),
    Call("list orders", EVERYONE - {MARKETING}, 200, lambda api, w: api.get("/orders")),
    Call("list quotes", EVERYONE - {MARKETING}, 200, lambda api, w: api.get("/quotes")),
    Call(
        "revenue of a customer",
        EVERYONE - {MARKETING},
        200,
        lambda api, w: api.get(f"/parties/{w['party'].pk}/revenue"),
    ),
    Call(
        "a visit briefing",
        EVERYONE - {MARKETING},
        200,
        lambda api, w: api.get(f"/parties/{w['party'].pk}/briefing"),
    ),
    Call("list leads", {SALES, MANAGER, MARKETING, ADMIN}, 200, lambda api, w: api.get("/leads")),
    # marketing: segments and campaigns are marketing's; the managers read them
    Call("the consent ledger", EVERYONE, 200, lambda api, w: api.get("/consents")),
    Call("the suppression list", EVERYONE, 200, lambda api, w: api.get("/suppressions")),
    Call(
        "suppress an address",
        {MANAGER, MARKETING, ADMIN},
        201,
        lambda api, w: api.post(
            "/suppressions", {"kind": "email", "address": "x@exemplo.com.br", "reason": "manual"}
        ),
    ),
    Call(
        "the sending rules",
        {MANAGER, MARKETING, ADMIN},
        200,
        lambda api, w: api.get("/sending-policy"),
    ),
    Call(
        "list segments",
        {SALES, MANAGER, MARKETING, ADMIN},
        200,
        lambda api, w: api.get("/segments"),
    ),
    Call(
        "create a segment",
        {MARKETING, ADMIN},
        201,
        lambda api, w: api.post(
            "/segments",
            {
                "name": "Clientes",
                "rules": {"all": [{"field": "lifecycle_stage", "op": "in", "value": ["client"]}]},
            },
        ),
    ),
    Call("list campaigns", {MANAGER, MARKETING, ADMIN}, 200, lambda api, w: api.get("/campaigns")),
    Call(
        "a customer's reach",
        EVERYONE,
        200,
        lambda api, w: api.get(f"/parties/{w['party'].pk}/reach"),
    ),
    Call(
        "export a customer's personal data",
        {MANAGER, ADMIN},
        200,
        lambda api, w: api.get(f"/parties/{w['party'].pk}/data-export"),
    ),
    Call(
        "list privacy requests", {MANAGER, ADMIN}, 200, lambda api, w: api.get("/privacy/requests")
    ),
    Call(
        "record a privacy request",
        {MANAGER, ADMIN},
        201,
        lambda api, w: api.post("/privacy/requests", {"party_id": w["party"].pk, "kind": "access"}),
    ),
    Call(
        "push an ERP order",
        {ADMIN},
        422,  # allowed, and refused only for its unknown customer
        lambda api, w: api.put(
            "/erp/orders/PV-1", {"customer": {"email": "ninguem@exemplo.com"}, "lines": []}
        ),
    ),
    Call("read the RFM report", ANALYTICS, 200, lambda api, w: api.get("/analytics/rfm")),
    Call(
        "read the profitability report",
        ANALYTICS,
        200,
        lambda api, w: api.get("/analytics/profitability"),
    ),
    Call(
        "list the unprofitable customers",
        ANALYTICS,
        200,
        lambda api, w: api.get("/analytics/profitability/unprofitable"),
    ),
    Call(
        "read a customer's scores",
        EVERYONE - {MARKETING},
        200,
        lambda api, w: api.get(f"/parties/{w['party'].pk}/scores"),
    ),
    Call("list recent calls", FRONT_LINE, 200, lambda api, w: api.get("/cti/calls")),
    Call(
        "place a call (click-to-call)",
        FRONT_LINE,
        201,
        lambda api, w: api.post("/cti/calls", {"party_id": w["party"].pk, "number": "11987654321"}),
    ),
    Call("read the costs", ANALYTICS, 200, lambda api, w: api.get("/analytics/costs")),
    Call(
        "set an exchange rate",
        {ADMIN},
        200,
        lambda api, w: api.put(
            "/analytics/costs/rates", {"currency": "EUR", "rate": "6", "valid_from": "2026-01-01"}
        ),
    ),
    Call(
        "list webhook subscriptions", {ADMIN}, 200, lambda api, w: api.get("/webhook-subscriptions")
    ),
    Call(
        "subscribe a webhook",
        {ADMIN},
        201,
        lambda api, w: api.post(
            "/webhook-subscriptions",
            {"url": "https://erp.example.com/hooks", "event_types": ["party.created"]},
        ),
    ),
    Call("list the message providers", {ADMIN}, 200, lambda api, w: api.get("/channels/providers")),
    Call(
        "connect a message provider",
        {ADMIN},
        201,
        lambda api, w: api.post(
            "/channels/providers",
            {
                "name": "SMS",
                "kind": "twilio",
                "phone_number": "+551140028922",
                "account_sid": "AC00000000000000000000000000000000",
                "auth_token": "secret-token",
            },
        ),
    ),
    Call("read my inbox", FRONT_LINE | {QUALITY}, 200, lambda api, w: api.get("/inbox")),
    Call(
        "read everyone's inbox",
        {MANAGER, QUALITY, ADMIN},
        200,
        lambda api, w: api.get("/inbox", {"scope": "all"}),
    ),
    Call("list the mailboxes", {ADMIN}, 200, lambda api, w: api.get("/channels/mailboxes")),
    Call(
        "add a mailbox",
        {ADMIN},
        201,
        lambda api, w: api.post(
            "/channels/mailboxes",
            {"name": "Suporte", "imap_host": "imap.exemplo.com.br", "username": "suporte"},
        ),
    ),
]


@pytest.mark.parametrize("role", sorted(EVERYONE))
@pytest.mark.parametrize("call", CALLS, ids=[c.name for c in CALLS])
def test_each_role_may_do_what_its_job_needs_and_nothing_more(
    api_as: Any, unchanged: Any, role: str, call: Call
) -> None:
    world = {"party": PartyFactory(), "other": PartyFactory()}
    world["interaction"] = InteractionFactory(party=world["party"], body="Conversa reservada")
    api = api_as(role)
    if role in call.allowed:
        response = call.run(api, world)
        assert response.status_code == call.success, (role, response.content)
    else:
        with unchanged():
            response = call.run(api, world)
        assert response.status_code == 403, (role, response.content)
        assert response.json()["code"] == "forbidden"
        assert response.json()["message"]


@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_only_marketing_is_kept_from_what_customers_said(api_as: Any, role: str) -> None:
    item = InteractionFactory(body="Conversa reservada")
    body = api_as(role).get(f"/interactions/{item.pk}").json()["body"]
    assert body == (None if role == MARKETING else "Conversa reservada")


def test_me_lists_the_permissions_of_the_role(api_as: Any) -> None:
    permissions = api_as(MARKETING).get("/me").json()["permissions"]
    assert "party.create" in permissions
    assert "interaction.view_body" not in permissions
    assert "audit.view" not in permissions


SCREENS = [
    ("the calls screen", FRONT_LINE, "/channels/calls/"),
    ("the extensions of the telephony", {ADMIN}, "/channels/calls/extensions/"),
]


@pytest.mark.parametrize("role", sorted(EVERYONE))
@pytest.mark.parametrize(("name", "allowed", "url"), SCREENS, ids=[s[0] for s in SCREENS])
def test_each_role_sees_the_screens_its_job_needs(
    make_user: Any, role: str, name: str, allowed: set[str], url: str
) -> None:
    from django.test import Client

    client = Client()
    client.force_login(make_user(role))
    assert client.get(url).status_code == (200 if role in allowed else 403), (role, name)
