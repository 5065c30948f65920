"""SMS and WhatsApp: the providers messages come through and every message they carried."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fregues.core.models import Versioned
from fregues.interactions.models import Interaction
from fregues.service.models import CaseType, Queue


class MessageProvider(Versioned):
    """One account at an SMS/WhatsApp provider and the number it answers for.

    Inbound webhooks find their provider here and check the request's signature with its
    secret before anything is written; the outbound senders take the number to send from and
    the credentials from here. The secrets may be kept in the database (each channel has its
    own) but the API never returns them (write-only). ``case_type`` (optional) is where a new
    conversation on this number goes: a message from a customer with an open case of that type
    joins it, otherwise it opens one (the "one case, not two" rule).
    """

    class Kind(models.TextChoices):
        TWILIO = "twilio", _("Twilio (SMS and WhatsApp)")
        WHATSAPP_CLOUD = "whatsapp_cloud", _("WhatsApp Cloud API")

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        WHATSAPP = "whatsapp", _("WhatsApp")

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("provider"), max_length=20, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # E.164 number the provider answers for (Twilio; WhatsApp Cloud: the display number)
    phone_number = models.CharField(_("phone number"), max_length=20, blank=True, default="")
    # WhatsApp Cloud: the phone-number id of the WhatsApp Business Account
    phone_number_id = models.CharField(max_length=40, blank=True, default="")
    account_sid = models.CharField(max_length=64, blank=True, default="")  # Twilio
    auth_token = models.CharField(max_length=200, blank=True, default="")  # Twilio (secret)
    access_token = models.CharField(max_length=500, blank=True, default="")  # Cloud (secret)
    app_secret = models.CharField(max_length=200, blank=True, default="")  # Cloud (secret)
    verify_token = models.CharField(max_length=200, blank=True, default="")  # Cloud (secret)
    is_active = models.BooleanField(_("active"), default=True)
    case_type = models.ForeignKey(
        CaseType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    queue = models.ForeignKey(
        Queue, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["kind", "is_active"], name="msg_provider_kind")]

    def __str__(self) -> str:
        return self.name


class MessageStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    FAILED = "failed", _("Failed")


class ProviderMessage(models.Model):
    """A message a provider carried, in or out, by the provider's own message id.

    The id is unique per provider: a webhook the provider retries finds the message already
    here and changes nothing; a delivery-status callback finds the outbound message it is about.
    ``status`` is the furthest state reached (a late "sent" never undoes "delivered"; "failed"
    is final) and ``error_code`` the provider's code of a failure.
    """

    provider = models.ForeignKey(MessageProvider, on_delete=models.PROTECT, related_name="messages")
    provider_message_id = models.CharField(max_length=200)
    direction = models.CharField(max_length=3)  # "in" / "out", as interactions
    channel = models.CharField(max_length=10)  # sms / whatsapp
    address = models.CharField(max_length=40, blank=True, default="")  # the customer's number
    interaction = models.ForeignKey(
        Interaction, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=MessageStatus.choices)
    error_code = models.CharField(max_length=40, blank=True, default="")
    media = models.JSONField(default=list, blank=True)  # [{"type", "url" or "id", ...}]
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_message_id"], name="provider_message_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.direction} {self.provider_message_id}"


class MessageStatusEvent(models.Model):
    """One delivery-status callback for a message, kept as its history (each status once)."""

    message = models.ForeignKey(ProviderMessage, on_delete=models.CASCADE, related_name="history")
    status = models.CharField(max_length=10, choices=MessageStatus.choices)
    error_code = models.CharField(max_length=40, blank=True, default="")
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["message", "status"], name="message_status_once")
        ]

    def __str__(self) -> str:
        return f"{self.message_id} {self.status}"
