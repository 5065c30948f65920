"""Moving a party between lifecycle stages, by the rules, with a history of every move."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record
from fregues.core.errors import Invalid
from fregues.core.permissions import require

from ..models import LifecycleMove, LifecycleStage, Party
from .common import bump, check_version, party_event, party_for_update

S = LifecycleStage
FUNNEL = [S.SUSPECT, S.PROSPECT, S.BUYER, S.CLIENT, S.ADVOCATE]

# Where each stage may go. Forward along the funnel freely (a walk-in suspect may buy at once);
# back only from advocate to client; customers go inactive, anyone can be lost; inactive and
# lost parties can be won back.
ALLOWED_MOVES: dict[str, set[str]] = {
    S.SUSPECT: {S.PROSPECT, S.BUYER, S.CLIENT, S.LOST},
    S.PROSPECT: {S.BUYER, S.CLIENT, S.LOST},
    S.BUYER: {S.CLIENT, S.ADVOCATE, S.INACTIVE, S.LOST},
    S.CLIENT: {S.ADVOCATE, S.INACTIVE, S.LOST},
    S.ADVOCATE: {S.CLIENT, S.INACTIVE, S.LOST},
    S.INACTIVE: {S.BUYER, S.CLIENT, S.ADVOCATE, S.LOST},
    S.LOST: {S.SUSPECT, S.PROSPECT, S.BUYER},
}
# Moves that need a reason: a step back or out of the funnel.
REASON_REQUIRED = {S.INACTIVE, S.LOST}


def allowed_moves(stage: str) -> list[str]:
    return [s for s in S.values if s in ALLOWED_MOVES.get(stage, set())]


def lifecycle_move(
    *,
    actor: Any,
    party_id: int,
    to_stage: str,
    reason: str = "",
    version: int | None = None,
    cause_type: str = "",
    cause_id: int | None = None,
) -> LifecycleMove:
    """Move a party to ``to_stage`` and record from, to, when, who and why.

    A move the rules forbid (suspect → advocate, client → prospect, ...) is a 422 that lists
    the stages the party can go to. An automatic move names what caused it (``cause_type`` /
    ``cause_id``, e.g. "sales.order", 42).
    """
    require(actor, "party.lifecycle")
    reason = (reason or "").strip()[:300]
    with transaction.atomic():
        party: Party = party_for_update(party_id)
        check_version(party, version)
        current = party.lifecycle_stage
        if to_stage not in S.values:
            raise Invalid.field(
                "to_stage",
                _("Unknown lifecycle stage '%(v)s'.") % {"v": to_stage},
                code="unknown_stage",
            )
        if to_stage not in ALLOWED_MOVES.get(current, set()):
            allowed = ", ".join(allowed_moves(current))
            raise Invalid(
                _("A party cannot move from %(a)s to %(b)s. Allowed: %(allowed)s.")
                % {"a": S(current).label, "b": S(to_stage).label, "allowed": allowed},
                code="forbidden_move",
                errors={"to_stage": [_("Not allowed from %(a)s.") % {"a": S(current).label}]},
                details={"allowed": allowed_moves(current)},
            )
        if (
            to_stage in REASON_REQUIRED or (to_stage == S.CLIENT and current == S.ADVOCATE)
        ) and not reason:
            raise Invalid.field(
                "reason",
                _("Say why the party moves to %(b)s.") % {"b": S(to_stage).label},
                code="reason_required",
            )
        now = timezone.now()
        move = LifecycleMove.objects.create(
            party=party,
            from_stage=current,
            to_stage=to_stage,
            occurred_at=now,
            actor=actor if getattr(actor, "pk", None) else None,
            reason=reason,
            cause_type=cause_type[:40],
            cause_id=cause_id,
        )
        party.lifecycle_stage = to_stage
        party.lifecycle_changed_at = now
        bump(party, ["lifecycle_stage", "lifecycle_changed_at"])
        audit_record(
            actor=actor,
            action="move",
            instance=party,
            party_id=party.pk,
            summary=f"{current} → {to_stage}" + (f": {reason}" if reason else ""),
            changes={"lifecycle_stage": [current, to_stage], "reason": reason}
            | ({"cause": [cause_type, cause_id]} if cause_type else {}),
        )
        party_event("party.lifecycle_moved", party, from_stage=current, to_stage=to_stage)
    return move
