"""Quotes written through the services: money on the lines (discounts, taxes, rounding), the
defaults a salesperson expects, bad input refused whole, versions, drafts only."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from fregues.core.errors import Conflict, Forbidden, Invalid, VersionConflict
from fregues.core.models import AuditEntry
from fregues.parties.models import Affiliation
from fregues.parties.tests.factories import OrganizationFactory, PartyFactory
from fregues.sales.models import PriceList, Quote, QuoteStatus, TaxRate
from fregues.sales.services.quotes import (
    quote_cancel,
    quote_create,
    quote_duplicate,
    quote_lines_set,
    quote_update,
)
from fregues.sales.tests.factories import (
    OpportunityFactory,
    PriceFactory,
    ProductFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


# ---------------------------------------------------------------- helpers other files use


def brl_list() -> PriceList:
    """The default list in reais, seeded by the migrations."""
    return PriceList.objects.get(code="padrao-brl")


def catalogue() -> dict[str, Any]:
    """Three products: a drill (ICMS 18 %) at 33.335 in the BRL list, a service (ISS 5 %) at
    200, and a cable with no price at all."""
    icms = TaxRate.objects.get(code="icms-18")
    iss = TaxRate.objects.get(code="iss-5")
    prices = brl_list()
    drill = ProductFactory(sku="FUR-100", name="Furadeira de impacto", tax_rate=icms)
    setup = ProductFactory(sku="SRV-INST", name="Instalação", unit="h", tax_rate=iss, cost=None)
    cable = ProductFactory(sku="CAB-5M", name="Cabo 5 m", tax_rate=icms)
    PriceFactory(price_list=prices, product=drill, unit_price=Decimal("33.335"))
    PriceFactory(price_list=prices, product=setup, unit_price=Decimal("200"))
    return {"drill": drill, "setup": setup, "cable": cable, "list": prices}


def draft(
    actor: Any, party: Any = None, lines: list[dict[str, Any]] | None = None, **data: Any
) -> Quote:
    party = party or PartyFactory()
    return quote_create(actor=actor, data={"party_id": party.pk, "lines": lines or [], **data})


@pytest.fixture
def seller(make_user: Any) -> Any:
    return make_user("sales", first_name="Sofia", last_name="Vendas", email="sofia@empresa.com.br")


@pytest.fixture
def items() -> dict[str, Any]:
    return catalogue()


# ---------------------------------------------------------------- money


def test_lines_discounts_taxes_and_rounding(seller: Any, items: dict[str, Any]) -> None:
    quote = draft(
        seller,
        lines=[
            {"product_id": items["drill"].pk, "quantity": "3", "discount_percent": "10"},
            {"description": "Frete", "quantity": "2.5", "unit_price": "19.99"},
            {"product_id": items["setup"].pk, "quantity": 1},
        ],
    )
    drill, freight, setup = quote.lines.order_by("position")
    # 3 × 33.335 = 100.005 → 100.01; 10 % off = 10.00; 90.01 + 18 % = 16.20 → 106.21
    assert (drill.unit_price, drill.discount, drill.net, drill.tax, drill.total) == (
        Decimal("33.3350"),
        Decimal("10.00"),
        Decimal("90.01"),
        Decimal("16.20"),
        Decimal("106.21"),
    )
    assert drill.tax_rate == Decimal("18") and drill.tax_code == "icms-18"
    assert drill.sku == "FUR-100" and drill.description == "Furadeira de impacto"
    # a free line: 2.5 × 19.99 = 49.975 → 49.98 (half up), no tax
    assert (freight.sku, freight.net, freight.tax, freight.unit) == (
        "",
        Decimal("49.98"),
        Decimal("0.00"),
        "un",
    )
    # the service: ISS 5 % from the product, 200 from the list, its unit "h"
    assert (setup.unit, setup.tax, setup.total) == ("h", Decimal("10.00"), Decimal("210.00"))
    assert quote.subtotal == Decimal("349.99")
    assert quote.discount_total == Decimal("10.00")
    assert quote.tax_total == Decimal("26.20")
    assert quote.total == Decimal("366.19")
    assert quote.total == sum(line.total for line in quote.lines.all())


def test_a_price_and_a_tax_typed_on_the_line_win(seller: Any, items: dict[str, Any]) -> None:
    quote = draft(
        seller,
        lines=[
            {
                "product_id": items["drill"].pk,
                "quantity": "1",
                "unit_price": "40",
                "tax_rate": "0",
            }
        ],
    )
    line = quote.lines.get()
    assert (line.unit_price, line.tax_rate, line.tax_code, line.total) == (
        Decimal("40"),
        Decimal("0"),
        "",
        Decimal("40.00"),
    )


def test_a_euro_quote_rounds_in_euros(seller: Any) -> None:
    euros = PriceList.objects.create(
        code="lista-pt", name="Lista Portugal", currency="EUR", is_default=True
    )
    iva = TaxRate.objects.get(code="iva-23")
    product = ProductFactory(tax_rate=iva)
    PriceFactory(price_list=euros, product=product, unit_price=Decimal("9.99"))
    quote = draft(seller, currency="EUR", lines=[{"product_id": product.pk, "quantity": "7"}])
    assert quote.price_list == euros and quote.currency == "EUR"
    # 69.93 + 23 % = 16.0839 → 16.08
    assert (quote.subtotal, quote.tax_total, quote.total) == (
        Decimal("69.93"),
        Decimal("16.08"),
        Decimal("86.01"),
    )


# ---------------------------------------------------------------- defaults


def test_a_new_quote_gets_its_number_list_validity_language_and_owner(seller: Any) -> None:
    party = PartyFactory(language="pt-pt")
    quote = draft(seller, party)
    year = timezone.localdate().year
    assert quote.number.startswith(f"ORC-{year}-")
    assert quote.status == QuoteStatus.DRAFT
    assert quote.currency == "BRL" and quote.price_list == brl_list()
    assert quote.valid_until == timezone.localdate() + datetime.timedelta(days=30)
    assert quote.language == "pt-pt"
    assert quote.owner == seller
    second = draft(seller, party)
    assert int(second.number[-6:]) == int(quote.number[-6:]) + 1
    entry = AuditEntry.objects.get(entity_type="sales.quote", entity_id=quote.pk)
    assert entry.party_id == party.pk and entry.action == "create"


def test_a_quote_from_a_deal_takes_its_customer_currency_and_title(seller: Any) -> None:
    deal = OpportunityFactory(currency="USD", title="Renovação do parque")
    quote = quote_create(actor=seller, data={"opportunity_id": deal.pk})
    assert quote.party_id == deal.party_id
    assert quote.opportunity == deal
    assert quote.currency == "USD" and quote.price_list is None  # no list in dollars
    assert quote.title == "Renovação do parque"


def test_the_contact_is_a_person_of_the_customer(seller: Any) -> None:
    company = OrganizationFactory()
    buyer = PartyFactory(name="Carla Compras")
    Affiliation.objects.create(person=buyer, organization=company, role="Compras")
    quote = draft(seller, company, contact_id=buyer.pk)
    assert quote.contact == buyer
    stranger = PartyFactory()
    with pytest.raises(Invalid) as refused:
        draft(seller, company, contact_id=stranger.pk)
    assert "contact_id" in refused.value.errors


# ---------------------------------------------------------------- refused whole


def test_unknown_currency_is_a_422_with_nothing_written(seller: Any, unchanged: Any) -> None:
    party = PartyFactory()
    with unchanged(), pytest.raises(Invalid) as refused:
        draft(seller, party, currency="XYZ")
    assert "Unknown currency 'XYZ'" in refused.value.errors["currency"][0]


@pytest.mark.parametrize("quantity", ["-1", "0", "abc", None])
def test_a_bad_quantity_is_a_422_naming_the_line(
    seller: Any, items: dict[str, Any], unchanged: Any, quantity: Any
) -> None:
    party = PartyFactory()
    lines: list[dict[str, Any]] = [
        {"product_id": items["drill"].pk, "quantity": "1"},
        {"product_id": items["setup"].pk, "quantity": quantity},
    ]
    with unchanged(), pytest.raises(Invalid) as refused:
        draft(seller, party, lines=lines)
    assert list(refused.value.errors) == ["lines.1.quantity"]
    assert refused.value.errors["lines.1.quantity"][0].startswith("Line 2:")


def test_a_line_for_a_missing_product_is_a_422(seller: Any, unchanged: Any) -> None:
    party = PartyFactory()
    with unchanged(), pytest.raises(Invalid) as refused:
        draft(seller, party, lines=[{"product_id": 999_999, "quantity": "1"}])
    assert refused.value.errors == {
        "lines.0.product_id": ["Line 1: product 999999 does not exist."]
    }


def test_a_product_without_a_price_in_the_list_is_a_422(
    seller: Any, items: dict[str, Any], unchanged: Any
) -> None:
    party = PartyFactory()
    with unchanged(), pytest.raises(Invalid) as refused:
        draft(seller, party, lines=[{"product_id": items["cable"].pk, "quantity": "2"}])
    message = refused.value.errors["lines.0.unit_price"][0]
    assert "CAB-5M" in message and "Tabela padrão" in message
    # with its price typed, it goes
    quote = draft(
        seller,
        party,
        lines=[{"product_id": items["cable"].pk, "quantity": "2", "unit_price": "15"}],
    )
    assert quote.total == Decimal("35.40")


def test_every_problem_is_reported_at_once(
    seller: Any, items: dict[str, Any], unchanged: Any
) -> None:
    deal = OpportunityFactory()
    party = PartyFactory()
    with unchanged(), pytest.raises(Invalid) as refused:
        quote_create(
            actor=seller,
            data={
                "party_id": party.pk,
                "opportunity_id": deal.pk,
                "valid_until": "2001-01-01",
                "language": "fr",
                "lines": [
                    {"description": "", "quantity": "1", "unit_price": "1"},
                    {"product_id": items["drill"].pk, "quantity": "1", "discount_percent": "150"},
                    {"description": "Algo", "quantity": "1", "unit_price": "-5"},
                ],
            },
        )
    assert set(refused.value.errors) == {
        "opportunity_id",
        "valid_until",
        "language",
        "lines.0.description",
        "lines.1.discount_percent",
        "lines.2.unit_price",
    }


def test_roles_that_may_not_write_quotes(make_user: Any, unchanged: Any) -> None:
    party = PartyFactory()
    for role in ("marketing", "agent", "quality_manager"):
        with unchanged(), pytest.raises(Forbidden):
            draft(make_user(role), party)
    for role in ("sales", "relationship_manager", "admin"):
        assert draft(make_user(role), party).pk


# ---------------------------------------------------------------- changing a quote


def test_lines_are_replaced_all_at_once(seller: Any, items: dict[str, Any]) -> None:
    quote = draft(seller, lines=[{"product_id": items["drill"].pk, "quantity": "1"}])
    changed = quote_lines_set(
        actor=seller,
        quote_id=quote.pk,
        lines=[
            {"product_id": items["setup"].pk, "quantity": "2"},
            {"description": "Desconto especial", "quantity": "1", "unit_price": "0"},
        ],
        version=quote.version,
    )
    assert [line.sku for line in changed.lines.order_by("position")] == ["SRV-INST", ""]
    assert changed.total == Decimal("420.00")
    assert changed.version == quote.version + 1


def test_a_stale_version_is_a_409_with_nothing_written(
    seller: Any, items: dict[str, Any], unchanged: Any
) -> None:
    quote = draft(seller)
    quote_update(actor=seller, quote_id=quote.pk, data={"title": "Primeira"}, version=1)
    with unchanged(), pytest.raises(VersionConflict):
        quote_update(actor=seller, quote_id=quote.pk, data={"title": "Segunda"}, version=1)
    with unchanged(), pytest.raises(VersionConflict):
        quote_lines_set(
            actor=seller,
            quote_id=quote.pk,
            lines=[{"product_id": items["drill"].pk, "quantity": "1"}],
            version=1,
        )
    assert Quote.objects.get(pk=quote.pk).title == "Primeira"


def test_editing_a_sent_quote_makes_it_a_draft_and_kills_its_link(seller: Any) -> None:
    quote = draft(seller)
    Quote.objects.filter(pk=quote.pk).update(status=QuoteStatus.SENT, access_key="k" * 32)
    changed = quote_update(actor=seller, quote_id=quote.pk, data={"terms": "30 dias"})
    assert changed.status == QuoteStatus.DRAFT and changed.access_key == ""
    assert changed.link_revoked is True  # type: ignore[attr-defined]
    again = quote_update(actor=seller, quote_id=quote.pk, data={"terms": "60 dias"})
    assert again.link_revoked is False  # type: ignore[attr-defined]


@pytest.mark.parametrize("status", ["accepted", "declined", "cancelled"])
def test_an_answered_or_withdrawn_quote_does_not_change(
    seller: Any, status: str, unchanged: Any
) -> None:
    quote = draft(seller)
    Quote.objects.filter(pk=quote.pk).update(status=status)
    with unchanged(), pytest.raises(Conflict) as refused:
        quote_update(actor=seller, quote_id=quote.pk, data={"title": "Outra"})
    assert refused.value.code == "quote_closed"


def test_changing_the_currency_needs_the_lines_again(seller: Any, items: dict[str, Any]) -> None:
    quote = draft(seller, lines=[{"product_id": items["drill"].pk, "quantity": "1"}])
    with pytest.raises(Invalid) as refused:
        quote_update(actor=seller, quote_id=quote.pk, data={"currency": "USD"})
    assert "currency" in refused.value.errors
    changed = quote_update(
        actor=seller,
        quote_id=quote.pk,
        data={
            "currency": "USD",
            "lines": [{"description": "Drill", "quantity": 1, "unit_price": 7}],
        },
    )
    assert (changed.currency, changed.price_list, changed.total) == ("USD", None, Decimal("7.00"))


def test_a_withdrawn_product_stays_on_the_quotes_that_have_it(
    seller: Any, items: dict[str, Any]
) -> None:
    quote = draft(seller, lines=[{"product_id": items["drill"].pk, "quantity": "1"}])
    items["drill"].is_active = False
    items["drill"].save()
    quote_lines_set(
        actor=seller, quote_id=quote.pk, lines=[{"product_id": items["drill"].pk, "quantity": "2"}]
    )
    with pytest.raises(Invalid) as refused:
        draft(seller, lines=[{"product_id": items["drill"].pk, "quantity": "1"}])
    assert "no longer sold" in refused.value.errors["lines.0.product_id"][0]


def test_duplicate_and_cancel(seller: Any, items: dict[str, Any]) -> None:
    quote = draft(
        seller,
        title="Proposta",
        lines=[{"product_id": items["drill"].pk, "quantity": "3", "discount_percent": "10"}],
    )
    Quote.objects.filter(pk=quote.pk).update(status=QuoteStatus.DECLINED)
    copy = quote_duplicate(actor=seller, quote_id=quote.pk)
    assert copy.number != quote.number and copy.status == QuoteStatus.DRAFT
    assert (copy.title, copy.total, copy.party_id) == ("Proposta", quote.total, quote.party_id)
    assert [(line.sku, line.total) for line in copy.lines.all()] == [
        (line.sku, line.total) for line in quote.lines.all()
    ]
    cancelled = quote_cancel(actor=seller, quote_id=copy.pk, version=copy.version)
    assert cancelled.status == QuoteStatus.CANCELLED
    with pytest.raises(Conflict):
        quote_cancel(actor=seller, quote_id=quote.pk)  # declined by the customer
