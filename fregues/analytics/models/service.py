"""The service part of the reporting store: one row per case, and a daily backlog snapshot.

Each table is written only by its refresher (``facts_service.py``) with
set-based SQL, and read by the service reports through ``analytics_db()``. The
foreign keys carry no database constraint: the store must never block a write on the live
tables, and a refresh repairs what a deletion leaves behind.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from fregues.parties.models import Party


def _fk(to: str | type[models.Model], *, null: bool = False) -> models.ForeignKey:
    """A reference to a live row with no database constraint and no reverse accessor."""
    return models.ForeignKey(
        to,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        null=null,
        blank=null,
    )


class CaseFact(models.Model):
    """One row per case, with its dimensions (queue, agent, case type, channel, the day, week
    and month it opened) and its measures (SLA outcomes, contacts, first-contact resolution,
    avoidable contacts, satisfaction, quality score, reopenings), so every service report is
    one grouped scan of this table instead of joins over cases, events, interactions,
    surveys and reviews.

    ``first_response_met`` / ``resolution_met`` are null while the clock still runs (or the
    case has no SLA policy). ``first_contact_resolution`` is null until the case is resolved:
    then it is true when the case was never reopened, nobody reported it again, and at most
    one inbound contact concerns it (the one that brought it)."""

    case = models.OneToOneField(
        "service.Case",
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    party = _fk(Party)
    case_type = _fk("service.CaseType")
    queue = _fk("service.Queue", null=True)
    assignee = _fk(settings.AUTH_USER_MODEL, null=True)
    channel = models.CharField(max_length=20, blank=True, default="")
    priority = models.CharField(max_length=10, blank=True, default="")
    opened_at = models.DateTimeField()
    opened_date = models.DateField()  # local day
    opened_week = models.DateField()  # the Monday of that week
    opened_month = models.DateField()  # first day of the month
    first_responded_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_date = models.DateField(null=True, blank=True)  # local day
    closed_at = models.DateTimeField(null=True, blank=True)
    is_open = models.BooleanField(default=True)
    has_sla = models.BooleanField(default=False)
    first_response_met = models.BooleanField(null=True, blank=True)
    resolution_met = models.BooleanField(null=True, blank=True)
    contacts = models.PositiveIntegerField(default=0)
    inbound_contacts = models.PositiveIntegerField(default=0)
    first_contact_resolution = models.BooleanField(null=True, blank=True)
    avoidable_contacts = models.PositiveIntegerField(default=0)
    avoidable_status_inquiry = models.PositiveIntegerField(default=0)
    avoidable_repeat_report = models.PositiveIntegerField(default=0)
    avoidable_after_tracking = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)
    csat_score = models.PositiveSmallIntegerField(null=True, blank=True)
    quality_score = models.FloatField(null=True, blank=True)
    quality_reviews = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["opened_date"], name="an_casefact_opened"),
            models.Index(fields=["queue", "opened_date"], name="an_casefact_queue"),
            models.Index(fields=["assignee", "opened_date"], name="an_casefact_agent"),
            models.Index(fields=["case_type", "opened_date"], name="an_casefact_type"),
            models.Index(fields=["resolved_date"], name="an_casefact_resolved"),
        ]

    def __str__(self) -> str:
        return f"facts of case {self.case_id}"


class BacklogSnapshot(models.Model):
    """The open cases at the end of one day, per queue and case type, by age (days since the
    case opened): the backlog over time, which the live tables cannot give back once cases
    close. Written for each day the refresh has not written yet (all days on a rebuild)."""

    day = models.DateField()
    queue = _fk("service.Queue", null=True)
    case_type = _fk("service.CaseType")
    open_count = models.PositiveIntegerField(default=0)
    age_under_1 = models.PositiveIntegerField(default=0)  # opened that day
    age_1_3 = models.PositiveIntegerField(default=0)  # 1–2 days old
    age_3_7 = models.PositiveIntegerField(default=0)  # 3–6 days
    age_7_30 = models.PositiveIntegerField(default=0)  # 7–29 days
    age_30_plus = models.PositiveIntegerField(default=0)  # 30 days or more

    class Meta:
        indexes = [
            models.Index(fields=["day", "queue"], name="an_backlog_day"),
        ]

    def __str__(self) -> str:
        return f"backlog {self.day} {self.queue_id}/{self.case_type_id}: {self.open_count}"
