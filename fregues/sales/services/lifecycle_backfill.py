"""Recomputing every customer's lifecycle stage from the rules and the whole order history.

``fregues lifecycle backfill`` runs after a bulk load of orders (an ERP history, an import),
after a rule changed, or once when the rules are introduced. It reads the facts of a range of
parties at a time with one SQL query (``lifecycle_facts.read_facts``), plans the moves with the
same function the per-order service uses, and writes only the moves that change a stage, in
bulk: ``LifecycleMove`` rows with their reason and the order that caused them, one UPDATE of
the parties (stage, when, version) and one audit entry per batch. A second run moves nothing.

The daily sweep (``lifecycle_sweep``) uses the same writer for the dormant customers.
"""

from __future__ import annotations

import datetime
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record
from fregues.core.bulk import any_of, bulk_insert
from fregues.core.permissions import require
from fregues.parties.models import LifecycleMove, LifecycleStage

from ..models import LifecycleRuleKind, Order
from .common import ORDER_REGARDING, user_or_none
from .lifecycle_facts import Plan, Rules, active_rules, plans_for, read_facts

K = LifecycleRuleKind
S = LifecycleStage
BATCH_PARTIES = 50_000


@dataclass
class BackfillResult:
    """What a backfill (or a sweep) did, or would do with ``dry_run``."""

    parties_read: int = 0
    parties_moved: int = 0
    moves: int = 0
    by_move: Counter[str] = field(default_factory=Counter)
    batches: int = 0
    seconds: float = 0.0
    facts_seconds: float = 0.0  # reading the facts (the SQL over the orders)
    write_seconds: float = 0.0  # writing the moves, the parties and the audit entries
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "parties_read": self.parties_read,
            "parties_moved": self.parties_moved,
            "moves": self.moves,
            "by_move": dict(sorted(self.by_move.items())),
            "batches": self.batches,
            "seconds": round(self.seconds, 3),
            "facts_seconds": round(self.facts_seconds, 3),
            "write_seconds": round(self.write_seconds, 3),
            "dry_run": self.dry_run,
        }


def _day(value: Any) -> str:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date().isoformat()
    return str(value or "")


def move_reason(rule: str, order: tuple[str, Any] | None, rules: Rules) -> str:
    """The sentence recorded with an automatic move, naming the order that caused it."""
    number, ordered_at = order or ("?", None)
    values = {"number": number, "date": _day(ordered_at)}
    if rule == K.FIRST_PAID_ORDER:
        return _("First paid order: %(number)s of %(date)s.") % values
    if rule == K.REPEAT_ORDER:
        return _("Ordered again within %(days)s days: %(number)s of %(date)s.") % (
            values | {"days": rules.window_days}
        )
    if rule == K.DORMANT:
        return _("No order for %(months)s months since %(number)s of %(date)s.") % (
            values | {"months": rules.dormant_months}
        )
    return _("Bought again: %(number)s of %(date)s.") % values


def orders_named(plans: Sequence[Plan]) -> dict[int, tuple[str, Any]]:
    """Number and date of every order the plans name (one query)."""
    ids = {m.order_id for p in plans for m in p.moves}
    if not ids:
        return {}
    where, params = any_of("id", ids)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, number, ordered_at FROM sales_order WHERE {where}", params)
        rows = cursor.fetchall()
    out: dict[int, tuple[str, Any]] = {}
    for pk, number, ordered_at in rows:
        if isinstance(ordered_at, str):  # SQLite through a raw cursor
            ordered_at = datetime.datetime.fromisoformat(ordered_at)
        if isinstance(ordered_at, datetime.datetime) and timezone.is_naive(ordered_at):
            ordered_at = ordered_at.replace(tzinfo=datetime.UTC)
        out[pk] = (number, ordered_at)
    return out


def write_plans(
    plans: Sequence[Plan], rules: Rules, *, actor: Any, now: datetime.datetime, label: str
) -> tuple[int, Counter[str]]:
    """Write the moves of ``plans`` in bulk inside the caller's transaction: the history rows,
    the parties' new stages (only where the party is still at the version the facts were read
    at) and one audit entry. Returns (parties moved, moves per "from→to")."""
    if not plans:
        return 0, Counter()
    updated = _update_parties(plans, now)
    kept = [p for p in plans if p.party_id in updated]
    orders = orders_named(kept)
    actor_id = getattr(user_or_none(actor), "pk", None)
    counts: Counter[str] = Counter()
    rows = []
    for plan in kept:
        for move in plan.moves:
            counts[f"{move.from_stage}→{move.to_stage}"] += 1
            rows.append(
                (
                    plan.party_id,
                    move.from_stage,
                    move.to_stage,
                    now,
                    actor_id,
                    move_reason(move.rule, orders.get(move.order_id), rules)[:300],
                    ORDER_REGARDING,
                    move.order_id,
                )
            )
    bulk_insert(
        LifecycleMove,
        (
            "party_id",
            "from_stage",
            "to_stage",
            "occurred_at",
            "actor_id",
            "reason",
            "cause_type",
            "cause_id",
        ),
        rows,
    )
    if kept:
        audit_record(
            actor=actor,
            action="move",
            entity_type="sales.lifecyclerule",
            entity_id=0,
            summary=_("%(label)s: %(moves)s lifecycle moves for %(parties)s customers")
            % {"label": label, "moves": len(rows), "parties": len(kept)},
            changes={"moves": dict(sorted(counts.items())), "parties": len(kept)},
        )
    return len(kept), counts


def _update_parties(plans: Sequence[Plan], now: datetime.datetime) -> set[int]:
    """Set each party's final stage where its version is still the one read; the ids set."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE parties_party AS p SET lifecycle_stage = v.stage, "
                "lifecycle_changed_at = %s, updated_at = %s, version = p.version + 1 "
                "FROM (SELECT unnest(%s::bigint[]) AS id, unnest(%s::bigint[]) AS version, "
                "unnest(%s::text[]) AS stage) AS v "
                "WHERE p.id = v.id AND p.version = v.version RETURNING p.id",
                [
                    now,
                    now,
                    [p.party_id for p in plans],
                    [p.version for p in plans],
                    [p.final for p in plans],
                ],
            )
            return {row[0] for row in cursor.fetchall()}
    # SQLite: writers take turns, and the facts were read in this transaction; still check
    where, params = any_of("id", [p.party_id for p in plans])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, version FROM parties_party WHERE {where}", params)
        current = dict(cursor.fetchall())
        fresh = [p for p in plans if current.get(p.party_id) == p.version]
        stamp = connection.ops.adapt_datetimefield_value(now)
        cursor.executemany(
            "UPDATE parties_party SET lifecycle_stage = %s, lifecycle_changed_at = %s, "
            "updated_at = %s, version = version + 1 WHERE id = %s",
            [(p.final, stamp, stamp, p.party_id) for p in fresh],
        )
    return {p.party_id for p in fresh}


def lifecycle_backfill(
    *,
    actor: Any = None,
    dry_run: bool = False,
    party_id: int | None = None,
    batch_size: int = BATCH_PARTIES,
    now: datetime.datetime | None = None,
    progress: Callable[[BackfillResult, int, int], None] | None = None,
) -> BackfillResult:
    """Recompute the lifecycle stage of every party with orders (or of ``party_id``) from the
    active rules and the whole order history; write the moves that change a stage, in batches
    of ``batch_size`` party ids, each in one transaction. ``dry_run`` counts the moves per
    from→to and writes nothing. ``progress(result, done_up_to_id, max_id)`` after each batch."""
    require(actor, "sales.configure")
    now = now or timezone.now()
    started = time.perf_counter()
    result = BackfillResult(dry_run=dry_run)
    rules = active_rules()
    if not rules.orders_matter:
        return result
    if party_id is not None:
        ranges = [(party_id, party_id + 1)]
        top = party_id + 1
    else:
        span = Order.objects.aggregate(first=Min("party_id"), last=Max("party_id"))
        first, top = span["first"] or 0, (span["last"] or -1) + 1
        ranges = [(lo, min(lo + batch_size, top)) for lo in range(first, top, batch_size)]
    for lo, hi in ranges:
        with transaction.atomic():
            mark = time.perf_counter()
            facts = read_facts(rules, now, id_range=(lo, hi))
            plans = plans_for(facts, rules)
            result.facts_seconds += time.perf_counter() - mark
            mark = time.perf_counter()
            result.parties_read += len(facts)
            result.batches += 1
            if dry_run:
                for plan in plans:
                    for move in plan.moves:
                        result.by_move[f"{move.from_stage}→{move.to_stage}"] += 1
                result.parties_moved += len(plans)
            else:
                moved, counts = write_plans(
                    plans, rules, actor=actor, now=now, label=_("Lifecycle backfill")
                )
                result.parties_moved += moved
                result.by_move.update(counts)
        result.write_seconds += time.perf_counter() - mark
        result.moves = sum(result.by_move.values())
        if progress:
            progress(result, hi, top)
    result.seconds = time.perf_counter() - started
    return result


def dormant_candidates(rules: Rules, now: datetime.datetime) -> list[int]:
    """Customers (buyer, client, advocate) whose last order is older than the dormancy
    period: the only parties the daily sweep has to look at."""
    days = rules.dormant_days
    if days is None:
        return []
    cutoff = connection.ops.adapt_datetimefield_value(now - datetime.timedelta(days=days))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.id FROM parties_party p "
            "WHERE p.lifecycle_stage IN ('buyer', 'client', 'advocate') "
            "AND p.merged_into_id IS NULL "
            "AND EXISTS (SELECT 1 FROM sales_order o WHERE o.party_id = p.id "
            "AND o.status <> 'cancelled') "
            "AND NOT EXISTS (SELECT 1 FROM sales_order o WHERE o.party_id = p.id "
            "AND o.status <> 'cancelled' AND o.ordered_at >= %s) ORDER BY p.id",
            [cutoff],
        )
        return [row[0] for row in cursor.fetchall()]


def dormant_sweep(*, now: datetime.datetime, chunk: int = 5000) -> BackfillResult:
    """Move dormant customers to inactive, in bulk (see ``lifecycle_rules.lifecycle_sweep``)."""
    started = time.perf_counter()
    result = BackfillResult()
    rules = active_rules()
    ids = dormant_candidates(rules, now)
    for start in range(0, len(ids), chunk):
        with transaction.atomic():
            facts = read_facts(rules, now, party_ids=ids[start : start + chunk])
            plans = plans_for(facts, rules)
            moved, counts = write_plans(
                plans, rules, actor=None, now=now, label=_("Daily lifecycle sweep")
            )
        result.parties_read += len(facts)
        result.parties_moved += moved
        result.by_move.update(counts)
        result.batches += 1
    result.moves = sum(result.by_move.values())
    result.seconds = time.perf_counter() - started
    return result
