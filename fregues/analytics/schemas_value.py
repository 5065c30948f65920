"""API shapes of the customers-and-value reports (RFM, profitability, scores) and costs."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from ninja import Schema


class RfmCellOut(Schema):
    recency: int
    frequency: int
    customers: int
    revenue: Decimal
    heat: int


class RfmSegmentOut(Schema):
    code: str
    label: str
    customers: int
    revenue: Decimal
    avg_recency_days: float | None


class RfmOut(Schema):
    grid: list[RfmCellOut]
    segments: list[RfmSegmentOut]


class FiguresOut(Schema):
    customers: int
    revenue: Decimal
    cost_of_goods: Decimal
    cost_to_serve: Decimal
    profit: Decimal


class QuadrantOut(FiguresOut):
    code: str
    label: str


class ValueDecileOut(FiguresOut):
    decile: int


class ProfitabilityOut(Schema):
    quadrants: list[QuadrantOut]
    deciles: list[ValueDecileOut]
    unprofitable_customers: int
    unprofitable_loss: Decimal


class ValueReasonOut(Schema):
    code: str
    measure: str
    label: str
    measure_label: str
    value: float | None


class UnprofitableOut(Schema):
    party_id: int
    name: str
    quadrant: str
    revenue: Decimal | None
    cost_to_serve: Decimal | None
    profit: Decimal | None
    reasons: list[ValueReasonOut]


class UnprofitablePageOut(Schema):
    count: int
    page: int
    page_size: int
    amounts: bool
    items: list[UnprofitableOut]


class ScoresOut(Schema):
    party_id: int
    refreshed_at: datetime.datetime | None
    rfm_recency: int | None = None
    rfm_frequency: int | None = None
    rfm_monetary: int | None = None
    rfm_segment: str = ""
    rfm_segment_label: str = ""
    clv: Decimal | None = None
    p_alive: float | None = None
    expected_orders_year: float | None = None
    churn_risk: float | None = None
    churn_reasons: list[Any] = []
    orders_count: int = 0
    revenue: Decimal | None = None
    cost_of_goods: Decimal | None = None
    cost_known: bool | None = None
    cost_to_serve: Decimal | None = None
    profit: Decimal | None = None
    quadrant: str = ""
    quadrant_label: str = ""
    unprofitable_reasons: list[ValueReasonOut] = []
