"""A salesperson builds a quote in the editor (product picker, a free line added and
removed, live totals), sends it, and the customer accepts it through the link, in a browser
that has never signed in."""

from __future__ import annotations

import os
import re
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("FREGUES_SCREENSHOTS", "")


def shot(page: Any, name: str) -> None:
    """Screenshots for a human to look at, when FREGUES_SCREENSHOTS names a folder."""
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


@pytest.fixture
def shop(users: dict[str, Any]) -> dict[str, Any]:
    """Sofia the salesperson; João, a customer with an e-mail; a drill at R$ 100,00 (ICMS 18 %)
    in the default list; a deal with João."""
    from fregues.accounts.models import User
    from fregues.parties.services import party_create
    from fregues.sales.models import Price, PriceList, Product, TaxRate
    from fregues.sales.tests.factories import OpportunityFactory

    from .conftest import PASSWORD

    sofia = User.objects.create_user(
        username="sofia", password=PASSWORD, role="sales", first_name="Sofia"
    )
    joao = party_create(
        actor=users["ana"],
        data={"kind": "person", "given_name": "João", "family_name": "Conceição"},
        contact_points=[{"kind": "email", "value": "joao@example.com"}],
    )
    icms, _ = TaxRate.objects.get_or_create(
        code="icms-18", defaults={"name": "ICMS 18%", "rate": Decimal("18"), "country": "BR"}
    )
    prices, _ = PriceList.objects.get_or_create(
        code="padrao-brl",
        defaults={"name": "Tabela padrão", "currency": "BRL", "is_default": True},
    )
    drill = Product.objects.create(sku="FUR-100", name="Furadeira de impacto", tax_rate=icms)
    Price.objects.create(price_list=prices, product=drill, unit_price=Decimal("100"))
    deal = OpportunityFactory(party=joao, owner=sofia, title="Ferramentas para a obra")
    return {"sofia": sofia, "joao": joao, "drill": drill, "deal": deal}


def test_build_send_and_accept_a_quote(
    page: Any, browser: Any, live_server: Any, login: Any, shop: dict[str, Any]
) -> None:
    from django.core import mail

    from fregues.sales.models import Opportunity, Order, Quote

    login("sofia")
    page.goto(f"{live_server.url}/sales/quotes/new/?opportunity={shop['deal'].pk}")
    expect(page.locator("#id_title")).to_have_value("Ferramentas para a obra")

    # the picker: type part of the name, pick the drill; its price comes from the list
    page.fill("#product-q", "furad")
    result = page.locator("#product-results .picker-item").first
    expect(result).to_contain_text("FUR-100")
    result.click()
    row = page.locator("#quote-lines .line-row").first
    expect(row.locator("[name$='-unit_price']")).to_have_value("100")
    row.locator("[name$='-quantity']").fill("3")
    # live totals, computed by the server: 300 + 18 % = 354
    expect(page.locator("#quote-totals [data-total=total]")).to_contain_text("354,00")

    # a free line, then removed again
    page.click("#add-free-line")
    free = page.locator("#quote-lines .line-row").nth(1)
    free.locator("[name$='-description']").fill("Frete até a obra")
    free.locator("[name$='-unit_price']").fill("50")
    free.locator("[name$='-unit_price']").blur()
    expect(page.locator("#quote-totals [data-total=total]")).to_contain_text("404,00")
    shot(page, "quote-editor")
    free.locator("[data-remove-line]").click()
    expect(page.locator("#quote-lines .line-row")).to_have_count(1)
    expect(page.locator("#quote-totals [data-total=total]")).to_contain_text("354,00")

    page.click("#save-quote")
    page.wait_for_url(re.compile(r"/sales/quotes/\d+/$"))
    quote = Quote.objects.get(party=shop["joao"])
    assert quote.total == Decimal("354.00") and quote.opportunity_id == shop["deal"].pk

    # send it: the dialog proposes João's e-mail
    page.click("#send-quote")
    expect(page.locator("#id_to")).to_have_value("joao@example.com")
    shot(page, "quote-send")
    page.click("#confirm-send")
    expect(page.locator("#public-link")).to_be_visible()
    shot(page, "quote-sent")
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/q/\S+", mail.outbox[0].body)
    assert link is not None
    path = link.group(0).split("/q/", 1)[1]

    # the customer, in a browser that never signed in
    context = browser.new_context(locale="pt-BR")
    customer = context.new_page()
    customer.goto(f"{live_server.url}/q/{path}")
    expect(customer.locator("#public-quote")).to_contain_text("Furadeira de impacto")
    expect(customer.locator("#public-quote")).to_contain_text("354,00")
    expect(customer.locator("#public-pdf")).to_be_visible()
    shot(customer, "quote-public")
    customer.fill("#id_name", "João Conceição")
    customer.click("#accept-quote")  # the box is not ticked: the page asks for it
    expect(customer.locator("#accept-form .field-errors")).to_be_visible()
    customer.check("#id_agree")
    customer.click("#accept-quote")
    expect(customer.locator("#outcome")).to_contain_text("João Conceição")
    shot(customer, "quote-accepted")
    context.close()

    quote.refresh_from_db()
    assert quote.status == "accepted" and quote.accepted_by == "João Conceição"
    order = Order.objects.get(quote=quote)
    assert order.total == quote.total
    assert Opportunity.objects.get(pk=shop["deal"].pk).status == "won"

    # back on the quote page, the salesperson sees the order
    page.reload()
    expect(page.locator("#quote-order")).to_contain_text(order.number)
