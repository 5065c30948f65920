"""The ``rfm`` and ``profitability`` parts of the reporting store (order 20): scores written on
``CustomerFact`` rows once the customer facts are up to date.

Both are relative to the whole portfolio (quintiles, medians), so they are recomputed over
every row on each refresh, set-based: one window-function query for RFM, two medians and one
``UPDATE`` for the quadrants. Rows whose score did not change are not written (``IS DISTINCT
FROM``), so a day's refresh writes only the customers who moved. The reasons a customer is
unprofitable depend only on that customer's own records (fixed thresholds below), so they are
recomputed only for the rows the customer-facts part refreshed since the window's start.

Everything here is data: the RFM segment map, the quadrant names, the reasons and their
thresholds — the screens and the API read the same tables.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils.translation import gettext_lazy as _

from fregues.interactions.models import Interaction
from fregues.sales.models import Order
from fregues.service.models import AvoidableContact

from .facts_customers import CASE_REGARDING, is_pg, sql_dt, sql_json, sql_num, table
from .models import CustomerFact
from .refresh import RefreshWindow, refresher_register

# --- RFM -------------------------------------------------------------------------------------

# The standard RFM segment map on the recency × frequency grid (scores 1–5, 5 = best):
# (segment, recency scores, frequency scores). Every one of the 25 cells has one segment.
RFM_SEGMENTS: list[tuple[str, tuple[int, ...], tuple[int, ...]]] = [
    ("champions", (5,), (4, 5)),
    ("loyal", (3, 4), (4, 5)),
    ("potential_loyalists", (4, 5), (2, 3)),
    ("new_customers", (5,), (1,)),
    ("promising", (4,), (1,)),
    ("need_attention", (3,), (3,)),
    ("about_to_sleep", (3,), (1, 2)),
    ("cant_lose", (1, 2), (5,)),
    ("at_risk", (1, 2), (3, 4)),
    ("hibernating", (1, 2), (1, 2)),  # except the (1, 1) cell, which is "lost"
    ("lost", (1,), (1,)),
]
RFM_SEGMENT_LABELS = {
    "champions": _("Champions"),
    "loyal": _("Loyal"),
    "potential_loyalists": _("Potential loyalists"),
    "new_customers": _("New customers"),
    "promising": _("Promising"),
    "need_attention": _("Need attention"),
    "about_to_sleep": _("About to sleep"),
    "cant_lose": _("Can't lose them"),
    "at_risk": _("At risk"),
    "hibernating": _("Hibernating"),
    "lost": _("Lost"),
}


def rfm_segment_of(recency: int, frequency: int) -> str:
    """The segment of one cell of the grid (the most specific entry of the map wins)."""
    if (recency, frequency) == (1, 1):
        return "lost"
    for code, rs, fs in RFM_SEGMENTS:
        if recency in rs and frequency in fs:
            return code
    return ""


def _segment_case(r: str, f: str) -> str:
    """The map as a SQL ``CASE`` over the 25 cells (values are constants: no parameters)."""
    whens = [
        f"WHEN {r} = {rec} AND {f} = {freq} THEN '{rfm_segment_of(rec, freq)}'"
        for rec in range(1, 6)
        for freq in range(1, 6)
    ]
    return "CASE " + " ".join(whens) + " ELSE '' END"


def _differs(left: str, right: str) -> str:
    return f"{left} IS DISTINCT FROM {right}" if is_pg() else f"{left} IS NOT {right}"


def rfm_refresh(window: RefreshWindow) -> int:
    """Quintile scores 1–5 over the customers with at least one order — recency (the latest
    order gets 5), frequency (orders) and monetary (revenue) — and the named segment of the
    recency × frequency cell. Ties are split by party id (NTILE's rule: equal tiles). Customers
    without orders have no scores."""
    facts = table(CustomerFact)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {facts} SET rfm_recency = NULL, rfm_frequency = NULL, "
            "rfm_monetary = NULL, rfm_segment = '' WHERE orders_count = 0 "
            "AND (rfm_recency IS NOT NULL OR rfm_segment <> '')"
        )
        written = max(cursor.rowcount, 0)
        scores = (
            "SELECT party_id, "
            "NTILE(5) OVER (ORDER BY last_order_at, party_id) AS r, "
            "NTILE(5) OVER (ORDER BY orders_count, party_id) AS f, "
            "NTILE(5) OVER (ORDER BY revenue, party_id) AS m "
            f"FROM {facts} WHERE orders_count > 0"
        )
        segment = _segment_case("x.r", "x.f")
        cursor.execute(
            f"UPDATE {facts} SET rfm_recency = x.r, rfm_frequency = x.f, rfm_monetary = x.m, "
            f"rfm_segment = {segment} FROM ({scores}) x WHERE {facts}.party_id = x.party_id "
            f"AND ({_differs(f'{facts}.rfm_recency', 'x.r')} "
            f"OR {_differs(f'{facts}.rfm_frequency', 'x.f')} "
            f"OR {_differs(f'{facts}.rfm_monetary', 'x.m')} "
            f"OR {facts}.rfm_segment <> {segment})"
        )
        written += max(cursor.rowcount, 0)
    return written


# --- profitability ---------------------------------------------------------------------------

QUADRANTS = ["champions", "demanding", "cheap_to_keep", "loss"]
QUADRANT_LABELS = {
    "champions": _("Champions: high value, cheap to serve"),
    "demanding": _("Demanding: high value, costly to serve"),
    "cheap_to_keep": _("Cheap to keep: low value, cheap to serve"),
    "loss": _("Loss: low value, costly to serve"),
}

# Seed 004's three measures for an unprofitable customer, each reason with its threshold.
FIXABLE, ORDERS, PRICE = "fixable", "orders", "price"
MEASURE_LABELS = {
    FIXABLE: _("Fix it internally"),
    ORDERS: _("Change the order pattern"),
    PRICE: _("Raise the price"),
}
AVOIDABLE_CONTACTS_MIN = 1  # avoidable contacts (status inquiries, repeat reports)
REPEAT_CONTACTS_MIN = 1  # inbound contacts about a case beyond its first
LONG_HANDLING_MINUTES = 60  # average handling minutes per case
SMALL_ORDERS_MIN_COUNT = 3  # "many" orders ...
SMALL_ORDER_VALUE = Decimal("100")  # ... averaging less than this (reporting currency)
RETURNS_MIN = 1  # cancelled or refunded orders
LOW_MARGIN = Decimal("0.10")  # gross margin below 10 % of revenue
DISCOUNT_SHARE = Decimal("0.15")  # discounts of 15 % of the gross or more
REASONS: list[tuple[str, str]] = [
    ("avoidable_contacts", FIXABLE),
    ("repeat_contacts", FIXABLE),
    ("long_handling", FIXABLE),
    ("service_cost", FIXABLE),
    ("small_orders", ORDERS),
    ("returns", ORDERS),
    ("low_margin", ORDERS),
    ("below_cost", PRICE),
    ("discounts", PRICE),
]
REASON_LABELS = {
    "avoidable_contacts": _("Avoidable contacts (status inquiries, repeat reports)"),
    "repeat_contacts": _("Repeat contacts about the same case"),
    "long_handling": _("Long handling time per case (minutes)"),
    "service_cost": _("Cost to serve above the gross margin"),
    "small_orders": _("Many small orders (average order value)"),
    "returns": _("Cancelled or refunded orders"),
    "low_margin": _("Low margin (share of revenue)"),
    "below_cost": _("Sold below cost (gross margin)"),
    "discounts": _("Discounts (share of the gross)"),
}
ACTIVE = "(orders_count > 0 OR contacts_count > 0 OR cases_count > 0)"
LOSING = "analytics_tmp_losing"  # the customers whose reasons a refresh rewrites


def _median(cursor: Any, expression: str) -> Decimal:
    """The median of ``expression`` over the customers with any activity (0 with none), by
    sorting: the same SQL on both databases (SQLite has no percentile function)."""
    facts = table(CustomerFact)
    cursor.execute(f"SELECT COUNT(*) FROM {facts} WHERE {ACTIVE}")
    n = cursor.fetchone()[0]
    if not n:
        return Decimal(0)
    cursor.execute(
        f"SELECT {expression} AS v FROM {facts} WHERE {ACTIVE} ORDER BY v LIMIT %s OFFSET %s",
        [2 - n % 2, (n - 1) // 2],
    )
    values = [Decimal(str(row[0])) for row in cursor.fetchall()]
    return sum(values, Decimal(0)) / len(values)


def profitability_thresholds(cursor: Any) -> tuple[Decimal, Decimal]:
    """The medians that split the quadrants: gross margin (revenue − cost of goods) and cost
    to serve, over the customers with any order, contact or case."""
    return (
        _median(cursor, "revenue - cost_of_goods"),
        _median(cursor, "cost_to_serve"),
    )


def _reason_piece(code: str, measure: str, condition: str, figure: str) -> str:
    head = '{"code": "' + code + '", "measure": "' + measure + '", "value": '
    return (
        f"CASE WHEN {condition} THEN '{head}' || CAST({figure} AS {_text()}) || '}},' ELSE '' END"
    )


def _text() -> str:
    return "text" if is_pg() else "TEXT"


def _reasons_sql() -> str:
    """The JSON list of reasons of one unprofitable row ``f`` (joined to its extras ``x``),
    built as text by the database."""
    margin = "(f.revenue - f.cost_of_goods)"
    pieces = [
        _reason_piece(
            "avoidable_contacts",
            FIXABLE,
            f"COALESCE(av.n, 0) >= {AVOIDABLE_CONTACTS_MIN}",
            "av.n",
        ),
        _reason_piece(
            "repeat_contacts", FIXABLE, f"COALESCE(rp.n, 0) >= {REPEAT_CONTACTS_MIN}", "rp.n"
        ),
        _reason_piece(
            "long_handling",
            FIXABLE,
            f"f.cases_count > 0 AND f.handling_minutes > {LONG_HANDLING_MINUTES} * f.cases_count",
            "ROUND(f.handling_minutes * 1.0 / f.cases_count, 1)",
        ),
        _reason_piece(
            "service_cost",
            FIXABLE,
            f"{margin} >= 0 AND f.cost_to_serve > {margin}",
            "f.cost_to_serve",
        ),
        _reason_piece(
            "small_orders",
            ORDERS,
            f"f.orders_count >= {SMALL_ORDERS_MIN_COUNT} "
            f"AND f.revenue < {SMALL_ORDER_VALUE} * f.orders_count",
            "ROUND(f.revenue / f.orders_count, 2)",
        ),
        _reason_piece(
            "returns", ORDERS, f"COALESCE(od.returned, 0) >= {RETURNS_MIN}", "od.returned"
        ),
        _reason_piece(
            "low_margin",
            ORDERS,
            f"f.revenue > 0 AND f.cost_of_goods > 0 AND {margin} >= 0 "
            f"AND {margin} < {LOW_MARGIN} * f.revenue",
            f"ROUND({margin} * 1.0 / f.revenue, 4)",
        ),
        _reason_piece("below_cost", PRICE, f"{margin} < 0", margin),
        _reason_piece(
            "discounts",
            PRICE,
            f"COALESCE(od.gross, 0) > 0 AND od.discount >= {DISCOUNT_SHARE} * od.gross",
            "ROUND(od.discount * 1.0 / od.gross, 4)",
        ),
    ]
    return "'[' || rtrim(" + " || ".join(pieces) + ", ',') || ']'"


def profitability_refresh(window: RefreshWindow) -> int:
    """Set every active customer's ``quadrant`` (gross margin above the median → high value;
    cost to serve above the median → costly; strictly above, so a portfolio of equals is all
    "cheap to keep"), clear it on inactive ones, and write the ``unprofitable_reasons`` of the
    customers with a negative profit refreshed in the window (an empty list for the others)."""
    facts = table(CustomerFact)
    with connection.cursor() as cursor:
        value_median, cost_median = profitability_thresholds(cursor)
        quadrant = (
            f"CASE WHEN NOT {ACTIVE} THEN '' "
            "WHEN revenue - cost_of_goods > %s AND cost_to_serve <= %s THEN 'champions' "
            "WHEN revenue - cost_of_goods > %s THEN 'demanding' "
            "WHEN cost_to_serve <= %s THEN 'cheap_to_keep' ELSE 'loss' END"
        )
        params = [sql_num(v) for v in (value_median, cost_median, value_median, cost_median)]
        cursor.execute(
            f"UPDATE {facts} SET quadrant = {quadrant} WHERE quadrant <> {quadrant}",
            params + params,
        )
        written = max(cursor.rowcount, 0)
        empty = sql_json("'[]'")
        cursor.execute(
            f"UPDATE {facts} SET unprofitable_reasons = {empty} "
            f"WHERE profit >= 0 AND unprofitable_reasons <> {empty}"
        )
        written += max(cursor.rowcount, 0)
        target = f"SELECT party_id FROM {facts} WHERE profit < 0"
        target_params: list[Any] = []
        if window.since is not None:
            stamped, after = window.stamped_after("refreshed_at")
            target += f" AND {stamped}"
            target_params = [sql_dt(after)]
        # the losing customers in a table of their own, analysed: read four times below, and
        # estimated at one row as a subquery (a nested loop re-running the orders per row)
        cursor.execute(f"DROP TABLE IF EXISTS {LOSING}")
        cursor.execute(f"CREATE TEMPORARY TABLE {LOSING} (party_id bigint PRIMARY KEY)")
        cursor.execute(f"INSERT INTO {LOSING} (party_id) {target}", target_params)
        if is_pg():
            cursor.execute(f"ANALYZE {LOSING}")
        target, target_params = f"SELECT party_id FROM {LOSING}", []
        interactions = table(Interaction)
        avoidable = (
            f"SELECT i.party_id, COUNT(*) AS n FROM {table(AvoidableContact)} a "
            f"JOIN {interactions} i ON i.id = a.interaction_id "
            f"JOIN ({target}) t ON t.party_id = i.party_id GROUP BY i.party_id"
        )
        repeats = (
            "SELECT i.party_id, COUNT(*) - COUNT(DISTINCT i.regarding_id) AS n "
            f"FROM {interactions} i JOIN ({target}) t ON t.party_id = i.party_id "
            "WHERE i.regarding_type = %s AND i.direction = 'in' GROUP BY i.party_id"
        )
        orders = (
            "SELECT o.party_id, SUM(CASE WHEN o.status = 'cancelled' "
            "OR o.payment_state = 'refunded' THEN 1 ELSE 0 END) AS returned, "
            "SUM(CASE WHEN o.status <> 'cancelled' THEN o.discount_total ELSE 0 END) "
            "AS discount, "
            "SUM(CASE WHEN o.status <> 'cancelled' THEN o.subtotal ELSE 0 END) AS gross "
            f"FROM {table(Order)} o JOIN ({target}) t ON t.party_id = o.party_id "
            "GROUP BY o.party_id"
        )
        reasons = (
            f"SELECT f.party_id, {_reasons_sql()} AS reasons FROM {facts} f "
            f"JOIN ({target}) t ON t.party_id = f.party_id "
            f"LEFT JOIN ({avoidable}) av ON av.party_id = f.party_id "
            f"LEFT JOIN ({repeats}) rp ON rp.party_id = f.party_id "
            f"LEFT JOIN ({orders}) od ON od.party_id = f.party_id"
        )
        cursor.execute(
            f"UPDATE {facts} SET unprofitable_reasons = {sql_json('x.reasons')} "
            f"FROM ({reasons}) x WHERE {facts}.party_id = x.party_id",
            [*target_params, *target_params, *target_params, CASE_REGARDING, *target_params],
        )
        written += max(cursor.rowcount, 0)
        cursor.execute(f"DROP TABLE {LOSING}")
    return written


refresher_register("rfm", rfm_refresh, order=20, label="RFM")
refresher_register("profitability", profitability_refresh, order=20, label=str(_("Profitability")))
