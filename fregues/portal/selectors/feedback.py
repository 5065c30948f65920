"""Staff reads of what customers send from the portal: the suggestions box and the
customisation requests ("Customer feedback").

Reading them needs ``interaction.view_body`` (they are the customer's own words, like a
contact's body): every front-line role and quality, not marketing.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from fregues.core.permissions import can, require

from ..models_orders import CustomisationRequest, Suggestion

FEEDBACK_PERMISSION = "interaction.view_body"


def feedback_can_view(actor: Any) -> bool:
    return actor is not None and can(actor, FEEDBACK_PERMISSION)


def suggestion_list(*, actor: Any, q: str = "") -> QuerySet[Suggestion]:
    """Every suggestion, newest first, with its customer (the caller slices)."""
    require(actor, FEEDBACK_PERMISSION)
    qs = Suggestion.objects.select_related("party").order_by("-created_at", "-id")
    for word in (q or "").split()[:6]:
        qs = qs.filter(Q(subject__icontains=word) | Q(body__icontains=word))
    return qs


def customisation_list(
    *, actor: Any, product_id: int | None = None
) -> QuerySet[CustomisationRequest]:
    """Every customisation request, newest first, with customer, product and order."""
    require(actor, FEEDBACK_PERMISSION)
    qs = CustomisationRequest.objects.select_related("party", "product", "order").order_by(
        "-created_at", "-id"
    )
    if product_id:
        qs = qs.filter(product_id=product_id)
    return qs
