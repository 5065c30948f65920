"""My consents: every purpose with its state and history; a grant or a withdrawal is a row in
the ledger with source "portal" and the text version the customer read; a choice made on a
text that changed since is refused."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from fregues.parties.models import ConsentPurpose, ConsentRecord
from fregues.parties.services.consent import consent_allows
from fregues.parties.tests.factories import PartyFactory

pytestmark = pytest.mark.django_db


def _row(client: Client, code: str) -> dict:
    rows = client.get("/api/v1/portal/consents").json()
    return next(r for r in rows if r["purpose"] == code)


def test_grant_and_withdraw_through_the_api(portal_client: Callable[..., Client]) -> None:
    ana = PartyFactory()
    client = portal_client(ana)
    row = _row(client, "marketing_email")
    assert row["name"] == "Offers by e-mail" and row["granted"] is False and row["history"] == []

    granted = client.post(
        "/api/v1/portal/consents/marketing_email",
        {"granted": True, "text_version": row["text_version"]},
        "application/json",
    )
    assert granted.status_code == 200 and granted.json()["granted"] is True
    assert consent_allows(party_id=ana.pk, purpose="marketing_email", channel="email")

    client.post(
        "/api/v1/portal/consents/marketing_email",
        {"granted": False, "text_version": row["text_version"]},
        "application/json",
    )
    records = list(ConsentRecord.objects.filter(party=ana).order_by("id"))
    assert [(r.granted, r.source, r.text_version) for r in records] == [
        (True, "portal", row["text_version"]),
        (False, "portal", row["text_version"]),
    ]
    assert not consent_allows(party_id=ana.pk, purpose="marketing_email", channel="email")
    assert [h["granted"] for h in _row(client, "marketing_email")["history"]] == [False, True]


def test_a_changed_text_must_be_read_again(portal_client: Callable[..., Client]) -> None:
    ana = PartyFactory()
    client = portal_client(ana)
    seen = _row(client, "profiling")["text_version"]
    ConsentPurpose.objects.filter(code="profiling").update(
        description="We now also use your visits to our shops."
    )
    response = client.post(
        "/api/v1/portal/consents/profiling",
        {"granted": True, "text_version": seen},
        "application/json",
    )
    assert response.status_code == 409 and response.json()["code"] == "text_changed"
    assert response.json()["text_version"] != seen
    assert not ConsentRecord.objects.filter(party=ana).exists()

    # the page too: the form comes back with the new text and the request to read it
    page = client.post("/portal/consents/profiling", {"granted": "1", "text_version": seen})
    assert page.status_code == 409
    assert "read it again" in page.content.decode()
    assert "visits to our shops" in page.content.decode()


def test_one_click_on_the_page_with_and_without_javascript(
    portal_client: Callable[..., Client],
) -> None:
    ana = PartyFactory()
    client = portal_client(ana)
    page = client.get("/portal/consents/").content.decode()
    assert "Offers by e-mail" in page and "Allow: Offers by e-mail" in page
    version = _row(client, "marketing_email")["text_version"]

    plain = client.post(
        "/portal/consents/marketing_email", {"granted": "1", "text_version": version}
    )
    assert plain.status_code == 302 and plain["Location"] == "/portal/consents/"

    swapped = client.post(
        "/portal/consents/marketing_email",
        {"granted": "0", "text_version": version},
        headers={"HX-Request": "true"},
    )
    body = swapped.content.decode()
    assert swapped.status_code == 200 and 'id="purpose-marketing_email"' in body
    assert "<html" not in body and "Not allowed" in body and "History of your choices" in body
    assert ConsentRecord.objects.filter(party=ana, source="portal").count() == 2


def test_an_unknown_purpose_is_a_404(portal_client: Callable[..., Client]) -> None:
    client = portal_client(PartyFactory())
    response = client.post(
        "/api/v1/portal/consents/nope", {"granted": True, "text_version": "x"}, "application/json"
    )
    assert response.status_code == 404
