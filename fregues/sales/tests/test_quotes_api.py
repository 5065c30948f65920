"""/api/v1/quotes: write, change, send, withdraw, duplicate, PDF; the list's filters and its
query count; what each role may do."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core import mail

from fregues.parties.tests.factories import ContactPointFactory, PartyFactory
from fregues.sales.models import Quote
from fregues.sales.tests.factories import OpportunityFactory, QuoteFactory, add_lines
from fregues.sales.tests.test_quotes import catalogue

pytestmark = pytest.mark.django_db


@pytest.fixture
def items() -> dict[str, Any]:
    return catalogue()


@pytest.fixture
def seller_api(api_as: Any) -> Any:
    return api_as("sales", first_name="Sofia")


def new_quote(client: Any, party: Any, items: dict[str, Any], **extra: Any) -> Any:
    return client.post(
        "/quotes",
        {
            "party_id": party.pk,
            "title": "Ferramentas",
            "lines": [
                {"product_id": items["drill"].pk, "quantity": "3", "discount_percent": "10"},
                {"description": "Frete", "quantity": 1, "unit_price": "49.90"},
            ],
            **extra,
        },
    )


def test_write_read_and_change_a_quote(seller_api: Any, items: dict[str, Any]) -> None:
    party = PartyFactory()
    created = new_quote(seller_api, party, items)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft" and body["currency"] == "BRL"
    assert body["price_list"]["name"] == "Tabela padrão"
    assert [line["sku"] for line in body["lines"]] == ["FUR-100", ""]
    assert Decimal(body["total"]) == Decimal("156.11")  # 106.21 + 49.90
    assert body["public_url"] == "" and body["order"] is None
    qid = body["id"]
    got = seller_api.get(f"/quotes/{qid}").json()
    assert got == body
    patched = seller_api.patch(f"/quotes/{qid}", {"title": "Ferramentas para a obra", "version": 1})
    assert patched.status_code == 200 and patched.json()["version"] == 2
    lines = seller_api.put(
        f"/quotes/{qid}/lines",
        {"lines": [{"product_id": items["setup"].pk, "quantity": 2}], "version": 2},
    )
    assert lines.status_code == 200
    assert Decimal(lines.json()["total"]) == Decimal("420.00")


def test_bad_quotes_are_422_with_nothing_written(
    seller_api: Any, items: dict[str, Any], unchanged: Any
) -> None:
    party = PartyFactory()
    cases = [
        ({"currency": "XYZ"}, "currency"),
        ({"lines": [{"product_id": items["drill"].pk, "quantity": "-2"}]}, "lines.0.quantity"),
        ({"lines": [{"product_id": 424242, "quantity": "1"}]}, "lines.0.product_id"),
        ({"lines": [{"product_id": items["cable"].pk, "quantity": "1"}]}, "lines.0.unit_price"),
        ({"party_id": 987654}, "party_id"),
    ]
    for extra, field in cases:
        with unchanged():
            response = seller_api.post("/quotes", {"party_id": party.pk, **extra})
        assert response.status_code == 422, (extra, response.content)
        body = response.json()
        assert body["code"] == "invalid" and field in body["errors"], body


def test_a_stale_version_is_a_409(seller_api: Any, items: dict[str, Any], unchanged: Any) -> None:
    qid = new_quote(seller_api, PartyFactory(), items).json()["id"]
    seller_api.patch(f"/quotes/{qid}", {"terms": "À vista", "version": 1})
    with unchanged():
        stale = seller_api.patch(f"/quotes/{qid}", {"terms": "30 dias", "version": 1})
        stale_header = seller_api.put(f"/quotes/{qid}/lines", {"lines": []}, **{"If-Match": '"1"'})
    assert stale.status_code == 409 and stale.json()["code"] == "version_conflict"
    assert stale_header.status_code == 409


def test_send_cancel_duplicate_and_pdf(
    seller_api: Any, items: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    party = PartyFactory()
    ContactPointFactory(party=party, kind="email")
    qid = new_quote(seller_api, party, items).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        sent = seller_api.post(f"/quotes/{qid}/send", {})
    assert sent.status_code == 200, sent.content
    assert sent.json()["status"] == "sent" and "/q/" in sent.json()["public_url"]
    assert len(mail.outbox) == 1
    # editing a sent quote: a draft again, and the answer says the link died
    edited = seller_api.patch(f"/quotes/{qid}", {"title": "Nova"})
    assert edited.json()["status"] == "draft" and edited.json()["notice"]
    assert edited.json()["public_url"] == ""
    pdf = seller_api.get(f"/quotes/{qid}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content[:4] == b"%PDF"
    copy = seller_api.post(f"/quotes/{qid}/duplicate")
    assert copy.status_code == 201 and copy.json()["number"] != edited.json()["number"]
    cancelled = seller_api.post(f"/quotes/{qid}/cancel", {})
    assert cancelled.json()["status"] == "cancelled"
    assert seller_api.patch(f"/quotes/{qid}", {"title": "X"}).status_code == 409


def test_the_list_filters(seller_api: Any, api_as: Any) -> None:
    me = seller_api.user
    party = PartyFactory(name="Padaria Estrela")
    deal = OpportunityFactory(party=party)
    mine = QuoteFactory(party=party, owner=me, opportunity=deal, title="Fornos")
    QuoteFactory(party=party, owner=me, status="sent")
    QuoteFactory(status="accepted")

    def numbers(**params: Any) -> list[str]:
        response = seller_api.get("/quotes", params)
        assert response.status_code == 200, response.content
        return [q["number"] for q in response.json()["items"]]

    assert len(numbers()) == 3
    assert len(numbers(party_id=party.pk)) == 2
    assert numbers(opportunity_id=deal.pk) == [mine.number]
    assert len(numbers(status="open")) == 2
    assert len(numbers(status="accepted")) == 1
    assert len(numbers(owner="me")) == 2
    assert numbers(q="fornos") == [mine.number]
    assert len(numbers(q="estrela")) == 2
    first = seller_api.get("/quotes", {"limit": 2}).json()
    rest = seller_api.get("/quotes", {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert len(first["items"]) == 2 and len(rest["items"]) == 1 and rest["next_cursor"] is None


def test_the_list_reads_a_fixed_number_of_queries(
    seller_api: Any, django_assert_max_num_queries: Any
) -> None:
    for _ in range(25):
        quote = QuoteFactory(opportunity=OpportunityFactory())
        add_lines(quote, [(None, 1, "10.00")])
    with django_assert_max_num_queries(5):
        response = seller_api.get("/quotes", {"limit": 50})
    assert len(response.json()["items"]) == 25


ROLES = ["sales", "relationship_manager", "admin", "agent", "quality_manager", "marketing"]


@pytest.mark.parametrize("role", ROLES)
def test_what_each_role_may_do(
    api_as: Any, role: str, items: dict[str, Any], unchanged: Any
) -> None:
    client = api_as(role)
    party = PartyFactory()
    quote = QuoteFactory(party=party)
    add_lines(quote, [(items["drill"], 1, "33.335", 18)])
    may_read = role != "marketing"
    may_write = role in ("sales", "relationship_manager", "admin")
    read = client.get(f"/quotes/{quote.pk}")
    assert read.status_code == (200 if may_read else 403)
    assert client.get("/quotes").status_code == (200 if may_read else 403)
    assert client.get(f"/quotes/{quote.pk}/pdf").status_code == (200 if may_read else 403)
    if may_write:
        assert new_quote(client, party, items).status_code == 201
        assert client.patch(f"/quotes/{quote.pk}", {"title": "Ok"}).status_code == 200
        return
    with unchanged():
        created = new_quote(client, party, items)
        patched = client.patch(f"/quotes/{quote.pk}", {"title": "No"})
        cancelled = client.post(f"/quotes/{quote.pk}/cancel", {})
        copied = client.post(f"/quotes/{quote.pk}/duplicate")
    for response in (created, patched, cancelled, copied):
        assert response.status_code == 403, response.content
        assert response.json()["code"] == "forbidden"
    assert Quote.objects.get(pk=quote.pk).title == ""
