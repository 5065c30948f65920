"""Recording a batch of inbound contacts (a poll of a mailbox) with a few queries.

Each contact follows ``interaction_record``'s rules — the sender resolved to a party or a
suspect created, a redelivered message (same channel and external id) stored once — but the
lookups and the writes are made for the whole batch: one query finds the messages already
delivered, ``party_resolve_many`` the senders, and the interactions, their audit entries and
their ``interaction.recorded`` events are each written in one statement. The caller owns the
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from fregues.core.audit import actor_fields, snapshot
from fregues.core.errors import Conflict, ErrorCollector, Invalid
from fregues.core.events import dispatch_on_commit
from fregues.core.models import AuditEntry, OutboxEvent
from fregues.core.permissions import require
from fregues.parties.services import Resolved, party_resolve_many

from ..models import Interaction
from .records import (
    INTERACTION_AUDIT_FIELDS,
    NewAttachment,
    Recorded,
    _attach,
    _clean,
    _clean_attachments,
    interaction_record,
)


@dataclass
class Inbound:
    """One contact to record: its fields (as for ``interaction_record``), the address it came
    from and the sender's name."""

    data: dict[str, Any]
    address: str
    name: str = ""
    attachments: list[NewAttachment] = field(default_factory=list)


def interaction_record_inbound_many(
    *, actor: Any, items: list[Inbound]
) -> list[Recorded | Invalid | Conflict]:
    """Record many inbound contacts identified by their address; for each item, in order, its
    ``Recorded`` or the error that kept it off the timeline (nothing written for that one)."""
    require(actor, "interaction.create")
    out: list[Recorded | Invalid | Conflict | None] = [None] * len(items)
    cleaned: dict[int, dict[str, Any]] = {}
    for i, item in enumerate(items):
        errors = ErrorCollector()
        fields = _clean({**item.data, "agent_id": None}, errors)
        _clean_attachments(item.attachments, errors)
        if not item.address.strip():
            errors.add("party_id", _("Give the party, or the address the contact came from."))
        try:
            errors.raise_if_any()
        except Invalid as exc:
            out[i] = exc
            continue
        fields.pop("agent_id")
        cleaned[i] = fields
    delivered = _delivered(cleaned)
    resolved = _resolve(actor, items, cleaned, delivered)
    agent_id = actor.pk if getattr(actor, "pk", None) else None
    fresh: dict[int, Interaction] = {}
    batch_ids: dict[tuple[str, str], int] = {}
    for i, fields in cleaned.items():
        key = (fields["channel"], fields["external_id"])
        if fields["external_id"] and key in delivered:
            out[i] = Recorded(delivered[key], created=False, party_created=False)
            continue
        who = resolved[(fields["channel"], fields["network"])][items[i].address.strip()]
        if isinstance(who, Invalid):
            out[i] = who
            continue
        if fields["external_id"] and key in batch_ids:  # the same message twice in the batch
            continue
        if fields["external_id"]:
            batch_ids[key] = i
        fresh[i] = Interaction(
            party=who.party,
            agent_id=agent_id,
            channel_address=items[i].address.strip()[:300],
            contact_point=who.contact_point,
            **fields,
        )
    try:
        with transaction.atomic():
            _write(actor, items, fresh)
    except IntegrityError:  # a concurrent delivery of one of them: one by one, as usual
        for i in fresh:
            try:
                out[i] = interaction_record(
                    actor=actor,
                    data=items[i].data,
                    address=items[i].address,
                    name=items[i].name,
                    attachments=items[i].attachments,
                )
            except (Invalid, Conflict) as exc:
                out[i] = exc
        fresh = {}
    for i, interaction in fresh.items():
        who = resolved[(interaction.channel, interaction.network)][items[i].address.strip()]
        assert isinstance(who, Resolved)
        out[i] = Recorded(interaction, created=True, party_created=who.created)
    for i, fields in cleaned.items():
        if out[i] is None:  # a repeat inside the batch: the first one's interaction
            first = out[batch_ids[(fields["channel"], fields["external_id"])]]
            assert isinstance(first, Recorded)
            out[i] = Recorded(first.interaction, created=False, party_created=False)
    return [r for r in out if r is not None]


def _delivered(cleaned: dict[int, dict[str, Any]]) -> dict[tuple[str, str], Interaction]:
    keys = {(f["channel"], f["external_id"]) for f in cleaned.values() if f["external_id"]}
    if not keys:
        return {}
    found = Interaction.objects.filter(
        channel__in={c for c, _e in keys}, external_id__in={e for _c, e in keys}
    )
    return {(x.channel, x.external_id): x for x in found if (x.channel, x.external_id) in keys}


def _resolve(
    actor: Any,
    items: list[Inbound],
    cleaned: dict[int, dict[str, Any]],
    delivered: dict[tuple[str, str], Interaction],
) -> dict[tuple[str, str], dict[str, Resolved | Invalid]]:
    """The senders, per channel and network, of the contacts not delivered before."""
    groups: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for i, fields in cleaned.items():
        if (fields["channel"], fields["external_id"]) in delivered:
            continue
        groups.setdefault((fields["channel"], fields["network"]), []).append(
            (items[i].address.strip(), items[i].name)
        )
    return {
        (channel, network): party_resolve_many(
            actor=actor, channel=channel, addresses=pairs, network=network
        )
        for (channel, network), pairs in groups.items()
    }


def _write(actor: Any, items: list[Inbound], fresh: dict[int, Interaction]) -> None:
    if not fresh:
        return
    Interaction.objects.bulk_create(fresh.values())
    for i, interaction in fresh.items():
        for attachment in items[i].attachments:
            _attach(interaction, attachment)
    actor_id, actor_name = actor_fields(actor)
    AuditEntry.objects.bulk_create(
        AuditEntry(
            actor_id=actor_id,
            actor_name=actor_name,
            action="create",
            entity_type="interactions.interaction",
            entity_id=x.pk,
            party_id=x.party_id,
            summary=f"{x.get_channel_display()} {x.get_direction_display()}: {x.subject}"[:300],
            changes=snapshot(x, INTERACTION_AUDIT_FIELDS),
        )
        for x in fresh.values()
    )
    OutboxEvent.objects.bulk_create(
        OutboxEvent(
            name="interaction.recorded",
            payload={
                "interaction_id": x.pk,
                "party_id": x.party_id,
                "channel": x.channel,
                "direction": x.direction,
            },
        )
        for x in fresh.values()
    )
    dispatch_on_commit()
