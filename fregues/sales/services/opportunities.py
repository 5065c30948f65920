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
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from fregues.accounts.models import User
from fregues.core.audit import audit_record, diff, snapshot
from fregues.core.errors import Conflict, ErrorCollector, Invalid
from fregues.core.permissions import require
from fregues.parties.models import Affiliation, Party

from ..models import (
    CloseKind,
    CloseReason,
    Opportunity,
    OpportunityChange,
    OpportunityStatus,
    Pipeline,
    PipelineStage,
)
from ..money import MAX_AMOUNT, quantize, to_decimal
from .common import (
    check_version,
    currency_or_error,
    live_party,
    locked,
    now_or,
    sales_event,
    user_or_none,
)
from .pipelines import clean_percent, clean_text

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
NOTE_LENGTH = 300


# ---------------------------------------------------------------- cleaning input


def _clean_date(value: Any, errors: ErrorCollector, field: str) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        parsed = parse_date(str(value).strip())
    except ValueError:
        parsed = None
    if parsed is None:
        errors.add(field, _("Give a date as YYYY-MM-DD."))
    return parsed


def _clean_amount(value: Any, currency: str, errors: ErrorCollector) -> Any:
    """A non-negative Decimal rounded to the currency's cents (0 when empty)."""
    if value in (None, ""):
        return quantize(Decimal(0), currency)
    amount = to_decimal(value)
    if amount is None:
        errors.add("amount", _("Give the amount as a number, e.g. 12500.00."))
        return None
    if amount < 0:
        errors.add("amount", _("The amount cannot be negative."))
        return None
    if amount > MAX_AMOUNT:
        errors.add("amount", _("The amount is too large."))
        return None
    return quantize(amount, currency) if currency else amount


def _owner(value: Any, errors: ErrorCollector) -> User | None:
    if value in (None, ""):
        return None
    try:
        pk = int(value)
    except (TypeError, ValueError):
        pk = 0
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None:
        errors.add("owner_id", _("Choose an active user as the owner."))
    return user


def _contact(value: Any, party: Party | None, errors: ErrorCollector) -> Party | None:
    """The person we deal with: the party itself or a person affiliated with it."""
    contact = live_party(value, errors, field="contact_id", required=False)
    if contact is None or party is None:
        return contact
    if contact.pk == party.pk:
        return contact
    linked = Affiliation.objects.filter(
        person_id=contact.pk, organization_id=party.pk, ended_on__isnull=True
    ).exists()
    if not linked:
        errors.add(
            "contact_id",
            _("%(person)s is not linked to %(party)s: link them on the customer page first.")
            % {"person": contact.name, "party": party.name},
        )
        return None
    return contact


def _pipeline(value: Any, errors: ErrorCollector) -> Pipeline | None:
    """The pipeline ``value`` (active), or the default one when empty."""
    if value in (None, ""):
        pipeline = Pipeline.objects.filter(is_default=True).first()
        if pipeline is None:
            errors.add("pipeline_id", _("There is no default pipeline: choose one."))
        return pipeline
    try:
        pk = int(value)
    except (TypeError, ValueError):
        pk = 0
    pipeline = Pipeline.objects.filter(pk=pk).first()
    if pipeline is None:
        errors.add("pipeline_id", _("Pipeline %(id)s does not exist.") % {"id": value})
    elif not pipeline.is_active:
        errors.add("pipeline_id", _("The pipeline %(name)s is not in use.") % {"name": pipeline})
        return None
    return pipeline


def _stage(
    value: Any, pipeline: Pipeline | None, errors: ErrorCollector, *, explicit_pipeline: bool
) -> PipelineStage | None:
    """A stage of ``pipeline`` (active). Empty: the pipeline's first stage. A stage of another
    pipeline is an error, never a silent move to that pipeline."""
    if pipeline is None:
        return None
    if value in (None, ""):
        stage = pipeline.stages.filter(is_active=True).order_by("position", "id").first()
        if stage is None:
            errors.add("stage_id", _("The pipeline %(name)s has no stage.") % {"name": pipeline})
        return stage
    try:
        pk = int(value)
    except (TypeError, ValueError):
        pk = 0
    stage = PipelineStage.objects.select_related("pipeline").filter(pk=pk).first()
    if stage is None:
        errors.add("stage_id", _("Stage %(id)s does not exist.") % {"id": value})
        return None
    if stage.pipeline_id != pipeline.pk:
        if explicit_pipeline:
            message = _("The stage %(stage)s is not in the pipeline %(pipeline)s.")
        else:
            message = _(
                "The stage %(stage)s is in another pipeline (%(other)s). To move the deal to "
                "that pipeline, choose the pipeline too."
            )
        errors.add(
            "stage_id",
            message % {"stage": stage.name, "pipeline": pipeline.name, "other": stage.pipeline},
        )
        return None
    if not stage.is_active:
        errors.add("stage_id", _("The stage %(name)s is not in use.") % {"name": stage.name})
        return None
    return stage


def _close_reason(value: Any, kind: str, errors: ErrorCollector) -> CloseReason | None:
    if value in (None, ""):
        return None
    try:
        pk = int(value)
    except (TypeError, ValueError):
        pk = 0
    reason = CloseReason.objects.filter(pk=pk).first()
    if reason is None:
        errors.add("close_reason_id", _("Reason %(id)s does not exist.") % {"id": value})
        return None
    if reason.kind != kind:
        message = (
            _("%(name)s is a reason for won deals.")
            if reason.kind == CloseKind.WON
            else _("%(name)s is a reason for lost deals.")
        )
        errors.add("close_reason_id", message % {"name": reason.name})
        return None
    if not reason.is_active:
        errors.add("close_reason_id", _("The reason %(name)s is not in use.") % {"name": reason})
        return None
    return reason


def _clean_fields(
    data: dict[str, Any], errors: ErrorCollector, deal: Opportunity | None
) -> dict[str, Any]:
    """The deal's own fields found in ``data`` (all of them when creating)."""
    creating = deal is None
    out: dict[str, Any] = {}
    if creating or "title" in data:
        out["title"] = clean_text(
            data, "title", errors, max_length=200, required=True, label=_("title")
        )
    party = deal.party if deal else None
    if creating or "party_id" in data:
        party = live_party(data.get("party_id"), errors)
        out["party"] = party
    if creating or "contact_id" in data:
        out["contact"] = _contact(data.get("contact_id"), party, errors)
    elif deal and "party" in out and deal.contact_id and party and deal.contact_id != party.pk:
        out["contact"] = _contact(deal.contact_id, party, errors)
    if creating or "probability" in data:
        out["probability"] = clean_percent(data.get("probability"), errors, "probability")
    if creating or "expected_close_date" in data:
        out["expected_close_date"] = _clean_date(
            data.get("expected_close_date"), errors, "expected_close_date"
        )
    if creating or "owner_id" in data:
        out["owner"] = _owner(data.get("owner_id"), errors)
    if creating or "source" in data:
        out["source"] = clean_text(data, "source", errors, max_length=40)
    if creating or "description" in data:
        out["description"] = str(data.get("description") or "").strip()
    return out


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
    fields = _clean_fields(data, errors, None)
    pipeline = _pipeline(data.get("pipeline_id"), errors)
    stage = _stage(
        data.get("stage_id"),
        pipeline,
        errors,
        explicit_pipeline=data.get("pipeline_id") not in (None, ""),
    )
    currency = currency_or_error(
        data.get("currency") or (pipeline.currency if pipeline else ""), errors
    )
    amount = _clean_amount(data.get("amount"), currency, errors)
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
            lead_id=data.get("lead_id") or None,
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
        fields = _clean_fields({k: v for k, v in data.items() if k in EDITABLE}, errors, deal)
        currency = deal.currency
        if "currency" in data:
            currency = currency_or_error(data.get("currency") or deal.pipeline.currency, errors)
        if "amount" in data or currency != deal.currency:
            amount = data.get("amount") if "amount" in data else deal.amount
            fields["amount"] = _clean_amount(amount, currency, errors)
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
            pipeline = _pipeline(pipeline_id, errors)
            explicit = True
        if stage_id in (None, ""):
            errors.add("stage_id", _("Choose the stage."))
        stage = _stage(stage_id, pipeline, errors, explicit_pipeline=explicit) if stage_id else None
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
    reason = _close_reason(close_reason_id, CloseKind.WON, errors)
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
    reason = _close_reason(close_reason_id, CloseKind.LOST, errors)
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
