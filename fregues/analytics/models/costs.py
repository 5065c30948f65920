from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fregues.core.models import TimeStamped


class ChannelCost(TimeStamped):
    """What one contact on a channel costs the company (seed 004: cost to serve). A call
    costs more than an e-mail; the profitability of a customer subtracts each of their
    contacts at its channel's cost. ``direction`` blank means both directions."""

    channel = models.CharField(_("channel"), max_length=20)
    direction = models.CharField(_("direction"), max_length=3, blank=True, default="")
    cost_per_contact = models.DecimalField(_("cost per contact"), max_digits=12, decimal_places=4)
    currency = models.CharField(_("currency"), max_length=3)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "direction"], name="analytics_channel_cost_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.direction}".strip()


class QueueCost(TimeStamped):
    """What an hour of handling in a queue costs, and how long a case takes when nobody
    logged the time. A case costs its handling time × its queue's hourly cost; the row with
    no queue is the default for cases in queues without their own row."""

    queue = models.OneToOneField(
        "service.Queue", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    hourly_cost = models.DecimalField(_("cost per hour"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    default_handling_minutes = models.PositiveIntegerField(
        _("handling minutes when not logged"), default=15
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["queue"],
                condition=models.Q(queue__isnull=True),
                name="analytics_queue_cost_one_default",
            )
        ]

    def __str__(self) -> str:
        return f"queue {self.queue_id or 'default'}"


class ExchangeRate(TimeStamped):
    """How many units of the reporting currency (``FREGUES_ANALYTICS_CURRENCY``) one unit of
    ``currency`` is worth from ``valid_from`` on, so that revenue in BRL, EUR and USD adds up
    into one profitability figure. The latest rate not after a moment applies to it."""

    currency = models.CharField(_("currency"), max_length=3)
    rate = models.DecimalField(_("rate"), max_digits=18, decimal_places=8)
    valid_from = models.DateField(_("valid from"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "valid_from"], name="analytics_exchange_rate_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.rate} from {self.valid_from}"
