"""/api/v1/analytics/rfm, /analytics/profitability[/unprofitable] and /parties/{id}/scores."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from fregues.core.api_utils import actor_of
from fregues.core.schemas import ERROR_RESPONSES

from ..schemas_value import ProfitabilityOut, RfmOut, ScoresOut, UnprofitablePageOut
from ..selectors.value import party_scores, profitability_report, rfm_report, unprofitable_list

router = Router(tags=["analytics"])
party_router = Router(tags=["analytics"])


@router.get("/rfm", response={200: RfmOut, **ERROR_RESPONSES}, summary="RFM grid and segments")
def get_rfm(request: HttpRequest) -> dict:
    """The recency × frequency grid (customers and revenue per cell, 5 = best) and the named
    segments with their customers, revenue and average days since the last order. Needs
    ``analytics.view``."""
    return rfm_report(actor=actor_of(request))


@router.get(
    "/profitability",
    response={200: ProfitabilityOut, **ERROR_RESPONSES},
    summary="Profitability quadrants and deciles",
)
def get_profitability(request: HttpRequest) -> dict:
    """Customers, revenue, cost of goods, cost to serve and profit per quadrant (gross margin ×
    cost to serve, split at the medians) and per profit decile. Needs ``analytics.view``."""
    return profitability_report(actor=actor_of(request))


@router.get(
    "/profitability/unprofitable",
    response={200: UnprofitablePageOut, **ERROR_RESPONSES},
    summary="Unprofitable customers and why",
)
def get_unprofitable(
    request: HttpRequest, measure: str = "", page: int = 1, page_size: int = 50
) -> dict:
    """The customers with a negative profit, the biggest loss first, with their reasons (seed
    004: ``fixable`` internally, ``orders`` patterns, ``price``); ``measure`` keeps those with
    a reason of that measure. Needs ``analytics.drill``; marketing gets no amounts (null)."""
    return unprofitable_list(
        actor=actor_of(request), measure=measure, page=page, page_size=page_size
    )


@party_router.get(
    "/{party_id}/scores", response={200: ScoresOut, **ERROR_RESPONSES}, summary="Party scores"
)
def get_party_scores(request: HttpRequest, party_id: int) -> dict:
    """One customer's analytics: RFM cell and segment, lifetime value, p(alive), churn risk
    and reasons, profitability and quadrant, and when the store computed them. Needs
    ``analytics.customer_value`` (not marketing)."""
    return party_scores(actor=actor_of(request), party_id=party_id)
