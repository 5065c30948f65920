"""The API describes itself: the OpenAPI document and the interactive docs."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PATHS = {
    "/api/v1/portal/sign-in": {"post"},
    "/api/v1/portal/sign-in/code": {"post"},
    "/api/v1/portal/sign-out": {"post"},
    "/api/v1/portal/me": {"get", "patch"},
    "/api/v1/portal/me/contact-points": {"post"},
    "/api/v1/portal/me/contact-points/{pending_id}/verify": {"post"},
    "/api/v1/portal/me/contact-points/{point_id}/primary": {"post"},
    "/api/v1/portal/me/contact-points/{point_id}": {"delete"},
    "/api/v1/portal/privacy/data-export": {"get"},
    "/api/v1/portal/privacy/requests": {"get", "post"},
    "/api/v1/parties/{party_id}/data-export": {"get"},
    "/api/v1/privacy/requests": {"get", "post"},
    "/api/v1/privacy/requests/{request_id}": {"get"},
    "/api/v1/privacy/requests/{request_id}/transition": {"post"},
    "/api/v1/privacy/requests/{request_id}/legal-hold": {"post"},
    "/api/v1/parties": {"get", "post"},
    "/api/v1/parties/{party_id}": {"get", "patch", "put", "delete"},
    "/api/v1/parties/lookup": {"get"},
    "/api/v1/parties/{party_id}/contact-points": {"get", "post"},
    "/api/v1/parties/{party_id}/contact-points/{point_id}": {"patch", "delete"},
    "/api/v1/parties/{party_id}/lifecycle": {"get", "post"},
    "/api/v1/parties/{party_id}/timeline": {"get"},
    "/api/v1/parties/{party_id}/duplicates": {"get"},
    "/api/v1/parties/{party_id}/merge": {"post"},
    "/api/v1/parties/{party_id}/audit": {"get"},
    "/api/v1/duplicates": {"get"},
    "/api/v1/duplicates/scan": {"post"},
    "/api/v1/duplicates/dismiss": {"post"},
    "/api/v1/interactions": {"get", "post"},
    "/api/v1/interactions/{interaction_id}": {"get", "delete"},
    "/api/v1/interactions/{interaction_id}/attachments": {"post"},
    "/api/v1/me": {"get"},
    # consent ledger
    "/api/v1/parties/{party_id}/consents": {"get", "post"},
    "/api/v1/consent-purposes": {"get"},
    # sales (issue 8)
    "/api/v1/leads": {"get", "post"},
    "/api/v1/leads/{lead_id}/convert": {"post"},
    "/api/v1/forms/{code}/leads": {"post"},
    "/api/v1/opportunities": {"get", "post"},
    "/api/v1/opportunities/{opportunity_id}/move": {"post"},
    "/api/v1/opportunities/{opportunity_id}/win": {"post"},
    "/api/v1/opportunities/{opportunity_id}/lose": {"post"},
    "/api/v1/pipelines": {"get", "post"},
    "/api/v1/forecast": {"get"},
    "/api/v1/activities": {"get", "post"},
    "/api/v1/activities/{activity_id}/complete": {"post"},
    "/api/v1/products": {"get", "post"},
    "/api/v1/price-lists": {"get", "post"},
    "/api/v1/tax-rates": {"get", "post"},
    "/api/v1/quotes": {"get", "post"},
    "/api/v1/quotes/{quote_id}/send": {"post"},
    "/api/v1/quotes/{quote_id}/pdf": {"get"},
    "/api/v1/public/quotes/{key}/accept": {"post"},
    "/api/v1/orders": {"get", "post"},
    "/api/v1/invoices": {"get"},
    "/api/v1/parties/{party_id}/briefing": {"get"},
    "/api/v1/parties/{party_id}/revenue": {"get"},
    "/api/v1/erp/products/{external_id}": {"put"},
    "/api/v1/erp/orders/{external_id}": {"put"},
    "/api/v1/erp/invoices/{external_id}": {"put"},
    "/api/v1/lifecycle-rules": {"get"},
    "/api/v1/users": {"get"},
    # issue 9: consent, segments, campaigns
    "/api/v1/consents": {"get", "post"},
    "/api/v1/purposes": {"get", "post"},
    "/api/v1/purposes/{code}": {"put"},
    "/api/v1/suppressions": {"get", "post"},
    "/api/v1/suppressions/{suppression_id}/lift": {"post"},
    "/api/v1/sending-policy": {"get", "put"},
    "/api/v1/parties/{party_id}/reach": {"get"},
    "/api/v1/parties/{party_id}/offers": {"get"},
    "/api/v1/segments": {"get", "post"},
    "/api/v1/segments/count": {"post"},
    "/api/v1/segments/fields": {"get"},
    "/api/v1/segments/{segment_id}": {"get", "put", "patch", "delete"},
    "/api/v1/segments/{segment_id}/count": {"get"},
    "/api/v1/segments/{segment_id}/members": {"get"},
    "/api/v1/segments/{segment_id}/snapshots": {"get", "post"},
    "/api/v1/campaigns": {"get", "post"},
    "/api/v1/campaigns/bounces": {"post"},
    "/api/v1/campaigns/{campaign_id}": {"get", "patch"},
    "/api/v1/campaigns/{campaign_id}/send": {"post"},
    "/api/v1/campaigns/{campaign_id}/test": {"post"},
    "/api/v1/campaigns/{campaign_id}/pause": {"post"},
    "/api/v1/campaigns/{campaign_id}/resume": {"post"},
    "/api/v1/campaigns/{campaign_id}/cancel": {"post"},
    "/api/v1/campaigns/{campaign_id}/report": {"get"},
    "/api/v1/campaigns/{campaign_id}/recipients": {"get"},
    # issue 10: the portal's requests; an organisation's person following its requests
    "/api/v1/parties/{party_id}/affiliations/{affiliation_id}": {"patch"},
    "/api/v1/portal/case-types": {"get"},
    "/api/v1/portal/requests": {"get", "post"},
    "/api/v1/portal/requests/{protocol}": {"get"},
    "/api/v1/portal/requests/{protocol}/replies": {"post"},
    "/api/v1/portal/requests/{protocol}/survey": {"post"},
    "/api/v1/portal/orders": {"get"},
    "/api/v1/portal/orders/{number}": {"get"},
    "/api/v1/portal/invoices": {"get"},
    "/api/v1/portal/quotes": {"get"},
    "/api/v1/portal/quotes/{number}": {"get"},
    "/api/v1/portal/quotes/{number}/accept": {"post"},
    "/api/v1/portal/quotes/{number}/decline": {"post"},
    "/api/v1/portal/customisable-products": {"get"},
    "/api/v1/portal/customisations": {"post"},
    "/api/v1/portal/consents": {"get"},
    "/api/v1/portal/consents/{purpose}": {"post"},
    "/api/v1/portal/help/articles": {"get"},
    "/api/v1/portal/suggestions": {"post"},
    "/api/v1/feedback/suggestions": {"get"},
    "/api/v1/feedback/customisations": {"get"},
}


@pytest.fixture(scope="module")
def document(django_db_blocker: Any) -> dict[str, Any]:
    """The document, built once for the module (building it takes a second)."""
    with django_db_blocker.unblock():
        return _fetch()


def _fetch() -> dict[str, Any]:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def test_the_document_is_served_and_names_the_api(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "Freguês API"
    assert "Bearer" in document["info"]["description"]


@pytest.mark.parametrize("path", sorted(PATHS))
def test_every_endpoint_of_the_issue_is_documented(document: dict[str, Any], path: str) -> None:
    assert path in document["paths"], sorted(document["paths"])
    assert PATHS[path] <= set(document["paths"][path])


def test_endpoints_require_authentication_and_document_their_errors(
    document: dict[str, Any],
) -> None:
    schemes = document["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
    create = document["paths"]["/api/v1/parties"]["post"]
    assert create["security"]
    assert {"201", "401", "403", "409", "422"} <= set(create["responses"])
    error = document["components"]["schemas"]["ErrorOut"]
    assert {"code", "message", "errors"} <= set(error["properties"])


def test_the_interactive_docs_are_served() -> None:
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    assert b"openapi.json" in response.content
