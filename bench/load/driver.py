"""``python -m bench load --agents 200 --minutes 5``: the load test, prepared and reported.

On PostgreSQL, from scratch (or ``--reuse`` the database a ``--keep`` run left):

1. ``fregues migrate`` on a fresh database (``fregues_load``), then the generated customers and
   their interactions (``bench/generate.py``) loaded by ``fregues import`` and ``ANALYZE`` —
   the same steps as ``python -m bench`` (``bench.runner.DatabaseRun``);
2. ``--agents`` users with the agent role and one API token each (in a child Django process,
   through Freguês's own services); customers to serve and search terms drawn from the data;
3. the production server, ``fregues serve --workers N`` (gunicorn, threaded workers unless
   ``--worker-class sync``, with its task worker and scheduler), ``FREGUES_CONN_MAX_AGE=600``;
4. ``locust --headless -u AGENTS -r RATE -t MINUTESm`` from loopback with
   ``bench/load/locustfile.py`` (the scenario and its weights are described there);
5. the results: per operation the requests, failures, p50/p95/p99 and requests/s; the machine's
   load before and after (``uptime``); whether the database holds exactly the contacts and
   cases the server acknowledged; errors in the server's log. Written to
   ``bench/results/<date>-load-<agents>[-<label>].{json,md}``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from ..generate import Dataset, generate
from ..http import Server
from ..options import parse_args as bench_args
from ..queries import search_queries
from ..runner import DatabaseRun
from ..util import REPO, git_info, log, machine_info, results_write, run
from .stats import read_stats

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
CONTACT_BODY = "Cliente ligou; registado pelo teste de carga."  # as the locustfile writes them
CASE_DESCRIPTION = "Aberto pelo teste de carga."


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench load", description=__doc__)
    parser.add_argument("--agents", type=int, default=200, help="simulated agents (200)")
    parser.add_argument("--minutes", type=float, default=5, help="length of the run (5)")
    parser.add_argument("--spawn-rate", type=float, default=20, help="agents started per second")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--interactions", type=float, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4)")
    parser.add_argument(
        "--worker-class",
        choices=["gthread", "sync"],
        default="gthread",
        help="gunicorn worker class, as `fregues serve --worker-class` (gthread: 4 threads each)",
    )
    parser.add_argument("--think-min", type=float, default=2, help="seconds between actions")
    parser.add_argument("--think-max", type=float, default=10)
    parser.add_argument("--label", default="", help="suffix of the results' name (rerun, ...)")
    parser.add_argument("--keep", action="store_true", help="keep the database and the files")
    parser.add_argument("--reuse", action="store_true", help="run on the kept database")
    parser.add_argument(
        "--prepare-only", action="store_true", help="prepare and keep the database, run nothing"
    )
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results")
    parser.add_argument("--work", type=Path, default=REPO / "bench" / ".work" / "load")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--pg-database", default="fregues_load")
    parser.add_argument("--child", choices=["agents"], help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# -- inside Django (a child process with the run's environment) -----------------------------
def create_agents(count: int) -> dict[str, Any]:
    """``count`` agent users, each with an API token, through Freguês's own services."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fregues.settings")
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password

    from fregues.accounts.models import User
    from fregues.accounts.services import token_create, user_create

    password_hash = make_password(None)  # unusable: the agents sign in with their tokens
    tokens = []
    for n in range(count):
        username = f"load-agent-{n:03d}"
        user = User.objects.filter(username=username).first() or user_create(
            actor=None,
            username=username,
            password=None,
            role="agent",
            first_name="Agente",
            last_name=f"{n:03d}",
            password_hash=password_hash,
        )
        tokens.append(token_create(actor=None, user=user, name="load test"))
    return {"tokens": tokens}


# -- the run ----------------------------------------------------------------------------------
def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def prepare(args: argparse.Namespace, db: DatabaseRun, dataset: Dataset) -> dict[str, Any]:
    """A fresh database with the customers loaded (not measured)."""
    db.dataset = dataset
    db.step("fresh database", db.fresh_database)
    db.step("migrate", db.migrate)
    db.load("parties")
    db.load("interactions")
    db.step("counts", db.after_load)
    return {"counts": db.details.get("counts"), "loaded_by": db.loaded_by}


def written_by_run(db: DatabaseRun, since: dt.datetime) -> dict[str, list[Any]]:
    """The contacts and cases the scenario's agents wrote (to compare with the receipts)."""
    raw = db.raw()
    try:
        contacts = raw.rows(
            "SELECT id FROM interactions_interaction WHERE body = {p} AND created_at >= {p}",
            [CONTACT_BODY, since],
        )
        cases = raw.rows(
            "SELECT protocol FROM service_case WHERE description = {p} AND created_at >= {p}",
            [CASE_DESCRIPTION, since],
        )
    finally:
        raw.close()
    return {"contacts": [r[0] for r in contacts], "cases": [r[0] for r in cases]}


def compare(receipts: dict[str, list[Any]], found: dict[str, list[Any]]) -> dict[str, Any]:
    """Per kind: acknowledged, in the database, and the ids in one but not the other."""
    out: dict[str, Any] = {}
    for kind in ("contacts", "cases"):
        acked, stored = set(receipts.get(kind, [])), set(found[kind])
        out[kind] = {
            "acknowledged": len(receipts.get(kind, [])),
            "in_database": len(stored),
            "acknowledged_twice": len(receipts.get(kind, [])) - len(acked),
            "missing": sorted(acked - stored)[:20],
            "unacknowledged": sorted(stored - acked)[:20],
        }
        out[kind]["exact"] = acked == stored and out[kind]["acknowledged_twice"] == 0
    return out


def locust(args: argparse.Namespace, port: int, scenario: Path, prefix: Path) -> dict[str, Any]:
    """Run the scenario headless from loopback; locust's own exit code is 1 on any failure."""
    env = dict(os.environ)
    env.update(
        {
            "LOAD_SCENARIO": str(scenario),
            "LOAD_THINK_MIN": str(args.think_min),
            "LOAD_THINK_MAX": str(args.think_max),
            "LOAD_RECEIPTS": f"{prefix}_receipts.json",
        }
    )
    seconds = max(1, round(args.minutes * 60))
    argv = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
        "-u", str(args.agents), "-r", str(args.spawn_rate), "-t", f"{seconds}s",
        "--host", f"http://127.0.0.1:{port}", "--csv", str(prefix), "--only-summary",
        "--stop-timeout", "15", "--logfile", f"{prefix}.log",
    ]  # fmt: skip
    log(f"locust: {args.agents} agents for {seconds} s against port {port}")
    done = run(argv, env, timeout=seconds + 180)
    stats = read_stats(prefix)
    receipts = Path(f"{prefix}_receipts.json")
    stats["receipts"] = json.loads(receipts.read_text()) if receipts.exists() else {}
    stats["locust_exit_code"] = done.returncode
    stats["locust_cpu_peak_rss_mb"] = done.max_rss_mb
    return stats


def session_cpu_seconds(session_id: int) -> float:
    """CPU seconds (user + system) used so far by the live processes of one session — the
    server's gunicorn master and workers, task worker and scheduler (not PostgreSQL's)."""
    total = 0
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session_id:  # fields after the name: state ppid pgrp session ...
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return round(total / tick, 1)


def server_errors(log_path: Path) -> list[str]:
    """Tracebacks and error lines the server wrote while under load."""
    if not log_path.exists():
        return []
    lines = log_path.read_text(errors="replace").splitlines()
    return [line for line in lines if "Traceback" in line or "ERROR" in line or "Error:" in line][
        :50
    ]


def measure(args: argparse.Namespace) -> dict[str, Any]:
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    options = bench_args(
        [
            "--db", "postgres", "--customers", str(args.customers),
            "--interactions", str(args.interactions), "--seed", str(args.seed),
            "--work", str(work), "--pg", args.pg, "--pg-database", args.pg_database,
        ]
    )  # fmt: skip
    options.keep = args.keep or args.reuse or args.prepare_only
    db = DatabaseRun("postgres", options)
    if args.reuse:
        db.dir.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {}
    log(f"generating {args.customers:,} customers × {args.interactions:g} interactions")
    dataset = generate(work / "data", args.customers, args.interactions, args.seed)
    if not args.reuse:
        out["prepare"] = prepare(args, db, dataset)
    if db.errors or args.prepare_only:
        return out | {"errors": db.errors}
    rng = random.Random(args.seed)
    raw = db.raw()
    try:
        party_ids = raw.random_party_ids(5000, rng)
    finally:
        raw.close()
    log(f"{args.agents} agents and their tokens")
    made = run(
        [
            sys.executable,
            "-m",
            "bench.load.driver",
            "--child",
            "agents",
            "--agents",
            str(args.agents),
        ],
        db.env,
    )
    agents = made.last_json()
    if made.returncode or not agents:
        return out | {"errors": {"agents": made.tail()}}
    scenario = work / "scenario.json"
    scenario.write_text(
        json.dumps(
            {
                "tokens": agents["tokens"],
                "party_ids": party_ids,
                "queries": [q for _kind, q in search_queries(dataset, 2000, rng)],
            }
        )
    )
    since = dt.datetime.now(dt.UTC)
    server_log = work / "server.log"
    server_log.unlink(missing_ok=True)
    server_env = {**db.env, "FREGUES_WORKER_CLASS": args.worker_class}
    server = Server(server_env, args.workers, server_log, task_worker=True)
    server.start(timeout=300)  # a Django start-up takes 20 s on this machine when it is busy
    out["uptime_before"] = uptime()
    assert server.process is not None
    cpu_before = session_cpu_seconds(server.process.pid)
    try:
        out["locust"] = locust(args, server.port, scenario, work / "locust")
    finally:
        out["uptime_after"] = uptime()
        out["server_cpu_s"] = round(session_cpu_seconds(server.process.pid) - cpu_before, 1)
        server.stop()
    receipts = out["locust"].pop("receipts")
    out["joined"] = receipts.get("joined", [])
    out["written"] = compare(receipts, written_by_run(db, since))
    out["server_errors"] = server_errors(server_log)
    return out


def report(results: dict[str, Any]) -> str:
    p = results["params"]
    run_ = results["run"]
    lines = [
        f"# Load test — {p['agents']} agents, {p['minutes']:g} min, PostgreSQL, "
        f"{p['customers']:,} customers",
        "",
        f"{results['started_at']} · commit {results['git'].get('short')} · "
        f"`fregues serve --workers {p['workers']}` (gunicorn "
        f"{p.get('worker_class', 'sync')}, with the task worker), "
        f"locust from loopback, think time {p['think_min']:g}–{p['think_max']:g} s.",
        "",
    ]
    if "locust" not in run_:
        return "\n".join([*lines, f"Run failed: {run_.get('errors')}", ""])
    stats = run_["locust"]
    lines += [
        "| operation | requests | failures | p50 ms | p95 ms | p99 ms | max ms | req/s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    rows = [*sorted(stats["operations"].items()), ("**all**", stats["total"])]
    for name, s in rows:
        lines.append(
            f"| {name} | {s['requests']:,} | {s['failures']} | {s['p50_ms']:g} | "
            f"{s['p95_ms']:g} | {s['p99_ms']:g} | {s['max_ms']:g} | {s['req_per_s']:g} |"
        )
    lines += ["", "Failures:" if stats["failures"] else "Failures: none."]
    for f in stats["failures"]:
        lines.append(f"- {f['method']} {f['name']}: {f['error']} × {f['occurrences']}")
    lines += ["", "Written by the run (acknowledged with 201 vs found in the database):"]
    for kind, w in run_["written"].items():
        mark = (
            "exact"
            if w["exact"]
            else (f"**differs**: missing {w['missing']}, never acknowledged {w['unacknowledged']}")
        )
        lines.append(f"- {kind}: {w['acknowledged']:,} vs {w['in_database']:,} ({mark})")
    joined = len(run_.get("joined", []))
    lines.append(f"- reports that joined a similar open case (200): {joined}")
    lines += [
        "",
        f"Machine ({results['machine']['cores']} cores, shared with other engineers' tests):",
        f"- before: `{run_['uptime_before']}`",
        f"- after: `{run_['uptime_after']}`",
    ]
    cpu = run_.get("server_cpu_s")  # not measured by the first run
    if cpu is not None:
        lines.append(
            f"- CPU used by the server's processes during the run: {cpu} s "
            f"({1000 * cpu / max(1, stats['total']['requests']):.1f} ms a request,"
            " PostgreSQL's not counted)"
        )
    lines += [
        "",
        f"Server log errors: {len(run_['server_errors'])}"
        + ("" if not run_["server_errors"] else " — " + run_["server_errors"][0]),
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child == "agents":
        print(json.dumps(create_agents(args.agents)))
        return 0
    started_at = dt.datetime.now().astimezone()
    results: dict[str, Any] = {
        "date": started_at.date().isoformat(),
        "started_at": started_at.isoformat(timespec="seconds"),
        "params": {
            k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items() if k != "child"
        },
        "git": git_info(),
        "machine": machine_info(),
    }
    started = time.perf_counter()
    try:
        results["run"] = measure(args)
    except Exception as exc:  # still write what is known, with the reason
        results["run"] = {"errors": {"run": f"{type(exc).__name__}: {exc}"}}
    finally:
        if not (args.keep or args.reuse or args.prepare_only):
            DatabaseRun("postgres", bench_args(["--db", "postgres", "--pg", args.pg,
                        "--pg-database", args.pg_database, "--work", str(args.work)])).cleanup()  # fmt: skip
    results["duration_s"] = round(time.perf_counter() - started, 1)
    if args.prepare_only:
        log(f"prepared {args.pg_database}: {results['run']}")
        return 0
    name = f"load-{args.agents}" + (f"-{args.label}" if args.label else "")
    results_write(args.out, name, results, report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
