"""A quote's journey: sent by e-mail with its PDF and signed link, opened without an account,
accepted (the order is made, the deal won, the timeline told) or declined; expired, replaced
and tampered links refused."""

from __future__ import annotations

import contextlib
import datetime
import re
import zlib
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail, signing
from django.test import Client
from django.utils import timezone

from fregues.core.errors import Conflict, Invalid, NotFound
from fregues.core.models import AuditEntry, OutboxEvent
from fregues.interactions.models import Interaction
from fregues.parties.services import suppression_add, suppression_lift
from fregues.parties.tests.factories import ContactPointFactory, PartyFactory
from fregues.sales.models import Opportunity, Order, Quote, QuoteStatus
from fregues.sales.pdf import pdf_text, quote_pdf
from fregues.sales.services.common import QUOTE_REGARDING
from fregues.sales.services.quote_links import SALT
from fregues.sales.services.quotes import (
    quote_accept,
    quote_create,
    quote_decline,
    quote_deliver,
    quote_open_by_key,
    quote_send,
    quote_token,
    quote_update,
)
from fregues.sales.tests.factories import OpportunityFactory
from fregues.sales.tests.test_quotes import catalogue

pytestmark = pytest.mark.django_db


def pdf_strings(document: bytes) -> str:
    """The text drawn in a PDF made by fpdf2 (its pages' streams, inflated), as cp1252."""
    out = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", document, re.S):
        raw = match.group(1)
        with contextlib.suppress(zlib.error):
            raw = zlib.decompress(raw)
        out += [m.decode("cp1252") for m in re.findall(rb"\((.*?)\) ?Tj", raw)]
    return " ".join(out)


@pytest.fixture
def seller(make_user: Any) -> Any:
    return make_user("sales", first_name="Sofia", last_name="Vendas", email="sofia@empresa.com.br")


@pytest.fixture
def sent(seller: Any, django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    """A quote of a deal to João (who has an e-mail), sent; the e-mail delivered."""
    items = catalogue()
    joao = PartyFactory(given_name="João", family_name="Conceição", name="João Conceição")
    ContactPointFactory(
        party=joao, kind="email", value="joao@example.com", normalized="joao@example.com"
    )
    deal = OpportunityFactory(party=joao, title="Ferramentas para a obra")
    quote = quote_create(
        actor=seller,
        data={
            "opportunity_id": deal.pk,
            "terms": "Pagamento em 30 dias.",
            "lines": [
                {"product_id": items["drill"].pk, "quantity": "3", "discount_percent": "10"},
                {"product_id": items["setup"].pk, "quantity": "2"},
                {"description": "Frete até a obra", "quantity": "1", "unit_price": "49.90"},
            ],
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        quote = quote_send(actor=seller, quote_id=quote.pk)
    return {"quote": quote, "deal": deal, "party": joao, "key": quote_token(quote), **items}


def test_sending_mails_the_pdf_and_the_link(sent: dict[str, Any], seller: Any) -> None:
    quote = Quote.objects.get(pk=sent["quote"].pk)
    assert quote.status == QuoteStatus.SENT
    assert quote.sent_to == "joao@example.com" and quote.delivered_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["joao@example.com"]
    assert quote.number in message.subject
    assert f"/q/{sent['key']}" in message.body
    assert message.reply_to == ["sofia@empresa.com.br"]
    ((name, content, mimetype),) = message.attachments
    assert name == f"{quote.number}.pdf" and mimetype == "application/pdf"
    assert content[:4] == b"%PDF"
    text = pdf_strings(content)
    assert quote.number in text and "João Conceição" in text and "Furadeira de impacto" in text
    # on the timeline: an outbound e-mail regarding the quote
    contact = Interaction.objects.get(regarding_type=QUOTE_REGARDING, regarding_id=quote.pk)
    assert (contact.channel, contact.direction, contact.party_id) == (
        "email",
        "out",
        quote.party_id,
    )
    assert contact.agent_id == seller.pk
    assert OutboxEvent.objects.filter(name="sales.quote.sent").exists()


def test_delivery_runs_once_per_send(sent: dict[str, Any]) -> None:
    quote = sent["quote"]
    assert quote_deliver(quote_id=quote.pk, access_key=quote.access_key) is False
    assert quote_deliver(quote_id=quote.pk, access_key="an-old-key") is False
    assert len(mail.outbox) == 1


def test_sending_again_replaces_the_link(
    sent: dict[str, Any], seller: Any, django_capture_on_commit_callbacks: Any
) -> None:
    old_key = sent["key"]
    with django_capture_on_commit_callbacks(execute=True):
        again = quote_send(actor=seller, quote_id=sent["quote"].pk, to="compras@obra.com.br")
    assert len(mail.outbox) == 2 and mail.outbox[1].to == ["compras@obra.com.br"]
    with pytest.raises(NotFound):
        quote_open_by_key(key=old_key)
    assert quote_open_by_key(key=quote_token(again)).pk == again.pk


def test_a_customer_without_e_mail_needs_an_address(
    seller: Any, unchanged: Any, in_english: None
) -> None:
    items = catalogue()
    quote = quote_create(
        actor=seller,
        data={
            "party_id": PartyFactory().pk,
            "lines": [{"product_id": items["drill"].pk, "quantity": "1"}],
        },
    )
    with unchanged(), pytest.raises(Invalid) as refused:
        quote_send(actor=seller, quote_id=quote.pk)
    assert "to" in refused.value.errors
    with unchanged(), pytest.raises(Invalid) as refused:
        quote_send(actor=seller, quote_id=quote.pk, to="not an address")
    assert "to" in refused.value.errors
    empty = quote_create(actor=seller, data={"party_id": quote.party_id})
    with unchanged(), pytest.raises(Invalid) as refused:
        quote_send(actor=seller, quote_id=empty.pk, to="a@b.com")
    assert "lines" in refused.value.errors

    # an address that bounced is refused until someone lifts it from the suppression list
    entry = suppression_add(
        actor=None, kind="email", address="gone@exemplo.com.br", reason="hard_bounce"
    )
    with unchanged(), pytest.raises(Invalid) as refused:
        quote_send(actor=seller, quote_id=quote.pk, to="Gone@Exemplo.com.br")
    assert "bounced" in refused.value.errors["to"][0]
    suppression_lift(actor=None, suppression_id=entry.pk)
    assert quote_send(actor=seller, quote_id=quote.pk, to="gone@exemplo.com.br").sent_to == (
        "gone@exemplo.com.br"
    )


def test_accepting_makes_the_order_wins_the_deal_and_tells_the_timeline(
    sent: dict[str, Any],
) -> None:
    quote = quote_accept(key=sent["key"], name="  João   Conceição ", ip="203.0.113.9")
    assert quote.status == QuoteStatus.ACCEPTED
    assert (quote.accepted_by, quote.accepted_ip) == ("João Conceição", "203.0.113.9")
    assert quote.accepted_at is not None
    order = Order.objects.get(quote=quote)
    assert (order.party_id, order.opportunity_id, order.owner_id, order.source) == (
        quote.party_id,
        sent["deal"].pk,
        quote.owner_id,
        "quote",
    )
    assert order.currency == quote.currency
    assert (order.subtotal, order.discount_total, order.tax_total, order.total) == (
        quote.subtotal,
        quote.discount_total,
        quote.tax_total,
        quote.total,
    )
    quote_lines = [
        (
            q.product_id,
            q.sku,
            q.description,
            q.quantity,
            q.unit_price,
            q.discount_percent,
            q.tax_rate,
            q.total,
        )
        for q in quote.lines.all()
    ]
    order_lines = [
        (
            o.product_id,
            o.sku,
            o.description,
            o.quantity,
            o.unit_price,
            o.discount_percent,
            o.tax_rate,
            o.total,
        )
        for o in order.lines.all()
    ]
    assert order_lines == quote_lines
    deal = Opportunity.objects.get(pk=sent["deal"].pk)
    assert deal.status == "won" and quote.number in deal.close_note
    answer = Interaction.objects.get(
        regarding_type=QUOTE_REGARDING, regarding_id=quote.pk, direction="in"
    )
    assert answer.channel == "web_form" and quote.number in answer.subject
    assert OutboxEvent.objects.filter(name="sales.quote.accepted").exists()
    entry = AuditEntry.objects.filter(entity_type="sales.quote", entity_id=quote.pk).first()
    assert entry is not None and entry.actor_name == "customer"
    # the same link again: already accepted
    with pytest.raises(Conflict) as again:
        quote_accept(key=sent["key"], name="João")
    assert again.value.code == "already_accepted"
    assert Order.objects.filter(quote=quote).count() == 1


def test_accepting_needs_a_name(sent: dict[str, Any], unchanged: Any) -> None:
    with unchanged(), pytest.raises(Invalid) as refused:
        quote_accept(key=sent["key"], name=" ")
    assert "name" in refused.value.errors


def test_declining(sent: dict[str, Any]) -> None:
    quote = quote_decline(key=sent["key"], reason="Achamos mais barato")
    assert quote.status == QuoteStatus.DECLINED and quote.decline_reason == "Achamos mais barato"
    assert Interaction.objects.filter(
        regarding_type=QUOTE_REGARDING, regarding_id=quote.pk, direction="in"
    ).exists()
    assert not Order.objects.exists()
    with pytest.raises(Conflict):
        quote_accept(key=sent["key"], name="João Conceição")


def test_an_expired_link_is_refused_and_the_quote_marked_expired(
    sent: dict[str, Any], unchanged: Any
) -> None:
    Quote.objects.filter(pk=sent["quote"].pk).update(
        valid_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    with pytest.raises(Conflict) as refused:
        quote_accept(key=sent["key"], name="João Conceição")
    assert refused.value.code == "quote_expired"
    assert Quote.objects.get(pk=sent["quote"].pk).status == QuoteStatus.EXPIRED
    assert not Order.objects.exists()
    with unchanged(), pytest.raises(Conflict):
        quote_accept(key=sent["key"], name="João Conceição")


def test_tampered_and_replaced_links_are_404(sent: dict[str, Any], unchanged: Any) -> None:
    quote = sent["quote"]
    forged = signing.Signer(salt=SALT).sign_object([quote.pk, "guessed-key"])
    other_salt = signing.Signer(salt="another").sign_object([quote.pk, quote.access_key])
    tampered = sent["key"][:-3] + ("abc" if not sent["key"].endswith("abc") else "xyz")
    for key in (forged, other_salt, tampered, "nonsense"):
        with unchanged(), pytest.raises(NotFound):
            quote_accept(key=key, name="João Conceição")
        with pytest.raises(NotFound):
            quote_open_by_key(key=key)
    # edited after sending: a draft again, the link dies
    quote_update(actor=quote.owner, quote_id=quote.pk, data={"title": "Nova versão"})
    with pytest.raises(NotFound):
        quote_open_by_key(key=sent["key"])


def test_the_public_endpoints_need_no_account(sent: dict[str, Any], anonymous_api: Any) -> None:
    key = sent["key"]
    response = anonymous_api.get(f"/public/quotes/{key}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["number"] == sent["quote"].number and body["can_answer"] is True
    assert body["customer"] == "João Conceição" and len(body["lines"]) == 3
    assert Decimal(body["total"]) == sent["quote"].total
    assert anonymous_api.post(f"/public/quotes/{key}/accept", {"name": ""}).status_code == 422
    accepted = anonymous_api.post(f"/public/quotes/{key}/accept", {"name": "João Conceição"})
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert anonymous_api.post(f"/public/quotes/{key}/decline", {}).status_code == 409
    assert anonymous_api.get("/public/quotes/forged:key").status_code == 404


def test_the_public_page_accepts_with_a_name_and_a_tick(sent: dict[str, Any]) -> None:
    client = Client()
    key = sent["key"]
    page = client.get(f"/q/{key}")
    assert page.status_code == 200
    html = page.content.decode()
    assert sent["quote"].number in html and "Furadeira de impacto" in html
    assert client.get(f"/q/{key}/pdf").content[:4] == b"%PDF"
    unticked = client.post(f"/q/{key}/accept", {"name": "João Conceição"})
    assert unticked.status_code == 422 and not Order.objects.exists()
    done = client.post(f"/q/{key}/accept", {"name": "João Conceição", "agree": "on"})
    assert done.status_code == 302
    assert Order.objects.filter(quote_id=sent["quote"].pk).exists()
    assert 'data-status="accepted"' in client.get(f"/q/{key}").content.decode()
    assert client.get("/q/forged").status_code == 404


def test_the_pdf_speaks_the_quotes_language_and_draws_the_euro(seller: Any) -> None:
    from fregues.sales.models import PriceList

    PriceList.objects.create(code="lista-pt", name="Lista PT", currency="EUR", is_default=True)
    party = PartyFactory(language="en", name="Ana Conceição")
    quote = quote_create(
        actor=seller,
        data={
            "party_id": party.pk,
            "currency": "EUR",
            "lines": [{"description": "Manutenção anual", "quantity": "1", "unit_price": "1234.5"}],
        },
    )
    document = quote_pdf(quote, link="https://example.com/q/x")
    assert document[:4] == b"%PDF"
    text = pdf_strings(document)
    assert "QUOTE" in text and "Subtotal" in text and "Manutenção anual" in text
    assert "€1,234.50" in text
    assert pdf_text("₹ 10\u202f000", "INR") == "INR 10 000"


def test_the_daily_sweep_expires_sent_quotes_past_their_validity(sent: dict[str, Any]) -> None:
    from fregues.sales.services.quote_links import quotes_expire
    from fregues.sales.tasks import quotes_expire_task

    quote = sent["quote"]
    assert quotes_expire() == 0  # still valid
    Quote.objects.filter(pk=quote.pk).update(
        valid_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert quotes_expire_task.enqueue().return_value == 1
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.EXPIRED
    assert OutboxEvent.objects.filter(name="sales.quote.expired").exists()
    assert quotes_expire() == 0  # twice changes nothing
