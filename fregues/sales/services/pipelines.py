"""The sales process as data: pipelines, their stages and the reasons deals are won or lost.

An administrator changes the process here without a release. The rules that keep the board
meaningful: every pipeline keeps at least one active stage; exactly one pipeline is the default
for new deals; a stage (or pipeline) that still holds open deals cannot be removed — the deals
are moved first, so no deal ever sits in a column nobody sees.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record, diff, snapshot
from fregues.core.errors import Conflict, ErrorCollector, Invalid, NotFound
from fregues.core.permissions import require

from ..models import (
    CloseKind,
    CloseReason,
    Opportunity,
    OpportunityStatus,
    Pipeline,
    PipelineStage,
)
from .common import currency_or_error, locked, sales_event

PIPELINE_FIELDS = ("name", "name_en", "code", "currency", "is_default", "is_active", "position")
STAGE_FIELDS = ("name", "name_en", "code", "probability", "rotting_days", "position", "is_active")
REASON_FIELDS = ("kind", "name", "name_en", "is_active", "position")
MAX_ROTTING_DAYS = 3650


# ---------------------------------------------------------------- cleaning input


def clean_text(
    data: dict[str, Any],
    key: str,
    errors: ErrorCollector,
    *,
    max_length: int,
    required: bool = False,
    label: str = "",
) -> str:
    """``data[key]`` stripped, or an error when it is required and empty or too long."""
    value = str(data.get(key) or "").strip()
    if required and not value:
        errors.add(key, _("Fill in the %(field)s.") % {"field": label or key})
    elif len(value) > max_length:
        errors.add(key, _("Use at most %(n)s characters.") % {"n": max_length})
    return value


def clean_percent(value: Any, errors: ErrorCollector, field: str) -> int | None:
    """A whole percentage 0–100, or None when empty."""
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        errors.add(field, _("Give a whole number from 0 to 100."))
        return None
    if not 0 <= number <= 100:
        errors.add(field, _("Give a whole number from 0 to 100."))
        return None
    return number


def clean_count(
    value: Any, errors: ErrorCollector, field: str, maximum: int = MAX_ROTTING_DAYS
) -> int | None:
    """A whole number 0–``maximum`` (days, positions), or None when empty."""
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        errors.add(field, _("Give a whole number."))
        return None
    if not 0 <= number <= maximum:
        errors.add(field, _("Give a whole number from 0 to %(max)s.") % {"max": maximum})
        return None
    return number


def clean_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "on", "yes", "sim")
    return bool(value)


def _free_code(wanted: str, taken: set[str], fallback: str) -> str:
    base = (slugify(wanted) or fallback)[:55]
    code, n = base, 2
    while code in taken:
        code = f"{base}-{n}"
        n += 1
    return code


def _clean_stage(
    data: dict[str, Any], errors: ErrorCollector, prefix: str = "", partial: bool = False
) -> dict[str, Any]:
    """The fields of a stage found in ``data`` (all of them unless ``partial``)."""
    out: dict[str, Any] = {}
    sub = ErrorCollector()
    if not partial or "name" in data:
        out["name"] = clean_text(data, "name", sub, max_length=120, required=True, label=_("name"))
    if "name_en" in data:
        out["name_en"] = clean_text(data, "name_en", sub, max_length=120)
    if "code" in data and str(data.get("code") or "").strip():
        code = slugify(str(data["code"]))[:60]
        if not code:
            sub.add("code", _("Use letters, digits and hyphens."))
        out["code"] = code
    if not partial or "probability" in data:
        probability = clean_percent(data.get("probability"), sub, "probability")
        if probability is None and "probability" not in sub.errors:
            sub.add("probability", _("Give the chance of winning a deal in this stage (0–100)."))
        out["probability"] = probability
    if "rotting_days" in data:
        out["rotting_days"] = clean_count(data.get("rotting_days"), sub, "rotting_days")
    if "position" in data and data.get("position") not in (None, ""):
        out["position"] = clean_count(data.get("position"), sub, "position", 1000)
    if "is_active" in data:
        out["is_active"] = clean_bool(data.get("is_active"))
    for field, messages in sub.errors.items():
        for message in messages:
            errors.add(f"{prefix}{field}", message)
    return out


def _open_deals(**where: Any) -> int:
    return Opportunity.objects.filter(status=OpportunityStatus.OPEN, **where).count()


def _audit_update(
    actor: Any,
    instance: Any,
    before: dict[str, Any],
    fields: tuple[str, ...],
    summary: str,
    event: str,
    **payload: Any,
) -> None:
    """Audit and announce what changed on ``instance`` since ``before`` (nothing if nothing)."""
    changed = diff(before, snapshot(instance, fields))
    if changed:
        audit_record(
            actor=actor, action="update", instance=instance, summary=summary, changes=changed
        )
        sales_event(event, fields=sorted(changed), **payload)


# ---------------------------------------------------------------- pipelines


def pipeline_create(*, actor: Any, data: dict[str, Any]) -> Pipeline:
    """A new pipeline with its stages (``data["stages"]``: at least one, in order)."""
    require(actor, "sales.configure")
    errors = ErrorCollector()
    name = clean_text(data, "name", errors, max_length=120, required=True, label=_("name"))
    name_en = clean_text(data, "name_en", errors, max_length=120)
    currency = currency_or_error(data.get("currency"), errors)
    stages_in = data.get("stages") or []
    if not isinstance(stages_in, list) or not stages_in:
        errors.add("stages", _("A pipeline needs at least one stage."))
        stages_in = []
    stages = [
        _clean_stage(dict(stage or {}), errors, prefix=f"stages.{i}.")
        for i, stage in enumerate(stages_in)
    ]
    taken = set(Pipeline.objects.values_list("code", flat=True))
    wanted = str(data.get("code") or "").strip()
    if wanted and slugify(wanted) in taken:
        errors.add("code", _("Another pipeline has the code %(code)s.") % {"code": wanted})
    errors.raise_if_any()
    with transaction.atomic():
        is_default = (
            clean_bool(data.get("is_default"))
            or not Pipeline.objects.filter(is_default=True).exists()
        )
        if is_default:
            Pipeline.objects.filter(is_default=True).update(is_default=False)
        last = Pipeline.objects.aggregate(m=Max("position"))["m"]
        pipeline = Pipeline.objects.create(
            name=name,
            name_en=name_en,
            code=_free_code(wanted or name, taken, "pipeline"),
            currency=currency,
            is_default=is_default,
            position=(last + 1) if last is not None else 0,
        )
        codes: set[str] = set()
        for position, stage in enumerate(stages):
            code = _free_code(stage.pop("code", "") or stage["name"], codes, "stage")
            codes.add(code)
            stage.setdefault("rotting_days", None)
            stage["position"] = position
            PipelineStage.objects.create(pipeline=pipeline, code=code, **stage)
        audit_record(
            actor=actor,
            action="create",
            instance=pipeline,
            summary=_("Pipeline %(name)s created") % {"name": pipeline.name},
            changes={
                **snapshot(pipeline, PIPELINE_FIELDS),
                "stages": [s["name"] for s in stages],
            },
        )
        sales_event("pipeline.created", pipeline_id=pipeline.pk)
    return pipeline


def pipeline_update(*, actor: Any, pipeline_id: int, data: dict[str, Any]) -> Pipeline:
    """Rename, change the currency or position, make it the default, (de)activate it.

    Exactly one pipeline is the default: making one the default takes it from the other; the
    default cannot be switched off or deactivated (make another the default first). A
    pipeline holding open deals cannot be deactivated.
    """
    require(actor, "sales.configure")
    with transaction.atomic():
        pipeline = locked(Pipeline, pipeline_id, _("Pipeline"))
        before = snapshot(pipeline, PIPELINE_FIELDS)
        errors = ErrorCollector()
        changes: dict[str, Any] = {}
        if "name" in data:
            changes["name"] = clean_text(
                data, "name", errors, max_length=120, required=True, label=_("name")
            )
        if "name_en" in data:
            changes["name_en"] = clean_text(data, "name_en", errors, max_length=120)
        if "currency" in data:
            changes["currency"] = currency_or_error(data.get("currency"), errors)
        if "position" in data and data.get("position") not in (None, ""):
            changes["position"] = clean_count(data.get("position"), errors, "position", 1000)
        if "is_default" in data and data.get("is_default") is not None:
            changes["is_default"] = clean_bool(data.get("is_default"))
            if pipeline.is_default and not changes["is_default"]:
                errors.add(
                    "is_default",
                    _("One pipeline must be the default: make another one the default instead."),
                )
        if "is_active" in data and data.get("is_active") is not None:
            changes["is_active"] = clean_bool(data.get("is_active"))
        becomes_default = changes.get("is_default", pipeline.is_default)
        if not changes.get("is_active", pipeline.is_active) and becomes_default:
            errors.add(
                "is_active",
                _("The default pipeline cannot be deactivated: make another one the default."),
            )
        errors.raise_if_any()
        if changes.get("is_active") is False and pipeline.is_active:
            count = _open_deals(pipeline=pipeline)
            if count:
                raise Conflict(
                    _(
                        "This pipeline still holds %(n)s open deals: move them to another "
                        "pipeline, or close them, before deactivating it."
                    )
                    % {"n": count},
                    code="pipeline_not_empty",
                    details={"open_deals": count},
                )
        if changes.get("is_default") and not pipeline.is_default:
            Pipeline.objects.filter(is_default=True).exclude(pk=pipeline.pk).update(
                is_default=False
            )
        for key, value in changes.items():
            setattr(pipeline, key, value)
        pipeline.save()
        _audit_update(
            actor,
            pipeline,
            before,
            PIPELINE_FIELDS,
            _("Pipeline %(name)s changed") % {"name": pipeline.name},
            "pipeline.updated",
            pipeline_id=pipeline.pk,
        )
    return pipeline


def pipeline_deactivate(*, actor: Any, pipeline_id: int) -> Pipeline:
    """Take a pipeline out of use (its closed deals keep it for the reports)."""
    return pipeline_update(actor=actor, pipeline_id=pipeline_id, data={"is_active": False})


# ---------------------------------------------------------------- stages


def _stage_of(pipeline_id: int | None, stage_id: int) -> PipelineStage:
    stage = locked(PipelineStage, stage_id, _("Stage"))
    if pipeline_id is not None and stage.pipeline_id != pipeline_id:
        raise NotFound(
            _("Stage %(id)s is not in pipeline %(pipeline)s.")
            % {"id": stage_id, "pipeline": pipeline_id},
            details={"id": stage_id},
        )
    return stage


def stage_add(*, actor: Any, pipeline_id: int, data: dict[str, Any]) -> PipelineStage:
    """A new stage at the end of the pipeline (or at ``position``)."""
    require(actor, "sales.configure")
    errors = ErrorCollector()
    fields = _clean_stage(data, errors)
    fields.pop("is_active", None)
    with transaction.atomic():
        pipeline = locked(Pipeline, pipeline_id, _("Pipeline"))
        codes = set(pipeline.stages.values_list("code", flat=True))
        if fields.get("code") in codes:
            errors.add("code", _("Another stage of this pipeline has this code."))
        errors.raise_if_any()
        fields["code"] = _free_code(fields.get("code") or fields["name"], codes, "stage")
        stages = list(pipeline.stages.order_by("position", "id"))
        position = fields.pop("position", None)
        if position is None or position >= len(stages):
            position = len(stages)
        stage = PipelineStage(pipeline=pipeline, position=position, **fields)
        stages.insert(position, stage)
        stage.save()
        _renumber(stages)
        audit_record(
            actor=actor,
            action="create",
            instance=stage,
            summary=_("Stage %(name)s added to %(pipeline)s")
            % {"name": stage.name, "pipeline": pipeline.name},
            changes=snapshot(stage, STAGE_FIELDS),
        )
        sales_event("pipeline.updated", pipeline_id=pipeline.pk, stage_id=stage.pk)
    return stage


def _renumber(stages: list[PipelineStage]) -> None:
    for position, stage in enumerate(stages):
        if stage.position != position:
            stage.position = position
            stage.save(update_fields=["position"])


def _refuse_if_holding(stage: PipelineStage) -> None:
    count = _open_deals(stage=stage)
    if count:
        raise Conflict(
            _("The stage %(name)s still holds %(n)s open deals: move them to another stage first.")
            % {"name": stage.name, "n": count},
            code="stage_not_empty",
            details={"open_deals": count},
        )


def _refuse_if_last(stage: PipelineStage) -> None:
    others = (
        PipelineStage.objects.filter(pipeline_id=stage.pipeline_id, is_active=True)
        .exclude(pk=stage.pk)
        .exists()
    )
    if not others:
        raise Invalid.field(
            "is_active", _("A pipeline needs at least one active stage."), code="last_stage"
        )


def stage_update(
    *, actor: Any, stage_id: int, data: dict[str, Any], pipeline_id: int | None = None
) -> PipelineStage:
    """Rename (pt and en), change the probability or the rotting days, move it
    (``position``), or (de)activate it — never while it holds open deals, never the last
    active stage of its pipeline."""
    require(actor, "sales.configure")
    errors = ErrorCollector()
    fields = _clean_stage(data, errors, partial=True)
    with transaction.atomic():
        stage = _stage_of(pipeline_id, stage_id)
        if "code" in fields and fields["code"] != stage.code:
            taken = PipelineStage.objects.filter(pipeline_id=stage.pipeline_id, code=fields["code"])
            if taken.exists():
                errors.add("code", _("Another stage of this pipeline has this code."))
        errors.raise_if_any()
        before = snapshot(stage, STAGE_FIELDS)
        if fields.get("is_active") is False and stage.is_active:
            _refuse_if_last(stage)
            _refuse_if_holding(stage)
        position = fields.pop("position", None)
        for key, value in fields.items():
            setattr(stage, key, value)
        stage.save()
        if position is not None and position != stage.position:
            stages = [
                s
                for s in PipelineStage.objects.filter(pipeline_id=stage.pipeline_id).order_by(
                    "position", "id"
                )
                if s.pk != stage.pk
            ]
            stages.insert(min(position, len(stages)), stage)
            _renumber(stages)
        _audit_update(
            actor,
            stage,
            before,
            STAGE_FIELDS,
            _("Stage %(name)s changed") % {"name": stage.name},
            "pipeline.updated",
            pipeline_id=stage.pipeline_id,
            stage_id=stage.pk,
        )
    return stage


def stage_deactivate(*, actor: Any, stage_id: int, pipeline_id: int | None = None) -> PipelineStage:
    """Take a stage off the board (refused while it holds open deals, or if it is the last)."""
    return stage_update(
        actor=actor, stage_id=stage_id, pipeline_id=pipeline_id, data={"is_active": False}
    )


def stage_remove(*, actor: Any, stage_id: int, pipeline_id: int | None = None) -> bool:
    """Remove a stage: deleted when no deal ever stood in it, otherwise deactivated (the
    closed deals and the history keep naming it). True when the row was deleted."""
    require(actor, "sales.configure")
    with transaction.atomic():
        stage = _stage_of(pipeline_id, stage_id)
        if stage.is_active:
            _refuse_if_last(stage)
        _refuse_if_holding(stage)
        used = Opportunity.objects.filter(stage=stage).exists()
        if used:
            if stage.is_active:
                stage.is_active = False
                stage.save(update_fields=["is_active"])
            action, summary = "update", _("Stage %(name)s deactivated")
        else:
            action, summary = "delete", _("Stage %(name)s removed")
        audit_record(
            actor=actor,
            action=action,
            instance=stage,
            summary=summary % {"name": stage.name},
            changes=snapshot(stage, STAGE_FIELDS)
            if action == "delete"
            else {"is_active": [True, False]},
        )
        sales_event("pipeline.updated", pipeline_id=stage.pipeline_id, stage_id=stage.pk)
        if not used:
            pipeline_id = stage.pipeline_id
            stage.delete()
            _renumber(list(PipelineStage.objects.filter(pipeline_id=pipeline_id)))
    return not used


def stage_reorder(*, actor: Any, pipeline_id: int, stage_ids: list[int]) -> list[PipelineStage]:
    """Put the pipeline's stages in the order given (every active stage once; the inactive
    ones, if left out, go to the end)."""
    require(actor, "sales.configure")
    with transaction.atomic():
        pipeline = locked(Pipeline, pipeline_id, _("Pipeline"))
        stages = {s.pk: s for s in pipeline.stages.order_by("position", "id")}
        try:
            order = [int(pk) for pk in stage_ids]
        except (TypeError, ValueError) as exc:
            raise Invalid.field("stage_ids", _("Send the ids of the stages.")) from exc
        active = {pk for pk, s in stages.items() if s.is_active}
        unknown = [pk for pk in order if pk not in stages]
        if unknown:
            raise Invalid.field(
                "stage_ids",
                _("These stages are not in this pipeline: %(ids)s.")
                % {"ids": ", ".join(map(str, unknown))},
            )
        if len(set(order)) != len(order) or not active <= set(order):
            raise Invalid.field(
                "stage_ids", _("Send every active stage of the pipeline exactly once.")
            )
        before = [s.pk for s in stages.values()]
        ordered = [stages[pk] for pk in order]
        ordered += [s for pk, s in stages.items() if pk not in set(order)]
        _renumber(ordered)
        after = [s.pk for s in ordered]
        if after != before:
            audit_record(
                actor=actor,
                action="update",
                instance=pipeline,
                summary=_("Stages of %(name)s reordered") % {"name": pipeline.name},
                changes={"stages": [before, after]},
            )
            sales_event("pipeline.updated", pipeline_id=pipeline.pk)
    return ordered


# ---------------------------------------------------------------- won and lost reasons


def _clean_reason(data: dict[str, Any], errors: ErrorCollector, partial: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if not partial or "kind" in data:
        kind = str(data.get("kind") or "").strip()
        if kind not in CloseKind.values:
            errors.add("kind", _("Choose won or lost."))
        out["kind"] = kind
    if not partial or "name" in data:
        out["name"] = clean_text(
            data, "name", errors, max_length=120, required=True, label=_("name")
        )
    if "name_en" in data:
        out["name_en"] = clean_text(data, "name_en", errors, max_length=120)
    if "position" in data and data.get("position") not in (None, ""):
        out["position"] = clean_count(data.get("position"), errors, "position", 1000)
    if "is_active" in data and data.get("is_active") is not None:
        out["is_active"] = clean_bool(data.get("is_active"))
    return out


def close_reason_create(*, actor: Any, data: dict[str, Any]) -> CloseReason:
    """A reason deals are won or lost ("price", "competitor"), counted in the reports."""
    require(actor, "sales.configure")
    errors = ErrorCollector()
    fields = _clean_reason(data, errors, partial=False)
    errors.raise_if_any()
    with transaction.atomic():
        if "position" not in fields:
            last = CloseReason.objects.filter(kind=fields["kind"]).aggregate(m=Max("position"))
            fields["position"] = (last["m"] + 1) if last["m"] is not None else 0
        reason = CloseReason.objects.create(**fields)
        audit_record(
            actor=actor,
            action="create",
            instance=reason,
            summary=_("Reason %(name)s created") % {"name": reason.name},
            changes=snapshot(reason, REASON_FIELDS),
        )
        sales_event("close_reason.created", close_reason_id=reason.pk)
    return reason


def close_reason_update(*, actor: Any, close_reason_id: int, data: dict[str, Any]) -> CloseReason:
    """Rename, reorder or (de)activate a reason; its kind changes only while no deal uses it."""
    require(actor, "sales.configure")
    errors = ErrorCollector()
    fields = _clean_reason(data, errors, partial=True)
    with transaction.atomic():
        reason = locked(CloseReason, close_reason_id, _("Reason"))
        kind = fields.get("kind")
        if (
            kind
            and kind != reason.kind
            and Opportunity.objects.filter(close_reason=reason).exists()
        ):
            errors.add("kind", _("Deals were closed with this reason: its kind cannot change."))
        errors.raise_if_any()
        before = snapshot(reason, REASON_FIELDS)
        for key, value in fields.items():
            setattr(reason, key, value)
        reason.save()
        _audit_update(
            actor,
            reason,
            before,
            REASON_FIELDS,
            _("Reason %(name)s changed") % {"name": reason.name},
            "close_reason.updated",
            close_reason_id=reason.pk,
        )
    return reason


def close_reason_remove(*, actor: Any, close_reason_id: int) -> bool:
    """Delete a reason no deal was closed with; deactivate one that was (the reports keep
    counting it). True when the row was deleted."""
    require(actor, "sales.configure")
    with transaction.atomic():
        reason = locked(CloseReason, close_reason_id, _("Reason"))
        used = Opportunity.objects.filter(close_reason=reason).exists()
        audit_record(
            actor=actor,
            action="update" if used else "delete",
            instance=reason,
            summary=(_("Reason %(name)s deactivated") if used else _("Reason %(name)s removed"))
            % {"name": reason.name},
            changes={"is_active": [reason.is_active, False]}
            if used
            else snapshot(reason, REASON_FIELDS),
        )
        sales_event("close_reason.updated", close_reason_id=reason.pk)
        if used:
            reason.is_active = False
            reason.save(update_fields=["is_active"])
        else:
            reason.delete()
    return not used
