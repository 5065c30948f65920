"""Churn risk and its top reasons, from the lifetime-value model and the service signals.

Why a blend: BG/NBD's 1 − P(alive) sees only the purchase rhythm; a customer still buying
on schedule but with an open complaint, a falling satisfaction score or cases left unsolved
is at risk the model cannot see yet. Each signal is an independent "reason to leave" with
its own probability, combined as a noisy-OR:

    risk = 1 − (1 − (1 − P(alive))) · Π_k (1 − w_k)  over the signals k that are present

so the risk stays in [0, 1], grows with every signal, and each reason's contribution is its
own probability (1 − P(alive) for the model, ``w_k`` for a signal), by which the reasons are
ordered. The weights are deliberately plain constants (documented below and in
docs/analytics/an-clv.md): they rank customers for a relationship manager's call list, they
are not a calibrated probability of their own.

Customers without any order get no churn risk (null): they have not become customers yet,
and a prospect's open case is the service reports' concern, not a retention one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

# The weight of each service signal (its probability of causing a departure on its own).
WEIGHT_OPEN_COMPLAINT = 0.30  # an open case of a complaint type (the sending policy's)
WEIGHT_SATISFACTION_FALLING = 0.20  # last CSAT ≤ 2, or ≥ 1 point below their earlier mean
WEIGHT_UNRESOLVED_CASES = 0.15  # cases opened in the last 90 days, open for over 7 days
WEIGHT_OVERDUE = 0.25  # no order for 3× their own usual gap between orders
WEIGHT_INACTIVE = 0.30  # the lifecycle rules moved them to inactive / lost

UNRESOLVED_AFTER_DAYS = 7
UNRESOLVED_WITHIN_DAYS = 90
OVERDUE_FACTOR = 3.0
MIN_USUAL_GAP_DAYS = 7.0  # two orders in one week make no "usual gap"
LOW_SATISFACTION = 2  # on the 1–5 CSAT scale
SATISFACTION_DROP = 1.0
MODEL_REASON_MIN = 0.05  # 1 − P(alive) below this is no reason worth naming
TOP_REASONS = 3
INACTIVE_STAGES = ("inactive", "lost")

# Stable reason codes (the API's, translated on screen).
DROPOUT = "dropout"
OPEN_COMPLAINT = "open_complaint"
SATISFACTION_FALLING = "satisfaction_falling"
UNRESOLVED_CASES = "unresolved_cases"
OVERDUE = "overdue"
INACTIVE = "inactive"


@dataclass
class Signals:
    """Per customer (aligned arrays, one entry per customer with orders): what the refresh
    read from cases, surveys, orders and the party."""

    p_alive: np.ndarray  # NaN when there is no fitted model
    open_complaints: np.ndarray
    unresolved_cases: np.ndarray
    unresolved_oldest_days: np.ndarray
    csat_last: np.ndarray  # NaN when no answered survey
    csat_before: np.ndarray  # mean of the earlier answers; NaN when fewer than two
    days_since_last_order: np.ndarray
    usual_gap_days: np.ndarray  # NaN for a single order day
    inactive: np.ndarray  # bool: lifecycle stage inactive / lost


def _round(value: float, digits: int = 2) -> float:
    return round(float(value), digits)


def churn_scores(s: Signals) -> tuple[np.ndarray, list[list[dict[str, Any]]]]:
    """The blended risk per customer and their top reasons (codes with figures), ordered by
    contribution. Vectorised except the building of the small reason lists."""
    n = s.p_alive.shape[0]
    dropout = np.where(np.isnan(s.p_alive), 0.0, 1.0 - s.p_alive)
    complaint = s.open_complaints > 0
    falling = ~np.isnan(s.csat_last) & (
        (s.csat_last <= LOW_SATISFACTION)
        | (~np.isnan(s.csat_before) & (s.csat_last <= s.csat_before - SATISFACTION_DROP))
    )
    unresolved = s.unresolved_cases > 0
    usual = np.where(
        np.isnan(s.usual_gap_days), np.nan, np.maximum(s.usual_gap_days, MIN_USUAL_GAP_DAYS)
    )
    with np.errstate(invalid="ignore"):
        overdue = ~np.isnan(usual) & (s.days_since_last_order > OVERDUE_FACTOR * usual)
    inactive = s.inactive.astype(bool)

    keep = 1.0 - dropout
    keep = keep * np.where(complaint, 1 - WEIGHT_OPEN_COMPLAINT, 1.0)
    keep = keep * np.where(falling, 1 - WEIGHT_SATISFACTION_FALLING, 1.0)
    keep = keep * np.where(unresolved, 1 - WEIGHT_UNRESOLVED_CASES, 1.0)
    keep = keep * np.where(overdue, 1 - WEIGHT_OVERDUE, 1.0)
    keep = keep * np.where(inactive, 1 - WEIGHT_INACTIVE, 1.0)
    risk = np.clip(1.0 - keep, 0.0, 1.0)

    reasons: list[list[dict[str, Any]]] = [[] for _ in range(n)]
    for i in np.flatnonzero(dropout >= MODEL_REASON_MIN):
        reasons[i].append(
            {"code": DROPOUT, "weight": _round(dropout[i], 4), "p_alive": _round(s.p_alive[i], 4)}
        )
    for i in np.flatnonzero(complaint):
        reasons[i].append(
            {
                "code": OPEN_COMPLAINT,
                "weight": WEIGHT_OPEN_COMPLAINT,
                "cases": int(s.open_complaints[i]),
            }
        )
    for i in np.flatnonzero(falling):
        item: dict[str, Any] = {
            "code": SATISFACTION_FALLING,
            "weight": WEIGHT_SATISFACTION_FALLING,
            "last": int(s.csat_last[i]),
        }
        if not np.isnan(s.csat_before[i]):
            item["before"] = _round(s.csat_before[i])
        reasons[i].append(item)
    for i in np.flatnonzero(unresolved):
        reasons[i].append(
            {
                "code": UNRESOLVED_CASES,
                "weight": WEIGHT_UNRESOLVED_CASES,
                "cases": int(s.unresolved_cases[i]),
                "oldest_days": int(s.unresolved_oldest_days[i]),
            }
        )
    for i in np.flatnonzero(overdue):
        reasons[i].append(
            {
                "code": OVERDUE,
                "weight": WEIGHT_OVERDUE,
                "days": int(s.days_since_last_order[i]),
                "usual_days": round(float(usual[i])),
            }
        )
    for i in np.flatnonzero(inactive):
        reasons[i].append({"code": INACTIVE, "weight": WEIGHT_INACTIVE})
    order = {
        code: k
        for k, code in enumerate(
            (OPEN_COMPLAINT, INACTIVE, OVERDUE, SATISFACTION_FALLING, UNRESOLVED_CASES, DROPOUT)
        )
    }
    for i in np.flatnonzero([len(r) > 1 for r in reasons]) if n else []:
        reasons[i].sort(key=lambda r: (-r["weight"], order[r["code"]]))
        del reasons[i][TOP_REASONS:]
    return risk, reasons
