"""The ``customer_facts`` part of the reporting store: one ``CustomerFact`` row per live party.

Every figure is computed by the database in a few set-based statements, never row by row in
Python: the parties to refresh go into a temporary *scope* table (every live party on a full
rebuild; on an incremental one only those whose own row, contact points, interactions, orders,
invoices, cases or surveys changed since the window's start, plus the survivors of merges), and
one ``INSERT … SELECT … ON CONFLICT DO UPDATE`` joins the scope to grouped sub-queries of
orders (with their lines and exchange rates), interactions (with their channel's cost) and
cases (with their handling time and queue's hourly cost). The upsert leaves alone the columns
other parts own (RFM, quadrant, lifetime value, churn), which their own refreshers recompute.

The costs (``ChannelCost``, ``QueueCost``) are a handful of rows: they are read once, turned
into the reporting currency at today's rate, and written into the statement as ``CASE``
expressions. Changing a cost or a rate marks this part for a full rebuild (``services/costs``).

Dates are UTC dates on both databases (SQLite has no time zones): an order placed at 22:00 in
São Paulo counts in the next day's exchange rate and month.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext_lazy as _

from fregues.interactions.models import Interaction
from fregues.parties.models import ContactPoint, Party
from fregues.sales.models import Invoice, Order, OrderLine
from fregues.service.models import Case, CaseType, SatisfactionSurvey, SendingPolicy

from .dimensions import AGE_BANDS
from .models import ChannelCost, CustomerFact, ExchangeRate, QueueCost
from .refresh import RefreshWindow, refresher_register

SCOPE = "analytics_tmp_fact_scope"
CASE_REGARDING = "service.case"
# Case types counted as complaints when the sending policy names none (codes containing these).
COMPLAINT_CODE_HINTS = ("complaint", "reclam")

# The columns this part owns (everything else on CustomerFact belongs to later parts).
OWN_COLUMNS = [
    "kind",
    "age_band",
    "region",
    "country",
    "lifecycle_stage",
    "tier",
    "owner_id",
    "first_channel",
    "created_month",
    "cohort_month",
    "orders_count",
    "first_order_at",
    "last_order_at",
    "revenue",
    "cost_of_goods",
    "cost_known",
    "contacts_count",
    "last_contact_at",
    "contacts_cost",
    "cases_count",
    "open_cases",
    "complaints_count",
    "handling_minutes",
    "cases_cost",
    "csat_avg",
    "refreshed_at",
    "cost_to_serve",
    "profit",
]


# --- small per-vendor SQL pieces -------------------------------------------------------------


def is_pg() -> bool:
    return connection.vendor == "postgresql"


def sql_date(column: str) -> str:
    """The UTC date of a timestamp column."""
    return f"CAST(({column} AT TIME ZONE 'UTC') AS date)" if is_pg() else f"date({column})"


def sql_month(column: str) -> str:
    """The first day of the UTC month of a timestamp column (the month dimension)."""
    if is_pg():
        return f"CAST(date_trunc('month', {column} AT TIME ZONE 'UTC') AS date)"
    return f"date({column}, 'start of month')"


def sql_year(column: str) -> str:
    return (
        f"CAST(EXTRACT(YEAR FROM {column}) AS integer)"
        if is_pg()
        else (f"CAST(strftime('%%Y', {column}) AS integer)")
    )


def sql_month_day(column: str) -> str:
    return f"to_char({column}, 'MM-DD')" if is_pg() else f"strftime('%%m-%%d', {column})"


def sql_json(text_sql: str) -> str:
    """A JSON document built as text, as the JSON column takes it."""
    return f"CAST({text_sql} AS jsonb)" if is_pg() else text_sql


def sql_dt(value: datetime.datetime) -> Any:
    """A datetime as the driver must receive it in raw SQL."""
    return connection.ops.adapt_datetimefield_value(value)


def sql_num(value: Decimal | int) -> Any:
    """A number as a parameter: exact on PostgreSQL; a float on SQLite, where Django would
    bind a Decimal as text (and text compares greater than every number)."""
    return value if is_pg() else float(value)


def sql_d(value: datetime.date) -> Any:
    return connection.ops.adapt_datefield_value(value)


def table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


# --- costs as SQL ----------------------------------------------------------------------------


def rate_on(currency: str, day: datetime.date) -> Decimal | None:
    """How many reporting-currency units one ``currency`` unit is worth on ``day``: 1 for the
    reporting currency, else the latest rate valid then (or the earliest on file when the day
    is before every rate); None when no rate is on file."""
    if currency == settings.ANALYTICS_CURRENCY:
        return Decimal(1)
    rates = ExchangeRate.objects.filter(currency=currency)
    found = rates.filter(valid_from__lte=day).order_by("-valid_from").first()
    found = found or rates.order_by("valid_from").first()
    return found.rate if found else None


def _converted(amount: Decimal, currency: str, day: datetime.date) -> Decimal:
    rate = rate_on(currency, day)
    return amount * rate if rate is not None else Decimal(0)


def channel_cost_sql(day: datetime.date, alias: str = "i") -> tuple[str, list[Any]]:
    """``CASE`` giving each interaction its channel's cost per contact (the row for its
    direction wins over the row for both directions), in the reporting currency."""
    rows = sorted(ChannelCost.objects.all(), key=lambda c: (c.direction == "", c.channel))
    if not rows:
        return "0", []
    parts, params = [], []
    for cost in rows:
        value = _converted(cost.cost_per_contact, cost.currency, day)
        if cost.direction:
            parts.append(f"WHEN {alias}.channel = %s AND {alias}.direction = %s THEN %s")
            params += [cost.channel, cost.direction, sql_num(value)]
        else:
            parts.append(f"WHEN {alias}.channel = %s THEN %s")
            params += [cost.channel, sql_num(value)]
    return "CASE " + " ".join(parts) + " ELSE 0 END", params


def queue_cost_sql(day: datetime.date, alias: str = "c") -> tuple[str, list[Any], str, list[Any]]:
    """Two ``CASE`` expressions on a case's queue: its hourly cost (reporting currency) and
    its handling minutes when none were logged — the queue's own row, else the default row
    (no queue), else nothing (0)."""
    rows = list(QueueCost.objects.all())
    default = next((r for r in rows if r.queue_id is None), None)
    hourly_parts, hourly_params, minutes_parts, minutes_params = [], [], [], []
    for cost in rows:
        if cost.queue_id is None:
            continue
        hourly_parts.append(f"WHEN {alias}.queue_id = %s THEN %s")
        hourly_params += [cost.queue_id, sql_num(_converted(cost.hourly_cost, cost.currency, day))]
        minutes_parts.append(f"WHEN {alias}.queue_id = %s THEN %s")
        minutes_params += [cost.queue_id, cost.default_handling_minutes]
    hourly_default = sql_num(
        _converted(default.hourly_cost, default.currency, day) if default else 0
    )
    minutes_default = default.default_handling_minutes if default else 0
    hourly = "CASE " + " ".join(hourly_parts) + " ELSE %s END" if hourly_parts else "%s"
    minutes = "CASE " + " ".join(minutes_parts) + " ELSE %s END" if minutes_parts else "%s"
    return (
        hourly,
        [*hourly_params, hourly_default],
        minutes,
        [*minutes_params, minutes_default],
    )


def complaint_type_ids() -> list[int]:
    """The case types that are complaints: those the sending policy's open-complaint rule
    names; when it names none, the types whose code says so (``complaint``, ``reclamacao``)."""
    ids = list(SendingPolicy.current().complaint_case_types.values_list("pk", flat=True))
    if ids:
        return ids
    return [
        pk
        for pk, code in CaseType.objects.values_list("pk", "code")
        if any(hint in code.lower() for hint in COMPLAINT_CODE_HINTS)
    ]


def age_band_sql(today: datetime.date, column: str = "p.birth_date") -> tuple[str, list[Any]]:
    """``CASE`` giving the age band code (``dimensions.AGE_BANDS``) of a birth date on
    ``today`` ('' when unknown or in the future)."""
    age = f"(%s - {sql_year(column)} - CASE WHEN {sql_month_day(column)} > %s THEN 1 ELSE 0 END)"
    age_params: list[Any] = [today.year, today.strftime("%m-%d")]
    parts, params = [], []
    for code, low, high in AGE_BANDS:
        if high is None:
            parts.append(f"WHEN {age} >= %s THEN %s")
            params += [*age_params, low, code]
        else:
            parts.append(f"WHEN {age} BETWEEN %s AND %s THEN %s")
            params += [*age_params, low, high, code]
    sql = f"CASE WHEN {column} IS NULL OR {column} > %s THEN '' " + " ".join(parts) + " ELSE '' END"
    return sql, [sql_d(today), *params]


# --- the refresher ---------------------------------------------------------------------------


def _scope_fill(cursor: Any, window: RefreshWindow) -> None:
    """Put the parties to refresh into the scope table."""
    cursor.execute(f"DROP TABLE IF EXISTS {SCOPE}")
    cursor.execute(f"CREATE TEMPORARY TABLE {SCOPE} (party_id bigint PRIMARY KEY)")
    party = table(Party)
    if window.since is None:
        cursor.execute(
            f"INSERT INTO {SCOPE} (party_id) SELECT id FROM {party} "
            "WHERE merged_into_id IS NULL AND anonymised_at IS NULL"
        )
    else:
        since = sql_dt(window.since)
        sources = [
            f"SELECT id AS party_id FROM {party} WHERE updated_at >= %s OR merged_at >= %s "
            "OR anonymised_at >= %s",
            f"SELECT merged_into_id AS party_id FROM {party} WHERE merged_at >= %s "
            "AND merged_into_id IS NOT NULL",
            f"SELECT party_id FROM {table(ContactPoint)} WHERE updated_at >= %s",
            f"SELECT party_id FROM {table(Interaction)} WHERE updated_at >= %s",
            f"SELECT party_id FROM {table(Order)} WHERE updated_at >= %s",
            f"SELECT party_id FROM {table(Invoice)} WHERE updated_at >= %s",
            f"SELECT party_id FROM {table(Case)} WHERE updated_at >= %s",
            f"SELECT c.party_id FROM {table(SatisfactionSurvey)} sv "
            f"JOIN {table(Case)} c ON c.id = sv.case_id "
            "WHERE sv.sent_at >= %s OR sv.answered_at >= %s",
        ]
        counts = [3, 1, 1, 1, 1, 1, 1, 2]
        params = [since for n in counts for _i in range(n)]
        cursor.execute(
            f"INSERT INTO {SCOPE} (party_id) SELECT party_id FROM ("
            + " UNION ".join(sources)
            + ") changed WHERE party_id IS NOT NULL",
            params,
        )
    if is_pg():
        cursor.execute(f"ANALYZE {SCOPE}")


def _orders_sql(window: RefreshWindow) -> tuple[str, list[Any]]:
    """Per party in scope: non-cancelled orders, first/last date, revenue net of taxes and cost
    of goods in the reporting currency, and whether every order's cost was known."""
    rate_table = table(ExchangeRate)
    order_day = sql_date("o.ordered_at")
    rate = (
        "CASE WHEN o.currency = %s THEN 1 ELSE COALESCE("
        f"(SELECT r.rate FROM {rate_table} r WHERE r.currency = o.currency "
        f"AND r.valid_from <= {order_day} ORDER BY r.valid_from DESC LIMIT 1), "
        f"(SELECT r.rate FROM {rate_table} r WHERE r.currency = o.currency "
        "ORDER BY r.valid_from LIMIT 1)) END"
    )
    lines = (
        "SELECT ol.order_id, COUNT(*) AS n, COUNT(ol.unit_cost) AS nc, "
        "SUM(ol.unit_cost * ol.quantity) AS cost "
        f"FROM {table(OrderLine)} ol JOIN {table(Order)} o2 ON o2.id = ol.order_id "
        f"JOIN {SCOPE} s2 ON s2.party_id = o2.party_id GROUP BY ol.order_id"
    )
    per_order = (
        "SELECT o.party_id, o.ordered_at, (o.total - o.tax_total) AS net, "
        f"{rate} AS rate, "
        "CASE WHEN l.n > 0 AND l.n = l.nc THEN l.cost WHEN o.cost_total IS NOT NULL "
        "THEN o.cost_total ELSE COALESCE(l.cost, 0) END AS cogs, "
        "CASE WHEN (l.n > 0 AND l.n = l.nc) OR o.cost_total IS NOT NULL THEN 1 ELSE 0 END "
        "AS known "
        f"FROM {table(Order)} o JOIN {SCOPE} s ON s.party_id = o.party_id "
        f"LEFT JOIN ({lines}) l ON l.order_id = o.id WHERE o.status <> 'cancelled'"
    )
    sql = (
        "SELECT po.party_id, COUNT(*) AS n, MIN(po.ordered_at) AS first_at, "
        "MAX(po.ordered_at) AS last_at, ROUND(SUM(po.net * po.rate), 2) AS revenue, "
        "ROUND(SUM(po.cogs * po.rate), 2) AS cogs, MIN(po.known) AS known "
        f"FROM ({per_order}) po GROUP BY po.party_id"
    )
    return sql, [settings.ANALYTICS_CURRENCY]


def _contacts_sql(window: RefreshWindow) -> tuple[str, list[Any]]:
    cost, params = channel_cost_sql(window.today)
    sql = (
        f"SELECT i.party_id, COUNT(*) AS n, MAX(i.occurred_at) AS last_at, "
        f"ROUND(SUM({cost}), 2) AS cost "
        f"FROM {table(Interaction)} i JOIN {SCOPE} s ON s.party_id = i.party_id "
        "GROUP BY i.party_id"
    )
    return sql, params


def _cases_sql(window: RefreshWindow) -> tuple[str, list[Any]]:
    hourly, hourly_params, minutes, minutes_params = queue_cost_sql(window.today)
    complaints = complaint_type_ids()
    complaint_sql = (
        f"c.case_type_id IN ({', '.join('%s' for _c in complaints)})" if complaints else "1 = 0"
    )
    logged = (
        "SELECT i.regarding_id, SUM(i.duration_seconds) AS seconds "
        f"FROM {table(Interaction)} i JOIN {table(Case)} c3 ON c3.id = i.regarding_id "
        f"JOIN {SCOPE} s3 ON s3.party_id = c3.party_id "
        "WHERE i.regarding_type = %s AND i.duration_seconds IS NOT NULL GROUP BY i.regarding_id"
    )
    per_case = (
        "SELECT c.party_id, c.is_open, "
        f"CASE WHEN {complaint_sql} THEN 1 ELSE 0 END AS complaint, "
        f"COALESCE(lg.seconds / 60.0, {minutes}) AS minutes, {hourly} AS hourly "
        f"FROM {table(Case)} c JOIN {SCOPE} s ON s.party_id = c.party_id "
        f"LEFT JOIN ({logged}) lg ON lg.regarding_id = c.id"
    )
    sql = (
        "SELECT pc.party_id, COUNT(*) AS n, SUM(CASE WHEN pc.is_open THEN 1 ELSE 0 END) AS open_n, "
        "SUM(pc.complaint) AS complaints, CAST(ROUND(SUM(pc.minutes)) AS integer) AS minutes, "
        "ROUND(SUM(pc.minutes * pc.hourly / 60), 2) AS cost "
        f"FROM ({per_case}) pc GROUP BY pc.party_id"
    )
    return sql, [*complaints, *minutes_params, *hourly_params, CASE_REGARDING]


def _csat_sql() -> str:
    return (
        "SELECT c.party_id, AVG(sv.score * 1.0) AS csat "
        f"FROM {table(SatisfactionSurvey)} sv JOIN {table(Case)} c ON c.id = sv.case_id "
        f"JOIN {SCOPE} s ON s.party_id = c.party_id "
        "WHERE sv.score IS NOT NULL AND sv.answered_at IS NOT NULL GROUP BY c.party_id"
    )


def customer_facts_refresh(window: RefreshWindow) -> int:
    """Bring ``CustomerFact`` up to date for the window (see the module's docstring); returns
    the rows written or deleted."""
    facts = table(CustomerFact)
    party = table(Party)
    with connection.cursor() as cursor:
        _scope_fill(cursor, window)
        orders, orders_params = _orders_sql(window)
        contacts, contacts_params = _contacts_sql(window)
        cases, cases_params = _cases_sql(window)
        band, band_params = age_band_sql(window.today)
        first_channel = (
            f"(SELECT fi.channel FROM {table(Interaction)} fi WHERE fi.party_id = p.id "
            "ORDER BY fi.occurred_at, fi.id LIMIT 1)"
        )
        address = (
            f"(SELECT cp.id FROM {table(ContactPoint)} cp WHERE cp.party_id = p.id "
            "AND cp.kind = 'address' ORDER BY cp.is_primary DESC, cp.id LIMIT 1)"
        )
        true = "true" if is_pg() else "1"
        false = "false" if is_pg() else "0"
        select = (
            f"SELECT p.id, p.kind, {band}, COALESCE(a.region, ''), "
            "COALESCE(NULLIF(a.country, ''), p.country), p.lifecycle_stage, p.tier, "
            f"p.owner_id, COALESCE({first_channel}, ''), {sql_month('p.created_at')}, "
            f"{sql_month('o.first_at')}, COALESCE(o.n, 0), o.first_at, o.last_at, "
            "COALESCE(o.revenue, 0), COALESCE(o.cogs, 0), "
            f"CASE WHEN COALESCE(o.known, 1) = 1 THEN {true} ELSE {false} END, "
            "COALESCE(i.n, 0), i.last_at, COALESCE(i.cost, 0), "
            "COALESCE(c.n, 0), COALESCE(c.open_n, 0), COALESCE(c.complaints, 0), "
            "COALESCE(c.minutes, 0), COALESCE(c.cost, 0), q.csat, %s, "
            "COALESCE(i.cost, 0) + COALESCE(c.cost, 0), "
            "COALESCE(o.revenue, 0) - COALESCE(o.cogs, 0) - COALESCE(i.cost, 0) "
            "- COALESCE(c.cost, 0), "
            # columns other parts own start empty on a new row (the upsert keeps them after)
            "'', " + sql_json("'[]'") + ", '', " + sql_json("'[]'") + " "
            f"FROM {party} p JOIN {SCOPE} s ON s.party_id = p.id "
            f"LEFT JOIN {table(ContactPoint)} a ON a.id = {address} "
            f"LEFT JOIN ({orders}) o ON o.party_id = p.id "
            f"LEFT JOIN ({contacts}) i ON i.party_id = p.id "
            f"LEFT JOIN ({cases}) c ON c.party_id = p.id "
            f"LEFT JOIN ({_csat_sql()}) q ON q.party_id = p.id "
            "WHERE p.merged_into_id IS NULL AND p.anonymised_at IS NULL"
        )
        columns = [
            "party_id",
            *OWN_COLUMNS,
            "quadrant",
            "unprofitable_reasons",
            "rfm_segment",
            "churn_reasons",
        ]
        updates = ", ".join(f"{c} = excluded.{c}" for c in OWN_COLUMNS)
        cursor.execute(
            f"INSERT INTO {facts} ({', '.join(columns)}) {select} "
            f"ON CONFLICT (party_id) DO UPDATE SET {updates}",
            [
                *band_params,
                sql_dt(window.until),
                *orders_params,
                *contacts_params,
                *cases_params,
            ],
        )
        written = max(cursor.rowcount, 0)
        # merged away, erased or deleted since: their rows go
        cursor.execute(
            f"DELETE FROM {facts} WHERE NOT EXISTS (SELECT 1 FROM {party} p "
            f"WHERE p.id = {facts}.party_id AND p.merged_into_id IS NULL "
            "AND p.anonymised_at IS NULL)"
        )
        written += max(cursor.rowcount, 0)
        cursor.execute(f"DROP TABLE {SCOPE}")
    return written


refresher_register(
    "customer_facts", customer_facts_refresh, order=10, label=str(_("Customer facts"))
)
