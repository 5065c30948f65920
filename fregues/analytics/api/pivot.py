"""/api/v1/analytics/pivot, /reports and /dashboards: the pivot explorer's API.

The pivot answers to ``GET`` (the explorer's query string: ``rows``, ``columns``, ``measure``,
``date_from``, ``date_to``, ``filter=<dimension>:<value>``...) and to ``POST`` (the same as
JSON). Errors are ``{code, message, errors}``: 422 names each faulty field, 403 a role that
may not read it.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from fregues.core.api_utils import actor_of
from fregues.core.errors import Invalid
from fregues.core.permissions import require
from fregues.core.schemas import ERROR_RESPONSES

from ..exports_pivot import csv_response, drill_rows, pivot_table_rows, xlsx_response
from ..models import DashboardItem, SavedReport
from ..pivot import pivot_definition_clean, pivot_run
from ..pivot_drill import pivot_drill
from ..pivot_query import definition_from_query
from ..pivot_registry import DIMENSIONS, MEASURES
from ..schemas_pivot import (
    DashboardOut,
    DrillIn,
    DrillOut,
    PinIn,
    PinOut,
    PivotIn,
    PivotOut,
    PivotRegistryOut,
    PivotReportOut,
    ReportIn,
    ReportPatch,
    ReportResultOut,
    SegmentFromCellIn,
    SegmentFromCellOut,
)
from ..selectors.pivot_reports import dashboard_get, saved_report_get, saved_report_list
from ..services.pivot_reports import (
    dashboard_pin,
    dashboard_unpin,
    saved_report_create,
    saved_report_delete,
    saved_report_update,
)
from ..services.pivot_segments import pivot_segment_create

router = Router(tags=["analytics"])


@router.get(
    "/pivot/dimensions",
    response={200: PivotRegistryOut, **ERROR_RESPONSES},
    summary="Pivot dimensions and measures",
)
def get_registry(request: HttpRequest) -> dict[str, Any]:
    """Every dimension and measure the pivot knows, and the facts each lives in (two
    dimensions combine when they share a fact with the measure)."""
    require(actor_of(request), "analytics.view")
    return {
        "dimensions": [
            {"code": d.code, "label": str(d.label), "group": str(d.group), "facts": sorted(d.facts)}
            for d in DIMENSIONS.values()
        ],
        "measures": [
            {"code": m.code, "label": str(m.label), "kind": m.kind, "facts": sorted(m.sql)}
            for m in MEASURES.values()
        ],
    }


@router.get("/pivot", response={200: PivotOut, **ERROR_RESPONSES}, summary="Pivot (query string)")
def get_pivot(request: HttpRequest) -> dict[str, Any]:
    """The pivot of ``rows`` × ``columns`` × ``measure``, filtered by ``filter=dim:value``
    (repeatable) and ``date_from``/``date_to``: cells, row and column totals, the grand
    total. Needs ``analytics.view``."""
    return pivot_run(actor=actor_of(request), definition=definition_from_query(request.GET))


@router.post("/pivot", response={200: PivotOut, **ERROR_RESPONSES}, summary="Pivot")
def post_pivot(request: HttpRequest, payload: PivotIn) -> dict[str, Any]:
    """The same pivot from a JSON definition (what a saved report stores)."""
    return pivot_run(actor=actor_of(request), definition=payload.dict())


@router.post(
    "/pivot/drill", response={200: DrillOut, **ERROR_RESPONSES}, summary="Customers behind a cell"
)
def post_drill(request: HttpRequest, payload: DrillIn) -> dict[str, Any]:
    """The customers behind a cell (``row`` and ``column`` values of the definition), the
    largest measure first, paged. Needs ``analytics.drill``; the per-customer measure is
    null for roles that see amounts only in aggregate (marketing)."""
    return pivot_drill(
        actor=actor_of(request),
        definition=payload.definition.dict(),
        row=payload.row,
        column=payload.column,
        page=payload.page,
        page_size=payload.page_size,
    )


@router.get(
    "/pivot/drill",
    response={200: DrillOut, **ERROR_RESPONSES},
    summary="Customers behind a cell (query string)",
)
def get_drill(
    request: HttpRequest,
    row: str | None = None,
    column: str | None = None,
    page: int = Query(1, ge=1, le=100_000),
    page_size: int = Query(50, ge=1, le=500),
) -> dict[str, Any]:
    """As ``POST /pivot/drill``, with the pivot's query string."""
    return pivot_drill(
        actor=actor_of(request),
        definition=definition_from_query(request.GET),
        row=row,
        column=column,
        page=page,
        page_size=page_size,
    )


def export_response(actor: Any, query: Any, fmt: str) -> HttpResponse | StreamingHttpResponse:
    """The file of a pivot (or, with ``drill=1``, of a cell's customers): shared with the
    explorer screen's export links."""
    if fmt not in ("csv", "xlsx"):
        raise Invalid.field("format", _("Choose csv or xlsx."))
    definition = pivot_definition_clean(definition_from_query(query))
    if query.get("drill"):
        rows = drill_rows(
            actor=actor,
            definition=definition,
            row=query.get("row"),
            column=query.get("column"),
        )
        # the first row is computed now, so a 403 or a 422 is answered before any byte
        first = next(rows)
        rows_all: Any = iter([first, *rows]) if fmt == "xlsx" else _chain(first, rows)
        name, title = "pivot-customers", _("Customers")
    else:
        result = pivot_run(actor=actor, definition=definition)
        rows_all = pivot_table_rows(result)
        name, title = "pivot", result["measure"]["label"]
    if fmt == "csv":
        return csv_response(rows_all, name)
    return xlsx_response(rows_all, name, title)


def _chain(first: list[Any], rest: Any) -> Any:
    yield first
    yield from rest


@router.get(
    "/pivot/export",
    response={200: None, **ERROR_RESPONSES},
    summary="Export a pivot or a cell's customers",
    openapi_extra={
        "responses": {
            "200": {
                "description": "CSV (text/csv) or XLSX",
                "content": {
                    "text/csv": {},
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
                },
            }
        }
    },
)
def get_export(request: HttpRequest, format: str = "csv") -> HttpResponse | StreamingHttpResponse:
    """``format=csv|xlsx`` of the pivot of the query string; with ``drill=1`` and
    ``row``/``column``, the customers behind that cell instead (``analytics.drill``)."""
    return export_response(actor_of(request), request.GET, format)


@router.post(
    "/pivot/segment",
    response={201: SegmentFromCellOut, **ERROR_RESPONSES},
    summary="Segment from a cell",
)
def post_segment(request: HttpRequest, payload: SegmentFromCellIn) -> Status[SegmentFromCellOut]:
    """A marketing segment holding exactly the customers behind a cell. Needs
    ``analytics.drill`` and ``segment.change`` (marketing, admin)."""
    segment = pivot_segment_create(
        actor=actor_of(request),
        definition=payload.definition.dict(),
        row=payload.row,
        column=payload.column,
        name=payload.name,
    )
    members = len(segment.rules.get("party_ids", []))
    return Status(201, SegmentFromCellOut(id=segment.pk, name=segment.name, members=members))


def _report(report: SavedReport) -> PivotReportOut:
    return PivotReportOut(
        id=report.pk,
        name=report.name,
        owner_id=report.owner_id,
        definition=report.definition,
        shared_roles=report.shared_roles or [],
        chart=report.chart,
        created_at=report.created_at,
        updated_at=report.updated_at,
    )


@router.get(
    "/reports", response={200: list[PivotReportOut], **ERROR_RESPONSES}, summary="Saved reports"
)
def list_reports(request: HttpRequest) -> list[PivotReportOut]:
    """The saved pivots the reader may open: theirs and those shared with their role."""
    return [_report(r) for r in saved_report_list(actor=actor_of(request))]


@router.post("/reports", response={201: PivotReportOut, **ERROR_RESPONSES}, summary="Save a report")
def create_report(request: HttpRequest, payload: ReportIn) -> Status[PivotReportOut]:
    """Save a pivot (validated as ``POST /pivot`` would), shared with ``shared_roles``."""
    data = payload.dict()
    report = saved_report_create(actor=actor_of(request), data=data)
    return Status(201, _report(report))


@router.get(
    "/reports/{int:report_id}",
    response={200: ReportResultOut, **ERROR_RESPONSES},
    summary="A saved report and its result",
)
def get_report(request: HttpRequest, report_id: int) -> dict[str, Any]:
    actor = actor_of(request)
    report = saved_report_get(actor=actor, report_id=report_id)
    return {
        "report": _report(report),
        "result": pivot_run(actor=actor, definition=report.definition),
    }


@router.patch(
    "/reports/{int:report_id}",
    response={200: PivotReportOut, **ERROR_RESPONSES},
    summary="Change a report",
)
def patch_report(request: HttpRequest, report_id: int, payload: ReportPatch) -> PivotReportOut:
    """Change the fields sent; only the owner (or an administrator)."""
    data = payload.dict(exclude_unset=True)
    report = saved_report_update(actor=actor_of(request), report_id=report_id, data=data)
    return _report(report)


@router.delete(
    "/reports/{int:report_id}", response={204: None, **ERROR_RESPONSES}, summary="Delete a report"
)
def delete_report(request: HttpRequest, report_id: int) -> Status[None]:
    saved_report_delete(actor=actor_of(request), report_id=report_id)
    return Status(204, None)


@router.get(
    "/dashboards", response={200: DashboardOut, **ERROR_RESPONSES}, summary="The role's dashboard"
)
def get_dashboard(request: HttpRequest, role: str | None = None) -> dict[str, Any]:
    """The dashboard of the reader's role (administrators may ask for another ``role``):
    each widget with its data. A role that pinned nothing sees its default widgets."""
    return dashboard_get(actor=actor_of(request), role=role)


def _pin(item: DashboardItem) -> PinOut:
    return PinOut(id=item.pk, role=item.role, report_id=item.report_id, position=item.position)


@router.post("/dashboards/pins", response={201: PinOut, **ERROR_RESPONSES}, summary="Pin a report")
def post_pin(request: HttpRequest, payload: PinIn) -> Status[PinOut]:
    """Pin a saved report (shared with the role) to the reader's role dashboard."""
    item = dashboard_pin(actor=actor_of(request), report_id=payload.report_id, role=payload.role)
    return Status(201, _pin(item))


@router.delete(
    "/dashboards/pins/{int:item_id}", response={204: None, **ERROR_RESPONSES}, summary="Unpin"
)
def delete_pin(request: HttpRequest, item_id: int) -> Status[None]:
    dashboard_unpin(actor=actor_of(request), item_id=item_id)
    return Status(204, None)
