"""Reads on orders and invoices: filtered lists a keyset page at a time, totals per currency,
one document with its lines, invoices and payments, a deal's orders.

Everyone who sees deals sees orders and invoices (``deal.view``; marketing sees amounts only
in aggregate, through the reports).
"""

from __future__ import annotations

import base64
import datetime
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.errors import Invalid, NotFound
from fregues.core.permissions import require
from fregues.parties.models import Party

from ..filters.orders import InvoiceFilters, OrderFilters
from ..models import Invoice, InvoiceLine, Order, OrderLine, Payment

UNSETTLED = ("unpaid", "partial")


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def _number_q(q: str) -> Q:
    return Q(number__startswith=q) | Q(number__startswith=q.upper()) | Q(external_id=q)


def _orders(filters: OrderFilters) -> QuerySet[Order]:
    f = filters
    qs = Order.objects.all()
    if f.party_id:
        qs = qs.filter(party_id=f.party_id)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.payment_state:
        qs = qs.filter(payment_state=f.payment_state)
    if f.currency:
        qs = qs.filter(currency=f.currency.upper())
    if f.source:
        qs = qs.filter(source=f.source)
    if f.opportunity_id:
        qs = qs.filter(
            Q(opportunity_id=f.opportunity_id) | Q(quote__opportunity_id=f.opportunity_id)
        )
    if f.date_from:
        qs = qs.filter(ordered_at__gte=_day_start(f.date_from))
    if f.date_to:
        qs = qs.filter(ordered_at__lt=_day_start(f.date_to + datetime.timedelta(days=1)))
    if f.q:
        qs = qs.filter(_number_q(f.q))
    return qs


def _cursor_encode(at: datetime.datetime, pk: int) -> str:
    raw = json.dumps([at.isoformat(), pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _cursor_decode(cursor: str) -> tuple[datetime.datetime, int]:
    try:
        at, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        moment = datetime.datetime.fromisoformat(at)
        if timezone.is_naive(moment):
            raise ValueError("a cursor's time carries its offset")
        return moment, int(pk)
    except (ValueError, TypeError) as exc:
        raise Invalid.field(
            "cursor", _("This cursor is not valid."), code="invalid_cursor"
        ) from exc


def _page(
    qs: QuerySet[Any], field: str, cursor: str | None, limit: int
) -> tuple[list[Any], str | None]:
    """Newest first by ``field`` then id; the next cursor when there is more."""
    if cursor:
        at, pk = _cursor_decode(cursor)
        qs = qs.filter(Q(**{f"{field}__lt": at}) | Q(**{field: at, "pk__lt": pk}))
    rows = list(qs.order_by(f"-{field}", "-id")[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = _cursor_encode(getattr(last, field), last.pk)
    return rows[:limit], next_cursor


def order_list(
    *, actor: Any, filters: OrderFilters, cursor: str | None = None, limit: int = 50
) -> tuple[list[Order], str | None]:
    """Orders newest first with the shared filters, a keyset page at a time."""
    require(actor, "deal.view")
    qs = _orders(filters).select_related("party", "owner")
    return _page(qs, "ordered_at", cursor, limit)


@dataclass
class CurrencyTotal:
    """The orders of a list in one currency: how many, their total, what was paid."""

    currency: str
    count: int
    total: Decimal
    net_total: Decimal
    amount_paid: Decimal

    @property
    def balance(self) -> Decimal:
        return self.total - self.amount_paid


def order_totals(*, actor: Any, filters: OrderFilters) -> list[CurrencyTotal]:
    """Totals per currency of the orders the filters select (cancelled ones left out unless
    asked for): one aggregate query."""
    require(actor, "deal.view")
    qs = _orders(filters)
    if not filters.status:
        qs = qs.exclude(status="cancelled")
    rows = (
        qs.order_by()
        .values("currency")
        .annotate(
            count=Count("id"),
            total=Sum("total"),
            subtotal=Sum("subtotal"),
            discount=Sum("discount_total"),
            paid=Sum("amount_paid"),
        )
        .order_by("currency")
    )
    return [
        CurrencyTotal(
            currency=row["currency"],
            count=row["count"],
            total=row["total"] or Decimal(0),
            net_total=(row["subtotal"] or Decimal(0)) - (row["discount"] or Decimal(0)),
            amount_paid=row["paid"] or Decimal(0),
        )
        for row in rows
    ]


def order_get(*, actor: Any, order_id: int) -> Order:
    """One order with its lines (and their products), invoices and payments."""
    require(actor, "deal.view")
    order = (
        Order.objects.select_related("party", "owner", "quote", "opportunity")
        .prefetch_related(
            Prefetch("lines", OrderLine.objects.order_by("position", "id")),
            Prefetch("invoices", Invoice.objects.order_by("issued_at", "id")),
            Prefetch("payments", Payment.objects.select_related("recorded_by", "invoice")),
        )
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        raise NotFound(
            _("Order %(id)s does not exist.") % {"id": order_id}, details={"id": order_id}
        )
    return order


def order_margin(order: Order) -> Decimal | None:
    """What the order earns over its cost (net of discounts, before taxes), when known."""
    if order.cost_total is None:
        return None
    return order.net_total - order.cost_total


def orders_for_opportunity(*, actor: Any, opportunity_id: int, limit: int = 10) -> list[Order]:
    """A deal's orders (made from it or from one of its quotes), newest first."""
    rows, _next = order_list(
        actor=actor, filters=OrderFilters(opportunity_id=opportunity_id), limit=limit
    )
    return rows


def _invoices(filters: InvoiceFilters) -> QuerySet[Invoice]:
    f = filters
    qs = Invoice.objects.all()
    if f.party_id:
        qs = qs.filter(party_id=f.party_id)
    if f.order_id:
        qs = qs.filter(order_id=f.order_id)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.payment_state:
        qs = qs.filter(payment_state=f.payment_state)
    if f.overdue:
        qs = qs.filter(
            due_date__lt=timezone.localdate(), payment_state__in=UNSETTLED, status="issued"
        )
    if f.date_from:
        qs = qs.filter(issued_at__gte=_day_start(f.date_from))
    if f.date_to:
        qs = qs.filter(issued_at__lt=_day_start(f.date_to + datetime.timedelta(days=1)))
    if f.q:
        qs = qs.filter(_number_q(f.q))
    return qs


def invoice_list(
    *, actor: Any, filters: InvoiceFilters, cursor: str | None = None, limit: int = 50
) -> tuple[list[Invoice], str | None]:
    """Invoices newest first with the shared filters, a keyset page at a time."""
    require(actor, "deal.view")
    qs = _invoices(filters).select_related("party", "order")
    return _page(qs, "issued_at", cursor, limit)


def invoice_get(*, actor: Any, invoice_id: int) -> Invoice:
    require(actor, "deal.view")
    invoice = (
        Invoice.objects.select_related("party", "order")
        .prefetch_related(
            Prefetch("lines", InvoiceLine.objects.order_by("position", "id")),
            Prefetch("payments", Payment.objects.select_related("recorded_by")),
        )
        .filter(pk=invoice_id)
        .first()
    )
    if invoice is None:
        raise NotFound(
            _("Invoice %(id)s does not exist.") % {"id": invoice_id}, details={"id": invoice_id}
        )
    return invoice


def invoice_is_overdue(invoice: Invoice, today: datetime.date | None = None) -> bool:
    """Past its due date and not paid (a void invoice is never overdue)."""
    today = today or timezone.localdate()
    return (
        invoice.status == "issued"
        and invoice.payment_state in UNSETTLED
        and invoice.due_date is not None
        and invoice.due_date < today
    )


def party_brief(party_id: Any) -> Party | None:
    """The customer a list is filtered by (its name for the heading), or None."""
    if not str(party_id or "").isdigit():
        return None
    return Party.objects.only("pk", "name", "kind").filter(pk=int(party_id)).first()
