"""Writing a batch of imported orders (part of the orders import, ``order_imports``).

``batch_write`` writes the new orders and their lines by COPY with one audit entry for the
batch, the changed orders (lines replaced, one audit entry each with the difference), then
runs the lifecycle rules once for the batch's customers and emits one event — inside the
caller's transaction.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record, diff
from fregues.core.bulk import bulk_insert, reserve_ids

from ..models import Order, OrderLine
from .common import ORDER_REGARDING, sales_event
from .lifecycle_rules import lifecycle_rules_apply
from .order_lines import LINE_COLUMNS, line_rows
from .orders import order_payment_refresh, order_snapshot

if TYPE_CHECKING:
    from .order_imports import OrderCandidate

_ORDER_COLUMNS = (
    "id",
    "number",
    "source",
    "external_id",
    "party_id",
    "status",
    "payment_state",
    "ordered_at",
    "paid_at",
    "amount_paid",
    "cost_total",
    "notes",
    "content_hash",
    "currency",
    "subtotal",
    "discount_total",
    "tax_total",
    "total",
    "version",
    "created_at",
    "updated_at",
)


def _order_row(
    cand: OrderCandidate, source: str, now: datetime.datetime, ordered_at: datetime.datetime
) -> tuple[Any, ...]:
    head = cand.head
    totals = head["_totals"]
    state, paid, paid_at = head["_state"]
    return (
        cand.order_id,
        head["number"] or cand.external_id[:60],
        source,
        cand.external_id,
        cand.party_id,
        head["status"],
        state,
        ordered_at,
        paid_at,
        paid,
        head["_cost"],
        head["notes"],
        cand.fingerprint,
        head["currency"],
        totals.subtotal,
        totals.discount_total,
        totals.tax_total,
        totals.total,
        1,
        now,
        now,
    )


def _write_lines(cands: list[OrderCandidate]) -> None:
    rows: list[tuple[Any, ...]] = []
    for cand in cands:
        rows.extend(line_rows(cand.order_id, cand.lines, True))  # type: ignore[arg-type]
    bulk_insert(OrderLine, ("order_id", *LINE_COLUMNS, "unit_cost"), rows)


def _summary(cand: OrderCandidate, where: str, template: str) -> str:
    totals = cand.head["_totals"]
    return (
        template
        % {
            "file": where,
            "number": cand.head["number"] or cand.external_id,
            "total": totals.total,
            "currency": cand.head["currency"],
        }
    )[:300]


def write_creates(
    actor: Any, creates: list[OrderCandidate], source: str, label: str, now: datetime.datetime
) -> None:
    if not creates:
        return
    for cand, pk in zip(creates, reserve_ids(Order, len(creates)), strict=True):
        cand.order_id = pk
    insert_creates(creates, source, now)
    audit_creates(
        actor, [c.order_id for c in creates], len({c.party_id for c in creates}), source, label
    )


def insert_creates(creates: list[OrderCandidate], source: str, now: datetime.datetime) -> None:
    """COPY new orders (their ids reserved already) and their lines."""
    bulk_insert(
        Order,
        _ORDER_COLUMNS,
        (_order_row(c, source, now, c.head["ordered_at"] or now) for c in creates),
    )
    _write_lines(creates)


def audit_creates(
    actor: Any, order_ids: list[Any], customers: int, source: str, label: str
) -> None:
    """One entry per batch, not per order: an ERP's history is millions of orders, each of
    them on its customer's page already; the entry says who loaded which, from where."""
    audit_record(
        actor=actor,
        action="create",
        entity_type="sales.order_import",
        entity_id=0,
        summary=_("%(n)s orders imported from %(file)s")
        % {"n": len(order_ids), "file": label or source},
        changes={
            "import": {
                "source": source,
                "count": len(order_ids),
                "customers": customers,
                "order_ids": order_ids,
            }
        },
    )


_UPDATED_FIELDS = [name for name in _ORDER_COLUMNS if name not in ("id", "created_at")]


def write_updates(
    actor: Any,
    updates: list[OrderCandidate],
    source: str,
    label: str,
    now: datetime.datetime,
) -> None:
    """Changed orders: new head and totals, lines replaced, the difference audited; an order
    with invoices keeps following them."""
    if not updates:
        return
    ids = [c.order_id for c in updates if c.order_id is not None]
    stored = {o.pk: o for o in Order.objects.select_for_update().filter(pk__in=ids)}
    before = {pk: order_snapshot(o) for pk, o in stored.items()}
    changed: list[Order] = []
    for cand in updates:
        order = stored[cand.order_id]  # type: ignore[index]
        when = cand.head["ordered_at"] or order.ordered_at
        row = dict(zip(_ORDER_COLUMNS, _order_row(cand, source, now, when), strict=True))
        for name in _UPDATED_FIELDS:
            if name != "version":
                setattr(order, name, row[name])
        order.version += 1
        changed.append(order)
    Order.objects.bulk_update(changed, _UPDATED_FIELDS, batch_size=500)
    OrderLine.objects.filter(order_id__in=ids).delete()
    _write_lines(updates)
    invoiced = set(
        Order.objects.filter(pk__in=ids, invoices__isnull=False).values_list("pk", flat=True)
    )
    for pk in invoiced:
        order_payment_refresh(stored[pk], actor=actor, audit=False)
    # Changed orders are few (an ERP's corrections): one entry each, with the difference.
    where = label or source
    template = _("Updated from %(file)s: order %(number)s, %(total)s %(currency)s")
    for cand in updates:
        order = stored[cand.order_id]  # type: ignore[index]
        audit_record(
            actor=actor,
            action="update",
            instance=order,
            party_id=cand.party_id,
            summary=_summary(cand, where, template),
            changes={
                **diff(before[order.pk], order_snapshot(order)),
                "import": {"source": source, "lines": cand.lines_at[:50]},
            },
        )


def batch_write(
    actor: Any,
    creates: list[OrderCandidate],
    updates: list[OrderCandidate],
    source: str,
    label: str,
    job_id: int | None,
) -> None:
    """Write a planned batch (inside the caller's transaction)."""
    now = timezone.now()
    write_creates(actor, creates, source, label, now)
    write_updates(actor, updates, source, label, now)
    ready = [*creates, *updates]
    batch_close(
        {c.party_id for c in ready if c.party_id}, len(creates), len(updates), source, job_id
    )


def batch_close(
    party_ids: set[int], created: int, updated: int, source: str, job_id: int | None
) -> None:
    """After a batch wrote orders: the lifecycle rules once for its customers, one event."""
    if not created and not updated:
        return
    lifecycle_rules_apply(party_ids=sorted(party_ids), cause_type=ORDER_REGARDING, cause_id=None)
    sales_event("orders.imported", job_id=job_id, created=created, updated=updated, source=source)
