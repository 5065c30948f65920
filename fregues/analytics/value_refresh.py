"""The reporting store's ``value`` part (order 30): lifetime value, P(alive), expected orders
and churn risk with its reasons, written into ``CustomerFact``.

How it stays fast at a million customers:

* the purchase summary (repeat purchase *periods* — distinct days with an order — first and
  last order day, the average value of the repeat days in the reporting currency) is one
  grouped query over ``sales_order``; only its per-customer result (one row each) comes to
  Python, as numpy arrays;
* the models (``clv.py``) score those arrays in one vectorised pass;
* the fit, the one step that is not linear, runs on a full refresh and at most once a day,
  on a fixed-seed sample of at most ``FIT_SAMPLE`` customers; it is kept in
  ``ValueModelFit``;
* the scores go back with one bulk load into a temporary table (COPY on PostgreSQL) and one
  ``UPDATE … FROM``.

P(alive) moves for every customer as days pass without an order, so the refresh that refits
(daily) rescores everyone; the 15-minute refreshes in between rescore only the customers whose
orders, cases, surveys or party changed since the window's start.
"""

from __future__ import annotations

import datetime
import json
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import (
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_noop

from fregues.core.bulk import any_of
from fregues.sales.models import Order
from fregues.service.models import SendingPolicy

from . import churn, clv
from .models import ExchangeRate, ValueModelFit
from .refresh import RefreshWindow, refresher_register

# Refit when the last fit is older than this (and always on a full refresh).
REFIT_AFTER = datetime.timedelta(days=1)
# Fit on at most this many customers (a fixed-seed sample beyond): the estimates of four
# parameters are as good on 100,000 customers as on a million, at a tenth of the time.
FIT_SAMPLE = 100_000
FIT_SEED = 20050101
# Below these, the parameters are not identified well enough to be worth scoring with.
MIN_FIT_CUSTOMERS = 30
MIN_FIT_REPEAT_CUSTOMERS = 5
DAYS_PER_WEEK = 7.0

MONEY = DecimalField(max_digits=20, decimal_places=6)


@dataclass
class Summary:
    """The per-customer purchase summary, as aligned arrays (the models' inputs)."""

    party_id: np.ndarray
    x: np.ndarray  # repeat purchase days
    t_x: np.ndarray  # weeks from the first order day to the last
    T: np.ndarray  # weeks from the first order day to the window's end
    mean_value: np.ndarray  # average value of a repeat day (NaN when none)
    mean_value_all: np.ndarray  # average value of any order day (fallback without Gamma-Gamma)
    days_since_last: np.ndarray

    def __len__(self) -> int:
        return int(self.party_id.shape[0])


def _order_days_sql(until: datetime.datetime) -> tuple[str, list[Any]]:
    """(party, local day, value of the day's orders in the reporting currency) of every
    order not cancelled before ``until``: the ORM builds it so the day follows the project's
    time zone on both engines. Net of taxes, as the revenue per customer is; converted at the
    latest exchange rate not after the order's day (no rate: the amount is left out)."""
    currency = settings.ANALYTICS_CURRENCY
    rate = Subquery(
        ExchangeRate.objects.filter(currency=OuterRef("currency"), valid_from__lte=OuterRef("day"))
        .order_by("-valid_from")
        .values("rate")[:1]
    )
    net = ExpressionWrapper(F("total") - F("tax_total"), output_field=MONEY)
    converted = Case(
        When(currency=currency, then=net),
        default=ExpressionWrapper(net * rate, output_field=MONEY),
        output_field=MONEY,
    )
    days = (
        Order.objects.filter(ordered_at__lt=until)
        .exclude(status="cancelled")
        .annotate(day=TruncDate("ordered_at"))
        .order_by()
        .values("party_id", "day")
        .annotate(amount=Sum(converted))
    )
    sql, params = days.query.get_compiler(connection=connection).as_sql()
    return sql, list(params)


def purchase_summary(until: datetime.datetime, party_ids: list[int] | None) -> Summary:
    """One grouped query: per customer, order days, first and last day, value of the repeat
    days. ``party_ids`` None: every customer."""
    days_sql, params = _order_days_sql(until)
    where = ""
    if party_ids is not None:
        clause, extra = any_of("party_id", party_ids)
        where = f"WHERE {clause}"
        params += extra
    sql = f"""
        WITH days AS ({days_sql}),
        marked AS (
            SELECT party_id, day, amount, MIN(day) OVER (PARTITION BY party_id) AS first_day
            FROM days {where}
        )
        SELECT party_id, COUNT(*), MIN(day), MAX(day),
               SUM(CASE WHEN day > first_day THEN amount END),
               COUNT(CASE WHEN day > first_day AND amount IS NOT NULL THEN 1 END),
               SUM(amount), COUNT(amount)
        FROM marked GROUP BY party_id ORDER BY party_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    today = np.datetime64(timezone.localdate(until), "D")
    if not rows:
        empty = np.zeros(0)
        return Summary(np.zeros(0, dtype=np.int64), empty, empty, empty, empty, empty, empty)
    columns = list(zip(*rows, strict=True))
    first = np.array([str(d) for d in columns[2]], dtype="datetime64[D]")
    last = np.array([str(d) for d in columns[3]], dtype="datetime64[D]")
    repeat_sum = np.array([np.nan if v is None else float(v) for v in columns[4]])
    repeat_n = np.array(columns[5], dtype=float)
    all_sum = np.array([np.nan if v is None else float(v) for v in columns[6]])
    all_n = np.array(columns[7], dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_value = np.where(repeat_n > 0, repeat_sum / repeat_n, np.nan)
        mean_all = np.where(all_n > 0, all_sum / all_n, np.nan)
    return Summary(
        party_id=np.array(columns[0], dtype=np.int64),
        x=np.array(columns[1], dtype=float) - 1,
        t_x=(last - first).astype(float) / DAYS_PER_WEEK,
        T=np.maximum((today - first).astype(float), 0.0) / DAYS_PER_WEEK,
        mean_value=mean_value,
        mean_value_all=mean_all,
        days_since_last=np.maximum((today - last).astype(float), 0.0),
    )


def value_fit(summary: Summary, now: datetime.datetime) -> ValueModelFit | None:
    """Fit BG/NBD (and Gamma-Gamma when the spend allows) on the base, store and return the
    fit; None when too few customers identify the model."""
    started = time.monotonic()
    repeat = int(np.sum(summary.x > 0))
    if len(summary) < MIN_FIT_CUSTOMERS or repeat < MIN_FIT_REPEAT_CUSTOMERS:
        return None
    index = np.arange(len(summary))
    if len(summary) > FIT_SAMPLE:
        index = np.sort(np.random.default_rng(FIT_SEED).choice(index, FIT_SAMPLE, replace=False))
    x, t_x, T = summary.x[index], summary.t_x[index], summary.T[index]
    bgnbd, ll = clv.bgnbd_fit(x, t_x, T)
    gamma_gamma: dict[str, float] | None = None
    gg_ll = None
    try:
        gg, gg_ll = clv.gamma_gamma_fit(x, np.nan_to_num(summary.mean_value[index], nan=0.0))
        if gg.q > 1:  # the expected value needs q > 1
            gamma_gamma = gg.as_dict()
    except ValueError:
        pass
    return ValueModelFit.objects.create(
        fitted_at=now,
        parameters={
            "bgnbd": bgnbd.as_dict(),
            "gamma_gamma": gamma_gamma,
            "time_unit": "week",
            "currency": settings.ANALYTICS_CURRENCY,
            "horizon_months": clv.CLV_HORIZON_MONTHS,
            "monthly_discount_rate": clv.MONTHLY_DISCOUNT_RATE,
            "sample": int(index.size),
        },
        customers=len(summary),
        repeat_customers=repeat,
        log_likelihood=ll,
        gamma_gamma_log_likelihood=gg_ll if gamma_gamma else None,
        duration_ms=int((time.monotonic() - started) * 1000),
    )


def value_scores(
    summary: Summary, fit: ValueModelFit | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(CLV, P(alive), expected orders in the next year) per customer; NaN without a fit.
    Without a Gamma-Gamma fit, each order is worth the customer's own average day value."""
    n = len(summary)
    if fit is None:
        nan = np.full(n, np.nan)
        return nan, nan.copy(), nan.copy()
    bgnbd = clv.BgNbdParams(**fit.parameters["bgnbd"])
    p_alive = clv.bgnbd_p_alive(bgnbd, summary.x, summary.t_x, summary.T)
    year = clv.bgnbd_expected_purchases(
        bgnbd, clv.WEEKS_PER_YEAR, summary.x, summary.t_x, summary.T
    )
    gg = fit.parameters.get("gamma_gamma")
    mean = np.nan_to_num(summary.mean_value, nan=0.0)
    if gg:
        value = clv.customer_lifetime_value(
            bgnbd, clv.GammaGammaParams(**gg), summary.x, summary.t_x, summary.T, mean
        )
    else:
        unit = clv.GammaGammaParams(p=1.0, q=2.0, v=1.0)  # E[M] = 1: purchases only
        purchases = clv.customer_lifetime_value(
            bgnbd, unit, summary.x, summary.t_x, summary.T, np.zeros(n)
        )
        value = purchases * np.nan_to_num(summary.mean_value_all, nan=0.0)
    return value, p_alive, year


def _service_signals(party_ids: np.ndarray, until: datetime.datetime) -> dict[str, dict[int, Any]]:
    """Open complaints, recent unresolved cases and the CSAT trend of the customers in
    ``party_ids``, each one grouped query (cases and surveys of those customers only)."""
    ids = [int(i) for i in party_ids]
    out: dict[str, dict[int, Any]] = {"complaints": {}, "unresolved": {}, "csat": {}}
    if not ids:
        return out
    complaint_types = list(
        SendingPolicy.current().complaint_case_types.values_list("id", flat=True)
    )
    clause, params = any_of("c.party_id", ids)
    with connection.cursor() as cursor:
        if complaint_types:
            types_clause, types_params = any_of("c.case_type_id", complaint_types)
            cursor.execute(
                f"SELECT c.party_id, COUNT(*) FROM service_case c WHERE {clause} "
                f"AND c.is_open AND c.created_at < %s AND {types_clause} GROUP BY c.party_id",
                [*params, until, *types_params],
            )
            out["complaints"] = dict(cursor.fetchall())
        cursor.execute(
            f"SELECT c.party_id, COUNT(*), MIN(c.created_at) FROM service_case c WHERE {clause} "
            "AND c.is_open AND c.created_at >= %s AND c.created_at < %s GROUP BY c.party_id",
            [
                *params,
                until - datetime.timedelta(days=churn.UNRESOLVED_WITHIN_DAYS),
                until - datetime.timedelta(days=churn.UNRESOLVED_AFTER_DAYS),
            ],
        )
        out["unresolved"] = {row[0]: (row[1], row[2]) for row in cursor.fetchall()}
        cursor.execute(
            f"""
            WITH answers AS (
                SELECT c.party_id, s.score,
                       ROW_NUMBER() OVER (PARTITION BY c.party_id
                                          ORDER BY s.answered_at DESC, s.id DESC) AS n
                FROM service_satisfactionsurvey s JOIN service_case c ON c.id = s.case_id
                WHERE {clause} AND s.score IS NOT NULL AND s.answered_at < %s
            )
            SELECT party_id, MAX(CASE WHEN n = 1 THEN score END),
                   AVG(CASE WHEN n > 1 THEN score * 1.0 END)
            FROM answers GROUP BY party_id
            """,
            [*params, until],
        )
        out["csat"] = {row[0]: (row[1], row[2]) for row in cursor.fetchall()}
    return out


def _stages(party_ids: np.ndarray) -> dict[int, str]:
    if not party_ids.size:
        return {}
    clause, params = any_of("id", [int(i) for i in party_ids])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, lifecycle_stage FROM parties_party WHERE {clause}", params)
        return dict(cursor.fetchall())


def churn_signals(summary: Summary, p_alive: np.ndarray, until: datetime.datetime) -> churn.Signals:
    """The churn model's inputs for the summary's customers, aligned with it."""
    service = _service_signals(summary.party_id, until)
    stages = _stages(summary.party_id)
    ids = summary.party_id.tolist()
    today = timezone.localdate(until)
    unresolved = [service["unresolved"].get(i) for i in ids]
    csat = [service["csat"].get(i, (None, None)) for i in ids]
    with np.errstate(invalid="ignore", divide="ignore"):
        usual = np.where(summary.x > 0, summary.t_x * DAYS_PER_WEEK / summary.x, np.nan)
    return churn.Signals(
        p_alive=p_alive,
        open_complaints=np.array([service["complaints"].get(i, 0) for i in ids], dtype=float),
        unresolved_cases=np.array([u[0] if u else 0 for u in unresolved], dtype=float),
        unresolved_oldest_days=np.array(
            [(today - timezone.localdate(_aware(u[1]))).days if u else 0 for u in unresolved],
            dtype=float,
        ),
        csat_last=np.array([np.nan if c[0] is None else float(c[0]) for c in csat]),
        csat_before=np.array([np.nan if c[1] is None else float(c[1]) for c in csat]),
        days_since_last_order=summary.days_since_last,
        usual_gap_days=usual,
        inactive=np.array([stages.get(i, "") in churn.INACTIVE_STAGES for i in ids], dtype=bool),
    )


def _aware(moment: Any) -> datetime.datetime:
    """SQLite hands raw datetimes back as text."""
    if isinstance(moment, str):
        moment = datetime.datetime.fromisoformat(moment)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    return moment


def changed_parties(window: RefreshWindow) -> list[int]:
    """Customers whose value or churn may have moved since ``since``: an order, a case or a
    survey answer changed, the party changed (lifecycle) or took another's orders in a
    merge, or the customer-facts part made a row for a customer with orders not yet scored.
    Not every customer whose fact row was rewritten (a contact touches a third of the base
    in a day and moves no score): each source is one indexed range of its ``updated_at``."""
    since, until = window.since, window.until
    assert since is not None
    stamped, stamped_at = window.stamped_after("refreshed_at")
    sql = f"""
        SELECT party_id FROM sales_order WHERE updated_at >= %s AND updated_at < %s
        UNION SELECT party_id FROM service_case WHERE updated_at >= %s AND updated_at < %s
        UNION SELECT c.party_id FROM service_satisfactionsurvey s
              JOIN service_case c ON c.id = s.case_id
              WHERE s.answered_at >= %s AND s.answered_at < %s
        UNION SELECT id FROM parties_party WHERE updated_at >= %s AND updated_at < %s
        UNION SELECT merged_into_id FROM parties_party
              WHERE merged_at >= %s AND merged_at < %s AND merged_into_id IS NOT NULL
        UNION SELECT party_id FROM analytics_customerfact
              WHERE {stamped} AND orders_count > 0 AND p_alive IS NULL
    """
    with connection.cursor() as cursor:
        stamp = connection.ops.adapt_datetimefield_value(stamped_at)  # as the stamp was written
        cursor.execute(sql, [since, until] * 5 + [stamp])
        return sorted(row[0] for row in cursor.fetchall())


def _create_missing_facts(party_ids: np.ndarray, now: datetime.datetime) -> int:
    """A ``CustomerFact`` row for each live customer with orders that has none yet (the
    customer-facts part normally made it): with the party's own dimensions and zero
    measures, so this part never depends on running after it."""
    if not party_ids.size:
        return 0
    clause, params = any_of("p.id", [int(i) for i in party_ids])
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO analytics_customerfact (
                party_id, kind, age_band, region, country, lifecycle_stage, tier, owner_id,
                first_channel, orders_count, revenue, cost_of_goods, cost_known,
                contacts_count, contacts_cost, cases_count, open_cases, complaints_count,
                handling_minutes, cases_cost, cost_to_serve, profit, quadrant,
                unprofitable_reasons, rfm_segment, churn_reasons, refreshed_at)
            SELECT p.id, p.kind, '', '', '', p.lifecycle_stage, p.tier, p.owner_id,
                '', 0, 0, 0, %s, 0, 0, 0, 0, 0, 0, 0, 0, 0, '', '[]', '', '[]', %s
            FROM parties_party p
            WHERE {clause} AND p.merged_into_id IS NULL AND p.anonymised_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM analytics_customerfact f WHERE f.party_id = p.id)
            """,
            [False, now, *params],
        )
        return max(cursor.rowcount, 0)


def _clean(values: np.ndarray, digits: int) -> list[float | None]:
    return [None if np.isnan(v) else round(float(v), digits) for v in values]


def write_scores(
    summary: Summary,
    scores: tuple[np.ndarray, np.ndarray, np.ndarray],
    risk: np.ndarray,
    reasons: list[list[dict[str, Any]]],
    *,
    reset: list[int] | None,
) -> int:
    """Load the new scores into a temporary table (COPY on PostgreSQL), copy them over with
    one ``UPDATE … FROM``, then clear the scores of the customers in scope (``reset`` None:
    everyone) who no longer have any — each row is written once, not cleared then set."""
    clv_values, p_alive, year = scores
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS analytics_value_scores")
        cursor.execute(
            "CREATE TEMPORARY TABLE analytics_value_scores (party_id bigint PRIMARY KEY, "
            "clv numeric(16, 2), p_alive double precision, expected_orders_year double precision, "
            "churn_risk double precision, churn_reasons text)"
        )
        rows = zip(
            summary.party_id.tolist(),
            _clean(clv_values, 2),
            _clean(p_alive, 6),
            _clean(year, 4),
            _clean(risk, 6),
            [json.dumps(r, separators=(",", ":")) for r in reasons],
            strict=True,
        )
        if postgres:
            with cursor.cursor.copy(
                "COPY analytics_value_scores (party_id, clv, p_alive, expected_orders_year, "
                "churn_risk, churn_reasons) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute("ANALYZE analytics_value_scores")
        else:
            cursor.executemany(
                "INSERT INTO analytics_value_scores VALUES (%s, %s, %s, %s, %s, %s)", list(rows)
            )
        reasons_value = "s.churn_reasons::jsonb" if postgres else "s.churn_reasons"
        cursor.execute(
            f"""
            UPDATE analytics_customerfact SET clv = s.clv, p_alive = s.p_alive,
                expected_orders_year = s.expected_orders_year, churn_risk = s.churn_risk,
                churn_reasons = {reasons_value}
            FROM analytics_value_scores s WHERE analytics_customerfact.party_id = s.party_id
            """
        )
        written = max(cursor.rowcount, 0)
        stale = (
            "UPDATE analytics_customerfact SET clv = NULL, p_alive = NULL, "
            "expected_orders_year = NULL, churn_risk = NULL, churn_reasons = '[]' "
            "WHERE (clv IS NOT NULL OR p_alive IS NOT NULL OR churn_risk IS NOT NULL "
            "OR expected_orders_year IS NOT NULL) AND NOT EXISTS (SELECT 1 FROM "
            "analytics_value_scores s WHERE s.party_id = analytics_customerfact.party_id)"
        )
        if reset is None:
            cursor.execute(stale)
        elif reset:
            clause, params = any_of("party_id", reset)
            cursor.execute(f"{stale} AND {clause}", params)
        cursor.execute("DROP TABLE analytics_value_scores")
    return written


def value_refresh(window: RefreshWindow) -> int:
    """The ``value`` part: refit when due, score the customers in scope, write them."""
    latest = ValueModelFit.objects.order_by("-fitted_at", "-id").first()
    refit = window.full or latest is None or latest.fitted_at <= window.until - REFIT_AFTER
    scope: list[int] | None = None
    if not refit:
        assert window.since is not None
        scope = changed_parties(window)
        if not scope:
            return 0
    summary = purchase_summary(window.until, scope)
    fit = latest
    if refit:
        fit = value_fit(summary, window.until) or (None if window.full else latest)
    _create_missing_facts(summary.party_id, window.until)
    scores = value_scores(summary, fit)
    risk, reasons = churn.churn_scores(churn_signals(summary, scores[1], window.until))
    return write_scores(summary, scores, risk, reasons, reset=scope)


refresher_register(
    "value", value_refresh, order=30, label=gettext_noop("Lifetime value and churn risk")
)
