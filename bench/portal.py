"""The customer's portal at scale: every portal page's server time at 1 M customers.

    uv run python -m bench.portal --customers 1000000 --lines 2000000     # PostgreSQL
    uv run python -m bench.portal --customers 1000000 --reuse             # on the kept database

Issue 10 asks for every portal page in ≤ 100 ms of server time at 1 M customers. From scratch
(PostgreSQL): ``fregues migrate``; the customers, orders, lines and invoices of the lifecycle
benchmark (``bench.lifecycle``), then the attributes, addresses, e-mails, consents,
interactions and cases of the segments benchmark (``bench.segments``); then, in one child
process, for ``--samples`` customers drawn among the busiest (the most orders, cases and
contacts: the worst pages, not the average ones): a portal session through the portal's own
service and, for each page — home, every section of the portal's navigation, and the first
detail page each section links to — one warm-up request and ``--repeat`` timed ones through
Django's test client (the whole request: middleware, session, queries, template; no network).
Results go to ``bench/results/<date>-portal-<customers>.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

from .lifecycle import NOW, _env, _psql, _setup
from .util import REPO, fregues_command, git_info, log, machine_info, results_write, run, summary_ms

TARGET_MS = 100.0


def _links(html: str, prefix: str) -> list[str]:
    """Links of a page that go deeper than ``prefix`` (a section's detail pages)."""
    found = []
    for href in re.findall(r'href="([^"#?]+)"', html):
        if href.startswith(prefix) and href != prefix and not href.endswith((".pdf", "/new/")):
            found.append(href)
    return found


def pages(samples: int, repeat: int) -> dict[str, Any]:
    """Time every portal page for the busiest customers (runs inside Django)."""
    _setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from fregues.parties.models import Party
    from fregues.portal.nav import SECTIONS
    from fregues.portal.services import portal_session_open

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT p.id FROM parties_party p
               LEFT JOIN (SELECT party_id, count(*) n FROM sales_order GROUP BY party_id) o
                 ON o.party_id = p.id
               LEFT JOIN (SELECT party_id, count(*) n FROM service_case GROUP BY party_id) c
                 ON c.party_id = p.id
               WHERE c.n > 0 AND o.n > 0
               ORDER BY o.n DESC, p.id LIMIT %s""",
            [samples],
        )
        ids = [row[0] for row in cursor.fetchall()]
    timings: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    for party in Party.objects.filter(pk__in=ids):
        client = Client(headers={"Accept-Language": "en"})
        _session, raw = portal_session_open(party=party, ip="127.0.0.1")
        client.cookies[settings.PORTAL_COOKIE_NAME] = raw
        targets: list[tuple[str, str]] = [("home", reverse("portal:home"))]
        for name, _label, _tile in SECTIONS:
            url = reverse(name)
            targets.append((name.split(":")[1], url))
            response = client.get(url)
            details = _links(response.content.decode(), url) if response.status_code == 200 else []
            if details:
                targets.append((name.split(":")[1] + " (detail)", details[0]))
        for label, url in targets:
            client.get(url)  # warm-up: the first request of a process pays for imports
            for _ in range(repeat):
                started = time.perf_counter()
                response = client.get(url)
                elapsed = time.perf_counter() - started
                if response.status_code != 200:
                    errors[label] = errors.get(label, 0) + 1
                    continue
                timings.setdefault(label, []).append(elapsed)
    return {
        "customers_sampled": len(ids),
        "pages": {
            label: summary_ms(values, errors.get(label, 0)) for label, values in timings.items()
        },
        "errors": errors,
    }


def measure(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(args.work).resolve()
    env = _env("postgres", work, args.pg_database)
    out: dict[str, Any] = {"database": "postgres"}
    if not args.reuse:
        _psql(f"DROP DATABASE IF EXISTS {args.pg_database} WITH (FORCE)")
        _psql(f"CREATE DATABASE {args.pg_database}")
    log("migrate")
    step = run([*fregues_command(), "migrate", "--no-input"], env)
    if step.returncode:
        return out | {"error": "migrate failed: " + step.tail()}
    if not args.reuse:
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
    log("timing the portal pages")
    step = run(
        [sys.executable, "-m", "bench.portal", "--child", "pages", "--samples",
         str(args.samples), "--repeat", str(args.repeat)],
        env,
    )  # fmt: skip
    if step.returncode:
        return out | {"error": "pages failed: " + step.tail()}
    out.update(step.last_json() or {})
    return out


def report(results: dict[str, Any]) -> str:
    run_ = results["run"]
    lines = [
        f"# Portal pages — {results['customers']:,} customers (PostgreSQL)",
        "",
        f"Server time per page (Django test client, whole request), {run_.get('customers_sampled')}"
        f" of the busiest customers, target ≤ {TARGET_MS:.0f} ms.",
        "",
        "| Page | p50 ms | p95 ms | max ms | requests | errors | within target |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for label, s in sorted(run_.get("pages", {}).items()):
        ok = "yes" if s.get("p95_ms", 1e9) <= TARGET_MS else "**no**"
        lines.append(
            f"| {label} | {s.get('p50_ms')} | {s.get('p95_ms')} | {s.get('max_ms')} | "
            f"{s.get('n')} | {s.get('errors', 0)} | {ok} |"
        )
    if "error" in run_:
        lines += ["", f"Run failed: {run_['error']}"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.portal", description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="Measure on the kept database.")
    parser.add_argument("--keep", action="store_true", help="Keep the PostgreSQL database.")
    parser.add_argument("--out", default=str(REPO / "bench" / "results"))
    parser.add_argument("--work", default=str(REPO / "bench" / ".work"))
    parser.add_argument("--pg-database", default="fregues_bench_portal")
    parser.add_argument("--child", choices=["pages"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "pages":
        print(json.dumps(pages(args.samples, args.repeat), default=str))
        return 0
    results: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "customers": args.customers,
        "lines": args.lines,
        "now": NOW.isoformat(),
        "git": git_info(),
        "machine": machine_info(),
    }
    results["run"] = measure(args)
    if not args.keep and not args.reuse:
        _psql(f"DROP DATABASE IF EXISTS {args.pg_database} WITH (FORCE)")
    results_write(args.out, f"portal-{args.customers}", results, report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
