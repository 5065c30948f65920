"""Reads that only the screens need (the shared reads live in selectors.py)."""

from __future__ import annotations

from typing import Any

from fregues.core.errors import NotFound
from fregues.core.permissions import require

from .models import Attachment, Channel, Interaction


def party_channels(*, actor: Any, party_id: int) -> list[tuple[str, str]]:
    """The channels a party has been in touch on, as ``(code, label)`` in the usual order."""
    require(actor, "interaction.view")
    used = set(
        Interaction.objects.filter(party_id=party_id)
        .order_by()
        .values_list("channel", flat=True)
        .distinct()
    )
    return [(code, str(label)) for code, label in Channel.choices if code in used]


def attachment_get(*, actor: Any, attachment_id: int) -> Attachment:
    """An attachment to download: its content is part of the interaction's body."""
    require(actor, "interaction.view_body")
    attachment = Attachment.objects.select_related("interaction").filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound(f"Attachment {attachment_id} does not exist.")
    return attachment
