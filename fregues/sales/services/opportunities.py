"""Opportunities (placeholder until the pipeline area lands): only what other areas call.

``opportunity_win`` is called when a customer accepts a quote of the deal; its signature stays.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction

from fregues.core.audit import audit_record
from fregues.core.permissions import require

from ..models import Opportunity, OpportunityChange, OpportunityStatus
from .common import check_version, locked, now_or, sales_event, user_or_none


def opportunity_win(
    *,
    actor: Any,
    opportunity_id: int,
    close_reason_id: int | None = None,
    note: str = "",
    version: int | None = None,
    now: datetime.datetime | None = None,
) -> Opportunity:
    """Mark the deal won (from the board, the API, or an accepted quote)."""
    require(actor, "deal.change")
    now = now_or(now)
    with transaction.atomic():
        deal = locked(Opportunity, opportunity_id)
        check_version(deal, version)
        if deal.status == OpportunityStatus.WON:
            return deal
        before = deal.status
        deal.status = OpportunityStatus.WON
        deal.closed_at = now
        deal.close_reason_id = close_reason_id
        deal.close_note = (note or "")[:300]
        deal.version += 1
        deal.save()
        OpportunityChange.objects.create(
            opportunity=deal,
            from_stage=deal.stage,
            to_stage=deal.stage,
            from_status=before,
            to_status=deal.status,
            amount=deal.amount,
            occurred_at=now,
            actor=user_or_none(actor),
            note=deal.close_note,
        )
        audit_record(
            actor=actor,
            action="update",
            instance=deal,
            party_id=deal.party_id,
            summary=f"{deal.title}: won",
            changes={"status": [before, deal.status]},
        )
        sales_event("opportunity.won", opportunity_id=deal.pk, party_id=deal.party_id)
    return deal
