"""The administrator's screens for the sales process: pipelines with their stages (add,
rename in pt and en, probability, rotting days, reorder by drag or by the arrow buttons,
deactivate) and the reasons deals are won or lost.

Each form posts to its own view; a refusal shows the whole page again with that form's
messages next to its fields (and 409/422), the way the API says it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fregues.core.errors import NotFound, ServiceError
from fregues.core.permissions import require
from fregues.core.views import service_http_errors

from ..forms.opportunities import PipelineForm, ReasonForm, SalesForm, StageForm, id_or_none
from ..models import CloseKind
from ..money import currencies
from ..selectors import opportunities as selectors
from ..services import pipelines as services


def _stage_form(stage: Any, data: Any = None) -> StageForm:
    return StageForm(
        data,
        prefix=f"s{stage.pk}",
        initial={
            "name": stage.name,
            "name_en": stage.name_en,
            "probability": stage.probability,
            "rotting_days": "" if stage.rotting_days is None else stage.rotting_days,
            "is_active": stage.is_active,
        },
    )


def _pipeline_form(pipeline: Any, data: Any = None) -> PipelineForm:
    return PipelineForm(
        data,
        prefix=f"p{pipeline.pk}",
        initial={
            "name": pipeline.name,
            "name_en": pipeline.name_en,
            "currency": pipeline.currency,
            "is_default": pipeline.is_default,
        },
    )


def _pipelines_page(
    request: HttpRequest, status: int = 200, failed: tuple[str, SalesForm] | None = None
) -> HttpResponse:
    """The setup page; ``failed`` is the (key, bound form) the user just sent in vain."""
    user = request.user
    pipelines = selectors.pipeline_list(actor=user, include_inactive=True)
    counts = selectors.open_counts_by_stage([p.pk for p in pipelines])
    key, bound = failed or ("", None)
    rows = []
    for pipeline in pipelines:
        stages: list[dict[str, Any]] = []
        for stage in pipeline.stages.all():
            form_key = f"stage-{stage.pk}"
            stages.append(
                {
                    "stage": stage,
                    "open": counts.get(stage.pk, 0),
                    "form": bound if key == form_key else _stage_form(stage),
                }
            )
        rows.append(
            {
                "pipeline": pipeline,
                "stages": stages,
                "open": sum(int(s["open"]) for s in stages),
                "form": bound if key == f"pipeline-{pipeline.pk}" else _pipeline_form(pipeline),
                "edit_open": key == f"pipeline-{pipeline.pk}",
                "add_open": key == f"add-{pipeline.pk}",
                "add_form": bound
                if key == f"add-{pipeline.pk}"
                else StageForm(prefix=f"new{pipeline.pk}", initial={"is_active": True}),
            }
        )
    context = {
        "rows": rows,
        "failed": key,
        "create_form": bound
        if key == "create"
        else PipelineForm(prefix="new", creating=True, initial={"first_probability": 10}),
        "currencies": sorted(currencies()),
    }
    return render(request, "sales/deals/setup_pipelines.html", context, status=status)


def _refused(
    request: HttpRequest, key: str, form: SalesForm, exc: ServiceError | None = None
) -> HttpResponse:
    if exc is not None:
        form.add_service_error(exc)
    form.reload_url = reverse("sales:setup_pipelines")
    status = form.status if form.status != 200 else 422
    return _pipelines_page(request, status=status, failed=(key, form))


def _back(anchor: str = "") -> HttpResponse:
    return redirect(reverse("sales:setup_pipelines") + (f"#{anchor}" if anchor else ""))


@login_required
@service_http_errors
def setup_pipelines(request: HttpRequest) -> HttpResponse:
    """Every pipeline with its stages; POST creates a pipeline with its first stage."""
    require(request.user, "sales.configure")
    if request.method != "POST":
        return _pipelines_page(request)
    form = PipelineForm(request.POST, prefix="new", creating=True)
    if not form.is_valid():
        return _refused(request, "create", form)
    try:
        pipeline = services.pipeline_create(actor=request.user, data=form.service_data())
    except ServiceError as exc:
        return _refused(request, "create", form, exc)
    messages.success(request, _("Pipeline %(name)s created.") % {"name": pipeline.name})
    return _back(f"pipeline-{pipeline.pk}")


@login_required
@require_POST
@service_http_errors
def pipeline_edit(request: HttpRequest, pipeline_id: int) -> HttpResponse:
    """Rename, change currency, make default — or (de)activate with ``active=0|1``."""
    require(request.user, "sales.configure")
    pipeline = selectors.pipeline_get(actor=request.user, pipeline_id=pipeline_id)
    key = f"pipeline-{pipeline_id}"
    if "active" in request.POST:
        try:
            services.pipeline_update(
                actor=request.user,
                pipeline_id=pipeline_id,
                data={"is_active": request.POST.get("active") == "1"},
            )
        except ServiceError as exc:
            if isinstance(exc, NotFound):
                raise
            messages.error(request, exc.message if not exc.errors else _first(exc))
        else:
            messages.success(request, _("Pipeline %(name)s saved.") % {"name": pipeline.name})
        return _back(key)
    form = _pipeline_form(pipeline, request.POST)
    if not form.is_valid():
        return _refused(request, key, form)
    try:
        services.pipeline_update(
            actor=request.user, pipeline_id=pipeline_id, data=form.service_data()
        )
    except ServiceError as exc:
        if isinstance(exc, NotFound):
            raise
        return _refused(request, key, form, exc)
    messages.success(request, _("Pipeline %(name)s saved.") % {"name": form.cleaned_data["name"]})
    return _back(key)


def _first(exc: ServiceError) -> str:
    return next((m for ms in exc.errors.values() for m in ms), exc.message)


@login_required
@require_POST
@service_http_errors
def stage_add(request: HttpRequest, pipeline_id: int) -> HttpResponse:
    require(request.user, "sales.configure")
    form = StageForm(request.POST, prefix=f"new{pipeline_id}")
    key = f"add-{pipeline_id}"
    if not form.is_valid():
        return _refused(request, key, form)
    try:
        stage = services.stage_add(
            actor=request.user, pipeline_id=pipeline_id, data=form.service_data(creating=True)
        )
    except ServiceError as exc:
        if isinstance(exc, NotFound):
            raise
        return _refused(request, key, form, exc)
    messages.success(request, _("Stage %(name)s added.") % {"name": stage.name})
    return _back(f"pipeline-{pipeline_id}")


@login_required
@require_POST
@service_http_errors
def stage_edit(request: HttpRequest, pipeline_id: int, stage_id: int) -> HttpResponse:
    """Save a stage's row; ``action=remove`` removes it (refused while it holds open deals),
    ``action=up|down`` moves it one place."""
    require(request.user, "sales.configure")
    action = request.POST.get("action") or "save"
    try:
        if action in ("up", "down"):
            return _step(request, pipeline_id, stage_id, -1 if action == "up" else 1)
        if action == "remove":
            deleted = services.stage_remove(
                actor=request.user, pipeline_id=pipeline_id, stage_id=stage_id
            )
            messages.success(
                request,
                _("Stage removed.")
                if deleted
                else _("Stage deactivated: closed deals keep naming it."),
            )
            return _back(f"pipeline-{pipeline_id}")
    except ServiceError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, _first(exc) if exc.errors else exc.message)
        return _back(f"stage-{stage_id}")
    pipeline = selectors.pipeline_get(actor=request.user, pipeline_id=pipeline_id)
    stage = next((s for s in pipeline.stages.all() if s.pk == stage_id), None)
    if stage is None:
        raise NotFound(_("Stage %(id)s is not in this pipeline.") % {"id": stage_id})
    form = _stage_form(stage, request.POST)
    key = f"stage-{stage_id}"
    if not form.is_valid():
        return _refused(request, key, form)
    try:
        services.stage_update(
            actor=request.user,
            pipeline_id=pipeline_id,
            stage_id=stage_id,
            data=form.service_data(),
        )
    except ServiceError as exc:
        if isinstance(exc, NotFound):
            raise
        return _refused(request, key, form, exc)
    messages.success(request, _("Stage %(name)s saved.") % {"name": form.cleaned_data["name"]})
    return _back(key)


def _step(request: HttpRequest, pipeline_id: int, stage_id: int, step: int) -> HttpResponse:
    pipeline = selectors.pipeline_get(actor=request.user, pipeline_id=pipeline_id)
    order = [s.pk for s in pipeline.stages.all()]
    if stage_id in order:
        i = order.index(stage_id)
        j = min(max(i + step, 0), len(order) - 1)
        order[i], order[j] = order[j], order[i]
        services.stage_reorder(actor=request.user, pipeline_id=pipeline_id, stage_ids=order)
    return _back(f"stage-{stage_id}")


@login_required
@require_POST
@service_http_errors
def stage_order(request: HttpRequest, pipeline_id: int) -> HttpResponse:
    """The stages in the order dragged (``stage_ids``, every one): 204, or the refusal."""
    try:
        services.stage_reorder(
            actor=request.user,
            pipeline_id=pipeline_id,
            stage_ids=[id_or_none(v) or 0 for v in request.POST.getlist("stage_ids")],
        )
    except ServiceError as exc:
        if isinstance(exc, NotFound):
            raise
        return HttpResponse(_first(exc), status=exc.status, content_type="text/plain")
    return HttpResponse(status=204)


# ---------------------------------------------------------------- won and lost reasons


def _reasons_page(
    request: HttpRequest, status: int = 200, failed: tuple[str, SalesForm] | None = None
) -> HttpResponse:
    reasons = selectors.close_reason_list(actor=request.user, include_inactive=True)
    key, bound = failed or ("", None)
    groups = []
    for kind, label in CloseKind.choices:
        rows = [
            {
                "reason": r,
                "form": bound
                if key == f"reason-{r.pk}"
                else ReasonForm(
                    prefix=f"r{r.pk}",
                    initial={
                        "kind": r.kind,
                        "name": r.name,
                        "name_en": r.name_en,
                        "is_active": r.is_active,
                    },
                ),
            }
            for r in reasons
            if r.kind == kind
        ]
        groups.append({"kind": kind, "label": label, "rows": rows})
    context = {
        "groups": groups,
        "failed": key,
        "create_form": bound
        if key == "create"
        else ReasonForm(prefix="new", initial={"kind": "lost"}),
    }
    return render(request, "sales/deals/setup_close_reasons.html", context, status=status)


@login_required
@service_http_errors
def setup_close_reasons(request: HttpRequest) -> HttpResponse:
    """Won and lost reasons; POST adds one."""
    require(request.user, "sales.configure")
    if request.method != "POST":
        return _reasons_page(request)
    form = ReasonForm(request.POST, prefix="new")
    if form.is_valid():
        try:
            reason = services.close_reason_create(
                actor=request.user, data=form.service_data(creating=True)
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Reason %(name)s added.") % {"name": reason.name})
            return redirect("sales:setup_close_reasons")
    status = form.status if form.status != 200 else 422
    return _reasons_page(request, status=status, failed=("create", form))


@login_required
@require_POST
@service_http_errors
def close_reason_edit(request: HttpRequest, reason_id: int) -> HttpResponse:
    """Save a reason (``action=remove`` deletes it, or deactivates it when deals used it)."""
    require(request.user, "sales.configure")
    if request.POST.get("action") == "remove":
        deleted = services.close_reason_remove(actor=request.user, close_reason_id=reason_id)
        messages.success(
            request,
            _("Reason removed.") if deleted else _("Reason deactivated: closed deals keep it."),
        )
        return redirect("sales:setup_close_reasons")
    form = ReasonForm(request.POST, prefix=f"r{reason_id}")
    if form.is_valid():
        try:
            services.close_reason_update(
                actor=request.user, close_reason_id=reason_id, data=form.service_data()
            )
        except ServiceError as exc:
            if isinstance(exc, NotFound):
                raise
            form.add_service_error(exc)
        else:
            messages.success(request, _("Reason saved."))
            return redirect("sales:setup_close_reasons")
    status = form.status if form.status != 200 else 422
    return _reasons_page(request, status=status, failed=(f"reason-{reason_id}", form))


urlpatterns = [
    path("sales/setup/pipelines/", setup_pipelines, name="setup_pipelines"),
    path("sales/setup/pipelines/<int:pipeline_id>/", pipeline_edit, name="setup_pipeline"),
    path("sales/setup/pipelines/<int:pipeline_id>/stages/", stage_add, name="setup_stage_add"),
    path(
        "sales/setup/pipelines/<int:pipeline_id>/stages/order/",
        stage_order,
        name="setup_stage_order",
    ),
    path(
        "sales/setup/pipelines/<int:pipeline_id>/stages/<int:stage_id>/",
        stage_edit,
        name="setup_stage",
    ),
    path("sales/setup/close-reasons/", setup_close_reasons, name="setup_close_reasons"),
    path(
        "sales/setup/close-reasons/<int:reason_id>/", close_reason_edit, name="setup_close_reason"
    ),
]
