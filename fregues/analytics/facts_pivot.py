"""The pivot's facts: order lines per (party, product, month) and interactions per (party,
channel, direction, month), kept by the refresher ``pivot_facts`` (order 50).

Each table is filled by one ``INSERT ... SELECT`` compiled from the ORM (time zones and month
truncation done by Django for both databases), so a full rebuild never brings a row into
Python. An incremental refresh rebuilds every month of the parties whose orders (or
interactions) changed since the window's start: a customer's history is small and the
``(party, ...)`` indexes of the live tables find it, while ``updated_at`` has no index of its
own (one sequential scan of the changed rows a day, see docs/analytics/an-pivot.md).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate, TruncMonth

from fregues.interactions.models import Interaction
from fregues.sales.models import Order, OrderLine

from .models import ExchangeRate, InteractionFact, OrderFact
from .refresh import RefreshWindow, refresher_register

MONEY = DecimalField(max_digits=24, decimal_places=8)


def _rate() -> Case:
    """The rate of the line's order currency on the order's date (1 for the reporting
    currency itself; NULL when no rate is known, which leaves the line out of money sums)."""
    latest = (
        ExchangeRate.objects.filter(
            currency=OuterRef("order__currency"), valid_from__lte=OuterRef("order_date")
        )
        .order_by("-valid_from")
        .values("rate")[:1]
    )
    return Case(
        When(order__currency=settings.ANALYTICS_CURRENCY, then=Value(Decimal(1))),
        default=Subquery(latest),
        output_field=MONEY,
    )


def _order_rows(parties: QuerySet[Any] | None) -> QuerySet[Any]:
    """The grouped SELECT of the order facts (only ``parties``' orders when given)."""
    lines_in_order = (
        OrderLine.objects.filter(order_id=OuterRef("order_id"))
        .order_by()
        .values("order_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    lines = OrderLine.objects.filter(~Q(order__status="cancelled"))
    if parties is not None:
        lines = lines.filter(order__party_id__in=parties)
    costed = Q(unit_cost__isnull=False)
    return (
        lines.order_by()
        .annotate(order_date=TruncDate("order__ordered_at"))
        .annotate(
            r=_rate(),
            k_party=F("order__party_id"),
            k_category=Coalesce("product__category", Value("")),
            k_month=TruncMonth("order__ordered_at"),
        )
        .values("k_party", "product_id", "k_category", "k_month")
        .annotate(
            s_revenue=Sum(ExpressionWrapper(F("net") * F("r"), output_field=MONEY)),
            s_quantity=Sum("quantity"),
            s_cost=Sum(
                Case(
                    When(costed, then=F("quantity") * F("unit_cost") * F("r")),
                    output_field=MONEY,
                )
            ),
            s_margin=Sum(
                Case(
                    When(costed, then=F("net") * F("r") - F("quantity") * F("unit_cost") * F("r")),
                    output_field=MONEY,
                )
            ),
            s_orders=Sum(
                # a float: SQLite would make 1 / 2 an integer division
                ExpressionWrapper(
                    Value(1.0, output_field=FloatField()) / Subquery(lines_in_order),
                    output_field=FloatField(),
                )
            ),
            s_lines=Count("id"),
        )
    )


def _interaction_rows(parties: QuerySet[Any] | None) -> QuerySet[Any]:
    rows = Interaction.objects.all()
    if parties is not None:
        rows = rows.filter(party_id__in=parties)
    return (
        rows.order_by()
        .annotate(k_month=TruncMonth("occurred_at"))
        .values("party_id", "channel", "direction", "k_month")
        .annotate(s_contacts=Count("id"), s_duration=Coalesce(Sum("duration_seconds"), 0))
    )


def _insert(table: str, columns: list[str], select: QuerySet[Any], aliases: list[str]) -> int:
    """``INSERT INTO table (columns) SELECT aliases FROM (the compiled queryset)``."""
    sql, params = select.query.sql_with_params()
    quote = connection.ops.quote_name
    target = ", ".join(quote(c) for c in columns)
    source = ", ".join(aliases)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(table)} ({target}) SELECT {source} FROM ({sql}) AS q",
            params,
        )
        return max(cursor.rowcount, 0)


def _month(alias: str) -> str:
    """The truncated month as a date (SQLite's truncation is a 'YYYY-MM-01 00:00:00' text)."""
    return f"date(q.{alias})" if connection.vendor == "sqlite" else f"CAST(q.{alias} AS date)"


def _money(alias: str, places: int = 2) -> str:
    return f"COALESCE(ROUND(q.{alias}, {places}), 0)"


ORDER_COLUMNS = [
    *("party_id", "product_id", "category", "month", "revenue", "quantity", "cost", "margin"),
    *("orders", "lines"),
]


def refresh_order_facts(window: RefreshWindow) -> int:
    """Rebuild the order facts (all of them, or the changed parties' ones)."""
    parties = None
    if not window.full:
        parties = (
            Order.objects.filter(updated_at__gte=window.since, updated_at__lte=window.until)
            .order_by()
            .values("party_id")
        )
        OrderFact.objects.filter(party_id__in=parties).delete()
    else:
        OrderFact.objects.all().delete()
    return _insert(
        OrderFact._meta.db_table,
        ORDER_COLUMNS,
        _order_rows(parties),
        [
            "q.k_party",
            "q.product_id",
            "q.k_category",
            _month("k_month"),
            _money("s_revenue"),
            _money("s_quantity", 3),
            _money("s_cost"),
            _money("s_margin"),
            _money("s_orders", 6),
            "q.s_lines",
        ],
    )


def refresh_interaction_facts(window: RefreshWindow) -> int:
    """Rebuild the interaction facts (all of them, or the changed parties' ones)."""
    parties = None
    if not window.full:
        parties = (
            Interaction.objects.filter(updated_at__gte=window.since, updated_at__lte=window.until)
            .order_by()
            .values("party_id")
        )
        InteractionFact.objects.filter(party_id__in=parties).delete()
    else:
        InteractionFact.objects.all().delete()
    return _insert(
        InteractionFact._meta.db_table,
        ["party_id", "channel", "direction", "month", "contacts", "duration_seconds"],
        _interaction_rows(parties),
        [
            "q.party_id",
            "q.channel",
            "q.direction",
            _month("k_month"),
            "q.s_contacts",
            "q.s_duration",
        ],
    )


def refresh_pivot_facts(window: RefreshWindow) -> int:
    """The refresher: both fact tables, in the refresh's transaction."""
    return refresh_order_facts(window) + refresh_interaction_facts(window)


refresher_register("pivot_facts", refresh_pivot_facts, order=50, label="Pivot facts")
