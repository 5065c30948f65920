"""The orders and invoices screens: lists with totals and overdue invoices, an order's page
and its actions, a new order by hand, the deal page's panel — and who may do what."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from fregues.core.htmx import slot_render
from fregues.parties.tests.factories import PartyFactory
from fregues.sales.models import Invoice, Order
from fregues.sales.tests.factories import (
    InvoiceFactory,
    OpportunityFactory,
    OrderFactory,
    ProductFactory,
    add_lines,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


def browser(user: Any) -> Client:
    user.language = "en"
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client


def _order(**fields: Any) -> Order:
    order = OrderFactory(**fields)
    add_lines(order, [(ProductFactory(cost=Decimal("30")), 2, "50.00", 18)])
    order.cost_total = Decimal("60.00")  # as the services store it (the factory does not)
    order.save(update_fields=["cost_total"])
    return order


def test_the_list_shows_orders_and_totals_per_currency(
    make_user: Any, django_assert_max_num_queries: Any
) -> None:
    client = browser(make_user("sales"))
    party = PartyFactory(name="Padaria Estrela")
    for n in range(3):
        _order(party=party, ordered_at=timezone.now() - datetime.timedelta(days=n))
    _order(currency="EUR")
    with django_assert_max_num_queries(8):
        response = client.get(reverse("sales:orders"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Padaria Estrela" in text and 'id="order-totals"' in text
    assert "3 orders in BRL" in text and "1 order in EUR" in text
    mine = client.get(reverse("sales:orders"), {"party_id": party.pk}).content.decode()
    assert "Orders of Padaria Estrela" in mine and "New order" in mine
    assert "1 order in EUR" not in mine


def test_the_list_pages_with_htmx(make_user: Any) -> None:
    client = browser(make_user("agent"))
    for _ in range(35):
        _order()
    first = client.get(reverse("sales:orders")).content.decode()
    assert first.count('class="order-row') == 30 and 'id="list-more"' in first
    cursor = first.split("cursor=")[1].split("&")[0].split('"')[0]
    more = client.get(
        reverse("sales:orders"),
        {"cursor": cursor, "fragment": "rows"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert more.count('class="order-row') == 5 and "<html" not in more


def test_the_order_page_shows_lines_margin_payments_and_invoices(make_user: Any) -> None:
    client = browser(make_user("sales"))
    order = _order()
    InvoiceFactory(
        order=order,
        party=order.party,
        due_date=timezone.localdate() - datetime.timedelta(days=2),
        total=Decimal("5"),
    )
    response = client.get(reverse("sales:order", args=[order.pk]))
    text = response.content.decode()
    assert response.status_code == 200
    assert f"Order {order.number}" in text and 'id="doc-margin"' in text
    assert "Record a payment" in text and "Mark delivered" in text
    assert "Overdue" in text
    # an agent reads it, without the actions
    agent = (
        browser(make_user("agent")).get(reverse("sales:order", args=[order.pk])).content.decode()
    )
    assert "Record a payment" not in agent and "Cancel the order" not in agent


def test_recording_a_payment_from_the_page(make_user: Any, unchanged: Any) -> None:
    client = browser(make_user("sales"))
    order = _order()  # 2 × 50 + 18 % = 118.00
    url = reverse("sales:order_payment", args=[order.pk])
    with unchanged():
        bad = client.post(url, {"amount": "500", "version": order.version})
    assert bad.status_code == 422 and "still to be paid" in bad.content.decode()
    done = client.post(url, {"amount": "18,00", "method": "pix", "version": order.version})
    assert done.status_code == 302
    order.refresh_from_db()
    assert order.payment_state == "partial" and order.amount_paid == Decimal("18.00")
    page = client.get(reverse("sales:order", args=[order.pk])).content.decode()
    assert "Payment recorded." in page and "Pix" in page


def test_delivered_invoiced_and_cancelled_from_the_page(make_user: Any) -> None:
    client = browser(make_user("relationship_manager"))
    order = _order()
    client.post(
        reverse("sales:order_status", args=[order.pk]), {"move_to": "fulfilled", "version": 1}
    )
    order.refresh_from_db()
    assert order.status == "fulfilled"
    response = client.post(reverse("sales:order_invoice", args=[order.pk]))
    invoice = Invoice.objects.get(order=order)
    assert response.url == reverse("sales:invoice", args=[invoice.pk])
    assert invoice.total == order.total
    client.post(reverse("sales:order_cancel", args=[order.pk]), {"reason": "Devolvido"})
    order.refresh_from_db()
    assert order.status == "cancelled"


def test_roles_that_may_not_change_orders_get_403(make_user: Any, unchanged: Any) -> None:
    order = _order()
    agent = browser(make_user("agent"))
    with unchanged():
        for name in ("sales:order_payment", "sales:order_cancel", "sales:order_invoice"):
            assert agent.post(reverse(name, args=[order.pk]), {"amount": "1"}).status_code == 403
    marketer = browser(make_user("marketing"))
    assert marketer.get(reverse("sales:orders")).status_code == 403
    assert marketer.get(reverse("sales:order", args=[order.pk])).status_code == 403
    assert marketer.get(reverse("sales:invoices")).status_code == 403


def test_invoices_list_highlights_the_overdue_ones(make_user: Any) -> None:
    client = browser(make_user("sales"))
    late = InvoiceFactory(
        number="NF-LATE",
        due_date=timezone.localdate() - datetime.timedelta(days=9),
        total=Decimal("10"),
    )
    InvoiceFactory(
        number="NF-OK",
        due_date=timezone.localdate() + datetime.timedelta(days=9),
        total=Decimal("10"),
    )
    text = client.get(reverse("sales:invoices")).content.decode()
    row = text.split("NF-LATE")[0].rsplit("<tr", 1)[1]
    assert "is-overdue" in row
    only = client.get(reverse("sales:invoices"), {"overdue": "1"}).content.decode()
    assert "NF-LATE" in only and "NF-OK" not in only
    page = client.get(reverse("sales:invoice", args=[late.pk])).content.decode()
    assert 'id="overdue-badge"' in page
    client.post(reverse("sales:invoice_payment", args=[late.pk]), {"amount": "10", "version": 1})
    late.refresh_from_db()
    assert late.payment_state == "paid"


def test_a_new_order_by_hand(make_user: Any, unchanged: Any) -> None:
    client = browser(make_user("sales"))
    party = PartyFactory()
    product = ProductFactory(sku="CANETA", name="Caneta azul")
    url = reverse("sales:order_new")
    form = client.get(url, {"party_id": party.pk}).content.decode()
    assert "New order for" in form and form.count('name="line-') == 18  # 3 rows × 6 fields
    assert client.get(url).status_code == 404  # whose order?
    more = client.post(
        url, {"party_id": party.pk, "lines": "1", "line-0-sku": "CANETA", "add_line": "1"}
    )
    assert (
        more.content.decode().count('name="line-') == 12
        and 'value="CANETA"' in more.content.decode()
    )
    with unchanged():
        bad = client.post(
            url,
            {
                "party_id": party.pk,
                "currency": "BRL",
                "lines": "2",
                "line-0-sku": "NOPE",
                "line-0-quantity": "1",
                "line-0-unit_price": "2",
                "line-1-description": "Frete",
                "line-1-quantity": "-1",
                "line-1-unit_price": "5",
            },
        )
    assert bad.status_code == 422
    text = bad.content.decode()
    assert "Line 1: there is no product with SKU &#x27;NOPE&#x27;." in text
    assert "Line 2: the quantity must be more than zero" in text
    good = client.post(
        url,
        {
            "party_id": party.pk,
            "currency": "BRL",
            "lines": "2",
            "line-0-sku": "CANETA",
            "line-0-quantity": "10",
            "line-0-unit_price": "2,50",
            "line-1-description": "Frete",
            "line-1-quantity": "1",
            "line-1-unit_price": "5",
        },
    )
    order = Order.objects.get(party=party)
    assert good.url == reverse("sales:order", args=[order.pk])
    assert order.total == Decimal("30.00")
    assert [line.description for line in order.lines.all()] == [product.name, "Frete"]
    agent = browser(make_user("agent"))
    assert agent.get(url, {"party_id": party.pk}).status_code == 403


def test_the_deal_page_lists_its_orders(make_user: Any) -> None:
    deal = OpportunityFactory()
    _order(party=deal.party, opportunity=deal, number="PED-DEAL-1")
    request = RequestFactory().get("/")
    request.user = make_user("sales")
    html = "".join(slot_render(request, "opportunity.side", deal))
    assert "PED-DEAL-1" in html and "New order" in html
    request.user = make_user("marketing")
    assert "PED-DEAL-1" not in "".join(slot_render(request, "opportunity.side", deal))
