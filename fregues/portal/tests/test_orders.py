"""My orders: a customer sees their own orders, invoices and quotes (never another's),
downloads a quote's PDF and accepts or declines it with the same effects as the e-mail link;
asks for a customisation checked against the product's options."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fregues.core.models import AuditEntry
from fregues.interactions.models import Interaction
from fregues.parties.tests.factories import PartyFactory
from fregues.portal.models import CustomisationRequest
from fregues.sales.models import Order, Quote
from fregues.sales.services.quote_links import quote_send
from fregues.sales.tests.factories import (
    InvoiceFactory,
    OrderFactory,
    ProductFactory,
    QuoteFactory,
    add_lines,
)

pytestmark = pytest.mark.django_db

MUG_OPTIONS = [
    {"label": "Colour", "kind": "choice", "choices": ["Blue", "Red"], "required": True},
    {"label": "Engraving", "kind": "text", "choices": [], "required": False},
]


def _sent_quote(party: Any, **fields: Any) -> Quote:
    quote = QuoteFactory(party=party, **fields)
    add_lines(quote, [(ProductFactory(name="Caneca"), 2, "50.00")])
    return quote_send(actor=None, quote_id=quote.pk, to="cliente@example.com")


def test_the_customer_sees_their_orders_invoices_and_quotes_and_nobody_elses(
    portal_client: Callable[..., Client],
) -> None:
    ana, bruno = PartyFactory(name="Ana"), PartyFactory(name="Bruno")
    order = OrderFactory(party=ana, number="PED-1")
    add_lines(order, [(ProductFactory(name="Cadeira azul"), 1, "120.00")])
    OrderFactory(party=bruno, number="PED-2")
    InvoiceFactory(
        party=ana,
        number="NF-9",
        due_date=timezone.localdate() - datetime.timedelta(days=3),
        total=Decimal("120.00"),
    )
    quote = _sent_quote(ana, number="ORC-1")
    QuoteFactory(party=ana, number="ORC-DRAFT")  # a draft is not the customer's business
    client = portal_client(ana)

    page = client.get("/portal/orders/").content.decode()
    assert "PED-1" in page and "PED-2" not in page
    assert "Overdue" in page and "NF-9" in page
    assert "ORC-1" in page and "Waiting for your answer" in page and "ORC-DRAFT" not in page
    assert "Cadeira azul" in client.get("/portal/orders/PED-1/").content.decode()
    assert client.get("/portal/orders/PED-2/").status_code == 404
    assert client.get("/portal/orders/quotes/ORC-DRAFT/").status_code == 404

    api = client.get("/api/v1/portal/orders").json()
    assert [o["number"] for o in api] == ["PED-1"]
    assert api[0]["lines"][0]["description"] == "Cadeira azul"
    assert client.get("/api/v1/portal/orders/PED-2").status_code == 404
    assert client.get("/api/v1/portal/orders/PED-1").json()["payment_state"] == "unpaid"
    assert [i["state"] for i in client.get("/api/v1/portal/invoices").json()] == ["overdue"]
    assert "was due" in client.get("/portal/orders/invoices/NF-9/").content.decode()
    assert portal_client(bruno).get("/portal/orders/invoices/NF-9/").status_code == 404
    quotes = client.get("/api/v1/portal/quotes").json()
    assert [(q["number"], q["waiting"]) for q in quotes] == [(quote.number, True)]

    # another customer cannot see, download or answer it
    other = portal_client(bruno)
    assert other.get(f"/portal/orders/quotes/{quote.number}/").status_code == 404
    assert other.get(f"/portal/orders/quotes/{quote.number}/pdf").status_code == 404
    assert (
        other.post(
            f"/api/v1/portal/quotes/{quote.number}/accept", {}, "application/json"
        ).status_code
        == 404
    )
    quote.refresh_from_db()
    assert quote.status == "sent"


def test_accepting_in_the_portal_does_what_the_link_does(
    portal_client: Callable[..., Client],
) -> None:
    ana = PartyFactory(name="Ana Souza")
    quote = _sent_quote(ana)
    client = portal_client(ana)

    pdf = client.get(f"/portal/orders/quotes/{quote.number}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"

    answer = client.post(f"/portal/orders/quotes/{quote.number}/accept", {"name": "Ana Souza"})
    assert answer.status_code == 302
    quote.refresh_from_db()
    assert quote.status == "accepted" and quote.accepted_by == "Ana Souza"
    order = Order.objects.get(quote=quote)
    assert order.party_id == ana.pk and order.total == quote.total
    assert Interaction.objects.filter(
        party=ana, subject=f"Quote {quote.number} accepted", regarding_id=quote.pk
    ).exists()
    assert AuditEntry.objects.filter(
        action="portal.quote_accept", actor_name=f"portal:{ana.pk}", party_id=ana.pk
    ).exists()
    page = client.get(f"/portal/orders/quotes/{quote.number}/").content.decode()
    assert order.number in page and "Accept the quote" not in page

    # answering twice is a conflict, on the page and in the API
    again = client.post(f"/portal/orders/quotes/{quote.number}/decline", {"reason": ""})
    assert again.status_code == 409 and "already accepted" in again.content.decode()
    api = client.post(f"/api/v1/portal/quotes/{quote.number}/decline", {}, "application/json")
    assert api.status_code == 409 and api.json()["code"] == "already_accepted"


def test_declining_through_the_api_with_a_reason(portal_client: Callable[..., Client]) -> None:
    ana = PartyFactory()
    quote = _sent_quote(ana)
    response = portal_client(ana).post(
        f"/api/v1/portal/quotes/{quote.number}/decline",
        {"reason": "Too expensive"},
        "application/json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "declined" and response.json()["waiting"] is False
    quote.refresh_from_db()
    assert quote.decline_reason == "Too expensive"
    assert not Order.objects.filter(quote=quote).exists()


def test_an_expired_quote_cannot_be_accepted(portal_client: Callable[..., Client]) -> None:
    ana = PartyFactory()
    quote = _sent_quote(ana)
    Quote.objects.filter(pk=quote.pk).update(
        valid_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    response = portal_client(ana).post(
        f"/api/v1/portal/quotes/{quote.number}/accept", {}, "application/json"
    )
    assert response.status_code == 409 and response.json()["code"] == "quote_expired"
    quote.refresh_from_db()
    assert quote.status == "expired"


def test_a_customisation_request_is_checked_against_the_products_options(
    portal_client: Callable[..., Client],
) -> None:
    ana = PartyFactory()
    mug = ProductFactory(name="Caneca", customisation_options=MUG_OPTIONS)
    plain = ProductFactory(name="Prato")
    order = OrderFactory(party=ana, number="PED-7")
    add_lines(order, [(mug, 1, "30.00")])
    client = portal_client(ana)

    bad = client.post(
        "/api/v1/portal/customisations",
        {"product_id": mug.pk, "answers": {"Colour": "Green", "Size": "XL"}},
        "application/json",
    )
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"answers.Colour", "answers.Size"}
    missing = client.post(
        "/api/v1/portal/customisations",
        {"product_id": mug.pk, "answers": {"Engraving": "Ana"}},
        "application/json",
    )
    assert missing.status_code == 422 and "answers.Colour" in missing.json()["errors"]
    offered = client.get("/api/v1/portal/customisable-products").json()
    assert [p["id"] for p in offered] == [mug.pk]
    no_options = client.post(
        "/api/v1/portal/customisations",
        {"product_id": plain.pk, "answers": {"Colour": "Blue"}},
        "application/json",
    )
    assert no_options.status_code == 404
    assert not CustomisationRequest.objects.exists()

    page = client.post(
        f"/portal/orders/customise/{mug.pk}/",
        {"option_0": "Blue", "option_1": "Para a Ana", "order_number": "PED-7", "note": "Urgente"},
    )
    assert page.status_code == 302
    request = CustomisationRequest.objects.get()
    assert request.answers == [
        {"label": "Colour", "value": "Blue"},
        {"label": "Engraving", "value": "Para a Ana"},
    ]
    assert request.order_id == order.pk
    contact = request.interaction
    assert contact is not None and contact.party_id == ana.pk and contact.channel == "portal"
    assert "Colour: Blue" in contact.body and contact.regarding_id == order.pk


def test_the_customisation_form_shows_the_problems_in_the_form(
    portal_client: Callable[..., Client],
) -> None:
    ana = PartyFactory()
    mug = ProductFactory(name="Caneca", customisation_options=MUG_OPTIONS)
    page = portal_client(ana).get(f"/portal/orders/customise/{mug.pk}/").content.decode()
    assert 'for="id_option_0"' in page and "Engraving" in page
    response = portal_client(ana).post(f"/portal/orders/customise/{mug.pk}/", {"option_1": "x"})
    assert response.status_code == 422 and "field-errors" in response.content.decode()
