"""Identity resolution in bulk: the senders of a batch of inbound messages resolved with a few
queries, and the unknown ones created as suspects together.

The rules are ``party_resolve``'s, address by address: an address already held is its party's;
an unknown e-mail (or handle) makes a *suspect* holding it, audited and announced like one made
by ``party_resolve``. Phone numbers and WhatsApp handles, which also match each other, and any
address that met a concurrent writer, go through ``party_resolve`` one by one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.audit import actor_fields, snapshot
from fregues.core.errors import ErrorCollector, Invalid
from fregues.core.events import dispatch_on_commit
from fregues.core.models import AuditEntry, OutboxEvent
from fregues.core.permissions import require

from ..models import ContactPoint, LifecycleMove, Party, PartyKind
from .common import CONTACT_POINT_AUDIT_FIELDS, PARTY_AUDIT_FIELDS, build_search_text
from .contact_points import clean_contact_point
from .resolve import address_kind, party_resolve

Key = tuple[str, str, str]  # kind, network, normalized


@dataclass
class Resolved:
    """Who is behind one address: the party, the contact point, and whether it is new."""

    party: Party
    contact_point: ContactPoint
    created: bool


def party_resolve_many(
    *, actor: Any, channel: str, addresses: list[tuple[str, str]], network: str = ""
) -> dict[str, Resolved | Invalid]:
    """``party_resolve`` for many ``(address, name)`` pairs of one channel at once.

    Returns, for each address as given, its ``Resolved`` or the ``Invalid`` explaining why it
    is not an address (the caller decides what an unreadable sender becomes). The same address
    twice, in any spelling, is one party.
    """
    out: dict[str, Resolved | Invalid] = {}
    wanted: dict[Key, dict[str, Any]] = {}
    spelled: dict[str, Key] = {}
    names: dict[Key, str] = {}
    for address, name in addresses:
        if address in spelled or address in out:
            continue
        kind = address_kind(channel, address)
        errors = ErrorCollector()
        fields = clean_contact_point(
            {"kind": kind, "value": address, "network": network}, errors, prefix=""
        )
        if errors or fields is None:
            out[address] = Invalid(
                _("'%(a)s' is not a valid %(k)s address.") % {"a": address, "k": kind},
                code="invalid_address",
                errors={"address": [m for ms in errors.errors.values() for m in ms]},
            )
            continue
        key = (fields["kind"], fields["network"], fields["normalized"])
        spelled[address] = key
        wanted.setdefault(key, fields)
        names.setdefault(key, (name or "").strip())
    found = _find(wanted)
    one_by_one = {k for k in wanted if k not in found and (k[0] == "phone" or k[1] == "whatsapp")}
    fresh = [k for k in wanted if k not in found and k not in one_by_one]
    if fresh:
        require(actor, "party.create")
        try:
            with transaction.atomic():
                found.update(_suspects(actor, channel, fresh, wanted, names))
        except IntegrityError:  # another delivery created one of them a moment ago
            one_by_one.update(fresh)
    for key in one_by_one:
        party, point, created = party_resolve(
            actor=actor,
            channel=channel,
            address=wanted[key]["value"],
            network=key[1],
            name=names[key],
        )
        found[key] = Resolved(party, point, created)
    for address, key in spelled.items():
        out[address] = found[key]
    return out


def _find(wanted: dict[Key, dict[str, Any]]) -> dict[Key, Resolved]:
    """The contact points already holding the addresses (one query per kind)."""
    found: dict[Key, Resolved] = {}
    by_kind: dict[str, set[str]] = {}
    for kind, _network, normalized in wanted:
        by_kind.setdefault(kind, set()).add(normalized)
    for kind, values in by_kind.items():
        points = (
            ContactPoint.objects.select_related("party")
            .exclude(kind="address")  # the partial unique index's condition, word for word
            .filter(kind=kind, normalized__in=values)
        )
        for point in points:
            key = (point.kind, point.network, point.normalized)
            if key in wanted:
                found[key] = Resolved(point.party, point, False)
    return found


def _suspects(
    actor: Any,
    channel: str,
    keys: list[Key],
    wanted: dict[Key, dict[str, Any]],
    names: dict[Key, str],
) -> dict[Key, Resolved]:
    """One suspect per unknown address, with its contact point, lifecycle move, audit entries
    and ``party.created`` event, each kind of row written in one statement."""
    now = timezone.now()
    actor_id, actor_name = actor_fields(actor)
    parties = []
    for key in keys:
        display = (names[key] or wanted[key]["value"])[:200]
        parties.append(
            Party(
                kind=PartyKind.PERSON,
                name=display,
                lifecycle_stage="suspect",
                lifecycle_changed_at=now,
                search_text=build_search_text(display, "", "", [(key[0], key[2])], []),
            )
        )
    Party.objects.bulk_create(parties)
    LifecycleMove.objects.bulk_create(
        LifecycleMove(
            party=party,
            from_stage="",
            to_stage="suspect",
            occurred_at=now,
            actor_id=actor_id,
            reason=f"first contact on {channel}",
        )
        for party in parties
    )
    points = ContactPoint.objects.bulk_create(
        ContactPoint(party=party, **{**wanted[key], "is_primary": True})
        for key, party in zip(keys, parties, strict=True)
    )
    entries = []
    for party, point in zip(parties, points, strict=True):
        entries.append(
            AuditEntry(
                actor_id=actor_id,
                actor_name=actor_name,
                action="create",
                entity_type="parties.party",
                entity_id=party.pk,
                party_id=party.pk,
                summary=(
                    _("%(name)s, identified by a first contact on %(channel)s")
                    % {"name": party.name, "channel": channel}
                )[:300],
                changes=snapshot(party, PARTY_AUDIT_FIELDS),
            )
        )
        entries.append(
            AuditEntry(
                actor_id=actor_id,
                actor_name=actor_name,
                action="create",
                entity_type="parties.contactpoint",
                entity_id=point.pk,
                party_id=party.pk,
                summary=f"{point.get_kind_display()} {point.value}"[:300],
                changes=snapshot(point, CONTACT_POINT_AUDIT_FIELDS),
            )
        )
    AuditEntry.objects.bulk_create(entries)
    OutboxEvent.objects.bulk_create(
        OutboxEvent(
            name="party.created",
            payload={"party_id": p.pk, "version": p.version, "source": f"resolve:{channel}"},
        )
        for p in parties
    )
    dispatch_on_commit()
    return {
        key: Resolved(party, point, True)
        for key, party, point in zip(keys, parties, points, strict=True)
    }
