"""Service partners and the work orders sent to them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fregues.parties.models import Party

from .cases import Case


class ServicePartner(models.Model):
    """An organisation that does field work for us (a partner technician's company)."""

    party = models.OneToOneField(Party, on_delete=models.CASCADE, related_name="service_partner")
    email = models.EmailField(_("e-mail for work orders"))
    skills = models.CharField(_("skills"), max_length=300, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["party__name"]

    def __str__(self) -> str:
        return self.party.name


class WorkOrder(models.Model):
    """A task sent to a service partner for a case, updated by the partner through a signed,
    expiring link (no account needed)."""

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        REJECTED = "rejected", _("Rejected")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="work_orders")
    partner = models.ForeignKey(
        ServicePartner, on_delete=models.PROTECT, related_name="work_orders"
    )
    instructions = models.TextField(_("instructions"), blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SENT)
    partner_notes = models.TextField(blank=True)
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"WO {self.pk} ({self.case_id})"
