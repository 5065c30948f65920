"""The lifecycle moved by facts: rules as data that move a customer when orders, invoices,
referrals and satisfaction answers say so."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fregues.core.models import TimeStamped
from fregues.parties.models import LifecycleStage


class LifecycleRuleKind(models.TextChoices):
    FIRST_PAID_ORDER = "first_paid_order", _("First paid order")
    REPEAT_ORDER = "repeat_order", _("A second order within a window")
    DORMANT = "dormant", _("No order for a number of months")
    REFERRAL = "referral", _("Referred a new customer")
    SATISFACTION = "satisfaction", _("Satisfaction at or above a score")


class LifecycleRule(TimeStamped):
    """One rule of the lifecycle from facts (seed 003: a buyer becomes a client by buying
    again). Applied by ``lifecycle_rules_apply`` on every order and invoice write, by the daily
    sweep (dormant customers) and by the backfill command; each automatic move is recorded in
    the party's lifecycle history with the rule's reason and the document that caused it.

    Parameters by kind: ``window_days`` (repeat order: the second order within this many days
    of the previous one), ``months`` (dormant: no order for this long), ``min_score``
    (satisfaction, on a 0–10 scale; a 1–5 survey answer counts double).
    """

    kind = models.CharField(
        _("rule"), max_length=20, choices=LifecycleRuleKind.choices, unique=True
    )
    to_stage = models.CharField(_("moves to"), max_length=20, choices=LifecycleStage.choices)
    is_active = models.BooleanField(_("active"), default=True)
    window_days = models.PositiveIntegerField(_("window (days)"), null=True, blank=True)
    months = models.PositiveSmallIntegerField(_("months"), null=True, blank=True)
    min_score = models.PositiveSmallIntegerField(_("minimum score (0–10)"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.kind} → {self.to_stage}"
