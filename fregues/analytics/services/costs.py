"""Costs as data: what a contact on each channel costs, what an hour in each queue costs, and
the exchange rates into the reporting currency (seed 004: cost to serve).

Every change is validated (all field errors at once), audited, and needs
``analytics.configure``. Since every customer's cost to serve and profit depend on these rows,
a change marks the customer facts and profitability parts for a full rebuild at the next
refresh (their watermark is cleared).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record
from fregues.core.errors import ErrorCollector, NotFound
from fregues.core.permissions import require
from fregues.interactions.models import Channel, Direction
from fregues.sales.money import clean_currency, to_decimal
from fregues.service.models import Queue

from ..models import ChannelCost, ExchangeRate, QueueCost, RefreshState

# The parts whose figures depend on costs and rates: rebuilt in full after a change.
COST_DEPENDENT_PARTS = ("customer_facts", "profitability", "rfm")
MAX_COST = Decimal("99999999.9999")
MAX_MINUTES = 24 * 60


def _rebuild_dependents() -> None:
    RefreshState.objects.filter(name__in=COST_DEPENDENT_PARTS).update(watermark=None)


def _amount(value: Any, field: str, errors: ErrorCollector, *, positive: bool = False) -> Decimal:
    amount = to_decimal(value)
    if amount is None or amount < 0 or amount > MAX_COST or (positive and amount == 0):
        errors.add(
            field,
            _("Enter a number greater than zero.") if positive else _("Enter a number, 0 or more."),
        )
        return Decimal(0)
    return amount


def _currency(value: Any, errors: ErrorCollector, *, needs_rate: bool = True) -> str:
    """A known ISO 4217 code that can be turned into the reporting currency."""
    code = clean_currency(value)
    if code is None:
        errors.add("currency", _("Unknown currency: use a three-letter ISO 4217 code (BRL, EUR)."))
        return ""
    if (
        needs_rate
        and code != settings.ANALYTICS_CURRENCY
        and not ExchangeRate.objects.filter(currency=code).exists()
    ):
        errors.add(
            "currency",
            _("No exchange rate from %(code)s to %(to)s yet: add one first.")
            % {"code": code, "to": settings.ANALYTICS_CURRENCY},
        )
    return code


def channel_cost_set(
    *, actor: Any, channel: str, direction: str = "", cost_per_contact: Any, currency: Any
) -> ChannelCost:
    """Create or change the cost of one contact on ``channel`` (``direction`` "in", "out" or
    blank for both)."""
    require(actor, "analytics.configure")
    errors = ErrorCollector()
    channel = str(channel or "").strip()
    direction = str(direction or "").strip()
    if channel not in Channel.values:
        errors.add("channel", _("Channel is one of: %(c)s.") % {"c": ", ".join(Channel.values)})
    if direction and direction not in Direction.values:
        errors.add("direction", _("Direction is in, out or blank (both)."))
    cost = _amount(cost_per_contact, "cost_per_contact", errors)
    code = _currency(currency, errors)
    errors.raise_if_any()
    with transaction.atomic():
        row, created = ChannelCost.objects.select_for_update().get_or_create(
            channel=channel,
            direction=direction,
            defaults={"cost_per_contact": cost, "currency": code},
        )
        before = {"cost_per_contact": str(row.cost_per_contact), "currency": row.currency}
        row.cost_per_contact, row.currency = cost, code
        row.save()
        audit_record(
            actor=actor,
            action="create" if created else "update",
            instance=row,
            summary=f"channel cost {row}",
            changes={}
            if created
            else {"before": before, "after": {"cost_per_contact": str(cost), "currency": code}},
        )
        _rebuild_dependents()
    return row


def queue_cost_set(
    *,
    actor: Any,
    queue: str | None,
    hourly_cost: Any,
    currency: Any,
    default_handling_minutes: Any = 15,
) -> QueueCost:
    """Create or change the hourly cost of a queue (by code; None or blank: the default row
    for queues without their own) and the minutes a case takes when none were logged."""
    require(actor, "analytics.configure")
    errors = ErrorCollector()
    found = None
    if queue:
        found = Queue.objects.filter(code=str(queue).strip()).first()
        if found is None:
            errors.add("queue", _("Unknown queue."))
    cost = _amount(hourly_cost, "hourly_cost", errors)
    code = _currency(currency, errors)
    try:
        minutes = int(str(default_handling_minutes).strip())
        if not 0 <= minutes <= MAX_MINUTES:
            raise ValueError
    except (TypeError, ValueError):
        errors.add("default_handling_minutes", _("Between 0 and %(n)s.") % {"n": MAX_MINUTES})
        minutes = 0
    errors.raise_if_any()
    with transaction.atomic():
        row = QueueCost.objects.select_for_update().filter(queue=found).first()
        created = row is None
        row = row or QueueCost(queue=found)
        row.hourly_cost, row.currency, row.default_handling_minutes = cost, code, minutes
        row.save()
        audit_record(
            actor=actor,
            action="create" if created else "update",
            instance=row,
            summary=f"queue cost {row}",
            changes={"hourly_cost": str(cost), "currency": code, "minutes": minutes},
        )
        _rebuild_dependents()
    return row


def exchange_rate_set(*, actor: Any, currency: Any, rate: Any, valid_from: Any) -> ExchangeRate:
    """Create or change how many reporting-currency units one ``currency`` unit is worth from
    ``valid_from`` on."""
    require(actor, "analytics.configure")
    errors = ErrorCollector()
    code = _currency(currency, errors, needs_rate=False)
    if code and code == settings.ANALYTICS_CURRENCY:
        errors.add("currency", _("This is the reporting currency: its rate is always 1."))
    value = _amount(rate, "rate", errors, positive=True)
    day = valid_from
    if isinstance(day, str):
        try:
            day = datetime.date.fromisoformat(day.strip())
        except ValueError:
            day = None
    if not isinstance(day, datetime.date):
        errors.add("valid_from", _("Enter a date (YYYY-MM-DD)."))
    errors.raise_if_any()
    with transaction.atomic():
        row, created = ExchangeRate.objects.select_for_update().get_or_create(
            currency=code, valid_from=day, defaults={"rate": value}
        )
        row.rate = value
        row.save()
        audit_record(
            actor=actor,
            action="create" if created else "update",
            instance=row,
            summary=f"exchange rate {row}",
            changes={"rate": str(value)},
        )
        _rebuild_dependents()
    return row


_DELETABLE: dict[str, type[ChannelCost] | type[QueueCost] | type[ExchangeRate]] = {
    "channel": ChannelCost,
    "queue": QueueCost,
    "rate": ExchangeRate,
}


def cost_delete(*, actor: Any, kind: str, pk: int) -> None:
    """Delete one channel cost, queue cost or exchange rate (``kind``: channel, queue, rate)."""
    require(actor, "analytics.configure")
    model = _DELETABLE.get(kind)
    row = model.objects.filter(pk=pk).first() if model else None
    if row is None:
        raise NotFound(_("No such cost."))
    with transaction.atomic():
        audit_record(actor=actor, action="delete", instance=row, summary=f"{kind} cost {row}")
        row.delete()
        _rebuild_dependents()


def channel_cost_delete(*, actor: Any, pk: int) -> None:
    cost_delete(actor=actor, kind="channel", pk=pk)


def queue_cost_delete(*, actor: Any, pk: int) -> None:
    cost_delete(actor=actor, kind="queue", pk=pk)


def exchange_rate_delete(*, actor: Any, pk: int) -> None:
    cost_delete(actor=actor, kind="rate", pk=pk)
