"""What customers send us from the portal besides requests: customisation requests for the
products they bought (or any product on sale) and suggestions.

Both also land on the customer's timeline as an inbound portal contact (``interaction``), so
whoever opens the customer sees them; staff read them in the "Customer feedback" lists.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomisationRequest(models.Model):
    """A customer asking for a product made their way ("the experience economy"): answers to
    the product's customisation options (checked against ``Product.customisation_options`` when
    sent), optionally about one of their orders, and a note."""

    party = models.ForeignKey(
        "parties.Party", on_delete=models.CASCADE, related_name="customisation_requests"
    )
    product = models.ForeignKey(
        "sales.Product", on_delete=models.PROTECT, related_name="customisation_requests"
    )
    order = models.ForeignKey(
        "sales.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # [{"label": "Colour", "value": "Blue"}, ...] in the product's option order
    answers = models.JSONField(_("answers"), default=list)
    note = models.TextField(_("note"), blank=True)
    interaction = models.ForeignKey(
        "interactions.Interaction",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["party", "-created_at"], name="customisation_party"),
            models.Index(fields=["-created_at"], name="customisation_recent"),
        ]

    def __str__(self) -> str:
        return f"customisation of product {self.product_id} by party {self.party_id}"


class Suggestion(models.Model):
    """An idea or a remark a customer dropped in the portal's suggestions box."""

    party = models.ForeignKey("parties.Party", on_delete=models.CASCADE, related_name="suggestions")
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("suggestion"))
    interaction = models.ForeignKey(
        "interactions.Interaction",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["party", "-created_at"], name="suggestion_party"),
            models.Index(fields=["-created_at"], name="suggestion_recent"),
        ]

    def __str__(self) -> str:
        return self.subject
