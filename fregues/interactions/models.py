"""Every contact with a party, on every channel, in one timeline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fregues.core.models import TimeStamped
from fregues.parties.models import ContactPoint, Party


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    CHAT = "chat", _("Chat")
    SMS = "sms", _("SMS")
    MMS = "mms", _("MMS")
    FAX = "fax", _("Fax")
    LETTER = "letter", _("Letter")
    VISIT = "visit", _("Visit")
    WEB_FORM = "web_form", _("Web form")
    SOCIAL = "social", _("Social network")
    PORTAL = "portal", _("Portal")


class Direction(models.TextChoices):
    INBOUND = "in", _("Inbound")
    OUTBOUND = "out", _("Outbound")


class Interaction(TimeStamped):
    """One contact on one channel, in or out, on a party's timeline.

    ``regarding_type``/``regarding_id`` link it to what it concerns (a case, a deal) without this
    app importing theirs. ``external_id`` is the channel's own message id: with the channel it
    makes a redelivered message land once.
    """

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="interactions")
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    network = models.CharField(_("network"), max_length=20, blank=True, default="")
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    occurred_at = models.DateTimeField(_("when"))
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interactions",
    )
    subject = models.CharField(_("subject"), max_length=300, blank=True, default="")
    body = models.TextField(_("body"), blank=True, default="")
    outcome = models.CharField(_("outcome"), max_length=60, blank=True, default="")
    duration_seconds = models.PositiveIntegerField(_("duration (s)"), null=True, blank=True)
    channel_address = models.CharField(max_length=300, blank=True, default="")
    contact_point = models.ForeignKey(
        ContactPoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    external_id = models.CharField(max_length=200, blank=True, default="")
    regarding_type = models.CharField(max_length=40, blank=True, default="")
    regarding_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=~Q(external_id=""),
                name="interaction_delivered_once",
            )
        ]
        indexes = [
            models.Index(fields=["party", "-occurred_at", "-id"], name="interaction_timeline"),
            # what changed since a watermark (the reporting store's incremental refresh)
            models.Index(fields=["updated_at"], name="interaction_updated"),
            models.Index(
                fields=["party", "channel", "-occurred_at", "-id"], name="interaction_channel"
            ),
            models.Index(
                fields=["regarding_type", "regarding_id"],
                name="interaction_regarding",
                condition=~Q(regarding_type=""),
            ),
            models.Index(fields=["-occurred_at"], name="interaction_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.direction} {self.occurred_at:%Y-%m-%d}"


class Attachment(models.Model):
    """A file that came with an interaction (a scanned letter, a photo, a PDF)."""

    interaction = models.ForeignKey(
        Interaction, on_delete=models.CASCADE, related_name="attachments"
    )
    # A plain path (by month of upload), not a function: migrations must not import app code.
    file = models.FileField(upload_to="attachments/%Y/%m/")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120, blank=True, default="")
    size = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename
