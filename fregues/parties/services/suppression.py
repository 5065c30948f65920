"""The global suppression list: addresses no sender may use, whatever the consent ledger says.

Bounce handlers, the one-click unsubscribe, spam-complaint feedback loops and staff add to it;
staff lift an entry (the row stays, with who lifted it and when). The check itself is
``fregues.parties.selectors.suppressions_for`` and the one enforcement service every sender
calls, ``fregues.service.services.sending``.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record
from fregues.core.errors import ErrorCollector, Invalid, NotFound
from fregues.core.permissions import require

from ..models import ContactPoint, Party, Suppression, SuppressionReason
from ..normalize import normalize_email, normalize_phone
from .common import party_event

SUPPRESSIBLE_KINDS = ("email", "phone")


def suppression_address(kind: str, address: str, field: str = "address") -> str:
    """The normalised form of an address of ``kind`` (e-mail or phone), as stored and checked."""
    if kind == "email":
        return normalize_email(address, field)
    return normalize_phone(address, field=field)


def suppression_add(
    *,
    actor: Any,
    kind: str,
    address: str,
    reason: str,
    source: str = "",
    note: str = "",
    party_id: int | None = None,
) -> Suppression:
    """Put an address on the suppression list (idempotent: an address already suppressed for
    the same reason returns the existing entry). The party is found from the address when not
    given, so the customer page can say why they get nothing."""
    require(actor, "suppression.change")
    errors = ErrorCollector()
    kind = (kind or "").strip().lower()
    if kind not in SUPPRESSIBLE_KINDS:
        errors.add("kind", _("Say email or phone."))
    if reason not in SuppressionReason.values:
        errors.add(
            "reason", _("Reason is one of: %(c)s.") % {"c": ", ".join(SuppressionReason.values)}
        )
    if len(note or "") > 300:
        errors.add("note", _("At most %(n)s characters.") % {"n": 300})
    normalized = ""
    if kind in SUPPRESSIBLE_KINDS:
        try:
            normalized = suppression_address(kind, address)
        except Invalid as exc:
            for field, messages in (exc.errors or {"address": [exc.message]}).items():
                for message in messages:
                    errors.add(field, message)
    if party_id is not None and not Party.objects.filter(pk=party_id).exists():
        errors.add("party_id", _("Party %(id)s does not exist.") % {"id": party_id})
    errors.raise_if_any()
    existing = Suppression.objects.filter(
        kind=kind, address=normalized, reason=reason, lifted_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    if party_id is None:
        party_id = (
            ContactPoint.objects.filter(kind=kind, normalized=normalized)
            .order_by("id")
            .values_list("party_id", flat=True)
            .first()
        )
    try:
        with transaction.atomic():
            entry = Suppression.objects.create(
                kind=kind,
                address=normalized,
                reason=reason,
                source=(source or "")[:40],
                note=(note or "").strip(),
                party_id=party_id,
                actor=actor if getattr(actor, "pk", None) else None,
            )
            audit_record(
                actor=actor,
                action="create",
                instance=entry,
                party_id=party_id,
                summary=f"suppressed {kind} {normalized}: {reason}",
                changes={"kind": kind, "address": normalized, "reason": reason, "source": source},
            )
            if party_id is not None:
                party = Party.objects.get(pk=party_id)
                party_event("party.suppressed", party, kind=kind, reason=reason)
    except IntegrityError:  # the same bounce reported twice at once
        return Suppression.objects.get(
            kind=kind, address=normalized, reason=reason, lifted_at__isnull=True
        )
    return entry


def suppression_lift(*, actor: Any, suppression_id: int, note: str = "") -> Suppression:
    """Take an address off the list (the customer asked to hear from us again, the mailbox
    works again). The entry stays, marked lifted."""
    require(actor, "suppression.change")
    with transaction.atomic():
        entry = Suppression.objects.select_for_update().filter(pk=suppression_id).first()
        if entry is None:
            raise NotFound(_("Suppression %(id)s does not exist.") % {"id": suppression_id})
        if entry.lifted_at is not None:
            return entry
        entry.lifted_at = timezone.now()
        entry.lifted_by = actor if getattr(actor, "pk", None) else None
        if note:
            entry.note = note[:300]
        entry.save(update_fields=["lifted_at", "lifted_by", "note"])
        audit_record(
            actor=actor,
            action="update",
            instance=entry,
            party_id=entry.party_id,
            summary=f"suppression lifted: {entry.kind} {entry.address}",
            changes={"lifted_at": [None, entry.lifted_at.isoformat()]},
        )
    return entry
