"""/api/v1/analytics/costs: costs as data — channel contacts, queue hours, exchange rates."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Router, Schema, Status

from fregues.core.api_utils import actor_of
from fregues.core.schemas import ERROR_RESPONSES

from ..selectors.costs import costs_list
from ..services.costs import channel_cost_set, cost_delete, exchange_rate_set, queue_cost_set

router = Router(tags=["analytics"])


class ChannelCostIn(Schema):
    channel: str
    direction: str = ""
    cost_per_contact: Decimal
    currency: str


class ChannelCostOut(ChannelCostIn):
    id: int


class QueueCostIn(Schema):
    queue: str | None = None
    hourly_cost: Decimal
    currency: str
    default_handling_minutes: int = 15


class QueueCostOut(QueueCostIn):
    id: int


class RateIn(Schema):
    currency: str
    rate: Decimal
    valid_from: datetime.date


class RateOut(RateIn):
    id: int


class CostsOut(Schema):
    channels: list[ChannelCostOut]
    queues: list[QueueCostOut]
    rates: list[RateOut]


@router.get("/costs", response={200: CostsOut, **ERROR_RESPONSES}, summary="Costs and rates")
def get_costs(request: HttpRequest) -> dict:
    """Every channel cost, queue cost and exchange rate. Needs ``analytics.view``."""
    return costs_list(actor=actor_of(request))


@router.put(
    "/costs/channels",
    response={200: ChannelCostOut, **ERROR_RESPONSES},
    summary="Set a channel cost",
)
def put_channel_cost(request: HttpRequest, payload: ChannelCostIn) -> dict:
    """Create or change the cost of a contact on a channel (and direction). Needs
    ``analytics.configure``; an unknown currency, or one without a rate, is a 422."""
    row = channel_cost_set(actor=actor_of(request), **payload.dict())
    return {**payload.dict(), "id": row.pk, "currency": row.currency}


@router.put(
    "/costs/queues", response={200: QueueCostOut, **ERROR_RESPONSES}, summary="Set a queue cost"
)
def put_queue_cost(request: HttpRequest, payload: QueueCostIn) -> dict:
    """Create or change a queue's hourly cost (``queue`` null: the default). Needs
    ``analytics.configure``."""
    row = queue_cost_set(actor=actor_of(request), **payload.dict())
    return {**payload.dict(), "id": row.pk, "currency": row.currency}


@router.put("/costs/rates", response={200: RateOut, **ERROR_RESPONSES}, summary="Set a rate")
def put_rate(request: HttpRequest, payload: RateIn) -> dict:
    """Create or change an exchange rate into the reporting currency from a date on. Needs
    ``analytics.configure``."""
    row = exchange_rate_set(actor=actor_of(request), **payload.dict())
    return {**payload.dict(), "id": row.pk, "currency": row.currency}


@router.delete(
    "/costs/{kind}/{pk}", response={204: None, **ERROR_RESPONSES}, summary="Delete a cost"
)
def delete_cost(request: HttpRequest, kind: str, pk: int) -> Status[None]:
    """Delete a channel cost (``channels``), queue cost (``queues``) or rate (``rates``). Needs
    ``analytics.configure``."""
    cost_delete(actor=actor_of(request), kind=kind.rstrip("s"), pk=pk)
    return Status(204, None)
