"""A customer can never see or touch another's data: every portal URL and every portal API
operation that takes an identifier is tried, signed in as Ana, with Bruno's identifiers (id
guessing). Each must answer "not found" (or "method not allowed"), show nothing of Bruno's, and
change nothing of his. A new URL parameter that this test does not know fails it, so a new
screen cannot skip the check."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from fregues.core.models import AuditEntry
from fregues.parties.tests.factories import ContactPointFactory, PartyFactory
from fregues.portal.models import PortalLogin
from fregues.sales.services.quote_links import quote_send
from fregues.sales.tests.factories import (
    InvoiceFactory,
    OrderFactory,
    ProductFactory,
    QuoteFactory,
    add_lines,
)
from fregues.service.services.cases import case_open

pytestmark = pytest.mark.django_db

# Parameters that name things every customer may see (the catalogue, public articles, consent
# purposes) or secrets that are their own proof (one-time tokens): not someone's record.
PUBLIC = {"product_id", "slug", "purpose", "token"}
# A body every write accepts as well-formed, so the answer is about the record, not the body.
BODY = {"code": "123456", "body": "Hello", "score": 5, "comment": "", "name": "Ana Souza"}


@pytest.fixture
def bruno(agent: Any) -> dict[str, Any]:
    """Bruno and one of each of his records."""
    bruno = PartyFactory(name="Bruno Queiroz Talaveira", given_name="Bruno")
    point = ContactPointFactory(party=bruno, kind="phone", value="+5511955554444")
    case = case_open(
        actor=agent,
        party_id=bruno.pk,
        case_type="technical-assistance",
        subject="Talaveira's fridge",
    ).case
    order = OrderFactory(party=bruno)
    invoice = InvoiceFactory(party=bruno)
    quote = QuoteFactory(party=bruno)
    add_lines(quote, [(ProductFactory(), 1, "100.00")])
    quote = quote_send(actor=None, quote_id=quote.pk, to="bruno@example.com")
    pending = PortalLogin.objects.create(
        party=bruno,
        method="code",
        purpose="verify_contact_point",
        address="bruno@example.org",
        secret_hash="x" * 64,
        expires_at=case.created_at.replace(year=2099),
    )
    return {
        "party": bruno,
        "values": {
            "protocol": case.protocol,
            "attachment_id": 1,
            "point_id": point.pk,
            "pending_id": pending.pk,
            "order": order.number,
            "invoice": invoice.number,
            "quote": quote.number,
            "party_id": bruno.pk,
            "request_id": 1,
        },
    }


def _value(route: str, name: str, values: dict[str, Any]) -> Any:
    if name == "number":  # the same parameter names three kinds of document
        if "invoice" in route:
            return values["invoice"]
        return values["quote"] if "quote" in route else values["order"]
    assert name in values, f"{route}: unknown parameter {name!r}; add it to the bruno fixture"
    return values[name]


def _portal_routes() -> list[str]:
    resolver = get_resolver()
    routes: list[str] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                routes.append(prefix + str(p.pattern))

    walk(resolver.url_patterns, "/")
    return [r for r in routes if r.startswith("/portal/") and "<" in r]


def _api_routes(client: Client) -> list[str]:
    schema = client.get("/api/v1/openapi.json").json()
    return [p for p in schema["paths"] if p.startswith("/api/v1/portal/") and "{" in p]


def _fill(route: str, pattern: str, values: dict[str, Any]) -> str | None:
    names = re.findall(pattern, route)
    if any(n in PUBLIC for n in names):
        return None
    for name in names:
        route = re.sub(
            pattern.replace("(\\w+)", re.escape(name)), str(_value(route, name, values)), route
        )
    return route


def test_id_guessing_on_every_portal_url_and_api_finds_nothing(
    bruno: dict[str, Any], portal_client: Callable[..., Client]
) -> None:
    ana = PartyFactory(name="Ana Souza")
    client = portal_client(ana)
    before = AuditEntry.objects.filter(party_id=bruno["party"].pk).count()
    tried = []
    urls = [_fill(r, r"<(?:\w+:)?(\w+)>", bruno["values"]) for r in _portal_routes()]
    apis = [_fill(r, r"\{(?:\w+:)?(\w+)\}", bruno["values"]) for r in _api_routes(client)]
    for url in [u for u in urls + apis if u]:
        for method in ("get", "post", "patch", "delete"):
            if method in ("patch", "delete") and not url.startswith("/api/"):
                continue
            response = getattr(client, method)(url, BODY, content_type="application/json")
            if response.status_code == 422 and method == "post":  # a multipart operation
                response = client.post(url, BODY)
            tried.append((method, url, response.status_code))
            assert response.status_code in (404, 405), (method, url, response.status_code)
            assert b"Talaveira" not in response.content, (method, url)
    assert AuditEntry.objects.filter(party_id=bruno["party"].pk).count() == before
    # the walk reached the record pages of every section that has them
    reached = " ".join(url for _m, url, _s in tried)
    for section in ("/portal/requests/", "/portal/orders/", "/portal/profile/", "/api/v1/portal/"):
        assert section in reached
    assert len(tried) >= 40
