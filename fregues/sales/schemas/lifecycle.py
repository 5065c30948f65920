"""API shapes of the lifecycle rules and of the revenue per customer."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from ninja import Schema


class LifecycleRuleOut(Schema):
    id: int
    kind: str
    kind_label: str
    to_stage: str
    is_active: bool
    parameter: str | None  # the field this rule's parameter is in, if any
    window_days: int | None
    months: int | None
    min_score: int | None
    sentence: str
    updated_at: datetime.datetime

    @staticmethod
    def build(rule: Any) -> LifecycleRuleOut:
        return LifecycleRuleOut(
            id=rule.pk,
            kind=rule.kind,
            kind_label=str(rule.get_kind_display()),
            to_stage=rule.to_stage,
            is_active=rule.is_active,
            parameter=rule.parameter,
            window_days=rule.window_days,
            months=rule.months,
            min_score=rule.min_score,
            sentence=rule.sentence,
            updated_at=rule.updated_at,
        )


class LifecycleRulePatch(Schema):
    """Only the fields sent change. Values are checked by the service (422 with every
    field's message), so they arrive here as given."""

    is_active: Any = None
    window_days: Any = None
    months: Any = None
    min_score: Any = None


class CurrencyRevenueOut(Schema):
    currency: str
    orders: int
    revenue: Decimal
    last_order_at: datetime.datetime | None
    average_ticket: Decimal | None
    costed_orders: int
    cost: Decimal | None
    margin: Decimal | None
    margin_percent: Decimal | None
    invoiced: Decimal
    paid: Decimal
    open: Decimal
    overdue: Decimal
    overdue_invoices: int


class RecentOrderOut(Schema):
    id: int
    number: str
    ordered_at: datetime.datetime
    status: str
    payment_state: str
    currency: str
    total: Decimal
    revenue: Decimal


class PartyRevenueOut(Schema):
    party_id: int
    currencies: list[CurrencyRevenueOut]
    last_orders: list[RecentOrderOut]

    @staticmethod
    def build(revenue: Any) -> PartyRevenueOut:
        return PartyRevenueOut(
            party_id=revenue.party_id,
            currencies=[CurrencyRevenueOut(**vars(c)) for c in revenue.currencies],
            last_orders=[
                RecentOrderOut(revenue=o["total"] - o["tax_total"], **o)
                for o in revenue.last_orders
            ],
        )
