"""Outbound webhooks: who wants which events, each delivery of an event, each attempt."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fregues.core.models import Versioned


class WebhookSubscription(Versioned):
    """A receiver outside Freguês (an ERP, a data warehouse, a chat bot) that wants to hear
    about some events as they happen, instead of polling the API.

    ``event_types`` holds patterns: an exact name (``party.created``), a prefix (``case.*``)
    or ``*``. The ``secret`` signs every request (HMAC-SHA256) so the receiver can tell it
    came from us; it is shown once when created or rotated and never returned again by the
    API. ``failing_since`` and ``paused_reason`` are the subscription's health as the admin
    screen shows it: a receiver that keeps failing for the whole retry window is paused with
    the reason, and its undelivered events wait for it to be switched back on.
    """

    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    event_types = models.JSONField(_("events"), default=list)
    secret = models.CharField(max_length=100)
    is_active = models.BooleanField(_("active"), default=True)
    paused_reason = models.CharField(_("paused because"), max_length=300, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    last_delivery_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    # who is sending this subscription's deliveries right now, until when (a worker that dies
    # holding it lets go when it expires): one sender per subscription keeps the event order
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url

    @property
    def secret_hint(self) -> str:
        """The end of the secret, to tell secrets apart without showing them."""
        return f"…{self.secret[-4:]}" if self.secret else ""


class WebhookDelivery(models.Model):
    """One event to send to one subscription, until the receiver answers 2xx or we give up.

    Written in the same transaction that marks the outbox event dispatched, so an event is
    never lost between the two; unique per (subscription, event), so running the fan-out again
    never sends an event twice. ``uid`` is the ``X-Fregues-Delivery`` header the receiver
    dedupes on (the same on every retry and redelivery). ``body`` is the exact JSON sent,
    fixed at creation, so every attempt signs and sends the same bytes.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Given up")

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    # the outbox event (a plain id: outbox rows may be pruned); None for a test ping
    event_id = models.BigIntegerField(null=True, blank=True)
    event = models.CharField(_("event"), max_length=80)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    body = models.TextField()
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(db_index=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    first_failed_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event_id"], name="webhook_delivery_once_per_event"
            )
        ]
        indexes = [
            models.Index(
                fields=["subscription", "id"],
                name="webhook_delivery_pending",
                condition=models.Q(status="pending"),
            ),
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due",
                condition=models.Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription_id}"


class WebhookAttempt(models.Model):
    """One try at sending a delivery, kept so the admin sees what the receiver answered (or
    why it could not be reached) and how long it took."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="tries")
    attempted_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    response_excerpt = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.delivery_id}: {self.status_code or self.error}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
