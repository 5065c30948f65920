"""API shapes of orders and invoices, and of what the ERP pushes.

Amounts are decimals (strings in JSON, as money should be); ``margin`` is the net total minus
the cost, present when every line had a unit cost.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from fregues.parties.schemas import UserRef


class LineIn(Schema):
    product_id: int | None = Field(None, description="A product of the catalogue, by id.")
    sku: str = Field("", description="…or by SKU.")
    product_external_id: str = Field("", description="…or by the ERP's id (same source).")
    description: str = Field("", description="Required for a line without a product.")
    unit: str = ""
    quantity: Decimal = Field(..., description="More than zero.")
    unit_price: Decimal | None = Field(
        None, description="Zero or more; empty: the product's price in the default price list."
    )
    discount_percent: Decimal | None = Field(None, description="0–100.")
    discount: Decimal | None = Field(None, description="A discount amount instead.")
    tax_rate: Decimal | None = Field(None, description="%; empty: the product's tax.")
    tax_code: str = Field("", description="A tax of the catalogue (icms-18) instead of a rate.")
    unit_cost: Decimal | None = Field(None, description="Gives the margin; empty: the product's.")


class OrderIn(Schema):
    party_id: int
    currency: str = Field("", description="ISO 4217 (BRL, EUR, USD); empty: the default.")
    ordered_at: datetime.datetime | None = None
    number: str = Field("", description="Empty: the next PED-YYYY-NNNNNN.")
    status: str = "confirmed"
    payment_state: str | None = Field(None, description="unpaid, partial, paid or refunded")
    amount_paid: Decimal | None = None
    paid_at: datetime.datetime | None = None
    notes: str = ""
    owner_id: int | None = None
    opportunity_id: int | None = None
    quote_id: int | None = None
    lines: list[LineIn]


class OrderPatch(Schema):
    status: str | None = Field(None, description="confirmed or fulfilled (cancel: /cancel)")
    notes: str | None = None
    owner_id: int | None = None
    version: int | None = None


class CancelIn(Schema):
    reason: str = ""
    version: int | None = None


class PaymentIn(Schema):
    amount: Decimal = Field(..., lt=Decimal("1e12"), description="Less than 10¹² (14 digits).")
    paid_at: datetime.datetime | None = Field(None, description="Empty: now.")
    method: str = Field("", description="pix, boleto, card, transfer, cash or other")
    reference: str = ""
    version: int | None = None


class PartyRef(Schema):
    id: int
    name: str


class LineOut(Schema):
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
    unit_cost: Decimal | None = None

    @staticmethod
    def build(line: Any) -> LineOut:
        return LineOut(
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
            unit_cost=getattr(line, "unit_cost", None),
        )


class PaymentOut(Schema):
    id: int
    amount: Decimal
    currency: str
    paid_at: datetime.datetime
    method: str
    reference: str
    invoice_id: int | None
    recorded_by: UserRef | None

    @staticmethod
    def build(payment: Any) -> PaymentOut:
        return PaymentOut(
            id=payment.pk,
            amount=payment.amount,
            currency=payment.currency,
            paid_at=payment.paid_at,
            method=payment.method,
            reference=payment.reference,
            invoice_id=payment.invoice_id,
            recorded_by=UserRef.from_user(payment.recorded_by),
        )


class InvoiceBrief(Schema):
    id: int
    number: str
    status: str
    payment_state: str
    issued_at: datetime.datetime
    due_date: datetime.date | None
    total: Decimal
    amount_paid: Decimal
    overdue: bool


def _money(doc: Any) -> dict[str, Any]:
    return {
        "currency": doc.currency,
        "subtotal": doc.subtotal,
        "discount_total": doc.discount_total,
        "tax_total": doc.tax_total,
        "total": doc.total,
        "net_total": doc.net_total,
        "amount_paid": doc.amount_paid,
        "balance": doc.total - doc.amount_paid,
    }


def _brief(invoice: Any) -> InvoiceBrief:
    from ..selectors.orders import invoice_is_overdue

    return InvoiceBrief(
        id=invoice.pk,
        number=invoice.number,
        status=invoice.status,
        payment_state=invoice.payment_state,
        issued_at=invoice.issued_at,
        due_date=invoice.due_date,
        total=invoice.total,
        amount_paid=invoice.amount_paid,
        overdue=invoice_is_overdue(invoice),
    )


class OrderOut(Schema):
    id: int
    number: str
    source: str
    external_id: str
    party: PartyRef
    status: str
    payment_state: str
    currency: str
    ordered_at: datetime.datetime
    subtotal: Decimal
    discount_total: Decimal
    tax_total: Decimal
    total: Decimal
    net_total: Decimal = Field(description="Subtotal minus discounts: the revenue.")
    cost_total: Decimal | None
    margin: Decimal | None = Field(description="Net total minus cost, when the cost is known.")
    amount_paid: Decimal
    balance: Decimal = Field(description="Total minus what was paid.")
    paid_at: datetime.datetime | None
    notes: str
    owner: UserRef | None
    quote_id: int | None
    opportunity_id: int | None
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    lines: list[LineOut] | None = Field(None, description="In the order's own answer only.")
    invoices: list[InvoiceBrief] | None = None
    payments: list[PaymentOut] | None = None

    @staticmethod
    def build(order: Any, detail: bool = False) -> OrderOut:
        from ..selectors.orders import order_margin

        return OrderOut(
            id=order.pk,
            number=order.number,
            source=order.source,
            external_id=order.external_id,
            party=PartyRef(id=order.party_id, name=order.party.name),
            status=order.status,
            payment_state=order.payment_state,
            ordered_at=order.ordered_at,
            cost_total=order.cost_total,
            margin=order_margin(order),
            paid_at=order.paid_at,
            notes=order.notes,
            owner=UserRef.from_user(order.owner),
            quote_id=order.quote_id,
            opportunity_id=order.opportunity_id,
            version=order.version,
            created_at=order.created_at,
            updated_at=order.updated_at,
            lines=[LineOut.build(line) for line in order.lines.all()] if detail else None,
            invoices=[_brief(i) for i in order.invoices.all()] if detail else None,
            payments=[PaymentOut.build(p) for p in order.payments.all()] if detail else None,
            **_money(order),
        )


class CurrencyTotalOut(Schema):
    currency: str
    count: int
    total: Decimal
    net_total: Decimal
    amount_paid: Decimal


class OrderPage(Schema):
    items: list[OrderOut]
    next_cursor: str | None
    totals: list[CurrencyTotalOut] | None = Field(
        None, description="Per currency, over every order the filters select (totals=true)."
    )


class InvoiceIn(Schema):
    order_id: int | None = Field(None, description="The order it bills (its customer, currency).")
    party_id: int | None = Field(None, description="The customer, for an invoice without order.")
    number: str = Field("", description="Empty: the next FAT-YYYY-NNNNNN.")
    currency: str = ""
    issued_at: datetime.datetime | None = None
    due_date: datetime.date | None = None
    payment_state: str | None = None
    amount_paid: Decimal | None = None
    paid_at: datetime.datetime | None = None
    lines: list[LineIn] = Field(default_factory=list, description="Empty: the whole order.")


class InvoiceOut(Schema):
    id: int
    number: str
    source: str
    external_id: str
    party: PartyRef
    order_id: int | None
    order_number: str | None
    status: str
    payment_state: str
    overdue: bool
    currency: str
    issued_at: datetime.datetime
    due_date: datetime.date | None
    subtotal: Decimal
    discount_total: Decimal
    tax_total: Decimal
    total: Decimal
    net_total: Decimal
    amount_paid: Decimal
    balance: Decimal
    paid_at: datetime.datetime | None
    version: int
    lines: list[LineOut] | None = None
    payments: list[PaymentOut] | None = None

    @staticmethod
    def build(invoice: Any, detail: bool = False) -> InvoiceOut:
        from ..selectors.orders import invoice_is_overdue

        return InvoiceOut(
            id=invoice.pk,
            number=invoice.number,
            source=invoice.source,
            external_id=invoice.external_id,
            party=PartyRef(id=invoice.party_id, name=invoice.party.name),
            order_id=invoice.order_id,
            order_number=invoice.order.number if invoice.order_id else None,
            status=invoice.status,
            payment_state=invoice.payment_state,
            overdue=invoice_is_overdue(invoice),
            issued_at=invoice.issued_at,
            due_date=invoice.due_date,
            paid_at=invoice.paid_at,
            version=invoice.version,
            lines=[LineOut.build(line) for line in invoice.lines.all()] if detail else None,
            payments=[PaymentOut.build(p) for p in invoice.payments.all()] if detail else None,
            **_money(invoice),
        )


class InvoicePage(Schema):
    items: list[InvoiceOut]
    next_cursor: str | None


# -- what the ERP sends ------------------------------------------------------------------------
class ErpCustomerIn(Schema):
    external_id: str = Field("", description="The customer's code in the ERP (same source).")
    tax_id: str = Field("", description="CPF, CNPJ, NIF...")
    email: str = ""


class ErpLineIn(LineIn):
    product_id: int | None = Field(None, description="Freguês's id (rarely known to an ERP).")


class ErpOrderIn(Schema):
    customer: ErpCustomerIn
    number: str = Field("", description="The ERP's order number (default: the external id).")
    currency: str = ""
    ordered_at: datetime.datetime | None = None
    status: str = "confirmed"
    payment_state: str | None = None
    amount_paid: Decimal | None = None
    paid_at: datetime.datetime | None = None
    notes: str = ""
    lines: list[ErpLineIn]


class ErpInvoiceIn(Schema):
    customer: ErpCustomerIn | None = Field(None, description="Default: the order's customer.")
    order_external_id: str = Field("", description="The ERP's id of the order it bills.")
    number: str = ""
    currency: str = ""
    issued_at: datetime.datetime | None = None
    due_date: datetime.date | None = None
    status: str = "issued"
    payment_state: str | None = None
    amount_paid: Decimal | None = None
    paid_at: datetime.datetime | None = None
    lines: list[ErpLineIn] = Field(default_factory=list, description="Empty: the whole order.")


class ErpOrderOut(OrderOut):
    result: str = Field(description="created, updated or unchanged")


class ErpInvoiceOut(InvoiceOut):
    result: str = Field(description="created, updated or unchanged")
