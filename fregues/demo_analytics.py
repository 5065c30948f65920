"""Demo data for analytics: what each contact and each hour of handling cost, the exchange
rates of the currencies the demo sells in, and a full build of the reporting store, so every
report and the pivot have something to show on the first visit."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction

from fregues.analytics.services.costs import (
    channel_cost_set,
    exchange_rate_set,
    queue_cost_set,
)
from fregues.analytics.services.refresh import analytics_refresh

CHANNEL_COSTS = {
    "phone": "6.50",
    "email": "1.20",
    "chat": "2.40",
    "sms": "0.15",
    "visit": "45.00",
    "web_form": "0.80",
    "portal": "0.30",
    "letter": "3.00",
    "social": "1.50",
}
RATES = {"EUR": "6.10", "USD": "5.40"}


def load_analytics_demo() -> str:
    """Costs as data and the first full refresh of the reporting store."""
    with transaction.atomic():
        for code, rate in RATES.items():
            exchange_rate_set(
                actor=None, currency=code, rate=Decimal(rate), valid_from=datetime.date(2020, 1, 1)
            )
        for channel, cost in CHANNEL_COSTS.items():
            channel_cost_set(
                actor=None, channel=channel, cost_per_contact=Decimal(cost), currency="BRL"
            )
        queue_cost_set(
            actor=None,
            queue=None,
            hourly_cost=Decimal("48.00"),
            currency="BRL",
            default_handling_minutes=20,
        )
    result = analytics_refresh(actor=None, full=True)
    return f"Analytics: reporting store built ({result.duration_ms} ms)."
