"""Orders in the browser: a relationship manager takes an order by hand for João, records a
partial payment, invoices it and finds the invoice overdue-free in the list."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_an_order_by_hand_a_payment_and_its_invoice(login, live_server, joao) -> None:
    from fregues.sales.models import Invoice, Order, Product

    Product.objects.create(sku="CAFE-1KG", name="Café torrado 1 kg", cost=Decimal("20"))
    page = login("rita")
    page.goto(f"{live_server.url}/sales/orders/?party_id={joao.pk}")
    page.click("#new-order")
    page.fill("input[name=line-0-sku]", "CAFE-1KG")
    page.fill("input[name=line-0-quantity]", "3")
    page.fill("input[name=line-0-unit_price]", "40,00")
    page.fill("input[name=line-1-description]", "Entrega")
    page.fill("input[name=line-1-quantity]", "1")
    page.fill("input[name=line-1-unit_price]", "15")
    page.click("#save-order")
    page.wait_for_url("**/sales/orders/*/")
    order = Order.objects.get(party=joao)
    assert order.total == Decimal("135.00")
    expect(page.locator("#doc-total")).to_contain_text("135,00")
    expect(page.locator("#order-badges .pay-unpaid")).to_be_visible()

    page.click("#record-payment")
    page.fill("#id_amount", "35,00")
    page.select_option("#id_method", "pix")
    page.click("#save-payment")
    expect(page.locator("#order-badges .pay-partial")).to_be_visible()
    expect(page.locator("#order-balance")).to_contain_text("100,00")

    page.click("#invoice-order")
    page.wait_for_url("**/sales/orders/invoices/*/")
    invoice = Invoice.objects.get(order=order)
    assert invoice.total == order.total
    page.goto(f"{live_server.url}/sales/orders/invoices/?party_id={joao.pk}")
    expect(page.locator("#invoice-rows")).to_contain_text(invoice.number)
    expect(page.locator("#invoice-rows tr.is-overdue")).to_have_count(0)


def test_the_orders_list_on_a_phone(login, live_server, joao, page) -> None:
    from fregues.sales.services.orders import order_create

    order_create(
        actor=None,
        data={
            "party_id": joao.pk,
            "lines": [{"description": "Manutenção", "quantity": 1, "unit_price": "250"}],
        },
    )
    page.set_viewport_size({"width": 390, "height": 844})
    login("rita")
    page.goto(f"{live_server.url}/sales/orders/")
    row = page.locator("#order-rows tr.order-row").first
    expect(row).to_be_visible()
    expect(page.locator("#order-totals")).to_contain_text("250,00")
    row.locator("a.order-number").click()
    expect(page.locator("#order-title")).to_be_visible()
