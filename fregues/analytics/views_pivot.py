"""The pivot explorer's screens: /analytics/pivot/ (choose rows, columns, measure and
filters; the table with totals and its chart, refreshed by HTMX; click a cell for its
customers, export them or make a segment of them; save the pivot), /analytics/reports/ (saved
reports) and /analytics/dashboard/ (the role's dashboard). Views parse the request, call the
engine, selectors and services, and render."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from fregues.core.errors import Invalid
from fregues.core.htmx import hx_redirect, is_htmx
from fregues.core.permissions import ROLE_CHOICES, can, require, role_of
from fregues.core.views import service_http_errors

from .api.pivot import export_response
from .models.pivot import ChartType
from .pivot import pivot_run
from .pivot_drill import pivot_drill
from .pivot_query import definition_from_query, query_from_definition
from .pivot_registry import DIMENSIONS, MEASURES
from .reports import ReportPage, report_register
from .selectors.pivot_reports import dashboard_get, dashboard_widget_get, saved_report_list
from .services.pivot_reports import (
    dashboard_pin,
    dashboard_unpin,
    saved_report_create,
    saved_report_delete,
)
from .services.pivot_segments import pivot_segment_create

DEFAULT: dict[str, Any] = {"rows": "age_band", "measure": "customers"}


def _dimension_groups() -> list[tuple[str, list[Any]]]:
    groups: dict[str, list[Any]] = {}
    for dim in DIMENSIONS.values():
        groups.setdefault(str(dim.group), []).append(dim)
    return list(groups.items())


def _explorer_context(request: HttpRequest, raw: dict[str, Any]) -> tuple[dict[str, Any], int]:
    context: dict[str, Any] = {
        "raw": raw,
        "filter_items": [(c, v) for c, vs in (raw.get("filters") or {}).items() for v in vs],
        "dimension_groups": _dimension_groups(),
        "measures": list(MEASURES.values()),
        "charts": ChartType.choices,
        "roles": ROLE_CHOICES,
        "errors": {},
        "result": None,
        "may_drill": can(request.user, "analytics.drill"),
        "may_segment": can(request.user, "segment.change"),
    }
    try:
        result = pivot_run(actor=request.user, definition=raw)
    except Invalid as exc:
        context["errors"] = exc.errors
        return context, 422
    context["result"] = result
    context["query"] = query_from_definition(result["definition"])
    return context, 200


@login_required
@require_GET
@service_http_errors
def explorer(request: HttpRequest) -> HttpResponse:
    require(request.user, "analytics.view")
    raw: dict[str, Any] = (
        definition_from_query(request.GET) if request.GET.get("rows") else dict(DEFAULT)
    )
    raw.setdefault("filters", {})
    # the form's own filter control: one dimension and its values, comma separated
    code, values = request.GET.get("filter_dim", ""), request.GET.get("filter_values", "")
    if code and values.strip():
        raw["filters"].setdefault(code, []).extend(
            v.strip() for v in values.split(",") if v.strip()
        )
    context, status = _explorer_context(request, raw)
    template = (
        "analytics/pivot/partials/result.html"
        if is_htmx(request)
        else "analytics/pivot/explorer.html"
    )
    return render(request, template, context, status=status)


@login_required
@require_GET
@service_http_errors
def drill(request: HttpRequest) -> HttpResponse:
    """The customers behind a cell (``row``/``column`` values and the pivot's query)."""
    raw = definition_from_query(request.GET)
    row, column = request.GET.get("row"), request.GET.get("column")
    try:
        page = max(int(request.GET.get("page") or 1), 1)
    except ValueError:
        page = 1
    context: dict[str, Any] = {"row": row, "column": column, "errors": {}}
    status = 200
    try:
        listed = pivot_drill(actor=request.user, definition=raw, row=row, column=column, page=page)
        context["listed"] = listed
        query = query_from_definition(raw)
        context["query"] = query
        context["cell_query"] = query_from_definition(raw, row=row, column=column)
        context["hidden"] = parse_qsl(context["cell_query"], keep_blank_values=True)
        context["has_next"] = page * listed["page_size"] < listed["count"]
        context["may_segment"] = can(request.user, "segment.change")
        labels = {
            "row": (DIMENSIONS[raw["rows"]].label, row),
            "column": (DIMENSIONS[raw["columns"]].label, column) if raw.get("columns") else None,
        }
        context["labels"] = labels
    except Invalid as exc:
        context["errors"] = exc.errors
        status = 422
    template = (
        "analytics/pivot/partials/drill.html" if is_htmx(request) else "analytics/pivot/drill.html"
    )
    return render(request, template, context, status=status)


@login_required
@require_GET
@service_http_errors
def export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    try:
        return export_response(request.user, request.GET, request.GET.get("format", "csv"))
    except Invalid as exc:
        return HttpResponse(exc.field_text(), status=422, content_type="text/plain; charset=utf-8")


@login_required
@require_POST
@service_http_errors
def segment(request: HttpRequest) -> HttpResponse:
    """Make a marketing segment of a cell's customers, then open it."""
    raw = definition_from_query(request.POST)
    try:
        made = pivot_segment_create(
            actor=request.user,
            definition=raw,
            row=request.POST.get("row"),
            column=request.POST.get("column") or None,
            name=request.POST.get("name", ""),
        )
    except Invalid as exc:
        messages.error(request, exc.field_text())
        target = f"{reverse('analytics:pivot')}?{query_from_definition(raw)}"
        return hx_redirect(target) if is_htmx(request) else redirect(target)
    messages.success(
        request,
        _("Segment %(name)s created with %(n)s customers.")
        % {"name": made.name, "n": len(made.rules.get("party_ids", []))},
    )
    target = reverse("marketing:segment_detail", args=[made.pk])
    return hx_redirect(target) if is_htmx(request) else redirect(target)


@login_required
@require_POST
@service_http_errors
def save(request: HttpRequest) -> HttpResponse:
    """Save the pivot on screen as a report."""
    raw = definition_from_query(request.POST)
    data = {
        "name": request.POST.get("name", ""),
        "definition": raw,
        "shared_roles": request.POST.getlist("shared_roles"),
        "chart": request.POST.get("chart") or "bar",
    }
    try:
        saved_report_create(actor=request.user, data=data)
    except Invalid as exc:
        context, _status = _explorer_context(request, raw)
        context["save_errors"] = exc.errors
        context["save_name"] = data["name"]
        return render(request, "analytics/pivot/explorer.html", context, status=422)
    messages.success(request, _("Report saved."))
    return redirect("analytics:reports")


@login_required
@require_GET
@service_http_errors
def reports(request: HttpRequest) -> HttpResponse:
    rows = [
        {"report": r, "query": query_from_definition(r.definition)}
        for r in saved_report_list(actor=request.user).order_by("name", "id")
    ]
    return render(
        request,
        "analytics/pivot/reports.html",
        {
            "rows": rows,
            "role": role_of(request.user),
            "admin": can(request.user, "analytics.configure"),
        },
    )


@login_required
@require_POST
@service_http_errors
def report_pin(request: HttpRequest, report_id: int) -> HttpResponse:
    try:
        dashboard_pin(
            actor=request.user, report_id=report_id, role=request.POST.get("role") or None
        )
        messages.success(request, _("Pinned to the dashboard."))
    except Invalid as exc:
        messages.error(request, exc.field_text())
    return redirect("analytics:reports")


@login_required
@require_POST
@service_http_errors
def report_delete(request: HttpRequest, report_id: int) -> HttpResponse:
    saved_report_delete(actor=request.user, report_id=report_id)
    messages.success(request, _("Report deleted."))
    return redirect("analytics:reports")


@login_required
@require_GET
@service_http_errors
def dashboard(request: HttpRequest) -> HttpResponse:
    """The page at once: each widget then loads by its own request (``dashboard_widget``)."""
    role = request.GET.get("role") or None
    board = dashboard_get(actor=request.user, role=role, with_data=False)
    return render(
        request,
        "analytics/pivot/dashboard.html",
        {"board": board, "roles": ROLE_CHOICES, "admin": can(request.user, "analytics.configure")},
    )


@login_required
@require_GET
@service_http_errors
def dashboard_widget(request: HttpRequest, code: str) -> HttpResponse:
    """One widget of the role's dashboard with its data (read from the refresh's summary)."""
    role = request.GET.get("role") or None
    widget = dashboard_widget_get(actor=request.user, code=code, role=role)
    if widget["result"]:
        widget["query"] = query_from_definition(widget["result"]["definition"])
    return render(request, "analytics/pivot/partials/dashboard_widget.html", {"w": widget})


@login_required
@require_POST
@service_http_errors
def dashboard_unpin_view(request: HttpRequest, item_id: int) -> HttpResponse:
    dashboard_unpin(actor=request.user, item_id=item_id)
    messages.success(request, _("Taken off the dashboard."))
    return redirect("analytics:dashboard")


urlpatterns: list[URLPattern] = [
    path("pivot/", explorer, name="pivot"),
    path("pivot/drill/", drill, name="pivot_drill"),
    path("pivot/export/", export, name="pivot_export"),
    path("pivot/segment/", segment, name="pivot_segment"),
    path("reports/", reports, name="reports"),
    path("reports/save/", save, name="report_save"),
    path("reports/<int:report_id>/pin/", report_pin, name="report_pin"),
    path("reports/<int:report_id>/delete/", report_delete, name="report_delete"),
    path("dashboard/", dashboard, name="dashboard"),
    path("dashboard/widgets/<str:code>/", dashboard_widget, name="dashboard_widget"),
    path("dashboard/items/<int:item_id>/unpin/", dashboard_unpin_view, name="dashboard_unpin"),
]

EXPLORE = gettext_lazy("Explore")
report_register(
    ReportPage(
        "pivot",
        gettext_lazy("Pivot explorer"),
        gettext_lazy(
            "Any two dimensions × a measure, with charts, the customers behind each cell and exports."
        ),
        "analytics:pivot",
        EXPLORE,
        order=500,
    )
)
report_register(
    ReportPage(
        "dashboard",
        gettext_lazy("My role's dashboard"),
        gettext_lazy("The pivots your role follows, at a glance."),
        "analytics:dashboard",
        EXPLORE,
        order=501,
    )
)
report_register(
    ReportPage(
        "saved_reports",
        gettext_lazy("Saved reports"),
        gettext_lazy("Pivots saved by you or shared with your role."),
        "analytics:reports",
        EXPLORE,
        order=502,
    )
)
