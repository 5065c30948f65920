"""Counting avoidable contacts: the calls a proactive notice would have spared."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction

from fregues.core.audit import audit_record
from fregues.interactions.models import Interaction

from ..models import AvoidableContact, Case, TrackingVisit

TRACKING_WINDOW = datetime.timedelta(hours=48)
INFERRED_CHANNELS = {"phone", "email", "chat", "sms", "social", "visit"}


def avoidable_contact_record(
    *, case: Case, interaction: Interaction, reason: str
) -> AvoidableContact:
    """Count ``interaction`` as avoidable for ``case`` (once per interaction)."""
    record, created = AvoidableContact.objects.get_or_create(
        interaction=interaction,
        defaults={"case": case, "reason": reason, "occurred_at": interaction.occurred_at},
    )
    if created:
        audit_record(
            actor=None,
            action="create",
            instance=record,
            party_id=case.party_id,
            summary=f"avoidable contact on {case.protocol}: {reason}",
        )
    return record


def infer_after_tracking_visit(interaction_id: int) -> AvoidableContact | None:
    """An inbound contact from a customer who looked at an open case's tracking page in the
    48 hours before is counted as avoidable: they already had the answer."""
    interaction = Interaction.objects.filter(pk=interaction_id, direction="in").first()
    if interaction is None or interaction.channel not in INFERRED_CHANNELS:
        return None
    if hasattr(interaction, "avoidable_contact"):
        return None
    visit = (
        TrackingVisit.objects.filter(
            case__party_id=interaction.party_id,
            case__is_open=True,
            occurred_at__gte=interaction.occurred_at - TRACKING_WINDOW,
            occurred_at__lte=interaction.occurred_at,
        )
        .select_related("case")
        .order_by("-occurred_at")
        .first()
    )
    if visit is None:
        return None
    with transaction.atomic():
        return avoidable_contact_record(
            case=visit.case,
            interaction=interaction,
            reason=AvoidableContact.Reason.AFTER_TRACKING_VISIT,
        )


def on_event(name: str, payload: dict[str, Any]) -> None:
    """Outbox receiver: look at every recorded inbound contact."""
    if name == "interaction.recorded" and payload.get("direction") == "in":
        infer_after_tracking_visit(payload["interaction_id"])
