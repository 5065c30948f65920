"""Reads of "My orders": the signed-in customer's orders, invoices and quotes, and the products
they may ask to customise.

Every read takes the party and filters by it: a number belonging to another customer is a 404,
exactly like a number that does not exist. Quotes still being written (drafts) and withdrawn
ones are not the customer's business and are 404 too.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.errors import NotFound
from fregues.parties.models import Party
from fregues.sales.models import (
    Invoice,
    InvoiceLine,
    Order,
    OrderLine,
    Product,
    Quote,
    QuoteLine,
    QuoteStatus,
)
from fregues.sales.selectors.orders import invoice_is_overdue

# What a customer sees of their quotes: the ones sent to them and what became of them.
VISIBLE_QUOTES = (
    QuoteStatus.SENT,
    QuoteStatus.ACCEPTED,
    QuoteStatus.DECLINED,
    QuoteStatus.EXPIRED,
)
LIST_LIMIT = 100


def portal_orders(*, party: Party, limit: int = LIST_LIMIT) -> list[Order]:
    """The customer's orders, newest first, with their lines."""
    return list(
        Order.objects.filter(party=party)
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("position", "id")))
        .order_by("-ordered_at", "-id")[:limit]
    )


def portal_order_get(*, party: Party, number: str) -> Order:
    """One of the customer's orders by its number, with lines and invoices (404 otherwise)."""
    order = (
        Order.objects.filter(party=party, number=number)
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.order_by("position", "id")),
            Prefetch("invoices", queryset=Invoice.objects.order_by("-issued_at", "-id")),
        )
        .order_by("-ordered_at", "-id")
        .first()
    )
    if order is None:
        raise NotFound(_("Order %(number)s was not found.") % {"number": number})
    return order


@dataclass(frozen=True)
class InvoiceRow:
    """An invoice as the customer sees it: ``state`` is paid, partial, due, overdue or void."""

    invoice: Invoice
    state: str

    @property
    def balance(self) -> Any:
        return max(self.invoice.total - self.invoice.amount_paid, 0)


def invoice_state(invoice: Invoice, today: datetime.date | None = None) -> str:
    """paid, partial, due, overdue, void or refunded — one word for the customer's list."""
    if invoice.status == "void":
        return "void"
    if invoice_is_overdue(invoice, today):
        return "overdue"
    if invoice.payment_state in ("paid", "refunded"):
        return str(invoice.payment_state)
    if invoice.payment_state == "partial":
        return "partial"
    return "due"


def portal_invoices(*, party: Party, limit: int = LIST_LIMIT) -> list[InvoiceRow]:
    """The customer's invoices, newest first, each with its state (overdue first to catch
    the eye is the template's business)."""
    today = timezone.localdate()
    rows = (
        Invoice.objects.filter(party=party)
        .select_related("order")
        .order_by("-issued_at", "-id")[:limit]
    )
    return [InvoiceRow(invoice, invoice_state(invoice, today)) for invoice in rows]


def portal_invoice_get(*, party: Party, number: str) -> InvoiceRow:
    invoice = (
        Invoice.objects.filter(party=party, number=number)
        .select_related("order")
        .prefetch_related(
            Prefetch("lines", queryset=InvoiceLine.objects.order_by("position", "id"))
        )
        .order_by("-issued_at", "-id")
        .first()
    )
    if invoice is None:
        raise NotFound(_("Invoice %(number)s was not found.") % {"number": number})
    return InvoiceRow(invoice, invoice_state(invoice))


def _quotes(party: Party) -> QuerySet[Quote]:
    return Quote.objects.filter(party=party, status__in=VISIBLE_QUOTES)


def quote_is_waiting(quote: Quote, today: datetime.date | None = None) -> bool:
    """Sent and still valid: the customer may accept or decline it."""
    today = today or timezone.localdate()
    return quote.status == QuoteStatus.SENT and (
        quote.valid_until is None or quote.valid_until >= today
    )


def portal_quotes(*, party: Party, limit: int = LIST_LIMIT) -> list[Quote]:
    """The quotes sent to the customer, those waiting for an answer first, then the newest."""
    today = timezone.localdate()
    quotes = list(_quotes(party).order_by("-sent_at", "-id")[:limit])
    return sorted(quotes, key=lambda q: not quote_is_waiting(q, today))


def portal_quote_get(*, party: Party, number: str) -> Quote:
    """One quote sent to the customer, with its lines (404 for drafts and other customers')."""
    quote = (
        _quotes(party)
        .filter(number=number)
        .select_related("order")
        .prefetch_related(Prefetch("lines", queryset=QuoteLine.objects.order_by("position", "id")))
        .first()
    )
    if quote is None:
        raise NotFound(_("Quote %(number)s was not found.") % {"number": number})
    return quote


def customisable_products(*, party: Party) -> list[Product]:
    """The products a customer may ask to customise: those with options that are on sale or
    that the customer bought; the ones they bought first."""
    bought = set(
        OrderLine.objects.filter(order__party=party, product__isnull=False).values_list(
            "product_id", flat=True
        )
    )
    products = list(
        Product.objects.filter(Q(is_active=True) | Q(pk__in=bought))
        .exclude(customisation_options=[])
        .order_by("name", "id")[:200]
    )
    return sorted(products, key=lambda p: p.pk not in bought)


def customisable_product_get(*, party: Party, product_id: int) -> Product:
    """A product the customer may ask to customise (404 otherwise)."""
    product = Product.objects.filter(pk=product_id).exclude(customisation_options=[]).first()
    if product is not None and not product.is_active:
        bought = OrderLine.objects.filter(order__party=party, product_id=product_id).exists()
        product = product if bought else None
    if product is None:
        raise NotFound(_("This product cannot be customised."), code="not_customisable")
    return product
