"""Opportunities (deals): create, change, move through the pipeline, win, lose, reopen.

Every status or stage change leaves an ``OpportunityChange`` (who, when, from where to where),
the history behind time-in-stage and win rates. Deals are not contacts, so they write no line
on the customer's timeline; their audit entries carry the party, so the customer page shows
them.

``opportunity_win`` is also called when a customer accepts a quote of the deal; its signature
stays.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record, diff, snapshot
from fregues.core.errors import Conflict, ErrorCollector, Invalid
from fregues.core.permissions import require

from ..models import (
    CloseKind,
    CloseReason,
    Opportunity,
    OpportunityChange,
    OpportunityStatus,
    Pipeline,
)
from .common import (
    check_version,
    currency_or_error,
    locked,
    now_or,
    sales_event,
    user_or_none,
)
from .opportunity_input import (
    NOTE_LENGTH,
    clean_amount,
    clean_close_reason,
    clean_deal_fields,
    clean_lead,
    clean_pipeline,
    clean_stage,
)

DEAL_FIELDS = (
    "title",
    "party",
    "contact",
    "pipeline",
    "stage",
    "status",
    "amount",
    "currency",
    "probability",
    "expected_close_date",
    "owner",
    "source",
    "description",
)
EDITABLE = {
    "title",
    "party_id",
    "contact_id",
    "amount",
    "currency",
    "probability",
    "expected_close_date",
    "owner_id",
    "source",
    "description",
}


# ---------------------------------------------------------------- create and change


def opportunity_create(
    *, actor: Any, data: dict[str, Any], now: datetime.datetime | None = None
) -> Opportunity:
    """A new open deal for a customer.

    ``data``: ``title``, ``party_id`` (a merged party's survivor is used), ``contact_id``
    (the party or a person affiliated with it), ``pipeline_id`` (default pipeline when
    empty), ``stage_id`` (the pipeline's first stage when empty; one of another pipeline is
    refused), ``amount`` (≥ 0), ``currency`` (ISO 4217; the pipeline's when empty),
    ``expected_close_date``, ``owner_id`` (an active user; the actor when empty),
    ``probability`` (0–100, overrides the stage's), ``source``, ``description``, ``lead_id``.
    """
    require(actor, "deal.change")
    now = now_or(now)
    errors = ErrorCollector()
    fields = clean_deal_fields(data, errors, None)
    pipeline = clean_pipeline(data.get("pipeline_id"), errors)
    stage = clean_stage(
        data.get("stage_id"),
        pipeline,
        errors,
        explicit_pipeline=data.get("pipeline_id") not in (None, ""),
    )
    currency = currency_or_error(
        data.get("currency") or (pipeline.currency if pipeline else ""), errors
    )
    amount = clean_amount(data.get("amount"), currency, errors)
    lead_id = clean_lead(data.get("lead_id"), errors)
    if fields.get("owner") is None and "owner_id" not in errors.errors:
        fields["owner"] = user_or_none(actor)
    errors.raise_if_any()
    assert pipeline is not None and stage is not None
    with transaction.atomic():
        deal = Opportunity.objects.create(
            **fields,
            pipeline=pipeline,
            stage=stage,
            amount=amount,
            currency=currency,
            lead_id=lead_id,
            stage_changed_at=now,
            created_by=user_or_none(actor),
        )
        _record_change(deal, actor, now, from_stage_id=None, from_status="")
        audit_record(
            actor=actor,
            action="create",
            instance=deal,
            party_id=deal.party_id,
            summary=_("Deal %(title)s created") % {"title": deal.title},
            changes=snapshot(deal, DEAL_FIELDS),
        )
        sales_event("opportunity.created", **_payload(deal))
    return deal


def opportunity_update(
    *, actor: Any, opportunity_id: int, data: dict[str, Any], version: int | None = None
) -> Opportunity:
    """Change a deal's details (title, customer, contact, amount, currency, probability,
    expected close, owner, source, description). Stage and status change through
    ``opportunity_move`` / ``_win`` / ``_lose`` / ``_reopen``. A stale ``version`` is a 409."""
    require(actor, "deal.change")
    errors = ErrorCollector()
    for key in ("stage_id", "pipeline_id"):
        if data.get(key) not in (None, ""):
            errors.add(key, _("Move the deal to change its stage or pipeline."))
    if data.get("status") not in (None, ""):
        errors.add("status", _("Win, lose or reopen the deal to change its status."))
    with transaction.atomic():
        deal = locked(Opportunity, opportunity_id, _("Deal"))
        check_version(deal, version)
        fields = clean_deal_fields({k: v for k, v in data.items() if k in EDITABLE}, errors, deal)
        currency = deal.currency
        if "currency" in data:
            currency = currency_or_error(data.get("currency") or deal.pipeline.currency, errors)
        if "amount" in data or currency != deal.currency:
            amount = data.get("amount") if "amount" in data else deal.amount
            fields["amount"] = clean_amount(amount, currency, errors)
        fields["currency"] = currency
        errors.raise_if_any()
        before = snapshot(deal, DEAL_FIELDS)
        for key, value in fields.items():
            setattr(deal, key, value)
        changed = diff(before, snapshot(deal, DEAL_FIELDS))
        if not changed:
            return deal
        deal.version += 1
        deal.save()
        audit_record(
            actor=actor,
            action="update",
            instance=deal,
            party_id=deal.party_id,
            summary=_("Deal %(title)s changed") % {"title": deal.title},
            changes=changed,
        )
        sales_event("opportunity.updated", fields=sorted(changed), **_payload(deal))
    return deal


# ---------------------------------------------------------------- moves


def _record_change(
    deal: Opportunity,
    actor: Any,
    now: datetime.datetime,
    *,
    from_stage_id: int | None,
    from_status: str,
    note: str = "",
) -> OpportunityChange:
    return OpportunityChange.objects.create(
        opportunity=deal,
        from_stage_id=from_stage_id,
        to_stage_id=deal.stage_id,
        from_status=from_status,
        to_status=deal.status,
        amount=deal.amount,
        occurred_at=now,
        actor=user_or_none(actor),
        note=note[:NOTE_LENGTH],
    )


def _payload(deal: Opportunity) -> dict[str, Any]:
    return {
        "opportunity_id": deal.pk,
        "party_id": deal.party_id,
        "pipeline_id": deal.pipeline_id,
        "stage_id": deal.stage_id,
        "status": deal.status,
        "amount": str(deal.amount),
        "currency": deal.currency,
    }


def _refuse_unless_open(deal: Opportunity) -> None:
    if deal.status != OpportunityStatus.OPEN:
        text = (
            _("This deal was won: reopen it first.")
            if deal.status == OpportunityStatus.WON
            else _("This deal was lost: reopen it first.")
        )
        raise Conflict(text, code="deal_closed", details={"status": deal.status})


def opportunity_move(
    *,
    actor: Any,
    opportunity_id: int,
    stage_id: int,
    pipeline_id: int | None = None,
    version: int | None = None,
    note: str = "",
    now: datetime.datetime | None = None,
) -> Opportunity:
    """Move an open deal to another stage of its pipeline (or, with ``pipeline_id``, to a
    stage of another pipeline). A stage of another pipeline without ``pipeline_id`` is a 422
    with nothing written. Resets the time in stage (rotting) and records the move."""
    require(actor, "deal.change")
    now = now_or(now)
    with transaction.atomic():
        deal = locked(Opportunity, opportunity_id, _("Deal"))
        check_version(deal, version)
        _refuse_unless_open(deal)
        errors = ErrorCollector()
        if pipeline_id in (None, "") or str(pipeline_id) == str(deal.pipeline_id):
            pipeline: Pipeline | None = deal.pipeline
            explicit = False
        else:
            pipeline = clean_pipeline(pipeline_id, errors)
            explicit = True
        if not stage_id:  # none chosen (the UI sends 0 for an empty choice)
            errors.add("stage_id", _("Choose the stage."))
        stage = (
            clean_stage(stage_id, pipeline, errors, explicit_pipeline=explicit)
            if stage_id
            else None
        )
        if len(note or "") > NOTE_LENGTH:
            errors.add("note", _("Use at most %(n)s characters.") % {"n": NOTE_LENGTH})
        errors.raise_if_any()
        assert pipeline is not None and stage is not None
        if stage.pk == deal.stage_id:
            return deal
        from_stage, from_pipeline = deal.stage, deal.pipeline
        deal.pipeline, deal.stage = pipeline, stage
        deal.stage_changed_at = now
        deal.version += 1
        deal.save()
        _record_change(
            deal, actor, now, from_stage_id=from_stage.pk, from_status=deal.status, note=note
        )
        changes: dict[str, Any] = {"stage": [from_stage.name, stage.name]}
        if from_pipeline.pk != pipeline.pk:
            changes["pipeline"] = [from_pipeline.name, pipeline.name]
        audit_record(
            actor=actor,
            action="move",
            instance=deal,
            party_id=deal.party_id,
            summary=_("Deal %(title)s moved from %(from)s to %(to)s")
            % {"title": deal.title, "from": from_stage.name, "to": stage.name},
            changes=changes,
        )
        sales_event("opportunity.moved", from_stage_id=from_stage.pk, **_payload(deal))
    return deal


def _close(
    deal: Opportunity,
    actor: Any,
    now: datetime.datetime,
    status: str,
    reason: CloseReason | None,
    note: str,
) -> Opportunity:
    before = deal.status
    deal.status = status
    deal.closed_at = now
    deal.close_reason = reason
    deal.close_note = note
    deal.version += 1
    deal.save()
    _record_change(deal, actor, now, from_stage_id=deal.stage_id, from_status=before, note=note)
    changes: dict[str, Any] = {"status": [before, status]}
    if reason is not None:
        changes["close_reason"] = [None, reason.name]
    if note:
        changes["close_note"] = ["", note]
    summary = (
        _("Deal %(title)s won") if status == OpportunityStatus.WON else _("Deal %(title)s lost")
    )
    audit_record(
        actor=actor,
        action="update",
        instance=deal,
        party_id=deal.party_id,
        summary=summary % {"title": deal.title},
        changes=changes,
    )
    sales_event(
        f"opportunity.{status}",
        close_reason_id=reason.pk if reason else None,
        **_payload(deal),
    )
    return deal


def opportunity_win(
    *,
    actor: Any,
    opportunity_id: int,
    close_reason_id: int | None = None,
    note: str = "",
    version: int | None = None,
    now: datetime.datetime | None = None,
) -> Opportunity:
    """Mark the deal won (from the board, the API, or an accepted quote), optionally with a
    reason of kind "won" and a note. Winning a won deal changes nothing; a lost deal may be
    won (a customer accepting its quote after all)."""
    require(actor, "deal.change")
    now = now_or(now)
    note = (note or "").strip()[:NOTE_LENGTH]
    errors = ErrorCollector()
    reason = clean_close_reason(close_reason_id, CloseKind.WON, errors)
    errors.raise_if_any()
    with transaction.atomic():
        deal = locked(Opportunity, opportunity_id, _("Deal"))
        check_version(deal, version)
        if deal.status == OpportunityStatus.WON:
            return deal
        return _close(deal, actor, now, OpportunityStatus.WON, reason, note)


def opportunity_lose(
    *,
    actor: Any,
    opportunity_id: int,
    close_reason_id: int | None = None,
    note: str = "",
    version: int | None = None,
    now: datetime.datetime | None = None,
) -> Opportunity:
    """Mark an open deal lost, with a reason of kind "lost" or a note saying why (one of
    the two is required: lost reasons are what the team learns from)."""
    require(actor, "deal.change")
    now = now_or(now)
    note = (note or "").strip()
    errors = ErrorCollector()
    reason = clean_close_reason(close_reason_id, CloseKind.LOST, errors)
    if len(note) > NOTE_LENGTH:
        errors.add("note", _("Use at most %(n)s characters.") % {"n": NOTE_LENGTH})
    if reason is None and not note and "close_reason_id" not in errors.errors:
        errors.add(
            "close_reason_id", _("Say why the deal was lost: choose a reason or write a note.")
        )
    errors.raise_if_any()
    with transaction.atomic():
        deal = locked(Opportunity, opportunity_id, _("Deal"))
        check_version(deal, version)
        _refuse_unless_open(deal)
        return _close(deal, actor, now, OpportunityStatus.LOST, reason, note)


def opportunity_reopen(
    *,
    actor: Any,
    opportunity_id: int,
    version: int | None = None,
    now: datetime.datetime | None = None,
) -> Opportunity:
    """Put a won or lost deal back in play, in the stage it was closed at (the pipeline's
    first stage when that one is no longer in use). Its time in stage starts again."""
    require(actor, "deal.change")
    now = now_or(now)
    with transaction.atomic():
        deal = locked(Opportunity, opportunity_id, _("Deal"))
        check_version(deal, version)
        if deal.status == OpportunityStatus.OPEN:
            raise Conflict(_("This deal is already open."), code="deal_open")
        before, from_stage_id = deal.status, deal.stage_id
        stage = deal.stage
        if not stage.is_active:
            first = deal.pipeline.stages.filter(is_active=True).order_by("position", "id").first()
            if first is None:
                raise Invalid.field("stage_id", _("The pipeline of this deal has no stage."))
            stage = first
        deal.stage = stage
        deal.status = OpportunityStatus.OPEN
        deal.closed_at = None
        deal.close_reason = None
        deal.close_note = ""
        deal.stage_changed_at = now
        deal.version += 1
        deal.save()
        _record_change(deal, actor, now, from_stage_id=from_stage_id, from_status=before)
        audit_record(
            actor=actor,
            action="update",
            instance=deal,
            party_id=deal.party_id,
            summary=_("Deal %(title)s reopened") % {"title": deal.title},
            changes={"status": [before, deal.status]},
        )
        sales_event("opportunity.reopened", **_payload(deal))
    return deal
