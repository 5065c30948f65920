"""/api/v1/analytics/service/...: service levels from the reporting store, and
/api/v1/analytics/retention/cohorts, /api/v1/analytics/lifecycle/funnel. Each needs
``analytics.view`` (403 otherwise); a bad filter is a 422 naming the field."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from fregues.core.api_utils import actor_of
from fregues.core.schemas import ERROR_RESPONSES

from ..schemas_service import (
    AvoidableOut,
    BacklogOut,
    CohortFiltersIn,
    CohortsOut,
    FcrOut,
    FunnelFiltersIn,
    FunnelOut,
    SatisfactionOut,
    ServiceFiltersIn,
    SlaOut,
)
from ..selectors.retention import (
    cohort_filters_parse,
    cohort_retention,
    funnel_filters_parse,
    lifecycle_funnel,
)
from ..selectors.service import (
    BACKLOG_GROUPS,
    backlog_report,
    service_filters_parse,
    service_overview,
)

router = Router(tags=["analytics"])


def _overview(request: HttpRequest, filters: ServiceFiltersIn) -> dict[str, Any]:
    parsed = service_filters_parse(filters.dict())
    return service_overview(actor=actor_of(request), filters=parsed)


@router.get("/service/sla", response={200: SlaOut, **ERROR_RESPONSES}, summary="SLA compliance")
def sla(request: HttpRequest, filters: Query[ServiceFiltersIn]) -> dict[str, Any]:
    """First response and resolution on time (% of the cases whose clock has stopped or whose
    due time has passed), per week or month of opening and per queue, agent, case type or
    channel."""
    return _overview(request, filters)


@router.get(
    "/service/first-contact-resolution",
    response={200: FcrOut, **ERROR_RESPONSES},
    summary="First-contact resolution",
)
def first_contact_resolution(
    request: HttpRequest, filters: Query[ServiceFiltersIn]
) -> dict[str, Any]:
    """Of the resolved cases, the share resolved at the first contact: never reopened, never
    reported again, with at most one inbound contact."""
    return _overview(request, filters)


@router.get(
    "/service/avoidable-contacts",
    response={200: AvoidableOut, **ERROR_RESPONSES},
    summary="Avoidable contacts",
)
def avoidable_contacts(request: HttpRequest, filters: Query[ServiceFiltersIn]) -> dict[str, Any]:
    """Avoidable contacts per 100 inbound contacts about the cases, and their reasons."""
    return _overview(request, filters)


@router.get(
    "/service/satisfaction",
    response={200: SatisfactionOut, **ERROR_RESPONSES},
    summary="CSAT and quality score",
)
def satisfaction(request: HttpRequest, filters: Query[ServiceFiltersIn]) -> dict[str, Any]:
    """Average satisfaction (1–5) and quality review score (%) of the cases, per agent,
    queue or case type over time."""
    return _overview(request, filters)


@router.get(
    "/service/backlog", response={200: BacklogOut, **ERROR_RESPONSES}, summary="Backlog by age"
)
def backlog(request: HttpRequest, filters: Query[ServiceFiltersIn]) -> dict[str, Any]:
    """Open cases by age at the latest snapshot (per queue or case type), and each day's
    open count in the range. Filters: dates, queue, case type (``by``: none, queue,
    case_type)."""
    parsed = service_filters_parse(filters.dict(), groups=BACKLOG_GROUPS)
    return backlog_report(actor=actor_of(request), filters=parsed)


@router.get(
    "/retention/cohorts", response={200: CohortsOut, **ERROR_RESPONSES}, summary="Cohort retention"
)
def cohorts(request: HttpRequest, filters: Query[CohortFiltersIn]) -> dict[str, Any]:
    """Customers grouped by the month of their first order, and the share of each cohort that
    ordered again in each following month (the retention triangle)."""
    month_from, month_to = cohort_filters_parse(filters.dict())
    return cohort_retention(actor=actor_of(request), month_from=month_from, month_to=month_to)


@router.get(
    "/lifecycle/funnel", response={200: FunnelOut, **ERROR_RESPONSES}, summary="Lifecycle funnel"
)
def funnel(request: HttpRequest, filters: Query[FunnelFiltersIn]) -> dict[str, Any]:
    """Per lifecycle stage (suspect → advocate), the parties that entered it in the range, the
    share that moved on, and the median and average days spent in it."""
    date_from, date_to = funnel_filters_parse(filters.dict())
    return lifecycle_funnel(actor=actor_of(request), date_from=date_from, date_to=date_to)
