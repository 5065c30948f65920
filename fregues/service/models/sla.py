"""Service standards: working-hour calendars, queues and SLA policies."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fregues.accounts.models import Team, User

DEFAULT_HOURS = {str(day): [["08:00", "18:00"]] for day in range(5)}  # Monday..Friday


class BusinessCalendar(models.Model):
    """When the clock of an SLA runs: working hours per weekday, minus holidays.

    National holidays come from the ``holidays`` library for ``country`` (BR, PT, ...); local
    ones are added as CalendarHoliday rows.
    """

    name = models.CharField(_("name"), max_length=120, unique=True)
    timezone = models.CharField(_("time zone"), max_length=60, default="America/Sao_Paulo")
    country = models.CharField(_("country"), max_length=2, default="BR")
    subdivision = models.CharField(_("state / region"), max_length=10, blank=True)
    working_hours = models.JSONField(
        _("working hours"),
        default=dict,
        help_text='{"0": [["08:00", "12:00"], ["13:00", "18:00"]], ...} with 0 = Monday.',
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CalendarHoliday(models.Model):
    """A day off that the national list does not know (a municipal holiday, a closing)."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="holidays"
    )
    date = models.DateField()
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="holiday_once")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class Queue(models.Model):
    """Where cases wait for an agent of a team, and how they are handed out."""

    class Strategy(models.TextChoices):
        MANUAL = "manual", _("Manual")
        ROUND_ROBIN = "round_robin", _("Round robin")
        LEAST_LOADED = "least_loaded", _("Least loaded")

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="queues"
    )
    strategy = models.CharField(max_length=20, choices=Strategy.choices, default=Strategy.MANUAL)
    last_assignee = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SlaPolicy(models.Model):
    """Measurable targets for first response and resolution, in business minutes.

    Chosen per case type × priority × customer tier; a blank field matches any, the most
    specific policy wins (the case type counts most, priority and tier alike) and, between
    equally specific ones, the strictest.
    """

    name = models.CharField(_("name"), max_length=120)
    case_type = models.ForeignKey(
        "service.CaseType",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sla_policies",
    )
    priority = models.CharField(max_length=10, blank=True)
    customer_tier = models.CharField(max_length=20, blank=True)
    first_response_minutes = models.PositiveIntegerField(_("first response (business minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution (business minutes)"))
    warning_percent = models.PositiveSmallIntegerField(default=80)
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.PROTECT, related_name="policies"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "SLA policies"

    def __str__(self) -> str:
        return self.name

    @property
    def specificity(self) -> int:
        return (
            (4 if self.case_type_id else 0)
            + (1 if self.priority else 0)
            + (1 if self.customer_tier else 0)
        )
