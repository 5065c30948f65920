"""API shapes of "My orders": what a customer sees of their orders, invoices and quotes
(never costs, margins or who in the company owns them), and what they send."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema


class PortalLineOut(Schema):
    sku: str
    description: str
    unit: str
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal
    tax_rate: Decimal
    total: Decimal
    product_id: int | None

    @staticmethod
    def build(line: Any) -> PortalLineOut:
        return PortalLineOut(
            sku=line.sku,
            description=line.description,
            unit=line.unit,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount=line.discount,
            tax_rate=line.tax_rate,
            total=line.total,
            product_id=line.product_id,
        )


class Totals(Schema):
    currency: str
    subtotal: Decimal
    discount_total: Decimal
    tax_total: Decimal
    total: Decimal


def _totals(doc: Any) -> dict[str, Any]:
    return {
        "currency": doc.currency,
        "subtotal": doc.subtotal,
        "discount_total": doc.discount_total,
        "tax_total": doc.tax_total,
        "total": doc.total,
    }


class PortalInvoiceOut(Totals):
    number: str
    state: str = Field(..., description="due, overdue, partial, paid, refunded or void")
    issued_at: datetime.datetime
    due_date: datetime.date | None
    amount_paid: Decimal
    order_number: str | None
    lines: list[PortalLineOut] | None = None

    @staticmethod
    def build(row: Any, *, detail: bool = False) -> PortalInvoiceOut:
        invoice = row.invoice
        return PortalInvoiceOut(
            number=invoice.number,
            state=row.state,
            issued_at=invoice.issued_at,
            due_date=invoice.due_date,
            amount_paid=invoice.amount_paid,
            order_number=invoice.order.number if invoice.order_id else None,
            lines=[PortalLineOut.build(li) for li in invoice.lines.all()] if detail else None,
            **_totals(invoice),
        )


class PortalOrderOut(Totals):
    number: str
    status: str = Field(..., description="confirmed, fulfilled or cancelled")
    payment_state: str = Field(..., description="unpaid, partial, paid or refunded")
    ordered_at: datetime.datetime
    amount_paid: Decimal
    lines: list[PortalLineOut]
    invoices: list[PortalInvoiceOut] | None = None

    @staticmethod
    def build(order: Any, invoices: list[Any] | None = None) -> PortalOrderOut:
        return PortalOrderOut(
            number=order.number,
            status=order.status,
            payment_state=order.payment_state,
            ordered_at=order.ordered_at,
            amount_paid=order.amount_paid,
            lines=[PortalLineOut.build(li) for li in order.lines.all()],
            invoices=[PortalInvoiceOut.build(row) for row in invoices]
            if invoices is not None
            else None,
            **_totals(order),
        )


class PortalQuoteOut(Totals):
    number: str
    title: str
    status: str = Field(..., description="sent, accepted, declined or expired")
    waiting: bool = Field(..., description="Sent and still valid: it may be answered.")
    valid_until: datetime.date | None
    sent_at: datetime.datetime | None
    accepted_at: datetime.datetime | None
    declined_at: datetime.datetime | None
    order_number: str | None = Field(None, description="The order made when it was accepted.")
    pdf_url: str
    lines: list[PortalLineOut] | None = None

    @staticmethod
    def build(quote: Any, *, waiting: bool, pdf_url: str, detail: bool = False) -> PortalQuoteOut:
        order = getattr(quote, "order", None) if quote.status == "accepted" else None
        return PortalQuoteOut(
            number=quote.number,
            title=quote.title,
            status=quote.status,
            waiting=waiting,
            valid_until=quote.valid_until,
            sent_at=quote.sent_at,
            accepted_at=quote.accepted_at,
            declined_at=quote.declined_at,
            order_number=order.number if order is not None else None,
            pdf_url=pdf_url,
            lines=[PortalLineOut.build(li) for li in quote.lines.all()] if detail else None,
            **_totals(quote),
        )


class QuoteAcceptIn(Schema):
    name: str = Field("", description="The name that signs the acceptance; empty: yours.")


class QuoteDeclineIn(Schema):
    reason: str = Field("", description="Why (optional, at most 300 characters).")


class CustomisationIn(Schema):
    product_id: int
    answers: dict[str, str] = Field(
        ..., description="The product's option labels and the values wanted."
    )
    order_number: str = Field("", description="One of your orders it is about (optional).")
    note: str = ""


class AnswerOut(Schema):
    label: str
    value: str


class CustomisationOut(Schema):
    id: int
    party_id: int
    party_name: str
    product_id: int
    product_sku: str
    product_name: str
    order_number: str | None
    answers: list[AnswerOut]
    note: str
    created_at: datetime.datetime

    @staticmethod
    def build(request: Any) -> CustomisationOut:
        return CustomisationOut(
            id=request.pk,
            party_id=request.party_id,
            party_name=request.party.name,
            product_id=request.product_id,
            product_sku=request.product.sku,
            product_name=request.product.name,
            order_number=request.order.number if request.order_id else None,
            answers=[AnswerOut(**a) for a in request.answers],
            note=request.note,
            created_at=request.created_at,
        )


class CustomisableProductOut(Schema):
    id: int
    sku: str
    name: str
    customisation_options: list[dict[str, Any]]
