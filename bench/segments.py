"""Segment counts at scale: realistic segments counted over a generated customer base.

    uv run python -m bench.segments --customers 1000000 --lines 2000000    # PostgreSQL
    uv run python -m bench.segments --customers 1000000 --reuse            # measure again

PostgreSQL only (the extra history is generated with PostgreSQL's SQL). From scratch:
``fregues migrate``; the customers, orders and order lines of ``bench.lifecycle`` (its own
generator, imported); then, straight into the tables with ``INSERT ... SELECT`` over the
parties (seeded by the party id, reproducible): birth dates, tiers, languages, creation
dates; a postal address for 92 % (cities weighted like a Brazilian base, some in Portugal);
an e-mail for 80 %; the marketing e-mail consent granted by 45 % (a tenth of them withdrew it
later) and SMS consent by 15 %; 1–4 interactions for 70 % over three years; an open case for
3 % and a closed one for 5 %; the tag VIP on 1 %. ANALYZE; then each segment is counted
three times through ``segment_count`` (what the API's ``/count`` runs: the compiled query,
with JIT off), with its ``EXPLAIN ANALYZE`` kept, and the largest one is frozen by
``segment_snapshot`` (one ``INSERT ... SELECT``). Results go to
``bench/results/<date>-segments-<customers>.json`` and ``.md``.
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
from .util import REPO, fregues_command, git_info, log, machine_info, results_write, run

TARGET_SECONDS = 2.0

SEGMENTS: list[tuple[str, dict[str, Any]]] = [
    (
        "Clients and buyers in SP with marketing e-mail consent and no open case",
        {
            "all": [
                {"field": "lifecycle_stage", "op": "in", "value": ["client", "buyer"]},
                {"field": "region", "op": "in", "value": ["SP"]},
                {
                    "field": "consent",
                    "op": "granted",
                    "value": "marketing_email",
                    "channel": "email",
                },
                {"not": {"field": "open_cases", "op": "has"}},
            ]
        },
    ),
    (
        "Bought product SKU-17 in the last 180 days, aged 25-44",
        {
            "all": [
                {"field": "products", "op": "bought_any", "value": ["SKU-17"], "days": 180},
                {"field": "age_band", "op": "in", "value": ["25-34", "35-44"]},
            ]
        },
    ),
    (
        "No contact for 365 days",
        {"all": [{"field": "last_contact", "op": "older_than", "value": 365}]},
    ),
    (
        "Spent at least BRL 5,000 over 3+ orders, none in the last year",
        {
            "all": [
                {"field": "orders", "op": "count_at_least", "value": 3},
                {"field": "orders", "op": "spent_at_least", "value": "5000", "currency": "BRL"},
                {"field": "orders", "op": "not_within", "value": 365},
            ]
        },
    ),
    (
        "Everyone who allows marketing e-mail",
        {
            "all": [
                {
                    "field": "consent",
                    "op": "granted",
                    "value": "marketing_email",
                    "channel": "email",
                }
            ]
        },
    ),
    (
        "Complained by e-mail in 90 days with a technical case open over 7 days",
        {
            "all": [
                {
                    "field": "channel_used",
                    "op": "has",
                    "value": "email",
                    "days": 90,
                    "inbound": True,
                },
                {
                    "field": "open_cases",
                    "op": "has",
                    "case_types": ["technical-assistance"],
                    "older_than": 7,
                },
            ]
        },
    ),
    (
        "VIP or gold tier in Rio, Lisbon or Porto, never withdrew SMS",
        {
            "all": [
                {
                    "any": [
                        {"field": "tags", "op": "any", "value": ["VIP"]},
                        {"field": "tier", "op": "in", "value": ["gold"]},
                    ]
                },
                {"field": "city", "op": "in", "value": ["Rio de Janeiro", "Lisboa", "Porto"]},
                {
                    "not": {
                        "field": "consent",
                        "op": "withdrawn",
                        "value": "marketing_messages",
                        "channel": "sms",
                    }
                },
            ]
        },
    ),
    (
        "New customers (90 days), pt-PT or English speakers, never ordered",
        {
            "all": [
                {"field": "created", "op": "within", "days": 90},
                {"field": "language", "op": "in", "value": ["pt-pt", "en"]},
                {"field": "orders", "op": "never"},
            ]
        },
    ),
]

# (city, region, country, weight in thousandths)
CITIES = [
    ("São Paulo", "SP", "BR", 250), ("Rio de Janeiro", "RJ", "BR", 120),
    ("Belo Horizonte", "MG", "BR", 80), ("Curitiba", "PR", "BR", 60),
    ("Porto Alegre", "RS", "BR", 60), ("Salvador", "BA", "BR", 60), ("Recife", "PE", "BR", 50),
    ("Campinas", "SP", "BR", 50), ("Fortaleza", "CE", "BR", 50), ("Brasília", "DF", "BR", 50),
    ("Manaus", "AM", "BR", 40), ("Goiânia", "GO", "BR", 40), ("Lisboa", "Lisboa", "PT", 50),
    ("Porto", "Porto", "PT", 40),
]  # fmt: skip


def _r(k: int, n: int, col: str = "p.id") -> str:
    """A reproducible pseudo-random number 0..n-1 from the row's id (stream ``k``)."""
    return f"(abs(hashint8({col} * 31 + {k})::bigint) % {n})"


def extras_sql(now: dt.datetime) -> list[tuple[str, str]]:
    ts = f"timestamptz '{now.isoformat()}'"
    buckets, start = [], 0
    for city, region, country, weight in CITIES:
        buckets.append(f"({start}, {start + weight}, '{city}', '{region}', '{country}')")
        start += weight
    cities = "(VALUES " + ", ".join(buckets) + ") AS c(lo, hi, city, region, country)"
    return [
        (
            "party attributes",
            f"""UPDATE parties_party p SET
                birth_date = date '1940-01-01' + {_r(1, 24000)}::int,
                created_at = {ts} - make_interval(days => {_r(2, 2400)}::int),
                tier = CASE WHEN {_r(3, 100)} < 2 THEN 'gold'
                            WHEN {_r(3, 100)} < 10 THEN 'silver' ELSE '' END,
                language = CASE WHEN {_r(4, 100)} < 8 THEN 'pt-pt'
                                WHEN {_r(4, 100)} < 11 THEN 'en' ELSE 'pt-br' END""",
        ),
        (
            "addresses",
            f"""INSERT INTO parties_contactpoint (party_id, kind, network, value, normalized,
                match_key, label, is_primary, is_verified, street, number, complement, district,
                city, region, postal_code, country, created_at, updated_at)
            SELECT p.id, 'address', '', 'Rua ' || p.id || ', ' || c.city,
                   lower('rua ' || p.id || ', ' || c.city), '', '', true, false, 'Rua ' || p.id,
                   '1', '', '', c.city, c.region, '', c.country, {ts}, {ts}
            FROM parties_party p JOIN {cities} ON {_r(5, 1000)} >= c.lo AND {_r(5, 1000)} < c.hi
            WHERE {_r(6, 100)} < 92""",
        ),
        (
            "e-mails",
            f"""INSERT INTO parties_contactpoint (party_id, kind, network, value, normalized,
                match_key, label, is_primary, is_verified, street, number, complement, district,
                city, region, postal_code, country, created_at, updated_at)
            SELECT p.id, 'email', '', 'cliente' || p.id || '@exemplo.com.br',
                   'cliente' || p.id || '@exemplo.com.br', 'cliente' || p.id || '@exemplo.com.br',
                   '', true, false, '', '', '', '', '', '', '', '', {ts}, {ts}
            FROM parties_party p WHERE {_r(7, 100)} < 80""",
        ),
        (
            "consents",
            f"""INSERT INTO parties_consentrecord (party_id, purpose_id, channel, granted,
                occurred_at, source, text_version, note, external_id, recorded_at)
            SELECT p.id, u.id, '', true, {ts} - make_interval(days => 400 + {_r(8, 1000)}::int),
                   'import', 'v1', '', '', {ts}
            FROM parties_party p, parties_consentpurpose u
            WHERE u.code = 'marketing_email' AND {_r(9, 100)} < 45
            UNION ALL
            SELECT p.id, u.id, '', false, {ts} - make_interval(days => {_r(10, 300)}::int),
                   'form', 'v1', '', '', {ts}
            FROM parties_party p, parties_consentpurpose u
            WHERE u.code = 'marketing_email' AND {_r(9, 100)} < 45 AND {_r(11, 10)} = 0
            UNION ALL
            SELECT p.id, u.id, 'sms', {_r(13, 10)} > 0,
                   {ts} - make_interval(days => {_r(12, 900)}::int), 'portal', 'v1', '', '', {ts}
            FROM parties_party p, parties_consentpurpose u
            WHERE u.code = 'marketing_messages' AND {_r(14, 100)} < 15""",
        ),
        (
            "interactions",
            f"""INSERT INTO interactions_interaction (party_id, channel, network, direction,
                occurred_at, subject, body, outcome, channel_address, external_id,
                regarding_type, created_at, updated_at)
            SELECT p.id,
                   (ARRAY['phone','email','email','chat','sms','visit'])[1 + {_r(15, 6, "p.id + g")}],
                   '', CASE WHEN {_r(16, 3, "p.id + g")} = 0 THEN 'out' ELSE 'in' END,
                   {ts} - make_interval(days => {_r(17, 1100, "p.id * 7 + g")}::int),
                   'Contato', '', '', '', '', '', {ts}, {ts}
            FROM parties_party p, generate_series(1, 1 + {_r(18, 4)}::int) g
            WHERE {_r(19, 100)} < 70""",
        ),
        (
            "cases",
            f"""INSERT INTO service_case (protocol, tracking_code, party_id, channel, case_type_id,
                category, priority, status_id, status_changed_at, is_open, subject, description,
                sla_paused_minutes, escalation_level, version, created_at, updated_at)
            SELECT 'B-' || p.id, 'T' || p.id, p.id, 'phone', t.id, '', 'normal',
                   (SELECT s.id FROM service_circuitstatus s
                    WHERE s.circuit_id = t.circuit_id AND s.is_initial LIMIT 1),
                   {ts}, {_r(20, 8)} < 3, 'Assistência', '', 0, 0, 1,
                   {ts} - make_interval(days => {_r(21, 60)}::int), {ts}
            FROM parties_party p JOIN service_casetype t
              ON t.code = CASE WHEN {_r(22, 4)} = 0 THEN 'licence-request'
                               ELSE 'technical-assistance' END
            WHERE {_r(23, 100)} < 8""",
        ),
        ("tag", "INSERT INTO parties_tag (name, color) VALUES ('VIP', '')"),
        (
            "tagged",
            f"""INSERT INTO parties_party_tags (party_id, tag_id)
            SELECT p.id, t.id FROM parties_party p, parties_tag t
            WHERE t.name = 'VIP' AND {_r(24, 100)} = 0""",
        ),
    ]


def extras() -> dict[str, Any]:
    """Add the marketing history to the generated base (PostgreSQL)."""
    _setup()
    from django.db import connection, transaction

    seconds: dict[str, float] = {}
    rows: dict[str, int] = {}
    for name, sql in extras_sql(NOW):
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


def measure_counts(repeat: int) -> dict[str, Any]:
    """Count every segment ``repeat`` times, keep its plan; freeze the largest."""
    _setup()
    from django.db import connection

    from fregues.marketing.models import Segment
    from fregues.marketing.segments import members_queryset, planned_without_jit, validate
    from fregues.marketing.selectors.segments import segment_members
    from fregues.marketing.services.segments import segment_count, segment_snapshot

    out: list[dict[str, Any]] = []
    for name, rules in SEGMENTS:
        clean = validate(rules)
        query = members_queryset(clean, now=NOW, validated=True)
        times, count = [], 0
        for _ in range(repeat):
            started = time.perf_counter()
            count = segment_count(actor=None, rules=clean, now=NOW)  # what /count runs
            times.append(time.perf_counter() - started)
        sql, params = query.values("id").query.sql_with_params()
        with planned_without_jit(), connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS OFF) SELECT count(*) FROM ({sql}) s", params)
            plan = [row[0] for row in cursor.fetchall()]
        entry = {
            "name": name,
            "rules": rules,
            "count": count,
            "seconds": [round(t, 3) for t in times],
            "median_seconds": round(statistics.median(times), 3),
            "plan": plan,
        }
        out.append(entry)
        log(f"  {count:>9,}  {entry['seconds']}  {name}")
    largest = max(range(len(SEGMENTS)), key=lambda i: out[i]["count"])
    segment = Segment.objects.create(name=SEGMENTS[largest][0][:120], rules=SEGMENTS[largest][1])
    started = time.perf_counter()
    snap = segment_snapshot(actor=None, segment_id=segment.pk, now=NOW)
    snapshot_seconds = time.perf_counter() - started
    started = time.perf_counter()
    page = segment_members(actor=None, segment_id=segment.pk, page=1, now=NOW)
    members_seconds = time.perf_counter() - started
    return {
        "segments": out,
        "snapshot": {
            "segment": segment.name,
            "members": snap.member_count,
            "seconds": round(snapshot_seconds, 2),
        },
        "members_page": {"rows": len(page.rows), "seconds": round(members_seconds, 3)},
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
        log(f"generating {args.customers:,} customers / {args.lines:,} order lines")
        step = run(
            [sys.executable, "-m", "bench.lifecycle", "--child", "generate", "--customers",
             str(args.customers), "--lines", str(args.lines), "--seed", str(args.seed)],
            env,
        )  # fmt: skip
        if step.returncode:
            return out | {"error": "generate failed: " + step.tail()}
        out["generated"] = step.last_json()
        log(f"generated: {out['generated']}")
        step = run([sys.executable, "-m", "bench.segments", "--child", "extras"], env)
        if step.returncode:
            return out | {"error": "extras failed: " + step.tail()}
        out["extras"] = step.last_json()
    else:  # the kept database: bring its schema up to date, keep what generated it
        step = run([*fregues_command(), "migrate", "--no-input"], env)
        if step.returncode:
            return out | {"error": "migrate failed: " + step.tail()}
        previous = Path(args.out) / f"{dt.date.today().isoformat()}-segments-{args.customers}.json"
        if previous.exists():
            before = json.loads(previous.read_text()).get("run", {})
            out.update({k: before[k] for k in ("generated", "extras") if k in before})
    log("counting")
    step = run(
        [sys.executable, "-m", "bench.segments", "--child", "counts", "--repeat", str(args.repeat)],
        env,
    )
    if step.returncode:
        return out | {"error": "counts failed: " + step.tail()}
    out.update(step.last_json() or {})
    return out


def report(results: dict[str, Any]) -> str:
    run_ = results["run"]
    lines = [
        f"# Segment counts — {results['customers']:,} customers (PostgreSQL)",
        "",
        f"{results['date']} · commit {results['git'].get('short')} · "
        f"{results['machine'].get('cores')} cores · load {results['machine'].get('load_average')}"
        f" · target ≤ {TARGET_SECONDS:g} s per count",
        "",
    ]
    if run_.get("error"):
        return "\n".join([*lines, f"Error: {run_['error']}", ""])
    generated = run_.get("generated") or {}
    extra_rows = (run_.get("extras") or {}).get("rows") or {}
    if generated:
        lines += [
            f"Base: {generated.get('parties', 0):,} parties, {generated.get('orders', 0):,} "
            f"orders, {generated.get('lines', 0):,} order lines; "
            + ", ".join(f"{k} {v:,}" for k, v in extra_rows.items())
            + ".",
            "",
        ]
    lines += [
        "| Segment | Members | Count (s), 3 runs | Median (s) | ≤ target |",
        "|---|---:|---|---:|:---:|",
    ]
    for seg in run_.get("segments", []):
        ok = "yes" if seg["median_seconds"] <= TARGET_SECONDS else "**no**"
        lines.append(
            f"| {seg['name']} | {seg['count']:,} | "
            f"{' / '.join(f'{s:.2f}' for s in seg['seconds'])} | {seg['median_seconds']:.2f} | {ok} |"
        )
    snap = run_.get("snapshot") or {}
    if snap:
        lines += [
            "",
            f'Snapshot of "{snap["segment"]}" ({snap["members"]:,} members, one '
            f"`INSERT ... SELECT`): {snap['seconds']:.2f} s. First page of members (50 rows, "
            f"by name): {run_['members_page']['seconds']:.3f} s.",
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.segments", description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="Count on the kept database.")
    parser.add_argument("--keep", action="store_true", help="Keep the PostgreSQL database.")
    parser.add_argument("--out", default=str(REPO / "bench" / "results"))
    parser.add_argument("--work", default=str(REPO / "bench" / ".work"))
    parser.add_argument("--pg-database", default="fregues_bench_segments")
    parser.add_argument("--child", choices=["extras", "counts"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "extras":
        print(json.dumps(extras()))
        return 0
    if args.child == "counts":
        print(json.dumps(measure_counts(args.repeat), default=str))
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
    results_write(args.out, f"segments-{args.customers}", results, report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
