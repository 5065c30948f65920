"""The ``retention`` refresher: per-party monthly order activity and its cohort cells, and the
lifecycle spells behind the funnel and time in stage.

- ``PartyMonthActivity``: for the parties whose orders changed since ``window.since`` (or
  that were merged away), their rows are rebuilt from their orders (not cancelled), grouped by
  local month, with the month of their first order. ``CohortCell`` is then regrouped from it
  in one pass (a few thousand cells).
- ``LifecycleSpell``: one row per ``LifecycleMove`` with the next move of the same party
  (``LEAD`` over the party's moves). New moves are found by id (the spell's key), so a
  backfill of old moves is picked up too; the parties they touch are recomputed whole.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from fregues.parties.models import LifecycleMove, Party
from fregues.sales.models import Order

from .models import CohortCell, LifecycleSpell, PartyMonthActivity
from .refresh import RefreshWindow, refresher_register
from .sql_service import elapsed_days, local_date, month_of, ts_param

CANCELLED = "cancelled"  # sales OrderStatus.CANCELLED: not a purchase


def _t(model: Any) -> str:
    return model._meta.db_table


def _refresh_activity(window: RefreshWindow) -> int:
    table = _t(PartyMonthActivity)
    orders = _t(Order)
    order_date, p_date = local_date(connection, "o.ordered_at")
    month = month_of(connection, order_date)
    params: list[Any] = [*p_date, CANCELLED]  # the month in the SELECT list, the status
    with connection.cursor() as cursor:
        if window.full:
            cursor.execute(f"DELETE FROM {table}")
            where = ""
        else:
            assert window.since is not None
            at = ts_param(connection, window.since)
            touched = (
                f"SELECT party_id FROM {orders} WHERE updated_at >= %s "
                f"UNION SELECT id FROM {_t(Party)} WHERE merged_at >= %s"
            )
            cursor.execute(f"DELETE FROM {table} WHERE party_id IN ({touched})", [at, at])
            where = f" AND o.party_id IN ({touched})"
            params += [at, at]
        cursor.execute(
            f"""
            INSERT INTO {table} (party_id, month, cohort_month, orders)
            SELECT m.party_id, m.month, MIN(m.month) OVER (PARTITION BY m.party_id), m.orders
            FROM (
                SELECT o.party_id AS party_id, {month} AS month, COUNT(*) AS orders
                FROM {orders} o
                WHERE o.status <> %s{where}
                GROUP BY 1, 2
            ) m
            """,
            params,
        )
        rows = max(cursor.rowcount, 0)
        cursor.execute(f"DELETE FROM {_t(CohortCell)}")
        cursor.execute(
            f"""
            INSERT INTO {_t(CohortCell)} (cohort_month, month, customers)
            SELECT cohort_month, month, COUNT(*) FROM {table} GROUP BY cohort_month, month
            """
        )
        return rows + max(cursor.rowcount, 0)


def _refresh_spells(window: RefreshWindow) -> int:
    table = _t(LifecycleSpell)
    moves = _t(LifecycleMove)
    days = elapsed_days(connection, "m.occurred_at", "m.left_at")
    with connection.cursor() as cursor:
        params: list[Any] = []
        if window.full:
            cursor.execute(f"DELETE FROM {table}")
            where = ""
        else:
            # the newest move already read, taken before the touched parties' spells go
            cursor.execute(f"SELECT COALESCE(MAX(move_id), 0) FROM {table}")
            last = cursor.fetchone()[0]
            touched = f"SELECT party_id FROM {moves} WHERE id > %s"
            cursor.execute(f"DELETE FROM {table} WHERE party_id IN ({touched})", [last])
            where = f" WHERE party_id IN ({touched})"
            params = [last]
        cursor.execute(
            f"""
            INSERT INTO {table} (move_id, party_id, stage, entered_at, left_at, next_stage, days)
            SELECT m.id, m.party_id, m.to_stage, m.occurred_at, m.left_at,
                COALESCE(m.next_stage, ''),
                CASE WHEN m.left_at IS NULL THEN NULL ELSE {days} END
            FROM (
                SELECT id, party_id, to_stage, occurred_at,
                    LEAD(occurred_at) OVER (PARTITION BY party_id ORDER BY occurred_at, id)
                        AS left_at,
                    LEAD(to_stage) OVER (PARTITION BY party_id ORDER BY occurred_at, id)
                        AS next_stage
                FROM {moves}{where}
            ) m
            """,
            params,
        )
        return max(cursor.rowcount, 0)


def refresh_retention(window: RefreshWindow) -> int:
    """Refresh the monthly activity and cohort cells, then the lifecycle spells."""
    return _refresh_activity(window) + _refresh_spells(window)


refresher_register("retention", refresh_retention, order=45, label="Retention and lifecycle")
