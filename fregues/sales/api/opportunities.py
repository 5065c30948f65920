"""/api/v1/opportunities, /api/v1/pipelines and /api/v1/forecast.

Reading deals needs ``deal.view`` (everyone but marketing), changing them ``deal.change``;
pipelines are set up with ``sales.configure``; the forecast (aggregates only) needs
``sales.report``, which marketing holds.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from fregues.core.api_utils import actor_of, version_from
from fregues.core.schemas import ERROR_RESPONSES, Id

from ..filters.opportunities import SORTS, OpportunityFilters
from ..schemas.opportunities import (
    BoardOut,
    ChangeOut,
    CloseReasonIn,
    CloseReasonOut,
    CloseReasonPatch,
    ForecastOut,
    LoseIn,
    MoneyTotalOut,
    MoveIn,
    OpportunityIn,
    OpportunityOut,
    OpportunityPage,
    OpportunityPatch,
    PipelineIn,
    PipelineOut,
    PipelinePatch,
    ReopenIn,
    StageIn,
    StageOrderIn,
    StageOut,
    StagePatch,
    WinIn,
)
from ..selectors import forecast as forecasts
from ..selectors import opportunities as selectors
from ..services import opportunities as deals
from ..services import pipelines as setup

router = Router(tags=["opportunities"])
pipelines_router = Router(tags=["pipelines"])
forecast_router = Router(tags=["opportunities"])


def _deal_out(request: HttpRequest, opportunity_id: int) -> OpportunityOut:
    deal = selectors.opportunity_get(actor=actor_of(request), opportunity_id=opportunity_id)
    return OpportunityOut.build(deal)


# ---------------------------------------------------------------- won and lost reasons
# (declared before /{id} so the path is never read as a deal id)


def _reason_out(reason: object) -> CloseReasonOut:
    return CloseReasonOut.model_validate(reason, from_attributes=True)


@router.get(
    "/close-reasons", response={200: list[CloseReasonOut], **ERROR_RESPONSES}, summary="Reasons"
)
def list_close_reasons(
    request: HttpRequest, kind: str | None = None, include_inactive: bool = False
) -> list[CloseReasonOut]:
    """Why deals are won or lost (``kind``: won, lost), to send with win and lose."""
    reasons = selectors.close_reason_list(
        actor=actor_of(request), kind=kind, include_inactive=include_inactive
    )
    return [_reason_out(r) for r in reasons]


@router.post("/close-reasons", response={201: CloseReasonOut, **ERROR_RESPONSES})
def create_close_reason(request: HttpRequest, payload: CloseReasonIn) -> Status[CloseReasonOut]:
    reason = setup.close_reason_create(actor=actor_of(request), data=payload.dict())
    return Status(201, _reason_out(reason))


@router.patch("/close-reasons/{int:reason_id}", response={200: CloseReasonOut, **ERROR_RESPONSES})
def update_close_reason(
    request: HttpRequest, reason_id: int, payload: CloseReasonPatch
) -> CloseReasonOut:
    reason = setup.close_reason_update(
        actor=actor_of(request),
        close_reason_id=reason_id,
        data=payload.dict(exclude_unset=True),
    )
    return _reason_out(reason)


@router.delete("/close-reasons/{int:reason_id}", response={204: None, **ERROR_RESPONSES})
def remove_close_reason(request: HttpRequest, reason_id: int) -> HttpResponse:
    """Deleted when no deal was closed with it, otherwise deactivated."""
    setup.close_reason_remove(actor=actor_of(request), close_reason_id=reason_id)
    return HttpResponse(status=204)


# ---------------------------------------------------------------- deals


@router.get("", response={200: OpportunityPage, **ERROR_RESPONSES}, summary="List deals")
def list_opportunities(
    request: HttpRequest,
    filters: Query[OpportunityFilters],
    sort: str = Query("recent", description=f"One of: {', '.join(SORTS)}."),
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=200),
    totals: bool = Query(False, description="Add count, sum and weighted sum per currency."),
) -> OpportunityPage:
    """Deals matching the filters, a keyset page at a time (``next_cursor``)."""
    actor = actor_of(request)
    rows, next_cursor = selectors.opportunity_list(
        actor=actor, filters=filters, cursor=cursor, limit=limit, sort=sort
    )
    page = OpportunityPage(
        items=[OpportunityOut.build(d) for d in rows], next_cursor=next_cursor, totals=None
    )
    if totals:
        page.totals = [
            MoneyTotalOut(currency=t.currency, count=t.count, amount=t.amount, weighted=t.weighted)
            for t in selectors.opportunity_totals(actor=actor, filters=filters)
        ]
    return page


@router.post("", response={201: OpportunityOut, **ERROR_RESPONSES}, summary="Create a deal")
def create_opportunity(request: HttpRequest, payload: OpportunityIn) -> Status[OpportunityOut]:
    """A new open deal. A stage of another pipeline, an unknown currency or a negative amount
    is a 422 and nothing is written."""
    deal = deals.opportunity_create(actor=actor_of(request), data=payload.dict())
    return Status(201, _deal_out(request, deal.pk))


@router.get("/{int:opportunity_id}", response={200: OpportunityOut, **ERROR_RESPONSES})
def get_opportunity(request: HttpRequest, opportunity_id: int) -> OpportunityOut:
    return _deal_out(request, opportunity_id)


@router.patch("/{int:opportunity_id}", response={200: OpportunityOut, **ERROR_RESPONSES})
def update_opportunity(
    request: HttpRequest, opportunity_id: int, payload: OpportunityPatch
) -> OpportunityOut:
    """Change the fields sent; a stale ``version`` (or If-Match) is a 409."""
    deals.opportunity_update(
        actor=actor_of(request),
        opportunity_id=opportunity_id,
        data=payload.dict(exclude_unset=True, exclude={"version"}),
        version=version_from(request, payload.version),
    )
    return _deal_out(request, opportunity_id)


@router.post("/{int:opportunity_id}/move", response={200: OpportunityOut, **ERROR_RESPONSES})
def move_opportunity(request: HttpRequest, opportunity_id: int, payload: MoveIn) -> OpportunityOut:
    """Move the deal to ``stage_id`` of its pipeline (send ``pipeline_id`` as well to move it
    to another pipeline). A closed deal is a 409: reopen it first."""
    deals.opportunity_move(
        actor=actor_of(request),
        opportunity_id=opportunity_id,
        stage_id=payload.stage_id,
        pipeline_id=payload.pipeline_id,
        note=payload.note,
        version=version_from(request, payload.version),
    )
    return _deal_out(request, opportunity_id)


def _close(
    request: HttpRequest, opportunity_id: int, payload: WinIn | LoseIn, service: Any
) -> OpportunityOut:
    service(
        actor=actor_of(request),
        opportunity_id=opportunity_id,
        close_reason_id=payload.close_reason_id,
        note=payload.note,
        version=version_from(request, payload.version),
    )
    return _deal_out(request, opportunity_id)


@router.post("/{int:opportunity_id}/win", response={200: OpportunityOut, **ERROR_RESPONSES})
def win_opportunity(request: HttpRequest, opportunity_id: int, payload: WinIn) -> OpportunityOut:
    """Won, optionally with a reason of kind won and a note."""
    return _close(request, opportunity_id, payload, deals.opportunity_win)


@router.post("/{int:opportunity_id}/lose", response={200: OpportunityOut, **ERROR_RESPONSES})
def lose_opportunity(request: HttpRequest, opportunity_id: int, payload: LoseIn) -> OpportunityOut:
    """Lost needs a reason of kind lost (``close_reason_id``) or a ``note``."""
    return _close(request, opportunity_id, payload, deals.opportunity_lose)


@router.post("/{int:opportunity_id}/reopen", response={200: OpportunityOut, **ERROR_RESPONSES})
def reopen_opportunity(
    request: HttpRequest, opportunity_id: int, payload: ReopenIn | None = None
) -> OpportunityOut:
    deals.opportunity_reopen(
        actor=actor_of(request),
        opportunity_id=opportunity_id,
        version=version_from(request, payload.version if payload else None),
    )
    return _deal_out(request, opportunity_id)


@router.get("/{int:opportunity_id}/history", response={200: list[ChangeOut], **ERROR_RESPONSES})
def opportunity_history(request: HttpRequest, opportunity_id: int) -> list[ChangeOut]:
    """Every stage and status change, newest first, with who made it."""
    actor = actor_of(request)
    selectors.opportunity_get(actor=actor, opportunity_id=opportunity_id)
    changes = selectors.opportunity_history(actor=actor, opportunity_id=opportunity_id)
    return [ChangeOut.build(c) for c in changes]


# ---------------------------------------------------------------- pipelines


def _pipeline_out(request: HttpRequest, pipeline_id: int) -> PipelineOut:
    return PipelineOut.build(
        selectors.pipeline_get(actor=actor_of(request), pipeline_id=pipeline_id)
    )


@pipelines_router.get("", response={200: list[PipelineOut], **ERROR_RESPONSES})
def list_pipelines(request: HttpRequest, include_inactive: bool = False) -> list[PipelineOut]:
    """Pipelines in order with their stages in order."""
    pipelines = selectors.pipeline_list(actor=actor_of(request), include_inactive=include_inactive)
    return [PipelineOut.build(p) for p in pipelines]


@pipelines_router.post("", response={201: PipelineOut, **ERROR_RESPONSES})
def create_pipeline(request: HttpRequest, payload: PipelineIn) -> Status[PipelineOut]:
    """A new pipeline with at least one stage (administrators)."""
    data = payload.dict()
    data["stages"] = [s.dict(exclude_unset=True) for s in payload.stages]
    pipeline = setup.pipeline_create(actor=actor_of(request), data=data)
    return Status(201, _pipeline_out(request, pipeline.pk))


@pipelines_router.get("/{int:pipeline_id}", response={200: PipelineOut, **ERROR_RESPONSES})
def get_pipeline(request: HttpRequest, pipeline_id: int) -> PipelineOut:
    return _pipeline_out(request, pipeline_id)


@pipelines_router.patch("/{int:pipeline_id}", response={200: PipelineOut, **ERROR_RESPONSES})
def update_pipeline(request: HttpRequest, pipeline_id: int, payload: PipelinePatch) -> PipelineOut:
    """Rename it, make it the default, (de)activate it (not while it holds open deals)."""
    setup.pipeline_update(
        actor=actor_of(request), pipeline_id=pipeline_id, data=payload.dict(exclude_unset=True)
    )
    return _pipeline_out(request, pipeline_id)


@pipelines_router.post("/{int:pipeline_id}/stages", response={201: StageOut, **ERROR_RESPONSES})
def add_stage(request: HttpRequest, pipeline_id: int, payload: StageIn) -> Status[StageOut]:
    stage = setup.stage_add(
        actor=actor_of(request), pipeline_id=pipeline_id, data=payload.dict(exclude_unset=True)
    )
    return Status(201, StageOut.build(stage))


@pipelines_router.post(
    "/{int:pipeline_id}/stages/reorder", response={200: PipelineOut, **ERROR_RESPONSES}
)
def reorder_stages(request: HttpRequest, pipeline_id: int, payload: StageOrderIn) -> PipelineOut:
    setup.stage_reorder(
        actor=actor_of(request), pipeline_id=pipeline_id, stage_ids=payload.stage_ids
    )
    return _pipeline_out(request, pipeline_id)


@pipelines_router.patch(
    "/{int:pipeline_id}/stages/{int:stage_id}", response={200: StageOut, **ERROR_RESPONSES}
)
def update_stage(
    request: HttpRequest, pipeline_id: int, stage_id: int, payload: StagePatch
) -> StageOut:
    """Rename, change probability or rotting days, reposition, (de)activate."""
    stage = setup.stage_update(
        actor=actor_of(request),
        pipeline_id=pipeline_id,
        stage_id=stage_id,
        data=payload.dict(exclude_unset=True),
    )
    return StageOut.build(stage)


@pipelines_router.delete(
    "/{int:pipeline_id}/stages/{int:stage_id}", response={204: None, **ERROR_RESPONSES}
)
def remove_stage(request: HttpRequest, pipeline_id: int, stage_id: int) -> HttpResponse:
    """Remove an empty stage (a 409 while it holds open deals). A stage some closed deal
    stood in is deactivated rather than deleted, for the history."""
    setup.stage_remove(actor=actor_of(request), pipeline_id=pipeline_id, stage_id=stage_id)
    return HttpResponse(status=204)


@pipelines_router.get("/{int:pipeline_id}/board", response={200: BoardOut, **ERROR_RESPONSES})
def pipeline_board(
    request: HttpRequest,
    pipeline_id: int,
    owner_id: Id | None = None,
    mine: bool = False,
    per_stage: int = Query(50, ge=1, le=200),
) -> BoardOut:
    """The kanban's data: a column per stage with its count, sum and weighted sum per
    currency, and its open deals as cards (rotting ones flagged)."""
    actor = actor_of(request)
    board = selectors.pipeline_board(
        actor=actor,
        pipeline_id=pipeline_id,
        owner_id=actor.pk if mine else owner_id,
        per_stage=per_stage,
    )
    return BoardOut.build(board)


# ---------------------------------------------------------------- forecast


@forecast_router.get("", response={200: ForecastOut, **ERROR_RESPONSES}, summary="Forecast")
def get_forecast(
    request: HttpRequest,
    start: str | None = Query(None, description="First month, YYYY-MM (default: this month)."),
    months: int = Query(forecasts.DEFAULT_MONTHS, ge=1, le=forecasts.MAX_MONTHS),
    pipeline_id: Id | None = None,
    owner_id: Id | None = None,
    mine: bool = False,
) -> ForecastOut:
    """Per owner and month: open deals weighted by their probability (by expected close
    date) and deals won (by the day they were won), per currency. Aggregates only."""
    actor = actor_of(request)
    data = forecasts.forecast(
        actor=actor,
        start=start,
        months=months,
        pipeline_id=pipeline_id,
        owner_id=actor.pk if mine else owner_id,
    )
    return ForecastOut.build(data)
