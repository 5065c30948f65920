"""API shapes of the pivot, its drill-down, saved reports and dashboards."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

Number = Decimal | int | None


class PivotIn(Schema):
    rows: str = Field(description="A dimension code (see GET /analytics/pivot/dimensions).")
    columns: str = Field("", description="A second dimension, or empty for one.")
    measure: str = Field(description="A measure code.")
    filters: dict[str, list[str]] = Field(
        default_factory=dict, description="Dimension code → the values kept."
    )
    date_from: str | None = Field(None, description="YYYY-MM-DD: from this date's month.")
    date_to: str | None = Field(None, description="YYYY-MM-DD.")
    row_limit: int | None = Field(
        None, description="At most this many rows (≤ 50), the rest as others."
    )
    column_limit: int | None = Field(None, description="At most this many columns (≤ 20).")


class HeaderOut(Schema):
    value: str
    label: str


class AxisOut(Schema):
    dimension: str
    label: str
    values: list[HeaderOut]


class MeasureOut(Schema):
    code: str
    label: str
    kind: str


class PivotOut(Schema):
    definition: dict[str, Any]
    fact: str
    measure: MeasureOut
    rows: AxisOut
    columns: AxisOut | None
    cells: list[list[Number]] = Field(description="A row per row value, a cell per column.")
    row_totals: list[Number]
    column_totals: list[Number]
    total: Number


class DimensionOut(Schema):
    code: str
    label: str
    group: str
    facts: list[str]


class MeasureInfoOut(Schema):
    code: str
    label: str
    kind: str
    facts: list[str]


class PivotRegistryOut(Schema):
    dimensions: list[DimensionOut]
    measures: list[MeasureInfoOut]


class DrillIn(Schema):
    definition: PivotIn
    row: str | None = Field(None, description="The cell's row value (None: every row).")
    column: str | None = Field(None, description="The cell's column value.")
    page: int = 1
    page_size: int = 50


class DrillRowOut(Schema):
    party_id: int
    name: str
    lifecycle_stage: str
    lifecycle_label: str
    value: Number = Field(
        description="The cell's measure for this customer (null for roles that see amounts only in aggregate)."
    )


class DrillOut(Schema):
    count: int
    page: int
    page_size: int
    amounts: bool
    measure: MeasureOut
    results: list[DrillRowOut]


class SegmentFromCellIn(Schema):
    definition: PivotIn
    row: str | None = None
    column: str | None = None
    name: str = ""


class SegmentFromCellOut(Schema):
    id: int
    name: str
    members: int


class ReportIn(Schema):
    name: str
    definition: PivotIn
    shared_roles: list[str] = []
    chart: str = "bar"


class ReportPatch(Schema):
    name: str | None = None
    definition: PivotIn | None = None
    shared_roles: list[str] | None = None
    chart: str | None = None


class PivotReportOut(Schema):
    id: int
    name: str
    owner_id: int | None
    definition: dict[str, Any]
    shared_roles: list[str]
    chart: str
    created_at: datetime.datetime
    updated_at: datetime.datetime


class ReportResultOut(Schema):
    report: PivotReportOut
    result: PivotOut


class WidgetOut(Schema):
    kind: str = Field(description="pivot (result) or html (another report's widget)")
    item_id: int | None
    code: str
    report_id: int | None
    title: str
    chart: str
    result: PivotOut | None
    problem: str
    html: str


class DashboardOut(Schema):
    role: str
    defaults: bool = Field(description="True when the role pinned nothing and sees its defaults.")
    widgets: list[WidgetOut]


class PinIn(Schema):
    report_id: int
    role: str | None = None


class PinOut(Schema):
    id: int
    role: str
    report_id: int | None
    position: int
