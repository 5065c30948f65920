"""Writing one batch of a staged orders import (``order_staging``) on PostgreSQL.

A batch is the engine's batch (the same lines, never splitting an order) and one transaction,
as in the row-by-row path, so what a batch leaves behind is the same: the orders SQL vouched
for are written with INSERT … SELECT from the staging tables; the orders marked ``python``
are read back from the staged rows and go through ``order_import_validate`` and ``_plan``
(rejected with their reasons, or planned as new or changed orders); both kinds of new orders
share the batch's ids (reserved in the file's order), its one audit entry, its lifecycle run
and its ``sales.orders.imported`` event. If someone else saved one of the batch's orders
meanwhile, the whole batch goes through ``order_import_many``, which handles that.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from fregues.core.bulk import reserve_ids
from fregues.core.permissions import require
from fregues.parties.services.imports import ImportReport, ImportRow

from ..models import Order
from . import order_import_writes as writes
from .order_imports import _plan, order_import_many, order_import_validate
from .order_staging import Stage

_ORDER_INSERT = """
INSERT INTO sales_order (id, number, source, external_id, party_id, status, payment_state,
  ordered_at, paid_at, amount_paid, cost_total, notes, content_hash, currency, subtotal,
  discount_total, tax_total, total, version, created_at, updated_at)
SELECT m.id, CASE WHEN o.number <> '' THEN o.number ELSE left(o.k, 60) END, %(source)s, o.k,
  o.party_id, o.status, o.payment_state, o.ordered_at, o.paid_at, o.amount_paid, o.cost_total,
  o.notes, o.fingerprint, o.currency, o.subtotal, o.discount_total, o.tax_total, o.total, 1,
  %(now)s, %(now)s
FROM {ord} o JOIN unnest(%(lines)s::int[], %(ids)s::bigint[]) m(fl, id) ON m.fl = o.first_line
WHERE o.b = %(b)s AND o.action = 'create'
"""
_LINE_INSERT = """
INSERT INTO sales_orderline (order_id, position, product_id, sku, description, unit, quantity,
  unit_price, discount_percent, discount, tax_rate, tax_code, net, tax, total, unit_cost)
SELECT m.id, row_number() OVER (PARTITION BY l.k ORDER BY l.line) - 1, l.prod_id, l.w_sku,
  CASE WHEN l.w_descr <> '' THEN l.w_descr ELSE l.w_sku END, l.w_unit, l.qn, l.pn, l.pct,
  l.disc, l.tn, l.tax_code, l.net, l.tax, l.total,
  coalesce(l.cn, CASE WHEN l.pcost IS NOT NULL AND l.pcc IN ('', o.currency)
                      THEN round(l.pcost, 4) END)
FROM {lin} l
JOIN {ord} o ON o.b = l.b AND o.k = l.k
JOIN unnest(%(lines)s::int[], %(ids)s::bigint[]) m(fl, id) ON m.fl = o.first_line
WHERE l.b = %(b)s AND o.action = 'create'
"""


def _rows_of(stage: Stage, batch: int, only_python: bool) -> list[ImportRow]:
    """A batch's staged rows as the engine made them (all, or those of ``python`` orders)."""
    rows, ords = stage.table("rows"), stage.of("ord", batch)
    cells = ", ".join(f"s.c{i}" for i in range(stage.width))
    join = (
        f"JOIN {ords} o ON o.b = s.b AND o.k = s.k AND o.action = 'python' " if only_python else ""
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.line, s.n, {cells} FROM {rows} s {join}WHERE s.b = %s ORDER BY s.line",
            [batch],
        )
        found = cursor.fetchall()
    out = []
    fields = stage.fields.items()
    for line, count, *given in found:
        row_cells = [c if c is not None else "" for c in given[:count]]
        values = {name: [row_cells[at]] for name, at in fields if row_cells[at]}
        out.append(ImportRow(line, values, row_cells))
    return out


def order_import_staged_batch(
    *,
    actor: Any,
    stage: Stage,
    batch: int,
    source: str,
    label: str = "",
    job_id: int | None = None,
) -> tuple[ImportReport, list[ImportRow]]:
    """Write batch ``batch`` of a staged file (see the module's docstring); returns what it
    did and the rows read back (whose cells the rejected-rows file repeats)."""
    require(actor, "data.import")
    require(actor, "order.change")
    rows = _rows_of(stage, batch, only_python=True)
    try:
        with transaction.atomic():
            return _write(actor, stage, batch, source, label, job_id, rows), rows
    except IntegrityError:
        every = _rows_of(stage, batch, only_python=False)
        report = order_import_many(
            actor=actor, rows=every, source=source, label=label, job_id=job_id
        )
        return report, every


def _write(
    actor: Any,
    stage: Stage,
    batch: int,
    source: str,
    label: str,
    job_id: int | None,
    rows: list[ImportRow],
) -> ImportReport:
    ords, lins = stage.of("ord", batch), stage.of("lin", batch)
    report, creates, updates = (
        _plan(order_import_validate(rows), source)
        if rows
        else (
            ImportReport(),
            [],
            [],
        )
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT action, first_line, party_id FROM {ords} "
            "WHERE b = %s AND action IN ('skip', 'create')",
            [batch],
        )
        found = cursor.fetchall()
    report.skipped += sum(1 for action, _line, _party in found if action == "skip")
    fast = sorted((line, party) for action, line, party in found if action == "create")
    report.created += len(fast)
    # ids in the file's order, new orders of both kinds together, as the row-by-row path gives
    order = sorted([(line, None) for line, _party in fast] + [(c.lines_at[0], c) for c in creates])
    ids = reserve_ids(Order, len(order))
    for (_line, cand), pk in zip(order, ids, strict=True):
        if cand is not None:
            cand.order_id = pk
    now = timezone.now()
    if fast:
        by_line = dict(zip((line for line, _c in order), ids, strict=True))
        params: dict[str, Any] = {
            "b": batch,
            "source": source,
            "now": now,
            "lines": [line for line, _party in fast],
            "ids": [by_line[line] for line, _party in fast],
        }
        with connection.cursor() as cursor:
            cursor.execute(_ORDER_INSERT.format(ord=ords), params)
            cursor.execute(_LINE_INSERT.format(ord=ords, lin=lins), params)
    if creates:
        writes.insert_creates(creates, source, now)
    parties = {party for _line, party in fast} | {c.party_id for c in creates}
    if ids:
        writes.audit_creates(actor, ids, len(parties), source, label)
    writes.write_updates(actor, updates, source, label, now)
    parties |= {c.party_id for c in updates if c.party_id}
    writes.batch_close(parties, len(order), len(updates), source, job_id)
    return report
