"""Payments received: the money behind an order's or an invoice's payment state."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fregues.core.models import TimeStamped
from fregues.parties.models import Party

from .documents import Invoice, Order


class PaymentMethod(models.TextChoices):
    PIX = "pix", _("Pix")
    BOLETO = "boleto", _("Boleto")
    CARD = "card", _("Card")
    TRANSFER = "transfer", _("Bank transfer")
    CASH = "cash", _("Cash")
    OTHER = "other", _("Other")


class Payment(TimeStamped):
    """An amount a customer paid against an order (or one of its invoices), recorded by a
    person in Freguês. The order's (or invoice's) ``amount_paid`` and payment state are the sum
    of what was received; each payment stays listed on the order page with who recorded it.

    Payments the ERP reports arrive as the invoice's own ``amount_paid`` and state, not as
    rows here: the ERP keeps its ledger, Freguês keeps what its own users recorded.
    """

    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="payments")
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.CASCADE, related_name="payments"
    )
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.CASCADE, related_name="payments"
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    paid_at = models.DateTimeField(_("paid at"))
    method = models.CharField(_("method"), max_length=10, choices=PaymentMethod.choices, blank=True)
    reference = models.CharField(_("reference"), max_length=120, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["paid_at", "id"]
        indexes = [
            models.Index(fields=["order", "paid_at"], name="payment_order"),
            models.Index(fields=["invoice", "paid_at"], name="payment_invoice"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
