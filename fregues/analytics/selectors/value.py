"""Reads of the customers-and-value reports: RFM, profitability, the unprofitable customers and
one customer's scores. Every read goes through ``analytics_db()`` (a replica when set) and
groups the pre-computed ``CustomerFact`` rows: one scan of the store, no live table touched."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.errors import Invalid, NotFound
from fregues.core.permissions import can, require
from fregues.parties.models import Party

from ..db import analytics_connection, analytics_db, is_postgres
from ..facts_customers import table
from ..models import CustomerFact
from ..value_scores import (
    ACTIVE,
    MEASURE_LABELS,
    QUADRANT_LABELS,
    QUADRANTS,
    REASON_LABELS,
    RFM_SEGMENT_LABELS,
    RFM_SEGMENTS,
)

MAX_PAGE_SIZE = 200


def _rows(sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with analytics_connection().cursor() as cursor:
        cursor.execute(sql, params or [])
        return [tuple(row) for row in cursor.fetchall()]


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def _days_since(now: datetime.datetime) -> tuple[str, list[Any]]:
    """SQL for the days from ``last_order_at`` to ``now``."""
    if is_postgres():
        return "EXTRACT(EPOCH FROM (CAST(%s AS timestamptz) - last_order_at)) / 86400", [now]
    conn = analytics_connection()
    return "julianday(%s) - julianday(last_order_at)", [conn.ops.adapt_datetimefield_value(now)]


def rfm_report(*, actor: Any, now: datetime.datetime | None = None) -> dict[str, Any]:
    """The 5 × 5 recency × frequency grid (customers and revenue per cell) and the segments
    (customers, revenue, average days since the last order), over customers who bought."""
    require(actor, "analytics.view")
    facts = table(CustomerFact)
    cells = {
        (r, f): (n, rev)
        for r, f, n, rev in _rows(
            f"SELECT rfm_recency, rfm_frequency, COUNT(*), SUM(revenue) FROM {facts} "
            "WHERE rfm_recency IS NOT NULL GROUP BY rfm_recency, rfm_frequency"
        )
    }
    days, params = _days_since(now or timezone.now())
    segments = {
        code: (n, rev, avg)
        for code, n, rev, avg in _rows(
            f"SELECT rfm_segment, COUNT(*), SUM(revenue), AVG({days}) FROM {facts} "
            "WHERE rfm_segment <> '' GROUP BY rfm_segment",
            params,
        )
    }
    grid = [
        {
            "recency": r,
            "frequency": f,
            "customers": cells.get((r, f), (0, 0))[0],
            "revenue": _money(cells.get((r, f), (0, 0))[1]),
        }
        for r in range(5, 0, -1)
        for f in range(1, 6)
    ]
    top = max((c["customers"] for c in grid), default=0)
    for cell in grid:
        cell["heat"] = round(100 * cell["customers"] / top) if top else 0
    return {
        "grid": grid,
        "segments": [
            {
                "code": code,
                "label": str(RFM_SEGMENT_LABELS[code]),
                "customers": segments.get(code, (0, 0, None))[0],
                "revenue": _money(segments.get(code, (0, 0, None))[1]),
                "avg_recency_days": (
                    None
                    if segments.get(code, (0, 0, None))[2] is None
                    else round(float(segments[code][2]), 1)
                ),
            }
            for code, _r, _f in RFM_SEGMENTS
        ],
    }


def profitability_report(*, actor: Any) -> dict[str, Any]:
    """The portfolio's quadrants (customers, revenue, cost to serve, profit) and its profit
    distribution by decile (1 = the most profitable tenth of the active customers)."""
    require(actor, "analytics.view")
    facts = table(CustomerFact)
    sums = "COUNT(*), SUM(revenue), SUM(cost_of_goods), SUM(cost_to_serve), SUM(profit)"
    by_quadrant = {
        row[0]: row[1:]
        for row in _rows(
            f"SELECT quadrant, {sums} FROM {facts} WHERE quadrant <> '' GROUP BY quadrant"
        )
    }

    def figures(row: tuple[Any, ...] | None) -> dict[str, Any]:
        n, revenue, cogs, cost, profit = row or (0, 0, 0, 0, 0)
        return {
            "customers": n,
            "revenue": _money(revenue),
            "cost_of_goods": _money(cogs),
            "cost_to_serve": _money(cost),
            "profit": _money(profit),
        }

    deciles = _rows(
        f"SELECT d, {sums} FROM (SELECT NTILE(10) OVER (ORDER BY profit DESC, party_id) AS d, "
        f"revenue, cost_of_goods, cost_to_serve, profit FROM {facts} WHERE {ACTIVE}) x "
        "GROUP BY d ORDER BY d"
    )
    unprofitable = _rows(f"SELECT COUNT(*), SUM(profit) FROM {facts} WHERE profit < 0")[0]
    return {
        "quadrants": [
            {"code": code, "label": str(QUADRANT_LABELS[code]), **figures(by_quadrant.get(code))}
            for code in QUADRANTS
        ],
        "deciles": [{"decile": row[0], **figures(row[1:])} for row in deciles],
        "unprofitable_customers": unprofitable[0],
        "unprofitable_loss": _money(unprofitable[1]),
    }


def reasons_out(reasons: list[dict[str, Any]], *, amounts: bool) -> list[dict[str, Any]]:
    """The stored reasons with their labels; without ``amounts`` (marketing) the figures of
    money reasons are left out."""
    money = {"service_cost", "small_orders", "below_cost"}
    return [
        {
            "code": r["code"],
            "measure": r["measure"],
            "label": str(REASON_LABELS.get(r["code"], r["code"])),
            "measure_label": str(MEASURE_LABELS.get(r["measure"], r["measure"])),
            "value": None if (not amounts and r["code"] in money) else float(r["value"]),
        }
        for r in reasons or []
    ]


def unprofitable_list(
    *, actor: Any, measure: str = "", page: int = 1, page_size: int = 50
) -> dict[str, Any]:
    """The customers who cost more than they bring, the biggest loss first, with why. Needs
    ``analytics.drill``; without ``analytics.customer_value`` (marketing) each row keeps the
    customer and the reason codes but no amounts."""
    require(actor, "analytics.drill")

    if measure and measure not in MEASURE_LABELS:
        raise Invalid.field("measure", _("Unknown measure."))
    if page < 1:
        raise Invalid.field("page", _("The page starts at 1."))
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise Invalid.field("page_size", _("Between 1 and %(n)s.") % {"n": MAX_PAGE_SIZE})
    amounts = can(actor, "analytics.customer_value")
    rows = CustomerFact.objects.using(analytics_db()).filter(profit__lt=0)
    total = rows.count()
    start = (page - 1) * page_size
    # the measure filter runs in Python over one page's worth of candidates at most: JSON
    # containment differs by database, and reasons are a handful per row
    picked = rows.order_by("profit", "party_id").values(
        "party_id",
        "party__name",
        "revenue",
        "cost_to_serve",
        "profit",
        "quadrant",
        "unprofitable_reasons",
    )
    if measure:
        matching = [
            r
            for r in picked.iterator()
            if any(x["measure"] == measure for x in r["unprofitable_reasons"] or [])
        ]
        total, page_rows = len(matching), matching[start : start + page_size]
    else:
        page_rows = list(picked[start : start + page_size])
    return {
        "count": total,
        "page": page,
        "page_size": page_size,
        "amounts": amounts,
        "items": [
            {
                "party_id": r["party_id"],
                "name": r["party__name"],
                "quadrant": r["quadrant"],
                "revenue": _money(r["revenue"]) if amounts else None,
                "cost_to_serve": _money(r["cost_to_serve"]) if amounts else None,
                "profit": _money(r["profit"]) if amounts else None,
                "reasons": reasons_out(r["unprofitable_reasons"], amounts=amounts),
            }
            for r in page_rows
        ],
    }


def party_scores(*, actor: Any, party_id: int) -> dict[str, Any]:
    """One customer's scores from the store: RFM cell and segment, lifetime value, churn risk
    and reasons, profitability figures and quadrant. 404 for an unknown party; a live party
    not refreshed yet answers with ``refreshed_at`` null."""
    require(actor, "analytics.customer_value")
    if not Party.objects.filter(pk=party_id).exists():
        raise NotFound(_("No such customer."))
    fact = CustomerFact.objects.using(analytics_db()).filter(party_id=party_id).first()
    if fact is None:
        return {"party_id": party_id, "refreshed_at": None}
    return {
        "party_id": party_id,
        "refreshed_at": fact.refreshed_at,
        "rfm_recency": fact.rfm_recency,
        "rfm_frequency": fact.rfm_frequency,
        "rfm_monetary": fact.rfm_monetary,
        "rfm_segment": fact.rfm_segment,
        "rfm_segment_label": str(RFM_SEGMENT_LABELS.get(fact.rfm_segment, "")),
        "clv": fact.clv,
        "p_alive": fact.p_alive,
        "expected_orders_year": fact.expected_orders_year,
        "churn_risk": fact.churn_risk,
        "churn_reasons": fact.churn_reasons or [],
        "orders_count": fact.orders_count,
        "revenue": fact.revenue,
        "cost_of_goods": fact.cost_of_goods,
        "cost_known": fact.cost_known,
        "cost_to_serve": fact.cost_to_serve,
        "profit": fact.profit,
        "quadrant": fact.quadrant,
        "quadrant_label": str(QUADRANT_LABELS.get(fact.quadrant, "")),
        "unprofitable_reasons": reasons_out(fact.unprofitable_reasons, amounts=True),
    }
