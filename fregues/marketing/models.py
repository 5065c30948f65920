"""Marketing: segments of customers, campaigns sent to them, and what happened to each
recipient. Consent and suppression are not here: they live in ``parties`` (the ledger, the
suppression list) and ``service`` (the one check every sender makes), so that every sender
obeys them, not only campaigns."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fregues.core.models import TimeStamped, Versioned
from fregues.parties.models import ConsentPurpose, Party


class Segment(Versioned):
    """A set of customers described by rules over who they are and what they did ("clients in
    São Paulo who bought a freezer and have no open case"), kept as JSON and compiled to one
    SQL query (``fregues.marketing.segments``): the members are always the current ones. A
    snapshot freezes them when a campaign must go to exactly the customers counted today."""

    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True, default="")
    rules = models.JSONField(_("rules"), default=dict, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_count = models.PositiveIntegerField(null=True, blank=True)
    last_counted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class SegmentSnapshot(models.Model):
    """A segment's members frozen at a moment (who was in it when the campaign was planned,
    or when a marketer took the picture), with the rules as they were then."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="snapshots")
    name = models.CharField(_("name"), max_length=120, blank=True, default="")
    rules = models.JSONField(default=dict)
    taken_at = models.DateTimeField(auto_now_add=True)
    member_count = models.PositiveIntegerField(default=0)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-taken_at", "-id"]

    def __str__(self) -> str:
        return f"{self.segment_id} @ {self.taken_at:%Y-%m-%d %H:%M}"


class SegmentSnapshotMember(models.Model):
    """One customer in a snapshot.

    Written hundreds of thousands at a time by one ``INSERT ... SELECT`` of parties that exist
    in the same statement, so the foreign keys are not checked by the database (deferred
    checks, one per row and key, were half the time of a 400,000-member snapshot); deletes
    still cascade through Django. The unique (snapshot, party) index serves lookups by
    snapshot, so the snapshot key has no index of its own."""

    snapshot = models.ForeignKey(
        SegmentSnapshot,
        on_delete=models.CASCADE,
        related_name="members",
        db_constraint=False,
        db_index=False,
    )
    party = models.ForeignKey(
        Party, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "party"], name="snapshot_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.snapshot_id}: {self.party_id}"


class CampaignChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    PAUSED = "paused", _("Paused")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")


class Campaign(Versioned):
    """A message sent to a segment on one channel, under one consent purpose, in each
    recipient's language, throttled, at a scheduled time. Planning resolves the recipients and
    applies the sending rules once (``CampaignRecipient`` rows, skipped ones with their
    reason); sending works through the planned rows, so a worker that dies mid-campaign
    resumes where it stopped and never sends anyone twice."""

    name = models.CharField(_("name"), max_length=150)
    channel = models.CharField(
        _("channel"), max_length=10, choices=CampaignChannel.choices, default="email"
    )
    purpose = models.ForeignKey(
        ConsentPurpose, on_delete=models.PROTECT, related_name="+", verbose_name=_("purpose")
    )
    segment = models.ForeignKey(
        Segment, null=True, blank=True, on_delete=models.PROTECT, related_name="campaigns"
    )
    snapshot = models.ForeignKey(
        SegmentSnapshot, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default="draft"
    )
    default_language = models.CharField(_("default language"), max_length=10, default="pt-br")
    scheduled_at = models.DateTimeField(_("send at"), null=True, blank=True)
    throttle_per_minute = models.PositiveIntegerField(_("messages per minute"), default=600)
    conversion_days = models.PositiveSmallIntegerField(
        _("orders count as converted within (days)"), default=30
    )
    offer_product_id = models.BigIntegerField(null=True, blank=True)  # a sales product, by id
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    planned_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "scheduled_at"], name="campaign_due")]

    def __str__(self) -> str:
        return self.name


class CampaignMessage(TimeStamped):
    """The campaign's text in one language (pt-BR, pt-PT, en): each recipient gets the one in
    their language, else the campaign's default. Django template syntax with a small,
    safe context: ``{{ first_name }}``, ``{{ name }}``, ``{{ preferred_product }}``,
    ``{{ unsubscribe_url }}``."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="messages")
    language = models.CharField(_("language"), max_length=10)
    subject = models.CharField(_("subject"), max_length=200, blank=True, default="")
    body = models.TextField(_("text"))

    class Meta:
        ordering = ["language"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "language"], name="campaign_message_once")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.language}"


class RecipientStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SKIPPED = "skipped", _("Skipped")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    BOUNCED = "bounced", _("Bounced")


class CampaignRecipient(models.Model):
    """One customer of a planned campaign: where the message goes, or why it does not
    (``skip_reason``, a code of ``fregues.service.services.sending.REASONS``), and what
    happened after (sent, bounced, clicked, unsubscribed). A row moves pending → sending →
    sent once; the sender claims it before it talks to the mail server, so a crash leaves it
    ``sending`` (reported, never sent again) instead of sending it twice."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="recipients")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    address = models.CharField(max_length=300, blank=True, default="")
    language = models.CharField(max_length=10, blank=True, default="")
    status = models.CharField(max_length=10, choices=RecipientStatus.choices, default="pending")
    skip_reason = models.CharField(max_length=40, blank=True, default="")
    skip_detail = models.CharField(max_length=200, blank=True, default="")
    message_id = models.CharField(max_length=200, blank=True, default="")
    interaction_id = models.BigIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True, default="")
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Held until then: outside the customer's contact hours (the sending check's deferral).
    not_before = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    first_clicked_at = models.DateTimeField(null=True, blank=True)
    clicks = models.PositiveIntegerField(default=0)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "party"], name="campaign_recipient_once")
        ]
        indexes = [
            models.Index(fields=["campaign", "status"], name="recipient_campaign_status"),
            models.Index(fields=["party", "-id"], name="recipient_party"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} → {self.party_id} ({self.status})"


class CampaignLink(models.Model):
    """A link in a campaign's text, replaced by a signed redirect so clicks are counted."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="links")
    url = models.URLField(max_length=1000)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "url"], name="campaign_link_once")
        ]

    def __str__(self) -> str:
        return self.url


__all__ = [
    "Campaign",
    "CampaignChannel",
    "CampaignLink",
    "CampaignMessage",
    "CampaignRecipient",
    "CampaignStatus",
    "RecipientStatus",
    "Segment",
    "SegmentSnapshot",
    "SegmentSnapshotMember",
]
