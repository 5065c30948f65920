"""/api/v1/analytics/value and /api/v1/analytics/churn: lifetime value and churn risk."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from fregues.core.api_utils import actor_of
from fregues.core.schemas import DB_INT_MAX, ERROR_RESPONSES

from ..selectors.lifetime import CHURN_PAGE_MAX, churn_filters_clean, churn_list, value_report

router = Router(tags=["analytics"])


class BgNbdOut(Schema):
    r: float
    alpha: float
    a: float
    b: float


class GammaGammaOut(Schema):
    p: float
    q: float
    v: float


class ValueModelOut(Schema):
    fitted_at: datetime.datetime
    customers: int
    repeat_customers: int
    log_likelihood: float | None
    bgnbd: BgNbdOut
    gamma_gamma: GammaGammaOut | None
    time_unit: str
    horizon_months: int | None
    monthly_discount_rate: float | None


class LifetimeDecileOut(Schema):
    decile: int
    customers: int
    total_clv: Decimal
    min_clv: Decimal
    max_clv: Decimal


class ValueGroupOut(Schema):
    group: str
    customers: int
    total_clv: Decimal
    average_clv: Decimal
    average_churn_risk: float | None


class ValueReportOut(Schema):
    currency: str
    model: ValueModelOut | None
    customers: int
    total_clv: Decimal
    average_p_alive: float | None
    expected_orders_year: float
    customers_at_risk: int
    deciles: list[LifetimeDecileOut]
    by_segment: list[ValueGroupOut]
    by_lifecycle: list[ValueGroupOut]


class ChurnFilters(Schema):
    owner_id: str | None = None
    lifecycle_stage: str | None = None
    min_risk: str | None = None


class ChurnCustomerOut(Schema):
    party_id: int
    name: str
    lifecycle_stage: str
    owner_id: int | None
    churn_risk: float
    reasons: list[dict[str, Any]]
    p_alive: float | None
    clv: Decimal | None
    last_order_at: datetime.datetime | None
    orders_count: int


class ChurnPageOut(Schema):
    items: list[ChurnCustomerOut]
    limit: int
    offset: int
    next_offset: int | None
    amounts_shown: bool
    currency: str


@router.get(
    "/value",
    response={200: ValueReportOut, **ERROR_RESPONSES},
    summary="Lifetime value",
)
def get_value(request: HttpRequest) -> dict:
    """The fitted BG/NBD + Gamma-Gamma model (parameters, fit date, customers), the total
    expected value of the base over the horizon, and the CLV by decile, RFM segment and
    lifecycle stage, in the reporting currency. Aggregates only. Needs ``analytics.view``."""
    return value_report(actor=actor_of(request))


@router.get(
    "/churn",
    response={200: ChurnPageOut, **ERROR_RESPONSES},
    summary="Customers most at risk",
)
def get_churn(
    request: HttpRequest,
    filters: Query[ChurnFilters],
    limit: int = Query(50, ge=1, le=CHURN_PAGE_MAX),
    offset: int = Query(0, ge=0, le=DB_INT_MAX),
) -> dict:
    """Customers by churn risk, riskiest first, with their top reasons as stable codes and
    figures (``dropout``, ``open_complaint``, ``satisfaction_falling``,
    ``unresolved_cases``, ``overdue``, ``inactive``). Filters: ``owner_id``,
    ``lifecycle_stage``, ``min_risk`` (0–1; anything else is a 422). Needs
    ``analytics.drill``; ``clv`` is null without ``analytics.customer_value``."""
    actor = actor_of(request)
    clean = churn_filters_clean(**filters.dict())
    return churn_list(actor=actor, limit=limit, offset=offset, **clean)
