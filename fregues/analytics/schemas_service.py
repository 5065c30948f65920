"""API shapes of the service and retention reports (``/api/v1/analytics/service/...``,
``/retention/cohorts``, ``/lifecycle/funnel``). Filters arrive as text and are parsed by the
selectors, so the API and the screens answer a bad one with the same 422."""

from __future__ import annotations

import datetime

from ninja import Field, Schema


class ServiceFiltersIn(Schema):
    date_from: str | None = Field(
        None,
        description="First day (YYYY-MM-DD) of the cases opened; default 90 days before date_to.",
    )
    date_to: str | None = Field(
        None, description="Last day (YYYY-MM-DD), inclusive; default today."
    )
    period: str | None = Field(None, description="week or month (default).")
    by: str | None = Field(None, description="none (default), queue, agent, case_type or channel.")
    queue: str | None = Field(None, description="Queue id.")
    case_type: str | None = Field(None, description="Case type id.")
    agent: str | None = Field(None, description="Agent (user) id.")
    channel: str | None = Field(None, description="Channel code (phone, email, ...).")


class FiltersOut(Schema):
    date_from: datetime.date
    date_to: datetime.date
    period: str
    by: str
    queue: int | None
    case_type: int | None
    agent: int | None
    channel: str


class GroupedRow(Schema):
    period: datetime.date = Field(description="First day of the week or month the cases opened.")
    group: int | str | None = Field(None, description="The id (or channel code) of the group.")
    group_label: str = ""


class SlaFigures(Schema):
    cases: int
    first_response_measured: int
    first_response_met: int
    first_response_pct: float | None
    resolution_measured: int
    resolution_met: int
    resolution_pct: float | None


class SlaRow(GroupedRow, SlaFigures):
    pass


class SlaOut(Schema):
    filters: FiltersOut
    rows: list[SlaRow]
    totals: SlaFigures


class FcrFigures(Schema):
    cases: int
    resolved: int
    first_contact_resolved: int
    fcr_pct: float | None
    reopened: int


class FcrRow(GroupedRow, FcrFigures):
    pass


class FcrOut(Schema):
    filters: FiltersOut
    rows: list[FcrRow]
    totals: FcrFigures


class AvoidableFigures(Schema):
    cases: int
    inbound_contacts: int
    avoidable_contacts: int
    avoidable_pct: float | None = Field(description="Avoidable contacts per 100 inbound contacts.")
    avoidable_reasons: dict[str, int]


class AvoidableRow(GroupedRow, AvoidableFigures):
    pass


class AvoidableOut(Schema):
    filters: FiltersOut
    rows: list[AvoidableRow]
    totals: AvoidableFigures


class SatisfactionFigures(Schema):
    cases: int
    csat_answers: int
    csat_average: float | None = Field(description="Average CSAT (1–5) of the answered surveys.")
    quality_reviews: int
    quality_average: float | None = Field(description="Average quality score (%) of the reviews.")


class SatisfactionRow(GroupedRow, SatisfactionFigures):
    pass


class SatisfactionOut(Schema):
    filters: FiltersOut
    rows: list[SatisfactionRow]
    totals: SatisfactionFigures


class BacklogFigures(Schema):
    open_count: int
    age_under_1: int
    age_1_3: int
    age_3_7: int
    age_7_30: int
    age_30_plus: int


class BacklogNowRow(BacklogFigures):
    group: int | str | None = None
    group_label: str = ""


class BacklogDay(BacklogFigures):
    day: datetime.date


class BacklogOut(Schema):
    filters: FiltersOut
    day: datetime.date | None = Field(description="The day of the latest snapshot (now).")
    now: list[BacklogNowRow]
    series: list[BacklogDay]


class CohortFiltersIn(Schema):
    month_from: str | None = Field(
        None, description="First cohort month (YYYY-MM); default 11 months before month_to."
    )
    month_to: str | None = Field(
        None, description="Last cohort month (YYYY-MM); default this month."
    )


class CohortMonthOut(Schema):
    offset: int = Field(description="Months after the cohort's first order (0 = that month).")
    customers: int
    pct: float | None


class CohortOut(Schema):
    cohort: datetime.date
    customers: int
    months: list[CohortMonthOut]


class CohortsOut(Schema):
    month_from: datetime.date
    month_to: datetime.date
    offsets: int
    cohorts: list[CohortOut]


class FunnelFiltersIn(Schema):
    date_from: str | None = Field(
        None, description="First day (YYYY-MM-DD) of stage entries; default a year before date_to."
    )
    date_to: str | None = Field(None, description="Last day, inclusive; default today.")


class FunnelStageOut(Schema):
    stage: str
    label: str
    entered: int
    moved_on: int
    conversion_pct: float | None = Field(
        description="Of those who entered, the share that moved on to a later stage."
    )
    next_stage_entered: int | None
    step_pct: float | None = Field(
        description="Entries of the next stage per 100 entries of this one."
    )
    median_days: float | None
    average_days: float | None


class FunnelOut(Schema):
    date_from: datetime.date
    date_to: datetime.date
    stages: list[FunnelStageOut]
