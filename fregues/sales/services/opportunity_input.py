"""Reading a deal's input: every field checked and every error collected, before a deal
service writes anything (a stage of another pipeline, an unknown currency, a negative amount,
a contact not linked to the customer, a reason of the wrong kind)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from fregues.accounts.models import User
from fregues.core.errors import ErrorCollector
from fregues.parties.models import Affiliation, Party

from ..models import CloseKind, CloseReason, Lead, Opportunity, Pipeline, PipelineStage
from ..money import MAX_AMOUNT, quantize, to_decimal
from .common import live_party
from .pipelines import clean_percent, clean_text

NOTE_LENGTH = 300


def _pk(value: Any) -> int:
    """An id sent as a number or a string (0, which matches nothing, when it is neither)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def clean_date(value: Any, errors: ErrorCollector, field: str) -> datetime.date | None:
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


def clean_amount(value: Any, currency: str, errors: ErrorCollector) -> Any:
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


def clean_owner(value: Any, errors: ErrorCollector) -> User | None:
    if value in (None, ""):
        return None
    pk = _pk(value)
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None:
        errors.add("owner_id", _("Choose an active user as the owner."))
    return user


def clean_contact(value: Any, party: Party | None, errors: ErrorCollector) -> Party | None:
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


def clean_pipeline(value: Any, errors: ErrorCollector) -> Pipeline | None:
    """The pipeline ``value`` (active), or the default one when empty."""
    if value in (None, ""):
        pipeline = Pipeline.objects.filter(is_default=True).first()
        if pipeline is None:
            errors.add("pipeline_id", _("There is no default pipeline: choose one."))
        return pipeline
    pk = _pk(value)
    pipeline = Pipeline.objects.filter(pk=pk).first()
    if pipeline is None:
        errors.add("pipeline_id", _("Pipeline %(id)s does not exist.") % {"id": value})
    elif not pipeline.is_active:
        errors.add("pipeline_id", _("The pipeline %(name)s is not in use.") % {"name": pipeline})
        return None
    return pipeline


def clean_stage(
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
    pk = _pk(value)
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


def clean_close_reason(value: Any, kind: str, errors: ErrorCollector) -> CloseReason | None:
    if value in (None, ""):
        return None
    pk = _pk(value)
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


def clean_lead(value: Any, errors: ErrorCollector) -> int | None:
    """The id of the lead the deal came from (when converted), if it exists."""
    if value in (None, ""):
        return None
    pk = _pk(value)
    if not Lead.objects.filter(pk=pk).exists():
        errors.add("lead_id", _("Lead %(id)s does not exist.") % {"id": value})
        return None
    return pk


def clean_deal_fields(
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
        out["contact"] = clean_contact(data.get("contact_id"), party, errors)
    elif deal and "party" in out and deal.contact_id and party and deal.contact_id != party.pk:
        out["contact"] = clean_contact(deal.contact_id, party, errors)
    if creating or "probability" in data:
        out["probability"] = clean_percent(data.get("probability"), errors, "probability")
    if creating or "expected_close_date" in data:
        out["expected_close_date"] = clean_date(
            data.get("expected_close_date"), errors, "expected_close_date"
        )
    if creating or "owner_id" in data:
        out["owner"] = clean_owner(data.get("owner_id"), errors)
    if creating or "source" in data:
        out["source"] = clean_text(data, "source", errors, max_length=40)
    if creating or "description" in data:
        out["description"] = str(data.get("description") or "").strip()
    return out
