"""Invoices: the bills for an order (or on their own), usually pushed by the ERP, with their
payment state — paid, partly paid, or overdue past their due date.

When an order has invoices its payment state follows them (``order_payment_refresh``): it is
paid when its non-void invoices cover its total. Every write runs the customer's lifecycle
rules with the invoice as the cause. The ERP's idempotent upsert is in ``order_sync``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record, diff, snapshot
from fregues.core.errors import ErrorCollector, Invalid
from fregues.core.permissions import require

from ..models import Invoice, InvoiceLine, InvoiceStatus, Order, OrderStatus, Payment
from ..money import ZERO
from .common import (
    INVOICE_REGARDING,
    bump,
    check_version,
    live_party,
    locked,
    next_number,
    sales_event,
    user_or_none,
)
from .lifecycle_rules import lifecycle_rules_apply
from .order_fields import (
    INVOICE_STATUS_WORDS,
    PAID,
    REFUNDED,
    choice,
    day,
    moment,
    payment_state_for,
)
from .order_lines import (
    lines_write,
    totals_apply,
)
from .orders import (
    clean_payment,
    order_head,
    order_payment_refresh,
    payment_fields,
    priced_lines,
)

INVOICE_AUDIT_FIELDS = (
    "number",
    "party",
    "order",
    "status",
    "payment_state",
    "currency",
    "issued_at",
    "due_date",
    "total",
    "amount_paid",
    "paid_at",
)


def invoice_snapshot(invoice: Invoice) -> dict[str, Any]:
    return snapshot(invoice, INVOICE_AUDIT_FIELDS)


def invoice_head(data: dict[str, Any], errors: ErrorCollector) -> dict[str, Any]:
    """An invoice's own fields as sent (the order's reading, plus issue and due dates)."""
    head = order_head({**data, "ordered_at": None, "status": None}, errors)
    del head["ordered_at"], head["status"]
    if data.get("currency") in (None, ""):
        head["currency"] = None  # the order's, or the default
    head["issued_at"] = moment(data.get("issued_at"), errors, "issued_at", _("the issue date"))
    head["due_date"] = day(data.get("due_date"), errors, "due_date")
    head["status"] = choice(data.get("status"), INVOICE_STATUS_WORDS, errors, "status", "issued")
    return head


def order_lines_as_input(order: Order) -> list[dict[str, Any]]:
    """An order's lines as the input of an invoice that bills it in full."""
    return [
        {
            "product_id": line.product_id,
            "sku": line.sku,
            "description": line.description,
            "unit": line.unit,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "discount_percent": line.discount_percent,
            "discount": line.discount if not line.discount_percent else None,
            "tax_rate": line.tax_rate,
            "tax_code": line.tax_code,
        }
        for line in order.lines.all()
    ]


def invoice_currency(head: dict[str, Any], order: Order | None, errors: ErrorCollector) -> str:
    from django.conf import settings

    currency = head["currency"] or (order.currency if order else settings.DEFAULT_CURRENCY)
    if order is not None and currency and currency != order.currency:
        errors.add(
            "currency",
            _("The invoice is in %(inv)s but its order is in %(order)s.")
            % {"inv": currency, "order": order.currency},
        )
    return currency


def invoice_write(
    actor: Any,
    invoice: Invoice,
    head: dict[str, Any],
    lines: list[dict[str, Any]],
    priced: Any,
    errors: ErrorCollector,
) -> None:
    """Fill ``invoice`` from a checked head and priced lines, save it with its lines (the old
    ones replaced), and make its order follow. Inside the caller's transaction."""
    issued_at = head["issued_at"] or invoice.issued_at or timezone.now()
    state, amount_paid, paid_at = payment_fields(head, priced.totals.total, issued_at, errors)
    errors.raise_if_any()
    invoice.issued_at = issued_at
    invoice.due_date = head["due_date"]
    invoice.status = head["status"]
    invoice.payment_state, invoice.amount_paid, invoice.paid_at = state, amount_paid, paid_at
    totals_apply(invoice, priced)
    invoice.save()
    InvoiceLine.objects.filter(invoice=invoice).delete()
    lines_write(InvoiceLine, "invoice_id", invoice.pk, lines)


def invoice_order_follow(actor: Any, invoice: Invoice) -> list[int]:
    """The invoice's order follows it; returns the parties whose lifecycle rules must run."""
    parties = [invoice.party_id]
    if invoice.order_id:
        order = Order.objects.select_for_update().get(pk=invoice.order_id)
        order_payment_refresh(order, actor=actor)
        if order.party_id not in parties:
            parties.append(order.party_id)
    return parties


def invoice_create(*, actor: Any, data: dict[str, Any]) -> Invoice:
    """Record an invoice: for an order (``order_id``; without ``lines`` it bills the whole
    order) or on its own (``party_id`` and ``lines``). Its order's payment follows it."""
    require(actor, "order.change")
    errors = ErrorCollector()
    order = None
    if data.get("order_id") not in (None, ""):
        order = Order.objects.filter(pk=data["order_id"]).first()
        if order is None:
            errors.add("order_id", _("There is no order %(id)s.") % {"id": data["order_id"]})
        elif order.status == OrderStatus.CANCELLED:
            errors.add("order_id", _("This order is cancelled."))
    party = live_party(data.get("party_id") or (order.party_id if order else None), errors)
    head = invoice_head(data, errors)
    currency = invoice_currency(head, order, errors)
    raws = data.get("lines")
    if not raws and order is not None:
        raws = order_lines_as_input(order)
    lines, priced = priced_lines(raws, currency, errors)
    errors.raise_if_any()
    assert party is not None and priced is not None
    with transaction.atomic():
        invoice = Invoice(
            number=head["number"] or next_number("invoice"),
            party=party,
            order=order,
            currency=currency,
            issued_at=timezone.now(),
        )
        invoice_write(actor, invoice, head, lines, priced, errors)
        audit_record(
            actor=actor,
            action="create",
            instance=invoice,
            party_id=party.pk,
            summary=invoice_summary(invoice),
            changes={"lines": len(lines), "order": order.number if order else None},
        )
        parties = invoice_order_follow(actor, invoice)
        lifecycle_rules_apply(party_ids=parties, cause_type=INVOICE_REGARDING, cause_id=invoice.pk)
        sales_event("invoice.created", invoice_id=invoice.pk, party_id=party.pk)
    return invoice


def invoice_summary(invoice: Invoice) -> str:
    return (
        f"{invoice.number}: {invoice.total} {invoice.currency} "
        f"({invoice.get_payment_state_display()})"
    )


def invoice_void(
    *, actor: Any, invoice_id: int, reason: str = "", version: int | None = None
) -> Invoice:
    """Void an invoice (it stays, marked void, and no longer counts for its order)."""
    require(actor, "order.change")
    with transaction.atomic():
        invoice = locked(Invoice, invoice_id, _("Invoice"))
        check_version(invoice, version)
        if invoice.status == InvoiceStatus.VOID:
            return invoice
        before = invoice_snapshot(invoice)
        invoice.status = InvoiceStatus.VOID
        bump(invoice, ["status"])
        audit_record(
            actor=actor,
            action="update",
            instance=invoice,
            party_id=invoice.party_id,
            summary=_("%(number)s voided") % {"number": invoice.number},
            changes={**diff(before, invoice_snapshot(invoice)), "reason": reason[:500]},
        )
        parties = invoice_order_follow(actor, invoice)
        lifecycle_rules_apply(party_ids=parties, cause_type=INVOICE_REGARDING, cause_id=invoice.pk)
        sales_event("invoice.voided", invoice_id=invoice.pk, party_id=invoice.party_id)
    return invoice


def invoice_payment_apply(
    actor: Any,
    invoice: Invoice,
    amount: Decimal,
    when: datetime.datetime,
    method: str = "",
    reference: str = "",
) -> None:
    """Add a payment to a locked invoice (no checks: the caller made them)."""
    Payment.objects.create(
        party_id=invoice.party_id,
        order_id=invoice.order_id,
        invoice=invoice,
        amount=amount,
        currency=invoice.currency,
        paid_at=when,
        method=method,
        reference=(reference or "").strip()[:120],
        recorded_by=user_or_none(actor),
    )
    invoice.amount_paid += amount
    invoice.payment_state = payment_state_for(invoice.total, invoice.amount_paid)
    if invoice.payment_state == PAID:
        invoice.paid_at = when
    bump(invoice, ["amount_paid", "payment_state", "paid_at"])


def invoice_payment_record(
    *,
    actor: Any,
    invoice_id: int,
    amount: Any,
    paid_at: Any = None,
    method: str = "",
    reference: str = "",
    version: int | None = None,
) -> Invoice:
    """Record money received for an invoice; its order's payment follows."""
    require(actor, "order.change")
    errors = ErrorCollector()
    value, when = clean_payment(amount, paid_at, method, errors)
    errors.raise_if_any()
    with transaction.atomic():
        invoice = locked(Invoice, invoice_id, _("Invoice"))
        check_version(invoice, version)
        if invoice.status == InvoiceStatus.VOID:
            raise Invalid.field("amount", _("This invoice is void."), code="invoice_void")
        due = invoice.total - invoice.amount_paid
        if invoice.payment_state == REFUNDED or value > due:
            raise Invalid.field(
                "amount",
                _("Only %(left)s %(cur)s is still to be paid on this invoice.")
                % {"left": max(due, ZERO), "cur": invoice.currency},
                code="overpayment",
            )
        before = invoice_snapshot(invoice)
        invoice_payment_apply(actor, invoice, value, when, method, reference)
        audit_record(
            actor=actor,
            action="update",
            instance=invoice,
            party_id=invoice.party_id,
            summary=_("%(number)s: payment of %(amount)s %(cur)s")
            % {"number": invoice.number, "amount": value, "cur": invoice.currency},
            changes={
                **diff(before, invoice_snapshot(invoice)),
                "payment": {"amount": str(value), "method": method, "reference": reference},
            },
        )
        parties = invoice_order_follow(actor, invoice)
        lifecycle_rules_apply(party_ids=parties, cause_type=INVOICE_REGARDING, cause_id=invoice.pk)
        sales_event(
            "invoice.payment_recorded",
            invoice_id=invoice.pk,
            party_id=invoice.party_id,
            amount=str(value),
            payment_state=invoice.payment_state,
        )
    return invoice
