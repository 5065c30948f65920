"""Identity resolution: who is behind a phone number, an e-mail or a handle."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record, snapshot
from fregues.core.errors import Conflict, ErrorCollector, Invalid
from fregues.core.permissions import require

from ..models import ContactPoint, LifecycleMove, Party, PartyKind
from ..selectors import contact_point_find
from .common import PARTY_AUDIT_FIELDS, party_event, refresh_search
from .contact_points import clean_contact_point, insert_contact_point

# Which kind of contact point a channel's address is.
CHANNEL_ADDRESS_KIND = {
    "phone": "phone",
    "sms": "phone",
    "mms": "phone",
    "fax": "phone",
    "email": "email",
    "social": "social",
}


def address_kind(channel: str, address: str) -> str:
    """The contact point kind of ``address`` on ``channel`` (chat/web forms: e-mail or phone)."""
    kind = CHANNEL_ADDRESS_KIND.get(channel)
    if kind:
        return kind
    return "email" if "@" in address else "phone"


def party_resolve(
    *,
    actor: Any,
    channel: str,
    address: str,
    network: str = "",
    name: str = "",
) -> tuple[Party, ContactPoint, bool]:
    """Find the party behind ``address`` on ``channel``, or create a suspect holding it.

    Returns ``(party, contact_point, created)``. The address may be written in any form: it is
    normalised first ("(11) 98765-4321" finds +5511987654321). A WhatsApp number with no
    WhatsApp handle on file matches the same phone number, and a phone number with no phone on
    file matches the same WhatsApp number: one person on SMS and WhatsApp is one party.
    """
    kind = address_kind(channel, address)
    errors_prefix = "address"
    errors = ErrorCollector()
    fields = clean_contact_point(
        {"kind": kind, "value": address, "network": network}, errors, prefix=""
    )
    if errors:
        raise Invalid(
            _("'%(a)s' is not a valid %(k)s address.") % {"a": address, "k": kind},
            code="invalid_address",
            errors={errors_prefix: [m for ms in errors.errors.values() for m in ms]},
        )
    assert fields is not None
    found = contact_point_find(
        kind=kind, network=fields["network"], normalized=fields["normalized"]
    )
    if found is None and fields["network"] == "whatsapp":
        found = contact_point_find(kind="phone", network="", normalized=fields["normalized"])
    if found is None and kind == "phone":  # and a phone matches the same number on WhatsApp
        found = contact_point_find(
            kind="social", network="whatsapp", normalized=fields["normalized"]
        )
    if found is not None:
        return found.party, found, False

    require(actor, "party.create")
    display = (name or "").strip() or fields["value"]
    try:
        with transaction.atomic():
            now = timezone.now()
            party = Party.objects.create(
                kind=PartyKind.PERSON,
                name=display[:200],
                lifecycle_stage="suspect",
                lifecycle_changed_at=now,
            )
            LifecycleMove.objects.create(
                party=party,
                from_stage="",
                to_stage="suspect",
                occurred_at=now,
                actor=actor if getattr(actor, "pk", None) else None,
                reason=f"first contact on {channel}",
            )
            point = insert_contact_point(actor=actor, party=party, fields=fields)
            refresh_search(party)
            audit_record(
                actor=actor,
                action="create",
                instance=party,
                party_id=party.pk,
                summary=_("%(name)s, identified by a first contact on %(channel)s")
                % {"name": party.name, "channel": channel},
                changes=snapshot(party, PARTY_AUDIT_FIELDS),
            )
            party_event("party.created", party, source=f"resolve:{channel}")
    except (IntegrityError, Conflict):  # another delivery created the same suspect a moment ago
        found = contact_point_find(
            kind=kind, network=fields["network"], normalized=fields["normalized"]
        )
        if found is None:
            raise
        return found.party, found, False
    return party, point, True
