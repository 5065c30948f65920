"""``python -m bench``: generate, load through Freguês's import, measure, compare, report.

One run measures SQLite and PostgreSQL in turn on the same generated files. For each database:

1. (prepared beside the generator and the other database, not measured) a fresh database
   (SQLite: an empty data dir; PostgreSQL: ``fregues_bench`` dropped and created),
   ``fregues migrate``, a ``bench`` admin user and its API token;
2. the raw-SQL load limit (COPY / executemany into plain tables, dropped after);
3. ``fregues import parties FILE --json`` then ``fregues import interactions FILE --json``
   (when a step fails — e.g. the command does not exist — the failure is recorded and the data
   is loaded by the fallback loader so that everything else can still be measured);
4. the raw-SQL customer page (one party + its 50 latest interactions);
5. over HTTP, against ``fregues serve --no-worker --workers 2``: party and timeline first page
   for random customers, search, lookup by phone and e-mail, the fifth timeline page through the
   cursors, then ``wrk`` with 32 connections;
6. the duplicate scan over all parties, and ``fregues export parties -o FILE``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import secrets
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from . import orders, report
from .generate import Dataset, generate
from .http import (
    Client,
    Server,
    lookup_path,
    party_path,
    search_path,
    timed_gets,
    timeline_page5,
    timeline_path,
    wrk,
)
from .options import parse_args
from .queries import lookup_queries, search_queries
from .rawsql import RawDB, raw_load
from .util import (
    Completed,
    command_missing,
    fregues_command,
    git_info,
    log,
    machine_info,
    run,
)

PAGE5_MIN_INTERACTIONS = 201  # the fifth page of 50 starts at the 201st interaction


class StepError(Exception):
    """A step failed in a way worth one clear line in the report."""


# -- one database ---------------------------------------------------------------------------
class DatabaseRun:
    """Everything measured on one database; failures are recorded per step, never fatal."""

    dataset: Dataset

    def __init__(self, engine: str, args: argparse.Namespace) -> None:
        self.engine = engine
        self.args = args
        self.prepare_seconds = 0.0
        self.dir = args.work / engine
        self.metrics: dict[str, Any] = {}
        self.details: dict[str, Any] = {}
        self.errors: dict[str, str] = {}
        self.notes: list[str] = []
        self.step_seconds: dict[str, float] = {}
        self.loaded_by: dict[str, str] = {}
        self.rng = random.Random(args.seed + (1 if engine == "sqlite" else 2))
        self.token = ""
        self.pg_url = f"{args.pg.rstrip('/')}/{args.pg_database}"
        env = dict(os.environ)
        env.pop("FREGUES_DATABASE_URL", None)
        env.update(
            {
                "FREGUES_DATA_DIR": str(self.dir),
                "FREGUES_CONN_MAX_AGE": "600",
                "FREGUES_DEBUG": "0",
                "PYTHONUNBUFFERED": "1",
            }
        )
        if engine == "postgres":
            env["FREGUES_DATABASE_URL"] = self.pg_url
        self.env = env

    # helpers
    def step(self, name: str, action: Any) -> Any:
        log(f"{self.engine}: {name}")
        started = time.perf_counter()
        try:
            return action()
        except Exception as exc:  # a failed step is a result, not the end of the run
            message = str(exc).strip() or type(exc).__name__
            if not isinstance(exc, StepError):
                message = f"{type(exc).__name__}: {message}"
            self.errors[name] = message
            log(f"{self.engine}: {name} FAILED — {message.splitlines()[0] if message else ''}")
            return None
        finally:
            self.step_seconds[name] = round(time.perf_counter() - started, 2)

    def fregues(self, *args: str, timeout: float | None = None) -> Completed:
        return run([*fregues_command(), *args], self.env, timeout)

    def raw(self) -> RawDB:
        if self.engine == "sqlite":
            return RawDB("sqlite", str(self.dir / "fregues.sqlite3"))
        return RawDB("postgres", self.pg_url)

    def checked(self, result: Completed, what: str) -> Completed:
        if result.timed_out:
            raise StepError(f"`{what}` timed out after {result.seconds:.0f} s")
        if result.returncode != 0:
            if command_missing(result):
                raise StepError(f"`{what}` does not exist yet (Django: Unknown command).")
            raise StepError(f"`{what}` exited with {result.returncode}: {result.tail()}")
        return result

    # steps
    def fresh_database(self) -> None:
        if self.dir.exists():
            shutil.rmtree(self.dir)
        self.dir.mkdir(parents=True)
        if self.engine == "postgres":
            import psycopg

            with psycopg.connect(f"{self.args.pg.rstrip('/')}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.args.pg_database}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{self.args.pg_database}"')

    def raw_limits(self) -> None:
        target = str(self.dir / "raw.sqlite3") if self.engine == "sqlite" else self.pg_url
        found = raw_load(
            self.engine,
            target,
            Path(self.dataset.parties_file),
            Path(self.dataset.interactions_file),
        )
        self.details["raw_load"] = found
        self.metrics["raw_parties_rows_per_s"] = found["parties"]["rows_per_second"]
        self.metrics["raw_interactions_rows_per_s"] = found["interactions"]["rows_per_second"]

    def migrate(self) -> None:
        result = self.checked(self.fregues("migrate", "--no-input"), "fregues migrate")
        self.details["migrate_s"] = round(result.seconds, 2)

    def user_and_token(self) -> None:
        password = secrets.token_urlsafe(16)
        self.checked(
            self.fregues(
                "createuser", "bench", "--role", "admin", "--password", password, "--no-input"
            ),
            "fregues createuser",
        )
        result = self.checked(self.fregues("token", "bench"), "fregues token")
        lines = result.stdout.strip().splitlines()
        if not lines:
            raise StepError("`fregues token bench` printed nothing")
        self.token = lines[-1].strip()

    def import_file(self, kind: str) -> None:
        path = self.dataset.parties_file if kind == "parties" else self.dataset.interactions_file
        what = f"fregues import {kind} FILE --json"
        result = self.checked(self.fregues("import", kind, path, "--json"), what)
        data = result.last_json()
        if data is None:
            raise StepError(f"`{what}` printed no JSON object on stdout: {result.tail()}")
        rows = int(data.get("rows") or 0)
        data["wall_seconds"] = round(result.seconds, 2)
        data["wall_rows_per_second"] = round(rows / result.seconds) if result.seconds else None
        data["peak_rss_mb"] = result.max_rss_mb
        self.details[f"import_{kind}"] = data
        self.metrics[f"import_{kind}_rows_per_s"] = data.get("rows_per_second")
        self.metrics[f"import_{kind}_peak_rss_mb"] = result.max_rss_mb
        self.loaded_by[kind] = "fregues import"

    def fallback_load(self, kind: str) -> None:
        path = self.dataset.parties_file if kind == "parties" else self.dataset.interactions_file
        result = self.checked(
            run([sys.executable, "-m", "bench.inproc", "load", kind, path], self.env),
            f"bench fallback load {kind}",
        )
        data = result.last_json() or {}
        data["wall_seconds"] = round(result.seconds, 2)
        self.details[f"fallback_load_{kind}"] = data
        self.loaded_by[kind] = "bench fallback loader (not Freguês's import)"
        self.notes.append(
            f"{kind} loaded by the fallback bulk loader at {data.get('rows_per_second', 0):,} rows/s "
            "(not Freguês's import path; import not measured)"
        )

    def load(self, kind: str) -> None:
        if not self.args.skip_import:
            self.step(f"import {kind}", lambda: self.import_file(kind))
            if kind in self.loaded_by:
                return
        self.step(f"fallback load {kind}", lambda: self.fallback_load(kind))

    def analyze(self) -> None:
        """``ANALYZE``, as autovacuum would soon after a bulk load (the orders import and the
        lifecycle rules plan their joins by the parties' statistics; a server with autovacuum
        off, as here, has none after the fallback loader)."""
        db = self.raw()
        try:
            started = time.perf_counter()
            db.conn.execute("ANALYZE")
            self.details["analyze_s"] = round(time.perf_counter() - started, 2)
            self.notes.append(
                f"ANALYZE run after the load ({self.details['analyze_s']} s), as autovacuum "
                "would soon after a bulk load"
            )
        finally:
            db.close()

    def after_load(self) -> None:
        if self.engine == "postgres":
            self.analyze()
        db = self.raw()
        try:
            self.details["version"] = db.version()
            self.details["counts"] = db.counts()
            self.details["loaded_by"] = self.loaded_by
        finally:
            db.close()

    def raw_customer_page(self, ids: list[int]) -> None:
        db = self.raw()
        try:
            found = db.customer_page(ids)
        finally:
            db.close()
        self.details["raw_customer_page"] = found
        self.metrics["raw_customer_page_p50_ms"] = found["p50_ms"]
        self.metrics["raw_customer_page_p95_ms"] = found["p95_ms"]

    def put(self, name: str, summary: dict[str, Any]) -> None:
        self.details[name] = summary
        self.metrics[f"{name}_p50_ms"] = summary["p50_ms"]
        self.metrics[f"{name}_p95_ms"] = summary["p95_ms"]

    def http(self, ids: list[int], heavy: list[int]) -> None:
        args = self.args
        server = Server(self.env, args.workers, self.dir / "server.log")
        server.start()
        try:
            client = Client(server.port, self.token)
            budget = args.budget
            # warm both workers: imports, caches, connections
            warm = [party_path(i) for i in ids[:30]] + [timeline_path(i) for i in ids[:30]]
            warmed = timed_gets(client, warm, budget)
            if warmed.statuses.get(200, 0) == 0:
                raise StepError(
                    f"the API answered no 200 while warming up: {dict(warmed.statuses)}"
                )
            self.step(
                "http: party",
                lambda: self.put(
                    "party_get", timed_gets(client, [party_path(i) for i in ids], budget).summary()
                ),
            )
            self.step(
                "http: timeline",
                lambda: self.put(
                    "timeline_first",
                    timed_gets(client, [timeline_path(i) for i in ids], budget).summary(),
                ),
            )
            queries = search_queries(self.dataset, args.query_samples, self.rng)
            self.step(
                "http: search",
                lambda: self.put(
                    "search",
                    timed_gets(
                        client, [(k, search_path(q)) for k, q in queries], budget, empty="items"
                    ).summary(),
                ),
            )
            lookups = lookup_queries(self.dataset, args.query_samples, self.rng)
            self.step("http: lookup", lambda: self.lookups(client, lookups, budget))
            self.step(
                "http: timeline page 5",
                lambda: self.page5(client, heavy, budget),
            )
            client.close()
            if args.connections > 0:
                self.step("wrk", lambda: self.throughput(server.port, ids))
        finally:
            server.stop()

    def lookups(self, client: Client, lookups: dict[str, list[str]], budget: float) -> None:
        combined: list[tuple[str, str]] = []
        for kind, values in lookups.items():
            combined += [(kind, lookup_path(kind, v)) for v in values]
        self.rng.shuffle(combined)
        timed = timed_gets(client, combined, budget)
        summary = timed.summary()
        self.put("lookup", summary)
        for kind, part in timed.by_label.items():
            self.put(f"lookup_{kind}", part.summary())
        self.details["lookup"].pop("by_kind", None)
        if summary["errors"]:
            self.notes.append(
                f"lookup: {summary['errors']} of {sum(timed.statuses.values())} answers were not "
                f"200 ({summary['statuses']})"
            )

    def page5(self, client: Client, heavy: list[int], budget: float) -> None:
        if not heavy:
            raise StepError(
                f"no customer has {PAGE5_MIN_INTERACTIONS}+ interactions (try more --interactions)"
            )
        timed = timeline_page5(client, heavy, self.args.page5_samples, budget)
        self.put("timeline_page5", timed.summary(distinct_customers=len(heavy)))

    def throughput(self, port: int, ids: list[int]) -> None:
        found = wrk(
            port,
            self.token,
            ids,
            self.args.wrk_seconds,
            self.args.connections,
            threads=2,
            seed=self.args.seed,
            script_path=self.dir / "customer_page.lua",
        )
        self.details["throughput"] = found
        self.metrics["throughput_req_per_s"] = found["req_per_s"]
        if found["errors"]:
            self.notes.append(f"wrk: {found['errors']} errors {found['error_detail']}")

    def duplicate_scan(self) -> None:
        result = self.checked(
            run([sys.executable, "-m", "bench.inproc", "scan"], self.env, self.args.scan_timeout),
            "duplicate_scan",
        )
        data = result.last_json() or {}
        data["wall_seconds"] = round(result.seconds, 2)
        data["peak_rss_mb"] = result.max_rss_mb
        self.details["duplicate_scan"] = data
        self.metrics["duplicate_scan_s"] = data.get("seconds")
        self.metrics["duplicate_scan_peak_rss_mb"] = result.max_rss_mb

    def export(self) -> None:
        out = self.dir / "export-parties.csv"
        result = self.checked(
            self.fregues("export", "parties", "-o", str(out)), "fregues export parties -o FILE"
        )
        match = re.search(r"(\d+) rows in ([\d.]+) s", result.stderr)
        if match:
            rows, seconds = int(match.group(1)), float(match.group(2))
        else:
            import csv

            with open(out, newline="", encoding="utf-8-sig") as handle:
                rows = sum(1 for _ in csv.reader(handle)) - 1
            seconds = result.seconds
        data = {
            "rows": rows,
            "seconds": round(seconds, 3),
            "rows_per_second": round(rows / seconds) if seconds else None,
            "wall_seconds": round(result.seconds, 2),
            "wall_rows_per_second": round(rows / result.seconds) if result.seconds else None,
            "peak_rss_mb": result.max_rss_mb,
            "file_mb": round(out.stat().st_size / 2**20, 1),
        }
        self.details["export_parties"] = data
        self.metrics["export_rows_per_s"] = data["rows_per_second"]
        self.metrics["export_peak_rss_mb"] = result.max_rss_mb
        out.unlink(missing_ok=True)

    def cleanup(self) -> None:
        if self.args.keep:
            return
        shutil.rmtree(self.dir, ignore_errors=True)
        if self.engine == "postgres":
            import psycopg

            with psycopg.connect(f"{self.args.pg.rstrip('/')}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.args.pg_database}" WITH (FORCE)')

    def prepare(self) -> None:
        """A fresh, migrated database with the bench user and its token (not measured; runs
        beside the generator and the other database's preparation)."""
        started = time.perf_counter()
        self.step("fresh database", self.fresh_database)
        if "fresh database" not in self.errors:
            self.step("migrate", self.migrate)
        if "migrate" not in self.errors and "fresh database" not in self.errors:
            self.step("user and token", self.user_and_token)
        self.prepare_seconds = round(time.perf_counter() - started, 1)

    def measure(self, dataset: Dataset) -> dict[str, Any]:
        """Everything measured, one thing at a time."""
        self.dataset = dataset
        started = time.perf_counter()
        if "fresh database" in self.errors or "migrate" in self.errors:
            return self.result(started)
        self.step("raw-SQL load limit", self.raw_limits)
        self.load("parties")
        self.load("interactions")
        if self.args.order_lines:
            if self.engine == "postgres":  # as after the load below: autovacuum may be off
                self.step("analyze before orders", self.analyze)
            self.step("orders", lambda: orders.measure(self))
        self.step("counts", self.after_load)
        ids: list[int] = []
        heavy: list[int] = []

        def pick_ids() -> None:
            db = self.raw()
            try:
                ids.extend(db.random_party_ids(self.args.samples, self.rng))
                heavy.extend(db.heavy_party_ids(PAGE5_MIN_INTERACTIONS, 1000))
            finally:
                db.close()
            if not ids:
                raise StepError("the database holds no party")

        self.step("pick customers", pick_ids)
        if ids:
            self.step("raw-SQL customer page", lambda: self.raw_customer_page(ids))
            if self.args.skip_http:
                self.notes.append("HTTP metrics not measured (--skip-http)")
            else:
                if self.token:
                    self.step("http", lambda: self.http(ids, heavy))
                else:
                    self.errors["http"] = "skipped: no API token"
        self.step("duplicate scan", self.duplicate_scan)
        self.step("export", self.export)
        return self.result(started)

    def result(self, started: float) -> dict[str, Any]:
        return {
            "prepare_seconds": self.prepare_seconds,
            "measure_seconds": round(time.perf_counter() - started, 1),
            "metrics": self.metrics,
            "details": self.details,
            "errors": self.errors,
            "notes": self.notes,
            "step_seconds": self.step_seconds,
        }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    started_at = dt.datetime.now().astimezone()
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    args.work.mkdir(parents=True, exist_ok=True)
    runs = [DatabaseRun(engine, args) for engine in args.dbs]
    with ThreadPoolExecutor(max_workers=len(runs)) as pool:
        preparing = [pool.submit(r.prepare) for r in runs]
        log(
            f"generating {args.customers:,} customers × {args.interactions:g} interactions "
            f"(seed {args.seed}) into {args.work / 'data'}"
        )
        dataset = generate(args.work / "data", args.customers, args.interactions, args.seed)
        for future in preparing:
            future.result()
    log(
        f"{dataset.party_rows:,} party rows ({dataset.duplicate_rows:,} duplicates), "
        f"{dataset.interaction_rows:,} interactions, {len(dataset.heavy_external_ids)} heavy "
        f"customers ({dataset.seconds:.1f} s to generate)"
    )
    databases: dict[str, dict[str, Any]] = {}
    for run_ in runs:
        try:
            databases[run_.engine] = run_.measure(dataset)
        finally:
            run_.cleanup()
    if not args.keep:
        shutil.rmtree(args.work / "data", ignore_errors=True)
    result: dict[str, Any] = {
        "date": started_at.date().isoformat(),
        "started_at": started_at.isoformat(timespec="seconds"),
        "duration_s": round(time.perf_counter() - started, 1),
        "params": {
            "customers": args.customers,
            "interactions_per_customer": args.interactions,
            "seed": args.seed,
            "dbs": args.dbs,
            "skip_http": args.skip_http,
            "skip_import": args.skip_import,
            "order_lines": args.order_lines,
            "orders_without_lifecycle": getattr(args, "orders_without_lifecycle", False),
            "samples": args.samples,
            "query_samples": args.query_samples,
            "page5_samples": args.page5_samples,
            "wrk_seconds": args.wrk_seconds,
            "connections": args.connections,
            "workers": args.workers,
            "conn_max_age": 600,
        },
        "dataset": {
            "party_rows": dataset.party_rows,
            "duplicate_rows": dataset.duplicate_rows,
            "duplicate_kinds": dataset.duplicate_kinds,
            "interaction_rows": dataset.interaction_rows,
            "heavy_customers": len(dataset.heavy_external_ids),
            "generate_seconds": dataset.seconds,
        },
        "machine": {**machine_info(), "load_average_at_start": load_at_start},
        "git": git_info(),
        "databases": databases,
    }
    found = report.checks(databases)
    result["targets"] = {"scale": report.TARGET_SCALE, "checks": found}
    result["summary"] = {
        "passed": sum(1 for c in found if c["pass"] is True),
        "failed": sum(1 for c in found if c["pass"] is False),
        "not_measured": sum(1 for c in found if c["pass"] is None),
    }
    json_path, md_path = report.write(result, args.out)
    print(report.markdown(result))
    log(f"wrote {json_path} and {md_path}")
    return 0
