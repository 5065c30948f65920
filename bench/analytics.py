"""Analytics at scale: the reporting store's refresh and every report over a generated base.

    uv run python -m bench.analytics --customers 1000000 --lines 5000000 --interactions 10
    uv run python -m bench.analytics --customers 1000000 --reuse     # measure again, same base

PostgreSQL only (the history is generated with PostgreSQL's SQL). From scratch: ``fregues
migrate``; the customers, orders, order lines and invoices of ``bench.lifecycle``; the
addresses, consents, some interactions and cases of ``bench.segments``; then, straight into the
tables with ``INSERT ... SELECT`` (seeded by the party id, reproducible): interactions up to
``--interactions`` per customer on average over three years, 25 % of the customers with 1–3
more cases over three years in the seeded queues (first responses and resolutions inside or
outside their due times, a third of the closed ones with an answered survey), costs per channel
and per queue hour. ``VACUUM ANALYZE``.

Then, each as its own process: ``fregues analytics refresh --full`` (the whole store), a day of
changes written by SQL (new interactions, orders, cases, cases moving, customers edited), and
``fregues analytics refresh`` (the target: a day's changes in ≤ 60 s at 1 M customers /
10 M interactions); then every report: each GET operation of ``/api/v1/analytics/...`` in the
OpenAPI document that needs no path parameter, and the pivots below, each three times through
Django's whole stack (the test client, an admin's token), plus the scores of sample customers.
Target: every report ≤ 2 s. Results go to ``bench/results/<date>-analytics-<customers>.json``
and ``.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from .lifecycle import NOW, _env, _psql, _setup
from .segments import _r
from .util import REPO, fregues_command, git_info, log, machine_info, results_write, run

TARGET_REPORT_SECONDS = 2.0
TARGET_DAY_REFRESH_SECONDS = 60.0

# Pivot definitions posted to /api/v1/analytics/pivot (the examples first).
PIVOTS: list[dict[str, Any]] = [
    {"rows": "age_band", "columns": "category", "measure": "revenue"},
    {"rows": "region", "columns": "channel", "measure": "contacts"},
    {"rows": "rfm_segment", "measure": "customers"},
    {"rows": "month", "columns": "lifecycle_stage", "measure": "revenue"},
]


def history_sql(now: dt.datetime, interactions_per_customer: int) -> list[tuple[str, str]]:
    """More interactions, cases with SLA outcomes and surveys, and costs as data."""
    ts = f"timestamptz '{now.isoformat()}'"
    # bench.segments already gave 70 % of the customers 2–5 interactions (≈ 2.45 on average)
    extra = max(0, interactions_per_customer - 2)
    categories = "ARRAY['Ferramentas','Jardim','Cozinha','Limpeza','Eletricos','Pintura',"
    categories += "'Hidraulica','Servicos']"
    return [
        (
            "products",
            f"""INSERT INTO sales_product (sku, name, description, unit, category, cost,
                cost_currency, is_active, source, external_id, attributes,
                customisation_options, version, created_at, updated_at)
            SELECT 'SKU-' || g, 'Produto ' || g, '', 'un',
                   ({categories})[1 + (g % 8)], 5 + (g % 97), 'BRL', true, '', '', '{{}}',
                   '[]', 1, {ts}, {ts}
            FROM generate_series(0, 976) g
            ON CONFLICT (sku) DO NOTHING""",
        ),
        (
            "order lines' products",
            """UPDATE sales_orderline l SET product_id = p.id
            FROM sales_product p WHERE p.sku = l.sku AND l.product_id IS NULL""",
        ),
        (
            "interactions",
            f"""INSERT INTO interactions_interaction (party_id, channel, network, direction,
                occurred_at, subject, body, outcome, channel_address, external_id,
                regarding_type, duration_seconds, created_at, updated_at)
            SELECT p.id,
                   (ARRAY['phone','email','email','chat','sms','visit','whatsapp','web'])
                     [1 + {_r(31, 8, "p.id * 13 + g")}],
                   '', CASE WHEN {_r(32, 3, "p.id * 13 + g")} = 0 THEN 'out' ELSE 'in' END,
                   {ts} - make_interval(mins => {_r(33, 1100 * 1440, "p.id * 17 + g")}::int),
                   'Contato', '', '', '', '', '',
                   CASE WHEN {_r(34, 3, "p.id + g")} = 0 THEN 60 + {_r(35, 900, "p.id + g")}
                   END, {ts}, {ts}
            FROM parties_party p, generate_series(1, {_r(36, 2 * extra + 1)}::int) g""",
        ),
        (
            "cases",
            f"""INSERT INTO service_case (protocol, tracking_code, party_id, channel, case_type_id,
                category, priority, queue_id, status_id, status_changed_at, is_open, subject,
                description, sla_paused_minutes, escalation_level, version, created_at,
                updated_at, first_response_due, resolution_due, first_responded_at,
                resolved_at, closed_at)
            SELECT 'H-' || p.id || '-' || g, 'H' || p.id || 'x' || g, p.id,
                   (ARRAY['phone','email','chat','web'])[1 + {_r(41, 4, "p.id + g")}],
                   t.id, '',
                   (ARRAY['low','normal','normal','high'])[1 + {_r(42, 4, "p.id + g")}],
                   t.default_queue_id,
                   (SELECT s.id FROM service_circuitstatus s WHERE s.circuit_id = t.circuit_id
                      AND (CASE WHEN o.opened > {ts} - interval '20 days'
                                 AND {_r(43, 3, "p.id + g")} = 0
                           THEN s.is_initial ELSE s.category = 'closed' END)
                    ORDER BY s.position LIMIT 1),
                   o.opened + interval '2 days',
                   o.opened > {ts} - interval '20 days' AND {_r(43, 3, "p.id + g")} = 0,
                   'Assistência', '', 0, 0, 1, o.opened, o.opened,
                   o.opened + interval '8 hours', o.opened + interval '5 days',
                   o.opened + make_interval(mins => 30 + {_r(44, 900, "p.id + g")}::int),
                   CASE WHEN NOT (o.opened > {ts} - interval '20 days'
                                  AND {_r(43, 3, "p.id + g")} = 0)
                        THEN o.opened + make_interval(hours => 2 + {_r(45, 200, "p.id + g")}::int)
                   END,
                   CASE WHEN NOT (o.opened > {ts} - interval '20 days'
                                  AND {_r(43, 3, "p.id + g")} = 0)
                        THEN o.opened + make_interval(hours => 3 + {_r(45, 200, "p.id + g")}::int)
                   END
            FROM parties_party p
            CROSS JOIN generate_series(1, 1 + {_r(46, 3)}::int) g
            CROSS JOIN LATERAL (SELECT {ts} - make_interval(
                   mins => {_r(47, 1095 * 1440, "p.id * 11 + g")}::int) AS opened) o
            JOIN service_casetype t
              ON t.code = CASE WHEN {_r(48, 4, "p.id + g")} = 0 THEN 'licence-request'
                               ELSE 'technical-assistance' END
            WHERE {_r(49, 100)} < 25""",
        ),
        (
            "surveys",
            f"""INSERT INTO service_satisfactionsurvey (case_id, sent_at, score, comment,
                answered_at)
            SELECT c.id, c.closed_at, 1 + {_r(51, 10, "c.id")}, '',
                   c.closed_at + interval '1 day'
            FROM service_case c
            WHERE c.closed_at IS NOT NULL AND {_r(52, 3, "c.id")} = 0""",
        ),
        (
            "channel costs",
            f"""INSERT INTO analytics_channelcost (channel, direction, cost_per_contact, currency,
                created_at, updated_at)
            VALUES ('phone', '', 6.50, 'BRL', {ts}, {ts}), ('email', '', 1.20, 'BRL', {ts}, {ts}),
                   ('chat', '', 2.40, 'BRL', {ts}, {ts}), ('sms', '', 0.15, 'BRL', {ts}, {ts}),
                   ('visit', '', 45.00, 'BRL', {ts}, {ts}),
                   ('whatsapp', '', 0.40, 'BRL', {ts}, {ts}), ('web', '', 0.80, 'BRL', {ts}, {ts})
            ON CONFLICT DO NOTHING""",
        ),
        (
            "queue costs",
            f"""INSERT INTO analytics_queuecost (queue_id, hourly_cost, currency,
                default_handling_minutes, created_at, updated_at)
            VALUES (NULL, 48.00, 'BRL', 20, {ts}, {ts})""",
        ),
    ]


def day_sql(now: dt.datetime) -> list[tuple[str, str]]:
    """One day of changes at the end of the history, about what a 1 M-customer base sees."""
    # business times at the end of the history; created_at/updated_at are now(): after the
    # full refresh's watermark, as a real day's changes would be
    ts = f"timestamptz '{now.isoformat()}'"
    run = "floor(extract(epoch FROM now()))::bigint"  # a measurement may be repeated (--reuse)
    return [
        (
            "new interactions",
            f"""INSERT INTO interactions_interaction (party_id, channel, network, direction,
                occurred_at, subject, body, outcome, channel_address, external_id,
                regarding_type, created_at, updated_at)
            SELECT p.id, (ARRAY['phone','email','chat'])[1 + {_r(61, 3)}], '', 'in',
                   {ts} + make_interval(mins => {_r(62, 1440)}::int), 'Hoje', '', '', '', '', '',
                   now(), now()
            FROM parties_party p WHERE {_r(63, 1000)} < 30""",
        ),
        (
            "new orders",
            f"""INSERT INTO sales_order (number, source, external_id, party_id, status,
                payment_state, ordered_at, paid_at, amount_paid, cost_total, notes, content_hash,
                currency, subtotal, discount_total, tax_total, total, version, created_at,
                updated_at)
            SELECT 'D-' || p.id || '-' || {run}, 'bench', 'day-' || p.id || '-' || {run}, p.id, 'confirmed', 'paid',
                   {ts} + interval '3 hours', {ts} + interval '3 hours', 120.00, NULL, '', '',
                   'BRL', 120.00, 0, 0, 120.00, 1, now(), now()
            FROM parties_party p WHERE {_r(64, 1000)} < 5""",
        ),
        (
            "new order lines",
            """INSERT INTO sales_orderline (order_id, product_id, position, sku, description,
                unit, quantity, unit_price, discount_percent, discount, tax_rate, tax_code, net,
                tax, total, unit_cost)
            SELECT o.id, pr.id, 1, pr.sku, pr.name, 'un', 2, 60.00, 0, 0, 0, '', 120.00, 0,
                   120.00, pr.cost
            FROM sales_order o
            JOIN LATERAL (SELECT * FROM sales_product ORDER BY id LIMIT 1) pr ON true
            WHERE o.source = 'bench' AND o.external_id LIKE 'day-%'
              AND NOT EXISTS (SELECT 1 FROM sales_orderline l WHERE l.order_id = o.id)""",
        ),
        (
            "new cases",
            f"""INSERT INTO service_case (protocol, tracking_code, party_id, channel, case_type_id,
                category, priority, queue_id, status_id, status_changed_at, is_open, subject,
                description, sla_paused_minutes, escalation_level, version, created_at,
                updated_at, first_response_due, resolution_due)
            SELECT 'DAY-' || p.id || '-' || {run}, 'D' || p.id, p.id, 'phone', t.id, '', 'normal',
                   t.default_queue_id,
                   (SELECT s.id FROM service_circuitstatus s
                    WHERE s.circuit_id = t.circuit_id AND s.is_initial LIMIT 1),
                   {ts} + interval '5 hours', true, 'Hoje', '', 0, 0, 1,
                   {ts} + interval '5 hours', now(),
                   {ts} + interval '13 hours', {ts} + interval '5 days'
            FROM parties_party p JOIN service_casetype t ON t.code = 'technical-assistance'
            WHERE {_r(65, 1000)} < 3""",
        ),
        (
            "cases resolved",
            f"""UPDATE service_case c SET resolved_at = {ts} + interval '6 hours',
                closed_at = {ts} + interval '6 hours', is_open = false,
                updated_at = now(), version = version + 1
            WHERE c.id IN (SELECT id FROM service_case WHERE is_open
                           ORDER BY id LIMIT 3000)""",
        ),
        (
            "customers edited",
            f"""UPDATE parties_party p SET tier = 'silver', updated_at = now()
            WHERE {_r(66, 1000)} < 1""",
        ),
    ]


def _sql_steps(steps: list[tuple[str, str]]) -> dict[str, Any]:
    _setup()
    from django.db import connection, transaction

    seconds: dict[str, float] = {}
    rows: dict[str, int] = {}
    for name, sql in steps:
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
            rows[name] = cursor.rowcount
        seconds[name] = round(time.perf_counter() - started, 1)
        log(f"  {name}: {rows[name]:,} rows in {seconds[name]} s")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    seconds["vacuum_analyze"] = round(time.perf_counter() - started, 1)
    return {"rows": rows, "seconds": seconds}


# GET forms of the pivot that need a definition in their query (the pivots are timed by POST)
NEEDS_DEFINITION = {
    "/api/v1/analytics/pivot",
    "/api/v1/analytics/pivot/drill",
    "/api/v1/analytics/pivot/export",
}


def _report_operations() -> list[str]:
    """Every GET path under /api/v1/analytics (and the party scores) with no path parameter
    and no required query parameter."""
    from fregues.api import api

    schema = api.get_openapi_schema()
    paths = []
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if not path.startswith("/api/v1/analytics") or not get or "{" in path:
            continue
        if path in NEEDS_DEFINITION:
            continue
        if any(p.get("required") for p in get.get("parameters", [])):
            continue
        paths.append(path)
    return sorted(paths)


def measure_reports(repeat: int, samples: int) -> dict[str, Any]:
    """Time every report ``repeat`` times through Django's whole stack as an admin."""
    _setup()
    from django.db import connection
    from django.test import Client

    from fregues.accounts.models import User
    from fregues.accounts.services import token_create

    user, _created = User.objects.get_or_create(
        username="bench-analytics", defaults={"role": "admin", "is_active": True}
    )
    token = token_create(actor=None, user=user, name="bench")
    client = Client(headers={"Authorization": f"Bearer {token}"})
    out: list[dict[str, Any]] = []

    def timed(label: str, call: Any) -> None:
        times, status, size = [], 0, 0
        for _ in range(repeat):
            started = time.perf_counter()
            response = call()
            times.append(time.perf_counter() - started)
            status, size = response.status_code, len(response.content)
        entry = {
            "report": label,
            "status": status,
            "bytes": size,
            "seconds": [round(t, 3) for t in times],
            "median_seconds": round(statistics.median(times), 3),
            "max_seconds": round(max(times), 3),
        }
        out.append(entry)
        log(f"  {status} {entry['seconds']}  {label}")

    for path in _report_operations():
        timed(f"GET {path}", lambda path=path: client.get(path))
    for pivot in PIVOTS:
        timed(
            f"POST /api/v1/analytics/pivot {json.dumps(pivot)}",
            lambda pivot=pivot: client.post(
                "/api/v1/analytics/pivot", json.dumps(pivot), content_type="application/json"
            ),
        )
    out += measure_dashboards(user, repeat)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT party_id FROM analytics_customerfact ORDER BY md5(party_id::text) LIMIT %s",
            [samples],
        )
        ids = [row[0] for row in cursor.fetchall()]
    scores = []
    for party_id in ids:
        started = time.perf_counter()
        response = client.get(f"/api/v1/parties/{party_id}/scores")
        scores.append((time.perf_counter() - started, response.status_code))
    if scores:
        ordered = sorted(t for t, _s in scores)
        out.append(
            {
                "report": f"GET /api/v1/parties/{{id}}/scores × {len(scores)}",
                "status": max(s for _t, s in scores),
                "seconds": [],
                "median_seconds": round(statistics.median(ordered), 4),
                "max_seconds": round(ordered[int(len(ordered) * 0.95) - 1], 4),  # p95
            }
        )
    return {"reports": out}


def measure_dashboards(user: Any, repeat: int) -> list[dict[str, Any]]:
    """Each role's dashboard as a browser loads it: the page, then each widget's own request
    (``hx-get``, one after another here; a browser sends them at once). Timed ``repeat``
    times: the whole (page + every widget), the page and each widget."""
    import re
    from html import unescape

    from django.test import Client

    from fregues.analytics.widgets import widgets

    browser = Client()
    browser.force_login(user)
    roles = sorted({role for w in widgets() for role in w.default_roles})
    out: list[dict[str, Any]] = []

    def entry(label: str, times: list[float], status: int, size: int) -> dict[str, Any]:
        log(f"  {status} {[round(t, 3) for t in times]}  {label}")
        return {
            "report": label,
            "status": status,
            "bytes": size,
            "seconds": [round(t, 3) for t in times],
            "median_seconds": round(statistics.median(times), 3),
            "max_seconds": round(max(times), 3),
        }

    for role in roles:
        page_url = f"/analytics/dashboard/?role={role}"
        whole: list[float] = []
        page_times: list[float] = []
        widget_times: dict[str, list[float]] = {}
        statuses: dict[str, int] = {}
        worst = 200
        for _ in range(repeat):
            started = time.perf_counter()
            page = browser.get(page_url)
            page_times.append(time.perf_counter() - started)
            statuses[page_url] = page.status_code
            worst = max(worst, page.status_code)
            urls = re.findall(r'hx-get="([^"]+)" hx-trigger="load"', page.content.decode())
            for url in map(unescape, urls):
                one = time.perf_counter()
                response = browser.get(url)
                widget_times.setdefault(url, []).append(time.perf_counter() - one)
                statuses[url] = response.status_code
                worst = max(worst, response.status_code)
            whole.append(time.perf_counter() - started)
        out.append(entry(f"GET {page_url} (page + {len(widget_times)} widgets)", whole, worst, 0))
        out.append(entry(f"GET {page_url} (page)", page_times, statuses[page_url], 0))
        for url, times in widget_times.items():
            out.append(entry(f"GET {url}", times, statuses[url], 0))
    return out


def measure(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(args.work).resolve()
    env = _env("postgres", work, args.pg_database)
    out: dict[str, Any] = {"database": "postgres"}
    fregues = fregues_command()
    if not args.reuse:
        _psql(f"DROP DATABASE IF EXISTS {args.pg_database} WITH (FORCE)")
        _psql(f"CREATE DATABASE {args.pg_database}")
        log("migrate")
        step = run([*fregues, "migrate", "--no-input"], env)
        if step.returncode:
            return out | {"error": "migrate failed: " + step.tail()}
        log(f"generating {args.customers:,} customers / {args.lines:,} order lines")
        step = run(
            [sys.executable, "-m", "bench.lifecycle", "--child", "generate", "--customers",
             str(args.customers), "--lines", str(args.lines), "--seed", str(args.seed)],
            env,
        )  # fmt: skip
        if step.returncode:
            return out | {"error": "generate failed: " + step.tail()}
        out["generated"] = step.last_json()
        step = run([sys.executable, "-m", "bench.segments", "--child", "extras"], env)
        if step.returncode:
            return out | {"error": "extras failed: " + step.tail()}
        out["extras"] = step.last_json()
        step = run(
            [sys.executable, "-m", "bench.analytics", "--child", "history",
             "--interactions", str(args.interactions)],
            env,
        )  # fmt: skip
        if step.returncode:
            return out | {"error": "history failed: " + step.tail()}
        out["history"] = step.last_json()
        log("lifecycle backfill (the stages and their history)")
        step = run([*fregues, "lifecycle", "backfill", "--json", "--now", NOW.isoformat()], env)
        out["lifecycle"] = {"wall_seconds": round(step.seconds, 1), "ok": not step.returncode}
        if args.base_only:
            return out
    else:
        step = run([*fregues, "migrate", "--no-input"], env)
        if step.returncode:
            return out | {"error": "migrate failed: " + step.tail()}
    full = [] if args.no_full else [("full_refresh", ["analytics", "refresh", "--full", "--json"])]
    for name, argv in full:
        log(f"fregues {' '.join(argv)}")
        step = run([*fregues, *argv], env, timeout=args.timeout)
        out[name] = (step.last_json() or {"error": step.tail()}) | {
            "wall_seconds": round(step.seconds, 1),
            "max_rss_mb": step.max_rss_mb,
        }
        log(f"  {json.dumps(out[name])}")
    # a new day of changes on every run, also on a kept base (--reuse)
    log("a day of changes")
    step = run([sys.executable, "-m", "bench.analytics", "--child", "day"], env)
    out["day"] = step.last_json() or {"error": step.tail()}
    log("fregues analytics refresh (the day)")
    step = run([*fregues, "analytics", "refresh", "--json"], env, timeout=args.timeout)
    out["day_refresh"] = (step.last_json() or {"error": step.tail()}) | {
        "wall_seconds": round(step.seconds, 1),
        "max_rss_mb": step.max_rss_mb,
    }
    log(f"  {json.dumps(out['day_refresh'])}")
    log("reports")
    step = run(
        [sys.executable, "-m", "bench.analytics", "--child", "reports", "--repeat",
         str(args.repeat), "--samples", str(args.samples)],
        env,
        timeout=args.timeout,
    )  # fmt: skip
    out.update(step.last_json() or {"reports_error": step.tail()})
    return out


def report(results: dict[str, Any]) -> str:
    run_ = results["run"]
    lines = [
        f"# Analytics — {results['customers']:,} customers (PostgreSQL)",
        "",
        f"{results['date']} · commit {results['git'].get('short')} · "
        f"{results['machine'].get('cores')} cores · load {results['machine'].get('load_average')}"
        f" · targets: a day's refresh ≤ {TARGET_DAY_REFRESH_SECONDS:g} s, "
        f"every report ≤ {TARGET_REPORT_SECONDS:g} s",
        "",
    ]
    if run_.get("error"):
        return "\n".join([*lines, f"Error: {run_['error']}", ""])
    generated = run_.get("generated") or {}
    rows: dict[str, int] = {}
    for part in ("extras", "history"):
        for key, value in ((run_.get(part) or {}).get("rows") or {}).items():
            rows[key] = rows.get(key, 0) + value
    if generated:
        lines += [
            f"Base: {generated.get('parties', 0):,} parties, {generated.get('orders', 0):,} "
            f"orders, {generated.get('lines', 0):,} order lines; "
            + ", ".join(f"{k} {v:,}" for k, v in rows.items())
            + ".",
            "",
        ]
    for key, label in (("full_refresh", "Full refresh"), ("day_refresh", "A day's refresh")):
        done: dict[str, Any] = run_.get(key) or {}
        if done:
            detail = ", ".join(
                f"{p['name']} {p['duration_ms'] / 1000:.1f} s" for p in done.get("parts", [])
            )
            lines.append(
                f"- **{label}**: {done.get('wall_seconds')} s wall ({detail or done.get('error', '-')})"
            )
    day_rows = (run_.get("day") or {}).get("rows") or {}
    if day_rows:
        lines.append("- The day: " + ", ".join(f"{k} {v:,}" for k, v in day_rows.items()) + ".")
    lines += [
        "",
        "| Report | Status | Runs (s) | Median (s) | ≤ target |",
        "|---|---:|---|---:|:---:|",
    ]
    for rep in run_.get("reports", []):
        fast = rep["max_seconds"] <= TARGET_REPORT_SECONDS
        ok = "yes" if fast and rep["status"] == 200 else "**no**"
        runs = " / ".join(f"{s:.2f}" for s in rep["seconds"]) or f"p95 {rep['max_seconds']}"
        lines.append(
            f"| `{rep['report']}` | {rep['status']} | {runs} | {rep['median_seconds']} | {ok} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.analytics", description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=500_000)
    parser.add_argument("--interactions", type=int, default=10, help="per customer, on average")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--samples", type=int, default=200, help="customers for the scores")
    parser.add_argument("--timeout", type=int, default=4 * 3600)
    parser.add_argument("--reuse", action="store_true", help="Measure on the kept database.")
    parser.add_argument("--keep", action="store_true", help="Keep the PostgreSQL database.")
    parser.add_argument(
        "--base-only", action="store_true", help="Build the base (with --keep) and stop there."
    )
    parser.add_argument("--label", default="", help="Suffix of the results' name (e.g. rerun).")
    parser.add_argument(
        "--no-full",
        action="store_true",
        help="With --reuse: no full refresh first (the store is current: refreshed more than "
        "five minutes after the last changes).",
    )
    parser.add_argument("--out", default=str(REPO / "bench" / "results"))
    parser.add_argument("--work", default=str(REPO / "bench" / ".work"))
    parser.add_argument("--pg-database", default="fregues_bench_analytics")
    parser.add_argument("--child", choices=["history", "day", "reports"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "history":
        print(json.dumps(_sql_steps(history_sql(NOW, args.interactions))))
        return 0
    if args.child == "day":
        print(json.dumps(_sql_steps(day_sql(NOW))))
        return 0
    if args.child == "reports":
        print(json.dumps(measure_reports(args.repeat, args.samples), default=str))
        return 0
    results: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "customers": args.customers,
        "lines": args.lines,
        "interactions": args.interactions,
        "now": NOW.isoformat(),
        "git": git_info(),
        "machine": machine_info(),
    }
    results["run"] = measure(args)
    if not args.keep and not args.reuse and not args.base_only:
        _psql(f"DROP DATABASE IF EXISTS {args.pg_database} WITH (FORCE)")
    name = f"analytics-{args.customers}" + (f"-{args.label}" if args.label else "")
    results_write(args.out, name, results, report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
