"""Reads of the saved pivots and of the reader's role dashboard (with each widget's data)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from fregues.core.errors import Invalid, NotFound
from fregues.core.permissions import can, require, role_of

from ..db import analytics_db
from ..models import DashboardItem, SavedReport
from ..pivot_summaries import pivot_summary_run
from ..services.pivot_reports import saved_report_visible
from ..widgets import default_widgets, widget_get


def saved_report_list(*, actor: Any) -> QuerySet[SavedReport]:
    """The reports the actor may open: theirs and those shared with their role (every one
    for administrators). Needs ``analytics.view``."""
    require(actor, "analytics.view")
    reports = SavedReport.objects.using(analytics_db()).select_related("owner")
    if actor is None or can(actor, "analytics.configure"):
        return reports
    role = role_of(actor) or ""
    # JSON "contains" differs per database: filter the (few) shared reports on their text
    return reports.filter(Q(owner_id=actor.pk) | Q(shared_roles__icontains=f'"{role}"'))


def saved_report_get(*, actor: Any, report_id: int) -> SavedReport:
    require(actor, "analytics.view")
    report = SavedReport.objects.using(analytics_db()).filter(pk=report_id).first()
    if report is None or not saved_report_visible(actor, report):
        raise NotFound(
            _("Report %(id)s does not exist.") % {"id": report_id}, details={"id": report_id}
        )
    return report


def _pivot_or_problem(actor: Any, definition: dict[str, Any]) -> tuple[Any, str]:
    """A widget whose saved pivot no longer validates (a dimension removed) shows why
    instead of breaking the whole dashboard. Read from the summary stored at refresh."""
    try:
        return pivot_summary_run(actor=actor, definition=definition), ""
    except Invalid as exc:
        return None, exc.field_text()


# a widget's entry on the board, and where its data comes from (a pivot or another module)
Entry = tuple[dict[str, Any], Any]


def _board(actor: Any, role: str | None) -> tuple[str, bool, list[Entry]]:
    require(actor, "analytics.view")
    own = role_of(actor)
    if role and role != own and not can(actor, "analytics.configure"):
        role = own
    role = role or own or ""
    items = list(
        DashboardItem.objects.using(analytics_db())
        .filter(role=role)
        .select_related("report")
        .order_by("position", "id")
    )
    out: list[Entry] = []
    for item in items:
        if item.report is not None:
            entry = {
                "kind": "pivot",
                "item_id": item.pk,
                "code": f"report.{item.report.pk}",
                "report_id": item.report.pk,
                "title": item.report.name,
                "chart": item.report.chart,
            }
            out.append((entry, item.report.definition))
        elif (widget := widget_get(item.widget)) is not None and can(actor, widget.permission):
            out.append(_widget_entry(widget, item.pk))
    if not items:
        out = [_widget_entry(w, None) for w in default_widgets(role) if can(actor, w.permission)]
    return role, not items, out


def _widget_entry(widget: Any, item_id: int | None) -> Entry:
    entry = {
        "kind": "pivot" if widget.definition else "html",
        "item_id": item_id,
        "code": widget.code,
        "report_id": None,
        "title": str(widget.title),
        "chart": widget.chart,
    }
    return entry, widget.definition or widget.render


def _filled(actor: Any, entry: Entry) -> dict[str, Any]:
    """The entry with its data: a pivot's result (or why it cannot be shown), or HTML."""
    data, source = entry
    result, problem, html = None, "", ""
    if data["kind"] == "pivot":
        result, problem = _pivot_or_problem(actor, source)
    elif source is not None:
        html = source(actor)
    return {**data, "result": result, "problem": problem, "html": html}


def dashboard_get(*, actor: Any, role: str | None = None, with_data: bool = True) -> dict[str, Any]:
    """The dashboard of the reader's role (an administrator may ask for another role's):
    its pinned reports in order, or the role's default widgets when nothing is pinned, each
    with its data (a pivot's result, or another module's HTML) unless ``with_data`` is false
    (the screen loads each widget by its own request: :func:`dashboard_widget_get`)."""
    role, defaults, entries = _board(actor, role)
    widgets = [
        _filled(actor, e) if with_data else {**e[0], "result": None, "problem": "", "html": ""}
        for e in entries
    ]
    return {"role": role, "defaults": defaults, "widgets": widgets}


def dashboard_widget_get(*, actor: Any, code: str, role: str | None = None) -> dict[str, Any]:
    """One widget of the reader's role dashboard, with its data; 404 when the dashboard
    does not show it."""
    _role, _defaults, entries = _board(actor, role)
    for entry in entries:
        if entry[0]["code"] == code:
            return _filled(actor, entry)
    raise NotFound(
        _("The dashboard has no widget %(code)s.") % {"code": code}, details={"code": code}
    )
