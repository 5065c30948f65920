"""The pivot explorer's facts and its saved reports and dashboards.

The facts are the live sales and interaction tables pre-aggregated to the grain the pivot
cuts them by (per party, product and month; per party, channel, direction and month): a
pivot over five million order lines groups a few hundred thousand stored rows joined to
``CustomerFact`` for the customer's dimensions, never the live tables.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fregues.core.models import TimeStamped


class OrderFact(models.Model):
    """What a customer bought of one product in one month, in the reporting currency:
    net revenue (each order's currency converted at the rate valid on its date), quantity,
    cost and margin of the lines whose cost is known, and the orders' count contribution
    (each order counts 1 in total, shared among its lines, so summing over products never
    counts an order twice). Cancelled orders are left out."""

    party_id = models.BigIntegerField()
    product_id = models.BigIntegerField(null=True, blank=True)
    category = models.CharField(max_length=80, blank=True, default="")
    month = models.DateField()
    revenue = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    quantity = models.DecimalField(max_digits=16, decimal_places=3, default=0)
    cost = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    margin = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    orders = models.DecimalField(max_digits=16, decimal_places=6, default=0)
    lines = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["party_id", "month"], name="analytics_of_party"),
            models.Index(fields=["month"], name="analytics_of_month"),
        ]

    def __str__(self) -> str:
        return f"party {self.party_id} product {self.product_id} {self.month}"


class InteractionFact(models.Model):
    """How often (and for how long) a customer was in contact on one channel and direction
    in one month, so the pivot cuts contacts by region × channel without reading the ten
    million interactions."""

    party_id = models.BigIntegerField()
    channel = models.CharField(max_length=20)
    direction = models.CharField(max_length=3)
    month = models.DateField()
    contacts = models.PositiveIntegerField(default=0)
    duration_seconds = models.BigIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["party_id", "month"], name="analytics_if_party"),
            models.Index(fields=["month"], name="analytics_if_month"),
        ]

    def __str__(self) -> str:
        return f"party {self.party_id} {self.channel}/{self.direction} {self.month}"


class ChartType(models.TextChoices):
    BAR = "bar", _("Bars")
    LINE = "line", _("Line")
    TABLE = "table", _("Table only")


class SavedReport(TimeStamped):
    """A pivot someone wants again: its definition (validated by the pivot engine when
    saved), how to chart it, and the roles it is shared with (its owner always sees it). A
    saved report pinned to a role's dashboard becomes one of its widgets."""

    name = models.CharField(_("name"), max_length=120)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    definition = models.JSONField(_("pivot"), default=dict)
    shared_roles = models.JSONField(_("shared with"), default=list, blank=True)
    chart = models.CharField(
        _("chart"), max_length=10, choices=ChartType.choices, default=ChartType.BAR
    )

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class DashboardItem(TimeStamped):
    """One widget on a role's dashboard: a pinned saved report or a registered widget (see
    ``analytics/widgets.py``), in ``position`` order. A role without items shows the
    default widgets its role is given in code, so a new installation has a useful
    dashboard without a data migration."""

    role = models.CharField(_("role"), max_length=30)
    report = models.ForeignKey(
        SavedReport, null=True, blank=True, on_delete=models.CASCADE, related_name="pins"
    )
    widget = models.CharField(max_length=60, blank=True, default="")
    position = models.PositiveIntegerField(default=0)
    pinned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["role", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["role", "report"],
                condition=models.Q(report__isnull=False),
                name="analytics_dashboard_report_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.report_id or self.widget}"
