"""Status circuits as data: the statuses a case type goes through and the allowed moves."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class StatusCategory(models.TextChoices):
    """What a status means to the SLA clock and to "open" lists, whatever it is called."""

    OPEN = "open", _("Open")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting on the customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class Circuit(models.Model):
    """A workflow: a company's support flow, or a public office's regulatory circuit."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def initial_status(self) -> CircuitStatus:
        return self.statuses.get(is_initial=True)


class CircuitStatus(models.Model):
    """One status of a circuit ("dispatched to partner", "legal review")."""

    circuit = models.ForeignKey(Circuit, on_delete=models.CASCADE, related_name="statuses")
    code = models.SlugField(max_length=60)
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    category = models.CharField(max_length=20, choices=StatusCategory.choices)
    is_initial = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)
    public_description = models.CharField(
        _("what the customer is told"), max_length=300, blank=True
    )
    public_description_en = models.CharField(
        _("what the customer is told (English)"), max_length=300, blank=True
    )

    class Meta:
        ordering = ["circuit", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["circuit", "code"], name="status_code_per_circuit"),
            models.UniqueConstraint(
                fields=["circuit"], condition=models.Q(is_initial=True), name="one_initial_status"
            ),
        ]
        verbose_name_plural = "circuit statuses"

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.category in (StatusCategory.OPEN, StatusCategory.WAITING_CUSTOMER)

    def label(self, language: str | None = None) -> str:
        if language and language.startswith("en") and self.name_en:
            return self.name_en
        return self.name

    def public_text(self, language: str | None = None) -> str:
        """What the customer is told of this status, in their language."""
        if language and language.startswith("en") and self.public_description_en:
            return self.public_description_en
        return self.public_description


class CircuitTransition(models.Model):
    """An allowed move between two statuses, and whether the customer is told of it."""

    circuit = models.ForeignKey(Circuit, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.ForeignKey(CircuitStatus, on_delete=models.CASCADE, related_name="+")
    to_status = models.ForeignKey(CircuitStatus, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("action"), max_length=120, blank=True)
    notifies_customer = models.BooleanField(_("notify the customer"), default=False)

    class Meta:
        ordering = ["circuit", "from_status__position", "to_status__position"]
        constraints = [
            models.UniqueConstraint(fields=["from_status", "to_status"], name="transition_once")
        ]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class CaseType(models.Model):
    """A kind of request ("technical assistance", "licence request") and its circuit.

    ``is_public`` types are the ones a customer may open themselves in the portal; the others
    (internal follow-ups, complaints staff file on a customer's behalf) only staff open.
    """

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    circuit = models.ForeignKey(Circuit, on_delete=models.PROTECT, related_name="case_types")
    default_queue = models.ForeignKey(
        "service.Queue", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    categories = models.JSONField(_("categories"), default=list, blank=True)
    is_public = models.BooleanField(
        _("customers open it in the portal"),
        default=False,
        help_text=_("Customers may open requests of this type themselves in the portal."),
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
