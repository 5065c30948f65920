"""/api/v1/lifecycle-rules (the rules that move customers by what they buy) and
/api/v1/parties/{id}/revenue (revenue per customer)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from fregues.core.api_utils import actor_of
from fregues.core.schemas import ERROR_RESPONSES

from ..schemas.lifecycle import LifecycleRuleOut, LifecycleRulePatch, PartyRevenueOut
from ..selectors.lifecycle import lifecycle_rule_get, lifecycle_rule_list
from ..selectors.revenue import party_revenue
from ..services.lifecycle_rules import lifecycle_rule_update

router = Router(tags=["lifecycle rules"])
revenue_router = Router(tags=["orders"])


@router.get("", response={200: list[LifecycleRuleOut], **ERROR_RESPONSES})
def list_rules(request: HttpRequest) -> list[LifecycleRuleOut]:
    """The lifecycle rules, in order, each with the sentence that says what it does."""
    return [LifecycleRuleOut.build(r) for r in lifecycle_rule_list(actor=actor_of(request))]


@router.get("/{int:rule_id}", response={200: LifecycleRuleOut, **ERROR_RESPONSES})
def get_rule(request: HttpRequest, rule_id: int) -> LifecycleRuleOut:
    return LifecycleRuleOut.build(lifecycle_rule_get(actor=actor_of(request), rule_id=rule_id))


@router.patch("/{int:rule_id}", response={200: LifecycleRuleOut, **ERROR_RESPONSES})
def patch_rule(request: HttpRequest, rule_id: int, payload: LifecycleRulePatch) -> LifecycleRuleOut:
    """Switch a rule on or off (``is_active``) and set its parameter: ``window_days`` (repeat
    order, ≥ 1), ``months`` (dormant, 1–120) or ``min_score`` (satisfaction, 0–10). Needs the
    sales.configure permission. Customers move at their next order, at the daily sweep or with
    ``fregues lifecycle backfill``."""
    actor = actor_of(request)
    data = payload.model_dump(exclude_unset=True)
    lifecycle_rule_update(actor=actor, rule_id=rule_id, data=data)
    return LifecycleRuleOut.build(lifecycle_rule_get(actor=actor, rule_id=rule_id))


@revenue_router.get("/{int:party_id}/revenue", response={200: PartyRevenueOut, **ERROR_RESPONSES})
def get_revenue(request: HttpRequest, party_id: int, last_orders: int = 5) -> PartyRevenueOut:
    """Revenue per customer, per currency: orders, revenue net of taxes (cancelled orders
    excluded), last order, average ticket, margin where the cost is known, invoiced / paid /
    open / overdue; and the latest orders (``last_orders``, 0–50). A merged party's id answers
    for the party it was merged into."""
    revenue = party_revenue(
        actor=actor_of(request), party_id=party_id, last_orders=max(0, min(last_orders, 50))
    )
    return PartyRevenueOut.build(revenue)
