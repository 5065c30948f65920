"""Activities: the salesperson's tasks, calls, meetings and visits, and their calendar feed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fregues.core.models import Versioned
from fregues.interactions.models import Interaction
from fregues.parties.models import Party

from .leads import Lead
from .pipelines import Opportunity


class ActivityKind(models.TextChoices):
    TASK = "task", _("Task")
    CALL = "call", _("Call")
    MEETING = "meeting", _("Meeting")
    VISIT = "visit", _("Visit")
    EMAIL = "email", _("E-mail")


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


# The timeline channel a done activity is recorded on, unless the activity names another.
ACTIVITY_CHANNEL = {
    ActivityKind.TASK: "phone",
    ActivityKind.CALL: "phone",
    ActivityKind.MEETING: "visit",
    ActivityKind.VISIT: "visit",
    ActivityKind.EMAIL: "email",
}


class Activity(Versioned):
    """Something someone will do (or did) for a customer, a deal or a lead, at a time.

    Planned activities remind their owner through the task queue (``remind_at``) and appear in
    the owner's calendar feed. Done, they land on the customer's timeline as an outbound
    interaction (``interaction``) on ``channel`` with the outcome. A planned visit has a
    briefing: everything open with the customer, on one page.
    """

    kind = models.CharField(_("kind"), max_length=10, choices=ActivityKind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    party = models.ForeignKey(
        Party, null=True, blank=True, on_delete=models.CASCADE, related_name="activities"
    )
    opportunity = models.ForeignKey(
        Opportunity, null=True, blank=True, on_delete=models.CASCADE, related_name="activities"
    )
    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.CASCADE, related_name="activities"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="activities",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ActivityStatus.choices, default=ActivityStatus.PLANNED
    )
    due_at = models.DateTimeField(_("when"), null=True, blank=True)
    all_day = models.BooleanField(_("all day"), default=False)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=30)
    location = models.CharField(_("where"), max_length=300, blank=True)
    channel = models.CharField(_("channel"), max_length=20, blank=True)
    remind_at = models.DateTimeField(_("remind at"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=300, blank=True)
    interaction = models.ForeignKey(
        Interaction, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name_plural = "activities"
        indexes = [
            models.Index(fields=["owner", "status", "due_at"], name="activity_owner"),
            models.Index(fields=["party", "status", "due_at"], name="activity_party"),
            models.Index(
                fields=["remind_at"],
                name="activity_reminder_pending",
                condition=Q(status="planned", reminded_at__isnull=True, remind_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.subject


class CalendarFeed(models.Model):
    """The secret behind a user's ICS calendar address. A new secret (``calendar_feed_reset``)
    makes the old address stop working."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    secret = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_read_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"calendar of {self.user_id}"
