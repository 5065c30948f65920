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

WRITE_BATCH = 1000
"""Rows per INSERT / UPDATE / DELETE statement when storing the scan's findings."""


def duplicate_scan(*, actor: Any) -> dict[str, int]:
    """Scan all parties for likely duplicates and store new pairs for review.

    Idempotent: pairs already stored keep their status (a dismissed pair stays dismissed) and
    get the new score; open pairs that no longer match are dropped. The stored pairs are read
    as plain rows and written in batches, so a scan over a million parties (tens of thousands
    of pairs) costs a few statements per thousand pairs, not one per pair.
    """
    require(actor, "party.merge")
    found = {(a, b): (score, reasons) for a, b, score, reasons in scan_pairs()}
    with transaction.atomic():
        existing = {
            (a, b): (pk, status, score, reasons)
            for pk, a, b, status, score, reasons in DuplicateCandidate.objects.select_for_update()
            .order_by()
            .values_list("pk", "party_a_id", "party_b_id", "status", "score", "reasons")
        }
        new = []
        changed = []
        for key, (score, reasons) in found.items():
            current = existing.get(key)
            if current is None:
                new.append(
                    DuplicateCandidate(
                        party_a_id=key[0], party_b_id=key[1], score=score, reasons=reasons
                    )
                )
            elif current[1] == DuplicateCandidate.Status.OPEN and (score, reasons) != current[2:]:
                changed.append(DuplicateCandidate(pk=current[0], score=score, reasons=reasons))
        DuplicateCandidate.objects.bulk_create(new, batch_size=WRITE_BATCH)
        DuplicateCandidate.objects.bulk_update(
            changed, ["score", "reasons"], batch_size=WRITE_BATCH
        )
        stale = [
            pk
            for key, (pk, status, _score, _reasons) in existing.items()
            if key not in found and status == DuplicateCandidate.Status.OPEN
        ]
        for start in range(0, len(stale), WRITE_BATCH):
            DuplicateCandidate.objects.filter(pk__in=stale[start : start + WRITE_BATCH]).delete()
    return {"found": len(found), "new": len(new), "updated": len(changed), "dropped": len(stale)}


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
