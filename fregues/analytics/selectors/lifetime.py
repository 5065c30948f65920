"""Reads of the lifetime-value and churn reports, from the reporting store only.

Every query here goes through ``analytics_db()`` (a read replica when configured) and reads
``CustomerFact`` — never orders or cases — so a report over a million customers is one
grouped scan (the value report) or one walk down the ``-churn_risk`` index (the churn list).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Avg, Count, Q, Sum
from django.utils.translation import gettext as _

from fregues.core.errors import Invalid
from fregues.core.permissions import can, require
from fregues.parties.models import LifecycleStage

from ..db import analytics_connection, analytics_db
from ..models import CustomerFact, ValueModelFit

DECILES = 10
CHURN_PAGE_MAX = 200


def _money(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


def value_fit_latest() -> ValueModelFit | None:
    return ValueModelFit.objects.using(analytics_db()).order_by("-fitted_at", "-id").first()


def _clv_deciles() -> list[dict[str, Any]]:
    """Customers with a CLV cut into ten equal groups, highest value first: how much of the
    expected value the top tenth holds. One window pass over the scored rows."""
    sql = """
        SELECT decile, COUNT(*), SUM(clv), MIN(clv), MAX(clv) FROM (
            SELECT clv, NTILE(%s) OVER (ORDER BY clv DESC, party_id) AS decile
            FROM analytics_customerfact WHERE clv IS NOT NULL
        ) ranked GROUP BY decile ORDER BY decile
    """
    with analytics_connection().cursor() as cursor:
        cursor.execute(sql, [DECILES])
        rows = cursor.fetchall()
    return [
        {
            "decile": int(decile),
            "customers": int(count),
            "total_clv": _money(total),
            "min_clv": _money(low),
            "max_clv": _money(high),
        }
        for decile, count, total, low, high in rows
    ]


def _clv_by(field: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """CLV per value of ``field``; with the totals of the base folded into the same grouped
    scan (sums and counts per group add up), so the report reads the scored rows once less."""
    rows = list(
        CustomerFact.objects.using(analytics_db())
        .filter(clv__isnull=False)
        .values(field)
        .annotate(
            customers=Count("party_id"),
            total=Sum("clv"),
            average=Avg("clv"),
            risk=Avg("churn_risk"),
            alive_sum=Sum("p_alive"),
            alive_n=Count("p_alive"),
            orders=Sum("expected_orders_year"),
            at_risk=Count("party_id", filter=Q(churn_risk__gte=0.5)),
        )
        .order_by("-total")
    )
    alive_n = sum(row["alive_n"] for row in rows)
    totals = {
        "customers": sum(row["customers"] for row in rows),
        "total": sum((row["total"] or 0 for row in rows), Decimal(0)),
        "alive": sum(row["alive_sum"] or 0.0 for row in rows) / alive_n if alive_n else None,
        "orders": sum(row["orders"] or 0.0 for row in rows),
        "at_risk": sum(row["at_risk"] for row in rows),
    }
    groups = [
        {
            "group": row[field],
            "customers": row["customers"],
            "total_clv": _money(row["total"]),
            "average_clv": _money(row["average"]),
            "average_churn_risk": round(row["risk"], 4) if row["risk"] is not None else None,
        }
        for row in rows
    ]
    return groups, totals


def value_report(*, actor: Any) -> dict[str, Any]:
    """The fitted model (parameters, date, customers), the total expected value, and the
    CLV distribution by decile, RFM segment and lifecycle stage. Aggregates only, so every
    reader of analytics may see it (marketing included)."""
    require(actor, "analytics.view")
    fit = value_fit_latest()
    by_lifecycle, totals = _clv_by("lifecycle_stage")
    by_segment, _totals = _clv_by("rfm_segment")
    return {
        "currency": settings.ANALYTICS_CURRENCY,
        "model": None
        if fit is None
        else {
            "fitted_at": fit.fitted_at,
            "customers": fit.customers,
            "repeat_customers": fit.repeat_customers,
            "log_likelihood": fit.log_likelihood,
            "bgnbd": fit.parameters.get("bgnbd") or {},
            "gamma_gamma": fit.parameters.get("gamma_gamma"),
            "time_unit": fit.parameters.get("time_unit", "week"),
            "horizon_months": fit.parameters.get("horizon_months"),
            "monthly_discount_rate": fit.parameters.get("monthly_discount_rate"),
        },
        "customers": totals["customers"],
        "total_clv": _money(totals["total"]),
        "average_p_alive": round(totals["alive"], 4) if totals["alive"] is not None else None,
        "expected_orders_year": round(totals["orders"], 2),
        "customers_at_risk": totals["at_risk"],
        "deciles": _clv_deciles(),
        "by_segment": by_segment,
        "by_lifecycle": by_lifecycle,
    }


def churn_filters_clean(
    *, owner_id: Any = None, lifecycle_stage: Any = None, min_risk: Any = None
) -> dict[str, Any]:
    """The churn list's filters, checked together (one 422 naming every bad field): the same
    cleaning for the screen's query string and the API."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {"owner_id": None, "lifecycle_stage": "", "min_risk": None}
    if owner_id not in (None, ""):
        try:
            clean["owner_id"] = int(owner_id)
        except (TypeError, ValueError):
            errors["owner_id"] = [_("Choose a user by their number.")]
    if lifecycle_stage not in (None, ""):
        if lifecycle_stage not in LifecycleStage.values:
            errors["lifecycle_stage"] = [_("Unknown lifecycle stage.")]
        else:
            clean["lifecycle_stage"] = lifecycle_stage
    if min_risk not in (None, ""):
        try:
            risk = float(min_risk)
        except (TypeError, ValueError):
            risk = -1.0
        if not 0.0 <= risk <= 1.0:
            errors["min_risk"] = [_("The minimum risk is a number from 0 to 1.")]
        else:
            clean["min_risk"] = risk
    if errors:
        raise Invalid(_("Some filters are not valid."), errors=errors)
    return clean


def churn_list(
    *,
    actor: Any,
    owner_id: int | None = None,
    lifecycle_stage: str = "",
    min_risk: float | None = None,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """The customers most at risk, riskiest first, with their reasons. Needs
    ``analytics.drill`` (it names customers); their CLV only with
    ``analytics.customer_value`` (marketing sees amounts in aggregate only). Walks the
    ``-churn_risk`` index and stops at the page."""
    require(actor, "analytics.drill")
    limit = max(1, min(int(limit), CHURN_PAGE_MAX))
    offset = max(0, int(offset))
    qs = CustomerFact.objects.using(analytics_db()).filter(churn_risk__isnull=False)
    if owner_id is not None:
        qs = qs.filter(owner_id=owner_id)
    if lifecycle_stage:
        qs = qs.filter(lifecycle_stage=lifecycle_stage)
    if min_risk is not None:
        qs = qs.filter(churn_risk__gte=min_risk)
    amounts = can(actor, "analytics.customer_value")
    rows = list(
        qs.order_by("-churn_risk", "party_id").values(
            "party_id",
            "party__name",
            "lifecycle_stage",
            "owner_id",
            "churn_risk",
            "churn_reasons",
            "p_alive",
            "clv",
            "last_order_at",
            "orders_count",
        )[offset : offset + limit + 1]
    )
    more = len(rows) > limit
    items = [
        {
            "party_id": row["party_id"],
            "name": row["party__name"],
            "lifecycle_stage": row["lifecycle_stage"],
            "owner_id": row["owner_id"],
            "churn_risk": round(float(row["churn_risk"] or 0.0), 4),
            "reasons": row["churn_reasons"] or [],
            "p_alive": None if row["p_alive"] is None else round(row["p_alive"], 4),
            "clv": (None if row["clv"] is None else _money(row["clv"])) if amounts else None,
            "last_order_at": row["last_order_at"],
            "orders_count": row["orders_count"],
        }
        for row in rows[:limit]
    ]
    return {
        "items": items,
        "limit": limit,
        "offset": offset,
        "next_offset": offset + limit if more else None,
        "amounts_shown": amounts,
        "currency": settings.ANALYTICS_CURRENCY,
    }
