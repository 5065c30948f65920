"""Requests a customer makes about their personal data (LGPD art. 18 / GDPR art. 15–21)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fregues.core.models import TimeStamped


class PrivacyKind(models.TextChoices):
    ACCESS = "access", _("Access to my data")
    PORTABILITY = "portability", _("Portability")
    CORRECTION = "correction", _("Correction")
    ERASURE = "erasure", _("Erasure")
    RESTRICTION = "restriction", _("Restriction of processing")


class PrivacyState(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    REFUSED = "refused", _("Refused")


class PrivacyRequest(TimeStamped):
    """A data-subject request: the law gives the company a deadline to answer it
    (``PRIVACY_DEADLINE_DAYS``), so each one is tracked from receipt to an answer, with who
    handled it and why it was refused. An erasure request, once done, anonymises the customer
    (``fregues.portal.services.privacy.privacy_erasure_execute``)."""

    party = models.ForeignKey(
        "parties.Party", on_delete=models.PROTECT, related_name="privacy_requests"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=PrivacyKind.choices)
    state = models.CharField(
        _("state"), max_length=20, choices=PrivacyState.choices, default=PrivacyState.RECEIVED
    )
    details = models.TextField(_("details"), blank=True, default="")
    due_at = models.DateTimeField(_("deadline"))
    filed_by = models.CharField(max_length=150, blank=True, default="")
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    legal_obligation = models.BooleanField(
        _("legal obligation to keep the data"),
        default=False,
        help_text=_("A law requires keeping this customer's data: erasure is on hold."),
    )
    hold_justification = models.TextField(_("why erase despite the holds"), blank=True, default="")
    refusal_reason = models.TextField(_("reason for refusal"), blank=True, default="")
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["party", "-created_at"], name="privacy_request_party"),
            models.Index(fields=["state", "due_at"], name="privacy_request_due"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} request #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state in (PrivacyState.RECEIVED, PrivacyState.IN_PROGRESS)

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at < timezone.now()
