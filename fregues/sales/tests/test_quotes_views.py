"""The quote and catalogue screens: the list, the editor (rows, picker, live totals, save),
the quote page and its actions, the panels on the deal and customer pages, the products,
price lists and taxes screens; who sees what."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from fregues.core.htmx import slot_render
from fregues.parties.tests.factories import ContactPointFactory, PartyFactory
from fregues.sales.models import Price, PriceList, Product, Quote, QuoteStatus, TaxRate
from fregues.sales.tests.factories import OpportunityFactory, QuoteFactory, add_lines
from fregues.sales.tests.test_quotes import catalogue

pytestmark = pytest.mark.django_db


@pytest.fixture
def items() -> dict[str, Any]:
    return catalogue()


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def seller(make_user: Any) -> Any:
    return make_user("sales", first_name="Sofia")


@pytest.fixture
def screens(seller: Any) -> Client:
    return client_for(seller)


def editor_post(party: Any, lines: list[dict[str, Any]], **header: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "party_id": party.pk,
        "title": "Obra",
        "price_list_id": str(PriceList.objects.get(code="padrao-brl").pk),
        "language": "pt-br",
        "line_key": [],
        **header,
    }
    for i, line in enumerate(lines):
        key = f"k{i}"
        data["line_key"].append(key)
        for name, value in line.items():
            data[f"l-{key}-{name}"] = value
    return data


def test_new_quote_from_a_customer_then_from_a_deal(screens: Any, items: dict[str, Any]) -> None:
    party = PartyFactory(name="Padaria Estrela")
    page = screens.get(reverse("sales:quote_new") + f"?party={party.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Padaria Estrela" in html and 'id="quote-editor"' in html
    deal = OpportunityFactory(party=party, title="Forno novo")
    from_deal = screens.get(reverse("sales:quote_new") + f"?opportunity={deal.pk}")
    assert from_deal.status_code == 200
    assert 'value="Forno novo"' in from_deal.content.decode()
    chooser = screens.get(reverse("sales:quote_new"))
    assert 'id="customer-q"' in chooser.content.decode()


def test_saving_the_editor_writes_the_quote(screens: Any, items: dict[str, Any]) -> None:
    party = PartyFactory()
    data = editor_post(
        party,
        [
            {"product_id": items["drill"].pk, "quantity": "3", "discount_percent": "10"},
            {"description": "Frete", "quantity": "1", "unit_price": "49,90"},
        ],
    )
    response = screens.post(reverse("sales:quote_new"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    quote = Quote.objects.get(party=party)
    assert response["Location"] == reverse("sales:quote", args=[quote.pk])
    assert quote.total == Decimal("156.11") and quote.lines.count() == 2


def test_a_bad_line_comes_back_on_its_row_with_nothing_written(
    screens: Any, items: dict[str, Any], unchanged: Any
) -> None:
    party = PartyFactory()
    data = editor_post(
        party,
        [
            {"product_id": items["drill"].pk, "quantity": "1"},
            {"product_id": items["cable"].pk, "quantity": "-2"},
        ],
    )
    with unchanged():
        response = screens.post(reverse("sales:quote_new"), data)
    assert response.status_code == 422
    html = response.content.decode()
    assert "Linha 2: a quantidade precisa ser maior que zero." in html
    assert 'id="le-k1"' in html and 'value="-2"' in html  # the row as typed


def test_editing_a_sent_quote_warns_and_says_the_link_died(
    screens: Any, seller: Any, items: dict[str, Any]
) -> None:
    quote = QuoteFactory(owner=seller, status="sent", access_key="x" * 32, sent_to="a@b.com")
    add_lines(quote, [(items["drill"], 1, "33.335", 18)])
    page = screens.get(reverse("sales:quote_edit", args=[quote.pk]))
    assert 'id="sent-warning"' in page.content.decode()
    data = editor_post(
        quote.party,
        [
            {
                "product_id": items["drill"].pk,
                "quantity": "2",
                "unit_price": "33.335",
                "tax_rate": "18",
            }
        ],
        version=quote.version,
    )
    response = screens.post(reverse("sales:quote_edit", args=[quote.pk]), data, follow=True)
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.DRAFT and quote.access_key == ""
    assert "não funciona mais" in response.content.decode()


def test_the_live_totals_and_a_repriced_list(screens: Any, items: dict[str, Any]) -> None:
    party = PartyFactory()
    data = editor_post(
        party,
        [{"product_id": items["drill"].pk, "quantity": "3", "discount_percent": "10"}],
    )
    preview = screens.post(reverse("sales:quote_preview"), data, HTTP_HX_REQUEST="true")
    html = preview.content.decode()
    assert preview.status_code == 200 and 'id="quote-totals"' in html
    assert "106,21" in html and 'id="lt-k0"' in html
    euros = PriceList.objects.create(code="pt", name="PT", currency="EUR")
    Price.objects.create(price_list=euros, product=items["drill"], unit_price=Decimal("7"))
    data["price_list_id"] = str(euros.pk)
    data["l-k0-unit_price"] = "33.335"
    repriced = screens.post(reverse("sales:quote_preview") + "?reprice=1", data)
    html = repriced.content.decode()
    assert 'name="l-k0-unit_price" value="7"' in html
    assert 'hx-swap-oob="true"' in html


def test_the_picker_and_the_new_row(screens: Any, items: dict[str, Any]) -> None:
    brl = PriceList.objects.get(code="padrao-brl")
    found = screens.get(
        reverse("sales:quote_products"), {"product_q": "furad", "price_list_id": brl.pk}
    )
    html = found.content.decode()
    assert "FUR-100" in html and "33,335" in html
    assert "CAB-5M" not in html
    row = screens.get(
        reverse("sales:quote_line_row"), {"product": items["drill"].pk, "price_list_id": brl.pk}
    )
    html = row.content.decode()
    assert 'value="33.335"' in html and 'value="18"' in html and "Furadeira" in html
    assert "quote-lines-changed" in row["HX-Trigger"]
    free = screens.get(reverse("sales:quote_line_row"))
    assert "linha livre" in free.content.decode()


def test_the_quote_page_sends_and_offers_the_pdf(
    screens: Any, seller: Any, items: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    party = PartyFactory()
    ContactPointFactory(party=party, kind="email", value="cliente@exemplo.com.br")
    quote = QuoteFactory(party=party, owner=seller)
    add_lines(quote, [(items["drill"], 1, "33.335", 18)])
    page = screens.get(reverse("sales:quote", args=[quote.pk]))
    html = page.content.decode()
    assert 'id="send-quote"' in html and 'value="cliente@exemplo.com.br"' in html
    with django_capture_on_commit_callbacks(execute=True):
        sent = screens.post(
            reverse("sales:quote_send", args=[quote.pk]), {"to": "", "version": quote.version}
        )
    assert sent.status_code == 302 and len(mail.outbox) == 1
    assert (
        'id="public-link"' in screens.get(reverse("sales:quote", args=[quote.pk])).content.decode()
    )
    pdf = screens.get(reverse("sales:quote_pdf", args=[quote.pk]))
    assert pdf.content[:4] == b"%PDF" and "attachment" in pdf["Content-Disposition"]


def test_sending_without_an_address_keeps_the_dialog_open(
    screens: Any, seller: Any, items: dict[str, Any]
) -> None:
    quote = QuoteFactory(owner=seller)
    add_lines(quote, [(items["drill"], 1, "33.335", 18)])
    response = screens.post(reverse("sales:quote_send", args=[quote.pk]), {"to": ""})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'class="send-dialog" open' in html and "não tem endereço de e-mail" in html


def test_duplicate_and_withdraw_from_the_page(screens: Any, seller: Any) -> None:
    quote = QuoteFactory(owner=seller, title="Original")
    copied = screens.post(reverse("sales:quote_duplicate", args=[quote.pk]))
    copy = Quote.objects.exclude(pk=quote.pk).get()
    assert copied["Location"] == reverse("sales:quote_edit", args=[copy.pk])
    screens.post(reverse("sales:quote_cancel", args=[quote.pk]), {"version": quote.version})
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.CANCELLED


def test_the_list_screen_shows_totals_and_reads_few_queries(
    screens: Any, django_assert_max_num_queries: Any
) -> None:
    for _ in range(12):
        quote = QuoteFactory(opportunity=OpportunityFactory())
        add_lines(quote, [(None, 2, "10.00")])
    with django_assert_max_num_queries(12):
        page = screens.get(reverse("sales:quotes"))
    html = page.content.decode()
    assert page.status_code == 200 and html.count('class="quote-row"') == 12
    assert "240,00" in html  # 12 × 20.00, the BRL total


def test_the_panels_on_the_deal_and_customer_pages(seller: Any, rf: Any) -> None:
    deal = OpportunityFactory()
    QuoteFactory(party=deal.party, opportunity=deal, number="ORC-2026-777777")
    request = rf.get("/")
    request.user = seller
    deal_html = "".join(slot_render(request, "opportunity.side", deal))
    assert "ORC-2026-777777" in deal_html and f"?opportunity={deal.pk}" in deal_html
    party_html = "".join(slot_render(request, "party.open_work", deal.party))
    assert "ORC-2026-777777" in party_html and f"?party={deal.party_id}" in party_html


def test_marketing_sees_no_quotes_nor_products(make_user: Any) -> None:
    client = client_for(make_user("marketing"))
    quote = QuoteFactory()
    for url in (
        reverse("sales:quotes"),
        reverse("sales:quote", args=[quote.pk]),
        reverse("sales:products"),
        reverse("sales:price_lists"),
        reverse("sales:tax_rates"),
    ):
        assert client.get(url).status_code == 403, url
    assert client.get(reverse("sales:quote_new")).status_code == 403


# ---------------------------------------------------------------- catalogue screens


def test_products_screen_and_form(make_user: Any, items: dict[str, Any]) -> None:
    admin = client_for(make_user("admin"))
    listing = admin.get(reverse("sales:products"), {"q": "FUR"})
    assert "Furadeira de impacto" in listing.content.decode()
    assert "Cabo 5 m" not in listing.content.decode()
    created = admin.post(
        reverse("sales:product_new"),
        {
            "sku": "MES-01",
            "name": "Mesa",
            "unit": "un",
            "tax_rate_id": str(TaxRate.objects.get(code="icms-18").pk),
            "cost": "120,50",
            "attributes": "cor: carvalho\nlargura: 1,20 m",
            "is_active": "on",
        },
    )
    assert created.status_code == 302, created.content.decode()[:2000]
    mesa = Product.objects.get(sku="MES-01")
    assert mesa.cost == Decimal("120.50") and mesa.attributes == {
        "cor": "carvalho",
        "largura": "1,20 m",
    }
    taken = admin.post(
        reverse("sales:product_new"), {"sku": "MES-01", "name": "Outra", "unit": "un"}
    )
    assert taken.status_code == 409 and "pertence a" in taken.content.decode()
    edit = admin.post(
        reverse("sales:product", args=[mesa.pk]),
        {"sku": "MES-01", "name": "Mesa grande", "unit": "un", "version": "1", "is_active": "on"},
    )
    assert edit.status_code == 302
    seller = client_for(make_user("sales"))
    readonly = seller.get(reverse("sales:product", args=[mesa.pk])).content.decode()
    assert "Mesa grande" in readonly and 'id="product-form"' not in readonly
    assert seller.get(reverse("sales:product_new")).status_code == 403


def test_prices_are_edited_in_place(make_user: Any, items: dict[str, Any]) -> None:
    admin = client_for(make_user("admin"))
    brl = PriceList.objects.get(code="padrao-brl")
    page = admin.get(reverse("sales:price_list", args=[brl.pk]))
    assert 'id="price-rows"' in page.content.decode()
    url = reverse("sales:price_set", args=[brl.pk, items["cable"].pk])
    saved = admin.post(url, {"unit_price": "12,90"}, HTTP_HX_REQUEST="true")
    assert saved.status_code == 200 and "saved" in saved.content.decode()
    assert Price.objects.get(price_list=brl, product=items["cable"]).unit_price == Decimal("12.90")
    bad = admin.post(url, {"unit_price": "-1"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 422 and "negativo" in bad.content.decode()
    removed = admin.post(url, {"unit_price": ""}, HTTP_HX_REQUEST="true")
    assert removed.status_code == 200
    assert not Price.objects.filter(price_list=brl, product=items["cable"]).exists()
    seller = client_for(make_user("sales"))
    assert seller.post(url, {"unit_price": "1"}).status_code == 403
    new_list = admin.post(
        reverse("sales:price_lists"),
        {"code": "eua", "name": "EUA", "currency": "USD", "is_default": "on", "is_active": "on"},
    )
    assert new_list.status_code == 302
    assert (
        admin.post(
            reverse("sales:price_lists"), {"code": "x", "name": "X", "currency": "ZZZ"}
        ).status_code
        == 422
    )


def test_taxes_screen(make_user: Any) -> None:
    admin = client_for(make_user("admin"))
    assert "ICMS 18%" in admin.get(reverse("sales:tax_rates")).content.decode()
    made = admin.post(
        reverse("sales:tax_rates"),
        {"code": "ipi-5", "name": "IPI 5%", "rate": "5", "country": "BR", "is_active": "on"},
    )
    assert made.status_code == 302
    tax = TaxRate.objects.get(code="ipi-5")
    changed = admin.post(
        reverse("sales:tax_rate", args=[tax.pk]),
        {"code": "ipi-5", "name": "IPI 5 %", "rate": "5,5", "country": "BR"},
    )
    assert changed.status_code == 302
    tax.refresh_from_db()
    assert (tax.rate, tax.is_active) == (Decimal("5.5"), False)
    admin.post(reverse("sales:tax_rate_delete", args=[tax.pk]))
    assert not TaxRate.objects.filter(pk=tax.pk).exists()
