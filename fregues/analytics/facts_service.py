"""The ``service_facts`` refresher: one ``CaseFact`` row per case and the daily
``BacklogSnapshot``, written with set-based SQL on both engines.

Incremental refresh rebuilds only the cases touched since ``window.since``: the case row itself
(``updated_at``, which every case service bumps), its events (status moves, SLA breaches,
repeat reports), its survey, its quality reviews, its avoidable contacts and the interactions
linked to it. A day with a few thousand changed cases is a few thousand index lookups per
source; a full rebuild is one grouped pass over each source table.

Definitions (the reports say the same):

- *reopened*: a status move from a resolved or closed status to an open or waiting one;
- *first-contact resolution*: a resolved case never reopened, never reported again, with at
  most one inbound contact linked to it (the one that brought it);
- *SLA met*: as the live SLA report counts it (``service/selectors/reports.py``) — breached
  flags, or the response/resolution after its due time, count as missed; a running clock whose
  due time has not passed is neither (null).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection
from django.utils import timezone

from fregues.interactions.models import Interaction
from fregues.service.models import (
    AvoidableContact,
    Case,
    CaseEvent,
    CaseType,
    CircuitStatus,
    QualityReview,
    SatisfactionSurvey,
)

from .models import BacklogSnapshot, CaseFact
from .refresh import RefreshWindow, refresher_register
from .sql_service import (
    add_days,
    date_param,
    json_text,
    local_date,
    month_of,
    to_date,
    ts_param,
    week_of,
)

CASE_REGARDING = "service.case"  # Interaction.regarding_type of a case (service/common.py)
CLOSED_CATEGORIES = ("resolved", "closed")
OPEN_CATEGORIES = ("open", "waiting_customer")

# Age buckets of the backlog: (column, lowest age in days, highest or None)
AGE_BUCKETS: list[tuple[str, int, int | None]] = [
    ("age_under_1", 0, 0),
    ("age_1_3", 1, 2),
    ("age_3_7", 3, 6),
    ("age_7_30", 7, 29),
    ("age_30_plus", 30, None),
]

FACT_COLUMNS = [
    "case_id",
    "party_id",
    "case_type_id",
    "queue_id",
    "assignee_id",
    "channel",
    "priority",
    "opened_at",
    "opened_date",
    "opened_week",
    "opened_month",
    "first_responded_at",
    "resolved_at",
    "resolved_date",
    "closed_at",
    "is_open",
    "has_sla",
    "first_response_met",
    "resolution_met",
    "contacts",
    "inbound_contacts",
    "first_contact_resolution",
    "avoidable_contacts",
    "avoidable_status_inquiry",
    "avoidable_repeat_report",
    "avoidable_after_tracking",
    "reopened",
    "csat_score",
    "quality_score",
    "quality_reviews",
    "refreshed_at",
]


def _t(model: Any) -> str:
    return model._meta.db_table


def changed_cases_sql(since: datetime.datetime) -> tuple[str, list[Any]]:
    """The ids of the cases whose facts may have changed since ``since`` (a UNION of one
    small range read per source table)."""
    at = ts_param(connection, since)
    sql = f"""
        SELECT id FROM {_t(Case)} WHERE updated_at >= %s
        UNION SELECT case_id FROM {_t(CaseEvent)} WHERE occurred_at >= %s
        UNION SELECT case_id FROM {_t(SatisfactionSurvey)}
            WHERE sent_at >= %s OR answered_at >= %s
        UNION SELECT case_id FROM {_t(QualityReview)}
            WHERE case_id IS NOT NULL AND reviewed_at >= %s
        UNION SELECT case_id FROM {_t(AvoidableContact)} WHERE occurred_at >= %s
        UNION SELECT regarding_id FROM {_t(Interaction)}
            WHERE regarding_type = %s AND regarding_id IS NOT NULL AND updated_at >= %s
    """
    return sql, [at, at, at, at, at, at, CASE_REGARDING, at]


def _facts_select(
    until: datetime.datetime, now: datetime.datetime, only: tuple[str, list[Any]] | None
) -> tuple[str, list[Any]]:
    """The SELECT that computes the fact rows of every case (or of the ids ``only`` selects)."""
    params: list[Any] = []

    def restrict(column: str) -> str:
        if only is None:
            return ""
        params.extend(only[1])
        return f" AND {column} IN ({only[0]})"

    opened_date, p_open = local_date(connection, "c.created_at")
    resolved_date, p_res = local_date(connection, "c.resolved_at")
    due_at = ts_param(connection, until)
    ev_from = json_text(connection, "e.data", "from")
    ev_to = json_text(connection, "e.data", "to")
    closed = ", ".join(f"'{c}'" for c in CLOSED_CATEGORIES)
    opened = ", ".join(f"'{c}'" for c in OPEN_CATEGORIES)

    # the SELECT list (its parameters come first, in the order they appear)
    params += p_open + p_open + p_open + p_res + [due_at, due_at, ts_param(connection, now)]
    select = f"""
        SELECT c.id, c.party_id, c.case_type_id, c.queue_id, c.assignee_id, c.channel,
            c.priority, c.created_at, {opened_date}, {week_of(connection, opened_date)},
            {month_of(connection, opened_date)}, c.first_responded_at, c.resolved_at,
            {resolved_date}, c.closed_at, c.is_open, c.sla_policy_id IS NOT NULL,
            CASE
                WHEN c.sla_policy_id IS NULL THEN NULL
                WHEN c.first_response_breached_at IS NOT NULL THEN FALSE
                WHEN c.first_responded_at IS NOT NULL AND c.first_response_due IS NOT NULL
                    THEN c.first_responded_at <= c.first_response_due
                WHEN c.first_responded_at IS NULL AND c.sla_paused_at IS NULL
                    AND c.first_response_due < %s THEN FALSE
                ELSE NULL END,
            CASE
                WHEN c.sla_policy_id IS NULL THEN NULL
                WHEN c.resolution_breached_at IS NOT NULL THEN FALSE
                WHEN c.resolved_at IS NOT NULL AND c.resolution_due IS NOT NULL
                    THEN c.resolved_at <= c.resolution_due
                WHEN c.is_open AND c.sla_paused_at IS NULL AND c.resolution_due < %s
                    THEN FALSE
                ELSE NULL END,
            COALESCE(ic.contacts, 0), COALESCE(ic.inbound, 0),
            CASE
                WHEN c.resolved_at IS NULL THEN NULL
                WHEN COALESCE(ev.reopened, 0) = 0 AND COALESCE(ev.joined, 0) = 0
                    AND COALESCE(ic.inbound, 0) <= 1 THEN TRUE
                ELSE FALSE END,
            COALESCE(av.total, 0), COALESCE(av.status_inquiry, 0),
            COALESCE(av.repeat_report, 0), COALESCE(av.after_tracking, 0),
            COALESCE(ev.reopened, 0), sv.score, qr.score, COALESCE(qr.reviews, 0), %s
        FROM {_t(Case)} c
    """
    contacts = f"""
        LEFT JOIN (
            SELECT regarding_id AS case_id, COUNT(*) AS contacts,
                SUM(CASE WHEN direction = 'in' THEN 1 ELSE 0 END) AS inbound
            FROM {_t(Interaction)}
            WHERE regarding_type = %s AND regarding_id IS NOT NULL{{r}}
            GROUP BY regarding_id
        ) ic ON ic.case_id = c.id
    """
    params.append(CASE_REGARDING)
    contacts = contacts.replace("{r}", restrict("regarding_id"))
    events = f"""
        LEFT JOIN (
            SELECT e.case_id,
                SUM(CASE WHEN e.kind = 'report_joined' THEN 1 ELSE 0 END) AS joined,
                SUM(CASE WHEN e.kind = 'transition' AND sf.category IN ({closed})
                    AND st.category IN ({opened}) THEN 1 ELSE 0 END) AS reopened
            FROM {_t(CaseEvent)} e
            JOIN {_t(Case)} c2 ON c2.id = e.case_id
            JOIN {_t(CaseType)} t ON t.id = c2.case_type_id
            LEFT JOIN {_t(CircuitStatus)} sf ON sf.circuit_id = t.circuit_id AND sf.code = {ev_from}
            LEFT JOIN {_t(CircuitStatus)} st ON st.circuit_id = t.circuit_id AND st.code = {ev_to}
            WHERE e.kind IN ('transition', 'report_joined'){{r}}
            GROUP BY e.case_id
        ) ev ON ev.case_id = c.id
    """.replace("{r}", restrict("e.case_id"))
    avoidable = f"""
        LEFT JOIN (
            SELECT case_id, COUNT(*) AS total,
                SUM(CASE WHEN reason = 'status_inquiry' THEN 1 ELSE 0 END) AS status_inquiry,
                SUM(CASE WHEN reason = 'repeat_report' THEN 1 ELSE 0 END) AS repeat_report,
                SUM(CASE WHEN reason = 'after_tracking_visit' THEN 1 ELSE 0 END)
                    AS after_tracking
            FROM {_t(AvoidableContact)} WHERE 1 = 1{{r}}
            GROUP BY case_id
        ) av ON av.case_id = c.id
    """.replace("{r}", restrict("case_id"))
    survey = f"LEFT JOIN {_t(SatisfactionSurvey)} sv ON sv.case_id = c.id"
    reviews = f"""
        LEFT JOIN (
            SELECT case_id, AVG(score_percent) AS score, COUNT(*) AS reviews
            FROM {_t(QualityReview)} WHERE case_id IS NOT NULL{{r}}
            GROUP BY case_id
        ) qr ON qr.case_id = c.id
    """.replace("{r}", restrict("case_id"))
    where = " WHERE 1 = 1" + restrict("c.id")
    return select + contacts + events + avoidable + survey + reviews + where, params


def _refresh_facts(window: RefreshWindow, now: datetime.datetime) -> int:
    table = _t(CaseFact)
    columns = ", ".join(FACT_COLUMNS)
    with connection.cursor() as cursor:
        if window.full:
            cursor.execute(f"DELETE FROM {table}")
            only = None
        else:
            assert window.since is not None
            only = changed_cases_sql(window.since)
            cursor.execute(f"DELETE FROM {table} WHERE case_id IN ({only[0]})", only[1])
            # cases deleted since (rare): their facts go too
            cursor.execute(
                f"DELETE FROM {table} WHERE NOT EXISTS "
                f"(SELECT 1 FROM {_t(Case)} c WHERE c.id = {table}.case_id)"
            )
        select, params = _facts_select(window.until, now, only)
        cursor.execute(f"INSERT INTO {table} ({columns}) {select}", params)
        return max(cursor.rowcount, 0)


def _refresh_backlog(window: RefreshWindow) -> int:
    """Write the backlog of every day from the last one written (rewritten: it may have been
    taken before the day ended) up to ``window.today``; everything on a full rebuild."""
    table = _t(BacklogSnapshot)
    facts = _t(CaseFact)
    with connection.cursor() as cursor:
        start: datetime.date | None = None
        if not window.full:
            cursor.execute(f"SELECT MAX(day) FROM {table}")
            start = to_date(cursor.fetchone()[0])
        if start is None:
            cursor.execute(f"SELECT MIN(opened_date) FROM {facts}")
            start = to_date(cursor.fetchone()[0])
            cursor.execute(f"DELETE FROM {table}")
        else:
            cursor.execute(f"DELETE FROM {table} WHERE day >= %s", [date_param(connection, start)])
        if start is None or start > window.today:
            return 0
        cursor.execute(_backlog_sql(start, window.today))
        return max(cursor.rowcount, 0)


def _backlog_sql(start: datetime.date, today: datetime.date) -> str:
    """One INSERT … SELECT for the days ``start``..``today``, in O(cases + days × groups).

    Each case contributes, per age bucket, +1 on the day it enters the bucket and -1 on the
    day it leaves it (older bucket or resolved); the open count of a bucket on a day is the
    running sum of those deltas (``SUM() OVER``) over a grid of days × (queue, case type).
    Deltas before ``start`` are folded into ``start``. The dates are ours (never user input)."""
    facts = _t(CaseFact)
    pg = connection.vendor == "postgresql"

    def day(value: datetime.date) -> str:
        return f"DATE '{value.isoformat()}'" if pg else f"'{value.isoformat()}'"

    deltas = []
    for k, (_column, low, high) in enumerate(AGE_BUCKETS):
        enters = add_days(connection, "f.opened_date", low)
        started = f"(f.resolved_date IS NULL OR f.resolved_date > {enters})"
        if high is None:
            leaves = "f.resolved_date"
        else:
            ages_out = add_days(connection, "f.opened_date", high + 1)
            leaves = (
                f"CASE WHEN f.resolved_date IS NOT NULL AND f.resolved_date < {ages_out} "
                f"THEN f.resolved_date ELSE {ages_out} END"
            )
        head = f"SELECT COALESCE(f.queue_id, 0) AS q, f.case_type_id AS t, {k} AS b"
        deltas.append(f"{head}, {enters} AS day, 1 AS delta FROM {facts} f WHERE {started}")
        deltas.append(
            f"{head}, {leaves} AS day, -1 AS delta FROM {facts} f "
            f"WHERE {started} AND {leaves} IS NOT NULL"
        )
    bucket_ids = " UNION ALL ".join(f"SELECT {k} AS b" for k in range(len(AGE_BUCKETS)))
    columns = ", ".join(c for c, _lo, _hi in AGE_BUCKETS)
    sums = ", ".join(
        f"SUM(CASE WHEN r.b = {k} THEN r.n ELSE 0 END)" for k in range(len(AGE_BUCKETS))
    )
    return f"""
        WITH RECURSIVE days(day) AS (
            SELECT {day(start)}
            UNION ALL SELECT {add_days(connection, "day", 1)} FROM days WHERE day < {day(today)}
        ),
        ev AS (
            SELECT x.q, x.t, x.b,
                CASE WHEN x.day < {day(start)} THEN {day(start)} ELSE x.day END AS day,
                SUM(x.delta) AS delta
            FROM ({" UNION ALL ".join(deltas)}) x
            WHERE x.day <= {day(today)}
            GROUP BY 1, 2, 3, 4
        ),
        grp AS (SELECT DISTINCT q, t FROM ev),
        running AS (
            SELECT d.day, g.q, g.t, bk.b,
                SUM(COALESCE(ev.delta, 0)) OVER (
                    PARTITION BY g.q, g.t, bk.b ORDER BY d.day
                ) AS n
            FROM days d
            CROSS JOIN grp g
            CROSS JOIN ({bucket_ids}) bk
            LEFT JOIN ev ON ev.q = g.q AND ev.t = g.t AND ev.b = bk.b AND ev.day = d.day
        )
        INSERT INTO {_t(BacklogSnapshot)} (day, queue_id, case_type_id, open_count, {columns})
        SELECT r.day, NULLIF(r.q, 0), r.t, SUM(r.n), {sums}
        FROM running r
        GROUP BY r.day, r.q, r.t
        HAVING SUM(r.n) > 0
    """


def refresh_service_facts(window: RefreshWindow) -> int:
    """Refresh the case facts, then the backlog snapshots they feed."""
    now = timezone.now()
    return _refresh_facts(window, now) + _refresh_backlog(window)


refresher_register("service_facts", refresh_service_facts, order=40, label="Service facts")
