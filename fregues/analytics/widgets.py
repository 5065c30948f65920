"""The widgets a role's dashboard may show: pivots given as defaults to roles, and widgets
other report modules register (a render function returning HTML).

A role whose dashboard has no pinned item shows its default widgets, so a new installation
has a useful dashboard with no data migration; pinning saved reports (``DashboardItem``)
replaces the defaults with the role's own choice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fregues.core.permissions import (
    ADMIN,
    MARKETING,
    QUALITY_MANAGER,
    RELATIONSHIP_MANAGER,
    SALES,
)


@dataclass(frozen=True)
class Widget:
    """``definition``: a pivot (shown as a chart and its table); ``render(actor)``: HTML of
    another report (a widget of another module). ``default_roles``: the dashboards that show
    it while their role has pinned nothing."""

    code: str
    title: str | Promise
    default_roles: frozenset[str] = frozenset()
    definition: dict[str, Any] = field(default_factory=dict)
    chart: str = "bar"
    render: Callable[[Any], str] | None = None
    permission: str = "analytics.view"
    order: int = 100


_WIDGETS: dict[str, Widget] = {}


def widget_register(widget: Widget) -> None:
    """Register (or replace) a widget."""
    _WIDGETS[widget.code] = widget


def widgets() -> list[Widget]:
    return sorted(_WIDGETS.values(), key=lambda w: (w.order, w.code))


def widget_get(code: str) -> Widget | None:
    return _WIDGETS.get(code)


def default_widgets(role: str | None) -> list[Widget]:
    return [w for w in widgets() if role in w.default_roles]


for _widget in [
    Widget(
        "pivot.revenue_by_month",
        _("Revenue per month"),
        frozenset({SALES, RELATIONSHIP_MANAGER, ADMIN}),
        {"rows": "month", "measure": "revenue"},
        "line",
        order=10,
    ),
    Widget(
        "pivot.revenue_by_category",
        _("Revenue per product category"),
        frozenset({SALES, ADMIN}),
        {"rows": "category", "measure": "revenue"},
        order=20,
    ),
    Widget(
        "pivot.customers_by_stage",
        _("Customers per lifecycle stage"),
        frozenset({RELATIONSHIP_MANAGER, MARKETING}),
        {"rows": "lifecycle_stage", "measure": "customers"},
        order=30,
    ),
    Widget(
        "pivot.customers_by_age_band",
        _("Customers per age band"),
        frozenset({MARKETING}),
        {"rows": "age_band", "measure": "customers"},
        order=40,
    ),
    Widget(
        "pivot.contacts_by_channel",
        _("Contacts per channel and direction"),
        frozenset({QUALITY_MANAGER, ADMIN}),
        {"rows": "channel", "columns": "direction", "measure": "contacts"},
        order=50,
    ),
    Widget(
        "pivot.contact_minutes_by_month",
        _("Contact minutes per month"),
        frozenset({QUALITY_MANAGER}),
        {"rows": "month", "measure": "contact_minutes"},
        "line",
        order=60,
    ),
]:
    widget_register(_widget)
