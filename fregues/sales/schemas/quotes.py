"""API shapes of quotes, their lines, and the customer's signed link."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from ninja import Field, Schema

from fregues.parties.schemas import UserRef


class QuoteLineIn(Schema):
    """A product (``product_id``, or ``sku``) or a free ``description``. Left out:
    the unit price comes from the quote's price list, the tax from the product."""

    product_id: int | None = None
    sku: str | None = None
    description: str | None = None
    quantity: Decimal | None = Field(None, description="More than zero.")
    unit: str | None = None
    unit_price: Decimal | None = Field(None, description="≥ 0; the price list's when omitted.")
    discount_percent: Decimal | None = Field(None, description="0 to 100.")
    tax_rate: Decimal | None = Field(
        None, description="%, 0 to 100; the product's tax when omitted."
    )


class QuoteIn(Schema):
    """A new draft quote. Every problem is reported at once (422), nothing is written."""

    party_id: int | None = Field(None, description="The customer (or give opportunity_id).")
    contact_id: int | None = Field(None, description="A person of the customer.")
    opportunity_id: int | None = Field(None, description="A deal of the same customer.")
    price_list_id: int | None = Field(None, description="Default: the currency's default list.")
    currency: str | None = Field(
        None, description="ISO 4217; the list's, the deal's or the default."
    )
    valid_until: datetime.date | None = Field(
        None, description="Default: today + QUOTE_VALID_DAYS."
    )
    language: str | None = Field(None, description="pt-br, pt-pt or en; the customer's by default.")
    title: str = ""
    terms: str = ""
    owner_id: int | None = None
    lines: list[QuoteLineIn] = Field(default_factory=list)


class QuotePatch(Schema):
    """The header fields to change (and ``lines`` to replace them all). Editing a sent quote
    makes it a draft again: the link the customer holds stops working."""

    contact_id: int | None = None
    opportunity_id: int | None = None
    price_list_id: int | None = None
    currency: str | None = None
    valid_until: datetime.date | None = None
    language: str | None = None
    title: str | None = None
    terms: str | None = None
    owner_id: int | None = None
    lines: list[QuoteLineIn] | None = None
    version: int | None = None


class QuoteLinesIn(Schema):
    lines: list[QuoteLineIn]
    version: int | None = None


class QuoteSendIn(Schema):
    to: str | None = Field(None, description="Default: the contact's, else the customer's e-mail.")
    version: int | None = None


class QuoteVersionIn(Schema):
    version: int | None = None


class Ref(Schema):
    id: int
    name: str


class QuoteLineOut(Schema):
    position: int
    product_id: int | None
    sku: str
    description: str
    unit: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    discount: Decimal
    tax_rate: Decimal
    tax_code: str
    net: Decimal
    tax: Decimal
    total: Decimal

    @staticmethod
    def build(line: Any) -> QuoteLineOut:
        return QuoteLineOut(
            position=line.position,
            product_id=line.product_id,
            sku=line.sku,
            description=line.description,
            unit=line.unit,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
            discount=line.discount,
            tax_rate=line.tax_rate,
            tax_code=line.tax_code,
            net=line.net,
            tax=line.tax,
            total=line.total,
        )


class QuoteSummary(Schema):
    id: int
    number: str
    status: str
    title: str
    party: Ref
    opportunity: Ref | None
    owner: UserRef | None
    currency: str
    subtotal: Decimal
    discount_total: Decimal
    tax_total: Decimal
    total: Decimal
    valid_until: datetime.date | None
    sent_at: datetime.datetime | None
    version: int
    created_at: datetime.datetime

    @staticmethod
    def fields(quote: Any) -> dict[str, Any]:
        deal = quote.opportunity
        return {
            "id": quote.pk,
            "number": quote.number,
            "status": quote.status,
            "title": quote.title,
            "party": Ref(id=quote.party_id, name=quote.party.name),
            "opportunity": Ref(id=deal.pk, name=deal.title) if deal else None,
            "owner": UserRef.from_user(quote.owner),
            "currency": quote.currency,
            "subtotal": quote.subtotal,
            "discount_total": quote.discount_total,
            "tax_total": quote.tax_total,
            "total": quote.total,
            "valid_until": quote.valid_until,
            "sent_at": quote.sent_at,
            "version": quote.version,
            "created_at": quote.created_at,
        }

    @staticmethod
    def build(quote: Any) -> QuoteSummary:
        return QuoteSummary(**QuoteSummary.fields(quote))


class QuotePage(Schema):
    items: list[QuoteSummary]
    next_cursor: str | None = None


class OrderRef(Schema):
    id: int
    number: str


class QuoteOut(QuoteSummary):
    contact: Ref | None
    price_list: Ref | None
    language: str
    terms: str
    sent_to: str
    accepted_at: datetime.datetime | None
    accepted_by: str
    declined_at: datetime.datetime | None
    decline_reason: str
    order: OrderRef | None
    public_url: str = Field("", description="The customer's signed link (sent quotes).")
    lines: list[QuoteLineOut]
    updated_at: datetime.datetime
    notice: str = Field("", description="What the change did beyond the fields (a link revoked).")

    @staticmethod
    def build(  # type: ignore[override]
        quote: Any, *, order: Any = None, public_url: str = "", notice: str = ""
    ) -> QuoteOut:
        contact, price_list = quote.contact, quote.price_list
        return QuoteOut(
            **QuoteSummary.fields(quote),
            contact=Ref(id=contact.pk, name=contact.name) if contact else None,
            price_list=Ref(id=price_list.pk, name=price_list.name) if price_list else None,
            language=quote.language,
            terms=quote.terms,
            sent_to=quote.sent_to,
            accepted_at=quote.accepted_at,
            accepted_by=quote.accepted_by,
            declined_at=quote.declined_at,
            decline_reason=quote.decline_reason,
            order=OrderRef(id=order.pk, number=order.number) if order else None,
            public_url=public_url,
            lines=[QuoteLineOut.build(line) for line in quote.lines.all()],
            updated_at=quote.updated_at,
            notice=notice,
        )


# ---------------------------------------------------------------- the customer's link


class CompanyOut(Schema):
    name: str
    details: str


class PublicLineOut(Schema):
    sku: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    discount_percent: Decimal
    tax_rate: Decimal
    total: Decimal


class PublicQuoteOut(Schema):
    """What the customer sees through the signed link."""

    number: str
    status: str
    can_answer: bool = Field(description="Whether it may still be accepted or declined.")
    company: CompanyOut
    customer: str
    title: str
    currency: str
    language: str
    valid_until: datetime.date | None
    lines: list[PublicLineOut]
    subtotal: Decimal
    discount_total: Decimal
    tax_total: Decimal
    total: Decimal
    terms: str
    accepted_at: datetime.datetime | None
    accepted_by: str
    declined_at: datetime.datetime | None
    pdf_url: str

    @staticmethod
    def build(quote: Any, *, pdf_url: str) -> PublicQuoteOut:
        return PublicQuoteOut(
            number=quote.number,
            status=quote.status,
            can_answer=quote.status == "sent",
            company=CompanyOut(name=settings.COMPANY_NAME, details=settings.COMPANY_DETAILS),
            customer=quote.party.name,
            title=quote.title,
            currency=quote.currency,
            language=quote.language,
            valid_until=quote.valid_until,
            lines=[
                PublicLineOut(
                    sku=line.sku,
                    description=line.description,
                    quantity=line.quantity,
                    unit=line.unit,
                    unit_price=line.unit_price,
                    discount_percent=line.discount_percent,
                    tax_rate=line.tax_rate,
                    total=line.total,
                )
                for line in quote.lines.all()
            ],
            subtotal=quote.subtotal,
            discount_total=quote.discount_total,
            tax_total=quote.tax_total,
            total=quote.total,
            terms=quote.terms,
            accepted_at=quote.accepted_at,
            accepted_by=quote.accepted_by,
            declined_at=quote.declined_at,
            pdf_url=pdf_url,
        )


class AcceptIn(Schema):
    name: str = Field("", description="The full name of who accepts, as a signature.")


class DeclineIn(Schema):
    reason: str = ""
