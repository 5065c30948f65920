"""The command line of ``python -m bench`` (see bench/README.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .util import REPO

ENGINES = ("sqlite", "postgres")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark Freguês on SQLite and PostgreSQL with a generated customer base.",
    )
    parser.add_argument("--customers", type=int, default=10_000, help="party rows (default 10000)")
    parser.add_argument(
        "--interactions",
        type=float,
        default=10,
        help="interactions per customer on average (default 10)",
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--db", default="sqlite,postgres", help="databases to measure: sqlite,postgres (default)"
    )
    parser.add_argument("--skip-http", action="store_true", help="no server, no HTTP metrics")
    parser.add_argument(
        "--order-lines",
        type=int,
        default=0,
        help="also generate this many order lines and measure `fregues import orders` (0: no)",
    )
    parser.add_argument(
        "--orders-without-lifecycle",
        action="store_true",
        help="switch the order-driven lifecycle rules off before importing orders (the import "
        "alone; the moves are then the backfill's)",
    )
    parser.add_argument(
        "--skip-import",
        action="store_true",
        help="load with the fallback bulk loader instead of `fregues import`",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the generated files and the databases (the next run reuses the files)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=REPO / "bench" / "results",
        help="where the .json and .md results go (default bench/results)",
    )
    parser.add_argument(
        "--work",
        type=Path,
        default=REPO / "bench" / ".work",
        help="scratch directory for the files and the SQLite database (default bench/.work)",
    )
    parser.add_argument(
        "--samples", type=int, default=1000, help="requests per latency metric (default 1000)"
    )
    parser.add_argument(
        "--query-samples",
        type=int,
        default=400,
        help="search queries, and lookups (half by phone, half by e-mail) (default 400)",
    )
    parser.add_argument(
        "--page5-samples", type=int, default=200, help="requests for page 5 (default 200)"
    )
    parser.add_argument("--wrk-seconds", type=int, default=10, help="10 to 20 (default 10)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument(
        "--budget",
        type=float,
        default=120,
        help="seconds at most per latency metric; fewer samples are taken past it (default 120)",
    )
    parser.add_argument("--scan-timeout", type=float, default=1800)
    parser.add_argument(
        "--pg", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL"
    )
    parser.add_argument("--pg-database", default="fregues_bench")
    args = parser.parse_args(argv)
    args.dbs = [d.strip() for d in args.db.split(",") if d.strip()]
    unknown = [d for d in args.dbs if d not in ENGINES]
    if unknown or not args.dbs:
        parser.error(f"--db takes sqlite and/or postgres, not {', '.join(unknown) or 'nothing'}")
    args.wrk_seconds = min(20, max(10, args.wrk_seconds))
    if args.customers < 1:
        parser.error("--customers must be at least 1")
    return args
