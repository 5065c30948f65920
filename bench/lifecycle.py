"""Lifecycle backfill at scale: ``fregues lifecycle backfill`` over a generated order history.

    uv run python -m bench.lifecycle --customers 1000000 --lines 5000000        # PostgreSQL
    uv run python -m bench.lifecycle --customers 100000 --lines 500000 --db sqlite,postgres

For each database, from scratch: ``fregues migrate``; the customers, orders, order lines and
invoices are generated straight into the tables (COPY on PostgreSQL, ``executemany`` on SQLite,
through ``fregues.core.bulk`` — the orders import is measured by its own benchmark); ANALYZE;
then, each as its own ``fregues`` process: ``lifecycle backfill --dry-run``, ``lifecycle
backfill`` (the measurement), ``lifecycle backfill`` again (must move nothing) and ``lifecycle
sweep``. Results go to ``bench/results/<date>-lifecycle-<customers>.json`` and ``.md``.

The history (seeded, reproducible): about 35 % of the customers never ordered; the others have
1 + a geometric number of orders (≈ 2.6 on average) with 1–5 lines each, placed 2020–2026 with
gaps of 200 days on average (so there are repeats within a year, and lapses of more than a
year); 75 % paid, 4 % cancelled, a tenth of the unpaid ones paid through an invoice. The stages
the customers start at are those of an imported base: mostly suspects and prospects, some
buyers, clients, inactive and lost.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

from .util import REPO, fregues_command, git_info, log, machine_info, results_write, run

PG_URL = "postgres://postgres@127.0.0.1:5432"
START = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
END = dt.datetime(2026, 5, 31, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
STAGES = [("suspect", 55), ("prospect", 30), ("buyer", 6), ("client", 4), ("inactive", 3),
          ("lost", 2)]  # fmt: skip
CHUNK = 20_000


# --- the child: generating the history inside Django --------------------------------------


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fregues.settings")
    import django

    django.setup()


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def generate(customers: int, lines: int, seed: int) -> dict[str, Any]:
    """Write ``customers`` parties and orders with about ``lines`` lines into the database."""
    _setup()
    from django.db import connection, transaction

    from fregues.core.bulk import bulk_insert, refresh_statistics, reserve_ids
    from fregues.parties.models import Party
    from fregues.sales.models import Invoice, Order, OrderLine

    rng = random.Random(seed)
    started = time.perf_counter()
    span = (END - START).total_seconds()
    stages = [s for s, _w in STAGES]
    weights = [w for _s, w in STAGES]
    lines_per_customer = lines / customers
    # P(order) × orders per buyer × lines per order = lines per customer
    orders_mean = 2.28  # 1 + geometric(0.4), less the orders that would fall after END
    p_orders = min(1.0, lines_per_customer / (orders_mean * 3))
    counts = {"parties": 0, "orders": 0, "lines": 0, "invoices": 0}
    now = dt.datetime.now(dt.UTC)
    party_cols = [
        "id",
        "kind",
        "name",
        "given_name",
        "family_name",
        "legal_name",
        "tax_id",
        "tax_id_kind",
        "country",
        "language",
        "lifecycle_stage",
        "lifecycle_changed_at",
        "preferred_channel",
        "tier",
        "attributes",
        "search_text",
        "version",
        "created_at",
        "updated_at",
    ]
    order_cols = [
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
    ]
    line_cols = [
        "order_id",
        "position",
        "sku",
        "description",
        "unit",
        "quantity",
        "unit_price",
        "discount_percent",
        "discount",
        "tax_rate",
        "tax_code",
        "net",
        "tax",
        "total",
        "unit_cost",
    ]
    invoice_cols = [
        "number",
        "source",
        "external_id",
        "party_id",
        "order_id",
        "status",
        "payment_state",
        "issued_at",
        "due_date",
        "paid_at",
        "amount_paid",
        "content_hash",
        "currency",
        "subtotal",
        "discount_total",
        "tax_total",
        "total",
        "version",
        "created_at",
        "updated_at",
    ]
    imported = now - dt.timedelta(days=3000)  # the stages were set before any order
    number = 0
    done = 0
    while done < customers and counts["lines"] < lines:
        size = min(CHUNK, customers - done)
        with transaction.atomic():
            ids = reserve_ids(Party, size)
            parties: list[tuple[Any, ...]] = []
            plans: list[tuple[int, list[dt.datetime]]] = []
            for pid in ids:
                stage = rng.choices(stages, weights)[0]
                parties.append(
                    (pid, "person", f"Cliente {pid}", "Cliente", str(pid), "", "", "", "BR",
                     "pt-br", stage, imported, "", "", {}, f"cliente {pid}", 1, now, now)
                )  # fmt: skip
                if rng.random() < p_orders:
                    n = 1
                    while rng.random() > 0.4 and n < 40:
                        n += 1
                    at = START + dt.timedelta(seconds=rng.random() * span * 0.9)
                    dates = []
                    for _ in range(n):
                        if at > END:
                            break
                        dates.append(at)
                        at += dt.timedelta(days=rng.expovariate(1 / 200))
                    plans.append((pid, dates))
            bulk_insert(Party, party_cols, parties)
            total_orders = sum(len(d) for _p, d in plans)
            order_ids = iter(reserve_ids(Order, total_orders))
            orders, order_lines, invoices = [], [], []
            for pid, dates in plans:
                for at in dates:
                    oid = next(order_ids)
                    number += 1
                    n_lines = rng.randint(1, 5)
                    net_sum = tax_sum = 0
                    for pos in range(n_lines):
                        qty = rng.randint(1, 10)
                        price = rng.randint(1000, 50000)
                        rate = rng.choice((0, 5, 18))
                        net = qty * price
                        tax = round(net * rate / 100)
                        net_sum += net
                        tax_sum += tax
                        order_lines.append(
                            (oid, pos, f"SKU-{price % 977}", "Produto", "un", qty, _money(price),
                             "0", "0", rate, "", _money(net), _money(tax), _money(net + tax),
                             _money(price * 6 // 10))
                        )  # fmt: skip
                    r = rng.random()
                    status = "cancelled" if r < 0.04 else "confirmed"
                    pay = rng.random()
                    state = "paid" if pay < 0.75 else "unpaid" if pay < 0.9 else "partial"
                    total = net_sum + tax_sum
                    orders.append(
                        (oid, f"PED-{at.year}-{number:07d}", "erp", f"E{number}", pid, status,
                         state, at, at if state == "paid" else None,
                         _money(total if state == "paid" else 0),
                         _money(net_sum * 6 // 10) if rng.random() < 0.7 else None, "", "",
                         "BRL", _money(net_sum), "0", _money(tax_sum), _money(total), 1, now,
                         now)
                    )  # fmt: skip
                    if state == "unpaid" and rng.random() < 0.1:
                        invoices.append(
                            (f"NF-{number:07d}", "erp", f"I{number}", pid, oid, "issued", "paid",
                             at, (at + dt.timedelta(days=30)).date(), at, _money(total), "",
                             "BRL", _money(net_sum), "0", _money(tax_sum), _money(total), 1, now,
                             now)
                        )  # fmt: skip
            bulk_insert(Order, order_cols, orders)
            bulk_insert(OrderLine, line_cols, order_lines)
            bulk_insert(Invoice, invoice_cols, invoices)
        counts["parties"] += len(parties)
        counts["orders"] += len(orders)
        counts["lines"] += len(order_lines)
        counts["invoices"] += len(invoices)
        done += size
        if done % (CHUNK * 10) == 0:
            log(f"  generated {done:,} customers, {counts['lines']:,} order lines")
    refresh_statistics(Party, Order, OrderLine, Invoice)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE parties_party")
    return {**counts, "seconds": round(time.perf_counter() - started, 1)}


def stage_counts() -> dict[str, Any]:
    _setup()
    from django.db.models import Count

    from fregues.parties.models import LifecycleMove, Party

    stages = dict(Party.objects.values_list("lifecycle_stage").annotate(n=Count("id")).order_by())
    return {"stages": stages, "lifecycle_moves": LifecycleMove.objects.count()}


# --- the parent: one database after the other ------------------------------------------------


def _env(db: str, work: Path, database: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FREGUES_")}
    env["FREGUES_DATA_DIR"] = str(work / db)
    env["FREGUES_TASK_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
    if db == "postgres":
        env["FREGUES_DATABASE_URL"] = f"{PG_URL}/{database}"
    return env


def _psql(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def measure(db: str, args: argparse.Namespace) -> dict[str, Any]:
    work = Path(args.work).resolve()
    env = _env(db, work, args.pg_database)
    out: dict[str, Any] = {"database": db}
    if db == "postgres":
        _psql(f"DROP DATABASE IF EXISTS {args.pg_database} WITH (FORCE)")
        _psql(f"CREATE DATABASE {args.pg_database}")
    else:
        target = work / db
        target.mkdir(parents=True, exist_ok=True)
        for name in ("fregues.sqlite3", "fregues.sqlite3-wal", "fregues.sqlite3-shm"):
            (target / name).unlink(missing_ok=True)
    fregues = fregues_command()
    log(f"[{db}] migrate")
    step = run([*fregues, "migrate", "--no-input"], env)
    if step.returncode:
        return out | {"error": "migrate failed: " + step.tail()}
    log(f"[{db}] generating {args.customers:,} customers / {args.lines:,} order lines")
    step = run(
        [sys.executable, "-m", "bench.lifecycle", "--child", "generate",
         "--customers", str(args.customers), "--lines", str(args.lines), "--seed", str(args.seed)],
        env,
    )  # fmt: skip
    if step.returncode:
        return out | {"error": "generate failed: " + step.tail()}
    out["generated"] = step.last_json()
    log(f"[{db}] generated: {out['generated']}")
    for name, argv in (
        ("dry_run", ["lifecycle", "backfill", "--dry-run", "--json", "--now", NOW.isoformat()]),
        ("backfill", ["lifecycle", "backfill", "--json", "--now", NOW.isoformat()]),
        ("second_run", ["lifecycle", "backfill", "--json", "--now", NOW.isoformat()]),
        ("sweep", ["lifecycle", "sweep", "--json", "--now", NOW.isoformat()]),
    ):
        log(f"[{db}] {' '.join(argv)}")
        step = run([*fregues, *argv], env, timeout=args.timeout)
        result = step.last_json() or {"error": step.tail()}
        out[name] = result | {"wall_seconds": round(step.seconds, 2), "max_rss_mb": step.max_rss_mb}
        log(f"[{db}]   {json.dumps(out[name])}")
    step = run([sys.executable, "-m", "bench.lifecycle", "--child", "stages"], env)
    out["after"] = step.last_json()
    if not args.keep and db == "postgres":
        _psql(f"DROP DATABASE IF EXISTS {args.pg_database} WITH (FORCE)")
    return out


def _row(label: str, values: list[str]) -> str:
    return f"| {label} | " + " | ".join(values) + " |"


def report(results: dict[str, Any]) -> str:
    runs = results["runs"]
    head = ["Metric", *[r["database"] for r in runs]]
    lines = [
        f"# Lifecycle backfill — {results['customers']:,} customers / "
        f"{results['lines']:,} order lines",
        "",
        f"{results['date']} · commit {results['git'].get('short')} · "
        f"{results['machine'].get('cores')} cores · load {results['machine'].get('load_average')}",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]

    def get(run: dict[str, Any], *path: str) -> Any:
        value: Any = run
        for key in path:
            value = (value or {}).get(key) if isinstance(value, dict) else None
        return value

    def fmt(value: Any, digits: int = 1) -> str:
        if value is None:
            return "—"
        if isinstance(value, float):
            return f"{value:,.{digits}f}"
        if isinstance(value, int):
            return f"{value:,}"
        return str(value)

    rows = [
        ("Orders / invoices generated", lambda r: f"{fmt(get(r, 'generated', 'orders'))} / "
         f"{fmt(get(r, 'generated', 'invoices'))}"),
        ("Generating (s)", lambda r: fmt(get(r, "generated", "seconds"))),
        ("Dry run (s)", lambda r: fmt(get(r, "dry_run", "seconds"))),
        ("Backfill (s, the command's own time)", lambda r: fmt(get(r, "backfill", "seconds"))),
        ("  ↳ reading the facts (s)", lambda r: fmt(get(r, "backfill", "facts_seconds"))),
        ("  ↳ writing the moves (s)", lambda r: fmt(get(r, "backfill", "write_seconds"))),
        ("Backfill wall time with start-up (s)", lambda r: fmt(get(r, "backfill", "wall_seconds"))),
        ("Backfill peak RSS (MB)", lambda r: fmt(get(r, "backfill", "max_rss_mb"))),
        ("Customers with orders read", lambda r: fmt(get(r, "backfill", "parties_read"))),
        ("Customers moved / moves", lambda r: f"{fmt(get(r, 'backfill', 'parties_moved'))} / "
         f"{fmt(get(r, 'backfill', 'moves'))}"),
        ("Second run (s) / moves", lambda r: f"{fmt(get(r, 'second_run', 'seconds'))} / "
         f"{fmt(get(r, 'second_run', 'moves'))}"),
        ("Daily sweep (s) / moves", lambda r: f"{fmt(get(r, 'sweep', 'wall_seconds'))} / "
         f"{fmt(get(r, 'sweep', 'moves'))}"),
    ]  # fmt: skip
    for label, cell in rows:
        lines.append(_row(label, [cell(r) for r in runs]))
    lines.append("")
    for r in runs:
        if r.get("error"):
            lines.append(f"- {r['database']}: {r['error']}")
        moves = get(r, "backfill", "by_move") or {}
        if moves:
            top = ", ".join(f"{k} {v:,}" for k, v in sorted(moves.items(), key=lambda kv: -kv[1]))
            lines.append(f"- {r['database']} moves: {top}")
        if get(r, "after", "stages"):
            lines.append(f"- {r['database']} stages after: {get(r, 'after', 'stages')}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.lifecycle", description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--db", default="postgres")
    parser.add_argument("--keep", action="store_true", help="Keep the PostgreSQL database.")
    parser.add_argument("--out", default=str(REPO / "bench" / "results"))
    parser.add_argument("--work", default=str(REPO / "bench" / ".work"))
    parser.add_argument("--pg-database", default="fregues_bench_lifecycle")
    parser.add_argument("--timeout", type=float, default=4 * 3600)
    parser.add_argument("--child", choices=["generate", "stages"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "generate":
        print(json.dumps(generate(args.customers, args.lines, args.seed)))
        return 0
    if args.child == "stages":
        print(json.dumps(stage_counts()))
        return 0
    results: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "customers": args.customers,
        "lines": args.lines,
        "git": git_info(),
        "machine": machine_info(),
        "runs": [],
    }
    for db in [d.strip() for d in args.db.split(",") if d.strip()]:
        results["runs"].append(measure(db, args))
    results_write(args.out, f"lifecycle-{args.customers}", results, report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
