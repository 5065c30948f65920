"""Storing the duplicate scan's findings, and dismissing a pair that is not one customer."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from fregues.core.audit import audit_record
from fregues.core.errors import NotFound
from fregues.core.permissions import require

from ..duplicates import scan_pairs
from ..models import DuplicateCandidate, Party


def duplicate_scan(*, actor: Any) -> dict[str, int]:
    """Scan all parties for likely duplicates and store new pairs for review.

    Idempotent: pairs already stored keep their status (a dismissed pair stays dismissed) and
    get the new score; open pairs that no longer match are dropped.
    """
    require(actor, "party.merge")
    found = {(a, b): (score, reasons) for a, b, score, reasons in scan_pairs()}
    with transaction.atomic():
        existing = {
            (c.party_a_id, c.party_b_id): c
            for c in DuplicateCandidate.objects.select_for_update().all()
        }
        new = []
        updated = 0
        for key, (score, reasons) in found.items():
            current = existing.get(key)
            if current is None:
                new.append(
                    DuplicateCandidate(
                        party_a_id=key[0], party_b_id=key[1], score=score, reasons=reasons
                    )
                )
            elif current.status == DuplicateCandidate.Status.OPEN and (
                current.score != score or current.reasons != reasons
            ):
                current.score, current.reasons = score, reasons
                current.save(update_fields=["score", "reasons"])
                updated += 1
        DuplicateCandidate.objects.bulk_create(new, batch_size=1000)
        stale = [
            c.pk
            for key, c in existing.items()
            if key not in found and c.status == DuplicateCandidate.Status.OPEN
        ]
        DuplicateCandidate.objects.filter(pk__in=stale).delete()
    return {"found": len(found), "new": len(new), "updated": updated, "dropped": len(stale)}


def duplicate_dismiss(*, actor: Any, party_a_id: int, party_b_id: int) -> DuplicateCandidate:
    """Mark a pair as two different customers, so it is not proposed again."""
    require(actor, "party.merge")
    a, b = sorted((party_a_id, party_b_id))
    if a == b or Party.objects.filter(pk__in=(a, b)).count() != 2:
        raise NotFound(f"Parties {a} and {b} are not two existing parties.")
    with transaction.atomic():
        candidate, _created = DuplicateCandidate.objects.get_or_create(
            party_a_id=a, party_b_id=b, defaults={"score": 0.0, "reasons": []}
        )
        candidate.status = DuplicateCandidate.Status.DISMISSED
        candidate.resolved_at = timezone.now()
        candidate.resolved_by = actor if getattr(actor, "pk", None) else None
        candidate.save()
        audit_record(
            actor=actor,
            action="update",
            instance=candidate,
            party_id=a,
            summary=f"parties {a} and {b} are not duplicates",
        )
    return candidate
