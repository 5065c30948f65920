"""API shapes of the catalogue: taxes, products, price lists and prices, the ERP's product."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema


class TaxRateIn(Schema):
    code: str = Field(..., description="A short code: lower-case letters, digits, dashes.")
    name: str
    rate: Decimal = Field(..., description="Percentage, 0 to 100 (e.g. 18 or 5.5).")
    country: str = Field("", description="ISO 3166 two-letter code (BR, PT), or empty.")
    is_active: bool = True


class TaxRatePatch(Schema):
    code: str | None = None
    name: str | None = None
    rate: Decimal | None = None
    country: str | None = None
    is_active: bool | None = None


class TaxRateOut(Schema):
    id: int
    code: str
    name: str
    rate: Decimal
    country: str
    is_active: bool
    product_count: int | None = None

    @staticmethod
    def build(tax: Any) -> TaxRateOut:
        return TaxRateOut(
            id=tax.pk,
            code=tax.code,
            name=tax.name,
            rate=tax.rate,
            country=tax.country,
            is_active=tax.is_active,
            product_count=getattr(tax, "product_count", None),
        )


class TaxRef(Schema):
    id: int
    code: str
    name: str
    rate: Decimal


class ProductPriceOut(Schema):
    price_list_id: int
    price_list_code: str
    currency: str
    unit_price: Decimal


class CustomisationOption(Schema):
    """One thing a customer may ask to have changed on a product (the portal)."""

    label: str = Field(..., description="What the customer is asked (e.g. Colour).")
    kind: str = Field("text", description="choice (one of ``choices``) or text (free text).")
    choices: list[str] = Field(default_factory=list)
    required: bool = False


class ProductIn(Schema):
    """A new product. SKU and name are required; a SKU already taken is a 409."""

    sku: str
    name: str
    description: str = ""
    unit: str = Field("un", description="un, kg, h, m², ...")
    category: str = ""
    tax_rate_id: int | None = Field(None, description="The tax (or give tax_code).")
    tax_code: str | None = None
    cost: Decimal | None = Field(None, description="Unit cost (≥ 0), for margins.")
    cost_currency: str | None = Field(None, description="ISO 4217; DEFAULT_CURRENCY if omitted.")
    is_active: bool = True
    attributes: dict[str, Any] = Field(default_factory=dict)
    customisation_options: list[CustomisationOption] = Field(
        default_factory=list, description="What a customer may ask to customise (the portal)."
    )


class ProductPatch(Schema):
    """The fields to change; send the ``version`` you read (or If-Match)."""

    sku: str | None = None
    name: str | None = None
    description: str | None = None
    unit: str | None = None
    category: str | None = None
    tax_rate_id: int | None = None
    tax_code: str | None = None
    cost: Decimal | None = None
    cost_currency: str | None = None
    is_active: bool | None = None
    attributes: dict[str, Any] | None = None
    customisation_options: list[CustomisationOption] | None = None
    version: int | None = None


class ProductOut(Schema):
    id: int
    sku: str
    name: str
    description: str
    unit: str
    category: str
    tax: TaxRef | None
    cost: Decimal | None
    cost_currency: str
    is_active: bool
    source: str
    external_id: str
    attributes: dict[str, Any]
    customisation_options: list[CustomisationOption] = Field(default_factory=list)
    prices: list[ProductPriceOut] | None = Field(
        None, description="Its price in each list (on the product's own page)."
    )
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def build(product: Any, *, with_prices: bool = False) -> ProductOut:
        tax = product.tax_rate
        prices = None
        if with_prices:
            prices = [
                ProductPriceOut(
                    price_list_id=p.price_list_id,
                    price_list_code=p.price_list.code,
                    currency=p.price_list.currency,
                    unit_price=p.unit_price,
                )
                for p in product.prices.all()
            ]
        return ProductOut(
            id=product.pk,
            sku=product.sku,
            name=product.name,
            description=product.description,
            unit=product.unit,
            category=product.category,
            tax=TaxRef(id=tax.pk, code=tax.code, name=tax.name, rate=tax.rate) if tax else None,
            cost=product.cost,
            cost_currency=product.cost_currency,
            is_active=product.is_active,
            source=product.source,
            external_id=product.external_id,
            attributes=product.attributes or {},
            customisation_options=[
                CustomisationOption(**option) for option in product.customisation_options or []
            ],
            prices=prices,
            version=product.version,
            created_at=product.created_at,
            updated_at=product.updated_at,
        )


class ProductPage(Schema):
    items: list[ProductOut]
    next_cursor: str | None = None


class ErpPriceIn(Schema):
    price_list: str = Field(..., description="The price list's code (e.g. padrao-brl).")
    unit_price: Decimal


class ErpProductIn(Schema):
    """The product as the ERP knows it. Fields left out keep their value (SKU and name are
    needed the first time). ``prices`` set the product's price in the lists named."""

    sku: str | None = None
    name: str | None = None
    description: str | None = None
    unit: str | None = None
    category: str | None = None
    tax_code: str | None = Field(None, description="The tax's code (e.g. icms-18).")
    cost: Decimal | None = None
    cost_currency: str | None = None
    is_active: bool | None = None
    attributes: dict[str, Any] | None = None
    prices: list[ErpPriceIn] | None = None


class PriceListIn(Schema):
    code: str
    name: str
    currency: str = Field("", description="ISO 4217 (BRL, EUR, USD); DEFAULT_CURRENCY if empty.")
    is_default: bool = Field(False, description="The list quotes in this currency use.")
    is_active: bool = True


class PriceListPatch(Schema):
    code: str | None = None
    name: str | None = None
    currency: str | None = None
    is_default: bool | None = None
    is_active: bool | None = None


class PriceOut(Schema):
    product_id: int
    sku: str
    name: str
    unit_price: Decimal


class PriceListOut(Schema):
    id: int
    code: str
    name: str
    currency: str
    is_default: bool
    is_active: bool
    price_count: int | None = None
    prices: list[PriceOut] | None = None

    @staticmethod
    def build(price_list: Any, prices: list[Any] | None = None) -> PriceListOut:
        return PriceListOut(
            id=price_list.pk,
            code=price_list.code,
            name=price_list.name,
            currency=price_list.currency,
            is_default=price_list.is_default,
            is_active=price_list.is_active,
            price_count=getattr(price_list, "price_count", None),
            prices=None
            if prices is None
            else [
                PriceOut(
                    product_id=p.product_id,
                    sku=p.product.sku,
                    name=p.product.name,
                    unit_price=p.unit_price,
                )
                for p in prices
            ],
        )


class PriceIn(Schema):
    unit_price: Decimal | None = Field(
        ..., description="The unit price (≥ 0); null takes the product out of the list."
    )
