"""Cases: one request, one protocol number, seen by every department."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fregues.accounts.models import User
from fregues.core.models import Versioned
from fregues.interactions.models import Channel
from fregues.parties.models import Party

from .circuits import CaseType, CircuitStatus
from .sla import Queue, SlaPolicy


class CasePriority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class ProtocolSequence(models.Model):
    """The last protocol number given in a year, per prefix (locked to hand out the next)."""

    prefix = models.CharField(max_length=20, blank=True)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="protocol_sequence_once")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}{self.year}: {self.last_number}"


class Case(Versioned):
    """A request to be solved, identified by its protocol (``2026-000123``).

    It belongs to a customer (``party``), may have been reported by someone else (a person of
    the customer organisation), moves through its type's circuit, waits in a queue for an
    agent, and is measured against an SLA policy. ``is_open`` mirrors the status category so
    "open cases of this customer" is one indexed read.
    """

    protocol = models.CharField(_("protocol"), max_length=40, unique=True)
    tracking_code = models.CharField(max_length=16)
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="cases")
    reporter = models.ForeignKey(
        Party, null=True, blank=True, on_delete=models.SET_NULL, related_name="reported_cases"
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    case_type = models.ForeignKey(CaseType, on_delete=models.PROTECT, related_name="cases")
    category = models.CharField(_("category"), max_length=80, blank=True)
    priority = models.CharField(
        _("priority"), max_length=10, choices=CasePriority.choices, default=CasePriority.NORMAL
    )
    queue = models.ForeignKey(
        Queue, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    assignee = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_cases"
    )
    status = models.ForeignKey(CircuitStatus, on_delete=models.PROTECT, related_name="+")
    status_changed_at = models.DateTimeField()
    is_open = models.BooleanField(default=True)
    subject = models.CharField(_("subject"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # SLA
    sla_policy = models.ForeignKey(
        SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_response_due = models.DateTimeField(null=True, blank=True)
    resolution_due = models.DateTimeField(null=True, blank=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    sla_paused_at = models.DateTimeField(null=True, blank=True)
    sla_paused_minutes = models.PositiveIntegerField(
        default=0,
        help_text="Business minutes spent waiting on the customer, added to the targets.",
    )
    sla_warned_at = models.DateTimeField(null=True, blank=True)
    first_response_breached_at = models.DateTimeField(null=True, blank=True)
    resolution_breached_at = models.DateTimeField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    # related cases
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["party", "-created_at"], name="case_party"),
            # what changed since a watermark (the reporting store's incremental refresh)
            models.Index(fields=["updated_at"], name="case_updated"),
            models.Index(
                fields=["assignee", "resolution_due"],
                name="case_my_work",
                condition=Q(is_open=True),
            ),
            models.Index(
                fields=["queue", "resolution_due"],
                name="case_queue_open",
                condition=Q(is_open=True),
            ),
            models.Index(fields=["case_type", "-created_at"], name="case_type_time"),
        ]

    def __str__(self) -> str:
        return self.protocol

    @property
    def sla_paused(self) -> bool:
        return self.sla_paused_at is not None


class CaseEvent(models.Model):
    """One thing that happened to a case: a status move, an assignment, a partner update,
    a notice sent, an SLA warning or breach, an escalation, a second report joined.

    ``is_public`` events are what the customer's tracking page shows.
    """

    class Kind(models.TextChoices):
        CREATED = "created", _("Opened")
        TRANSITION = "transition", _("Status changed")
        ASSIGNED = "assigned", _("Assigned")
        REPORT_JOINED = "report_joined", _("Reported again")
        PARTNER_DISPATCH = "partner_dispatch", _("Sent to partner")
        PARTNER_UPDATE = "partner_update", _("Partner update")
        NOTICE_SENT = "notice_sent", _("Customer notified")
        SLA_WARNING = "sla_warning", _("SLA warning")
        SLA_BREACH = "sla_breach", _("SLA breached")
        ESCALATED = "escalated", _("Escalated")
        COMMENT = "comment", _("Comment")
        SATISFACTION = "satisfaction", _("Satisfaction answered")
        UPDATED = "updated", _("Updated")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    summary = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    is_public = models.BooleanField(default=False)

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [
            models.Index(fields=["case", "occurred_at"], name="case_event_time"),
            # what happened since a watermark (the reporting store's incremental refresh)
            models.Index(fields=["occurred_at"], name="case_event_occurred"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class TrackingVisit(models.Model):
    """A visit to the public tracking page: the next status call may be an avoidable one."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tracking_visits")
    occurred_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.occurred_at}"


class AvoidableContact(models.Model):
    """An inbound contact a proactive notice would have made unnecessary: a status inquiry
    about an open case, a second report of it, or a call right after a tracking-page visit."""

    class Reason(models.TextChoices):
        STATUS_INQUIRY = "status_inquiry", _("Status inquiry")
        REPEAT_REPORT = "repeat_report", _("Reported again")
        AFTER_TRACKING_VISIT = "after_tracking_visit", _("Called after checking the tracking page")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="avoidable_contacts")
    interaction = models.OneToOneField(
        "interactions.Interaction", on_delete=models.CASCADE, related_name="avoidable_contact"
    )
    reason = models.CharField(max_length=30, choices=Reason.choices)
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [models.Index(fields=["occurred_at"], name="avoidable_time")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.reason}"
