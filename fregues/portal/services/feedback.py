"""Writes of what customers send us from the portal: customisation requests and suggestions.

Each one is stored, lands on the customer's timeline as an inbound portal contact, is audited
and announced (``portal.customisation_requested``, ``portal.suggestion_received``) after the
commit. A customer may send ``settings.PORTAL_WRITES_PER_HOUR`` of them an hour, together (a
runaway script, not a person, goes past that): the next one is a 429.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record
from fregues.core.errors import ErrorCollector, ServiceError
from fregues.core.events import event_emit
from fregues.core.permissions import require
from fregues.interactions.services import interaction_record
from fregues.parties.models import Party
from fregues.sales.models import Order
from fregues.sales.services.product_options import customisation_answers_clean

from ..models_orders import CustomisationRequest, Suggestion
from ..selectors.orders import customisable_product_get

ORDER_REGARDING = "sales.order"
SUBJECT_SIZE = 200
BODY_SIZE = 5000


class RateLimited(ServiceError):
    """Too many things sent from the portal in the last hour (429)."""

    status = 429
    code = "rate_limited"


def portal_writes_check(party: Party) -> None:
    """429 when the customer already sent PORTAL_WRITES_PER_HOUR customisation requests and
    suggestions in the last hour."""
    since = timezone.now() - datetime.timedelta(hours=1)
    sent = (
        Suggestion.objects.filter(party=party, created_at__gte=since).count()
        + CustomisationRequest.objects.filter(party=party, created_at__gte=since).count()
    )
    if sent >= settings.PORTAL_WRITES_PER_HOUR:
        raise RateLimited(
            _("You have sent a lot in the last hour. Please try again later."),
        )


def _text(value: Any, name: str, size: int, errors: ErrorCollector, *, required: bool) -> str:
    text = str(value or "").strip()
    if required and not text:
        errors.add(name, _("This field is required."))
    elif len(text) > size:
        errors.add(name, _("At most %(n)s characters.") % {"n": size})
    return text


def customisation_request_create(
    *,
    actor: Any,
    party: Party,
    product_id: Any,
    answers: Any,
    note: str = "",
    order_number: str = "",
) -> CustomisationRequest:
    """The customer asks for ``product_id`` made their way: ``answers`` (``{label: value}``)
    checked against the product's customisation options (422 naming each answer's problem),
    optionally about one of their orders (``order_number``), with a note.

    404 for a product without options (or no longer sold, unless the customer bought it);
    429 past the hourly limit.
    """
    require(actor, "interaction.create")
    errors = ErrorCollector()
    product = None
    if not str(product_id or "").isdigit():
        errors.add("product_id", _("Choose the product."))
    else:
        product = customisable_product_get(party=party, product_id=int(product_id))
    order = None
    order_number = str(order_number or "").strip()
    if order_number:
        order = Order.objects.filter(party=party, number=order_number).first()
        if order is None:
            errors.add("order_number", _("You have no order %(n)s.") % {"n": order_number})
    clean_note = _text(note, "note", BODY_SIZE, errors, required=False)
    clean_answers = (
        customisation_answers_clean(product.customisation_options, answers, errors)
        if product is not None
        else []
    )
    errors.raise_if_any()
    assert product is not None
    portal_writes_check(party)
    lines = [f"{a['label']}: {a['value']}" for a in clean_answers]
    if order is not None:
        lines.append(_("Order %(number)s") % {"number": order.number})
    if clean_note:
        lines += ["", clean_note]
    with transaction.atomic():
        recorded = interaction_record(
            actor=actor,
            data={
                "channel": "portal",
                "direction": "in",
                "subject": _("Customisation request: %(product)s") % {"product": product.name},
                "body": "\n".join(lines),
                **(
                    {"regarding_type": ORDER_REGARDING, "regarding_id": order.pk}
                    if order is not None
                    else {}
                ),
            },
            party_id=party.pk,
        )
        request = CustomisationRequest.objects.create(
            party=party,
            product=product,
            order=order,
            answers=clean_answers,
            note=clean_note,
            interaction=recorded.interaction,
        )
        audit_record(
            actor=actor,
            action="create",
            instance=request,
            party_id=party.pk,
            summary=f"customisation request: {product.sku}",
            changes={"product": product.pk, "answers": clean_answers},
        )
        event_emit(
            "portal.customisation_requested",
            {"request_id": request.pk, "party_id": party.pk, "product_id": product.pk},
        )
    return request


def suggestion_create(*, actor: Any, party: Party, subject: str, body: str) -> Suggestion:
    """The customer drops a suggestion in the box: a subject and the idea itself (422 when
    either is missing or too long; 429 past the hourly limit)."""
    require(actor, "interaction.create")
    errors = ErrorCollector()
    clean_subject = " ".join(_text(subject, "subject", SUBJECT_SIZE, errors, required=True).split())
    clean_body = _text(body, "body", BODY_SIZE, errors, required=True)
    errors.raise_if_any()
    portal_writes_check(party)
    with transaction.atomic():
        recorded = interaction_record(
            actor=actor,
            data={
                "channel": "portal",
                "direction": "in",
                "subject": _("Suggestion: %(subject)s") % {"subject": clean_subject},
                "body": clean_body,
            },
            party_id=party.pk,
        )
        suggestion = Suggestion.objects.create(
            party=party,
            subject=clean_subject,
            body=clean_body,
            interaction=recorded.interaction,
        )
        audit_record(
            actor=actor,
            action="create",
            instance=suggestion,
            party_id=party.pk,
            summary=f"suggestion: {clean_subject}",
        )
        event_emit(
            "portal.suggestion_received",
            {"suggestion_id": suggestion.pk, "party_id": party.pk},
        )
    return suggestion
