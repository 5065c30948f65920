"""Revenue per customer (seed 004: which customers are profitable): what they bought, per
currency, net of taxes, with the margin where the cost is known and what they still owe.

Two aggregate queries over the customer's orders and invoices (both served by the
``(party, date)`` indexes), plus one for the latest orders when the customer page asks for them:
the read every agent's customer page makes stays cheap.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Max, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from fregues.core.errors import NotFound
from fregues.core.permissions import require
from fregues.parties.models import Party
from fregues.parties.selectors import party_survivor_id

from ..models import Invoice, InvoiceStatus, Order, OrderStatus, PaymentState
from ..money import quantize

ZERO = Decimal("0")
MONEY = DecimalField(max_digits=16, decimal_places=2)


@dataclass
class CurrencyRevenue:
    """A customer's business in one currency."""

    currency: str
    orders: int = 0
    revenue: Decimal = ZERO  # net of taxes: total − tax of the orders not cancelled
    last_order_at: datetime.datetime | None = None
    average_ticket: Decimal | None = None
    costed_orders: int = 0  # orders whose cost is known
    costed_revenue: Decimal = ZERO
    cost: Decimal | None = None
    margin: Decimal | None = None
    margin_percent: Decimal | None = None
    invoiced: Decimal = ZERO
    paid: Decimal = ZERO
    open: Decimal = ZERO  # billed and not paid yet
    overdue: Decimal = ZERO  # open past its due date
    overdue_invoices: int = 0


@dataclass
class PartyRevenue:
    party_id: int
    currencies: list[CurrencyRevenue] = field(default_factory=list)
    last_orders: list[dict[str, Any]] = field(default_factory=list)

    @property
    def has_business(self) -> bool:
        return any(c.orders or c.invoiced for c in self.currencies)


def _survivor(party_id: int) -> int:
    row = Party.objects.filter(pk=party_id).values_list("merged_into_id", flat=True)
    found = list(row)
    if not found:
        raise NotFound(f"Party {party_id} does not exist.", details={"id": party_id})
    return party_survivor_id(party_id) if found[0] else party_id


def party_revenue(
    *,
    actor: Any,
    party_id: int,
    last_orders: int = 0,
    today: datetime.date | None = None,
    party: Party | None = None,
) -> PartyRevenue:
    """Per currency: orders, revenue (net of taxes, cancelled orders excluded), last order,
    average ticket, margin and margin % over the orders whose cost is known; invoiced, paid,
    open and overdue amounts (void invoices excluded). A merged party's id answers for the
    party it was merged into. ``last_orders``: also the N latest orders (for the panel, and
    only when there are orders). ``party``: the live party already loaded (the customer page),
    which saves the lookup: two queries for a customer who never bought, three otherwise."""
    require(actor, "deal.view")
    pk = party.pk if party is not None and not party.merged_into_id else _survivor(party_id)
    today = today or timezone.localdate()
    net = ExpressionWrapper(F("total") - F("tax_total"), output_field=MONEY)
    costed = Q(cost_total__isnull=False)
    by_currency: dict[str, CurrencyRevenue] = {}
    order_rows: list[dict[str, Any]] = [
        dict(row)
        for row in Order.objects.filter(party_id=pk)
        .exclude(status=OrderStatus.CANCELLED)
        .values("currency")
        .annotate(
            n=Count("id"),
            revenue=Coalesce(Sum(net), Value(ZERO), output_field=MONEY),
            last=Max("ordered_at"),
            costed_n=Count("id", filter=costed),
            costed_revenue=Coalesce(Sum(net, filter=costed), Value(ZERO), output_field=MONEY),
            cost=Sum("cost_total"),
        )
        .order_by()
    ]
    for row in order_rows:
        c = by_currency.setdefault(row["currency"], CurrencyRevenue(row["currency"]))
        c.orders = row["n"]
        c.revenue = quantize(row["revenue"], c.currency)
        c.last_order_at = row["last"]
        c.average_ticket = quantize(c.revenue / c.orders, c.currency) if c.orders else None
        c.costed_orders = row["costed_n"]
        if c.costed_orders:
            c.costed_revenue = quantize(row["costed_revenue"], c.currency)
            c.cost = quantize(row["cost"] or ZERO, c.currency)
            c.margin = c.costed_revenue - c.cost
            c.margin_percent = (
                (c.margin * 100 / c.costed_revenue).quantize(Decimal("0.1"))
                if c.costed_revenue
                else None
            )
    owed = ExpressionWrapper(F("total") - F("amount_paid"), output_field=MONEY)
    unsettled = ~Q(payment_state__in=[PaymentState.PAID, PaymentState.REFUNDED])
    late = unsettled & Q(due_date__lt=today)
    invoice_rows: list[dict[str, Any]] = [
        dict(row)
        for row in Invoice.objects.filter(party_id=pk)
        .exclude(status=InvoiceStatus.VOID)
        .values("currency")
        .annotate(
            invoiced=Coalesce(Sum("total"), Value(ZERO), output_field=MONEY),
            paid=Coalesce(Sum("amount_paid"), Value(ZERO), output_field=MONEY),
            open=Coalesce(Sum(owed, filter=unsettled), Value(ZERO), output_field=MONEY),
            overdue=Coalesce(Sum(owed, filter=late), Value(ZERO), output_field=MONEY),
            overdue_n=Count("id", filter=late),
        )
        .order_by()
    ]
    for row in invoice_rows:
        c = by_currency.setdefault(row["currency"], CurrencyRevenue(row["currency"]))
        c.invoiced = quantize(row["invoiced"], c.currency)
        c.paid = quantize(row["paid"], c.currency)
        c.open = quantize(row["open"], c.currency)
        c.overdue = quantize(row["overdue"], c.currency)
        c.overdue_invoices = row["overdue_n"]
    result = PartyRevenue(
        party_id=pk,
        currencies=sorted(by_currency.values(), key=lambda c: (-c.revenue, c.currency)),
    )
    if last_orders and order_rows:
        result.last_orders = [
            dict(row)
            for row in Order.objects.filter(party_id=pk)
            .order_by("-ordered_at", "-id")
            .values(
                "id",
                "number",
                "ordered_at",
                "status",
                "payment_state",
                "currency",
                "total",
                "tax_total",
            )[:last_orders]
        ]
    return result
