"""The costs and rates on file (channel contacts, queue hours, exchange rates)."""

from __future__ import annotations

from typing import Any

from fregues.core.permissions import require

from ..db import analytics_db
from ..models import ChannelCost, ExchangeRate, QueueCost


def costs_list(*, actor: Any) -> dict[str, list[dict[str, Any]]]:
    """Every cost row, for the costs screen and ``GET /analytics/costs``: three small tables."""
    require(actor, "analytics.view")
    db = analytics_db()
    return {
        "channels": [
            dict(row)
            for row in ChannelCost.objects.using(db)
            .order_by("channel", "direction")
            .values("id", "channel", "direction", "cost_per_contact", "currency")
        ],
        "queues": [
            {**{k: v for k, v in row.items() if k != "queue__code"}, "queue": row["queue__code"]}
            for row in QueueCost.objects.using(db)
            .order_by("queue__code")
            .values("id", "queue__code", "hourly_cost", "currency", "default_handling_minutes")
        ],
        "rates": [
            dict(row)
            for row in ExchangeRate.objects.using(db)
            .order_by("currency", "-valid_from")
            .values("id", "currency", "rate", "valid_from")
        ],
    }
