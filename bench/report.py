"""Targets, pass/fail, and the results as JSON and as a Markdown table."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TARGET_SCALE = "1 M customers / 10 M interactions"


@dataclass(frozen=True)
class Target:
    """``metric`` ``op`` ``value`` on database ``db``."""

    metric: str
    op: str  # ">=" or "<="
    value: float
    db: str
    label: str

    def check(self, measured: float | None) -> bool | None:
        if measured is None or (isinstance(measured, float) and math.isnan(measured)):
            return None
        return measured >= self.value if self.op == ">=" else measured <= self.value

    def text(self) -> str:
        return f"{'≥' if self.op == '>=' else '≤'} {_number(self.value)}"


TARGETS: tuple[Target, ...] = (
    Target("import_parties_rows_per_s", ">=", 60_000, "postgres", "import parties"),
    Target("import_interactions_rows_per_s", ">=", 60_000, "postgres", "import interactions"),
    Target("import_parties_rows_per_s", ">=", 40_000, "sqlite", "import parties"),
    Target("import_interactions_rows_per_s", ">=", 40_000, "sqlite", "import interactions"),
    Target("import_orders_rows_per_s", ">=", 30_000, "postgres", "import orders (lines)"),
    Target("party_get_p95_ms", "<=", 10, "postgres", "customer page: party p95"),
    Target("timeline_first_p95_ms", "<=", 10, "postgres", "customer page: timeline p95"),
    Target("throughput_req_per_s", ">=", 500, "postgres", "req/s at 32 connections"),
    Target("search_p95_ms", "<=", 30, "postgres", "search p95"),
    Target("lookup_p95_ms", "<=", 5, "postgres", "lookup p95"),
    Target("duplicate_scan_s", "<=", 60, "postgres", "duplicate scan"),
    Target("export_rows_per_s", ">=", 200_000, "postgres", "export rows/s"),
    Target("export_peak_rss_mb", "<=", 200, "postgres", "export peak RSS"),
)

# (label, metric keys shown as "a / b", raw-SQL limit keys, target metric)
ROWS: tuple[tuple[str, tuple[str, ...], tuple[str, ...], str | None], ...] = (
    (
        "Import parties (rows/s)",
        ("import_parties_rows_per_s",),
        ("raw_parties_rows_per_s",),
        "import_parties_rows_per_s",
    ),
    (
        "Import interactions (rows/s)",
        ("import_interactions_rows_per_s",),
        ("raw_interactions_rows_per_s",),
        "import_interactions_rows_per_s",
    ),
    (
        "Import orders (lines/s)",
        ("import_orders_rows_per_s",),
        ("raw_orders_rows_per_s",),
        "import_orders_rows_per_s",
    ),
    ("  the same file again (lines/s)", ("import_orders_again_rows_per_s",), (), None),
    (
        "Customer page: party p50 / p95 (ms)",
        ("party_get_p50_ms", "party_get_p95_ms"),
        ("raw_customer_page_p50_ms", "raw_customer_page_p95_ms"),
        "party_get_p95_ms",
    ),
    (
        "Customer page: timeline p50 / p95 (ms)",
        ("timeline_first_p50_ms", "timeline_first_p95_ms"),
        (),
        "timeline_first_p95_ms",
    ),
    (
        "Customer page, 32 connections (req/s)",
        ("throughput_req_per_s",),
        (),
        "throughput_req_per_s",
    ),
    ("Search p50 / p95 (ms)", ("search_p50_ms", "search_p95_ms"), (), "search_p95_ms"),
    ("Lookup p50 / p95 (ms)", ("lookup_p50_ms", "lookup_p95_ms"), (), "lookup_p95_ms"),
    ("  by phone p50 / p95 (ms)", ("lookup_phone_p50_ms", "lookup_phone_p95_ms"), (), None),
    ("  by e-mail p50 / p95 (ms)", ("lookup_email_p50_ms", "lookup_email_p95_ms"), (), None),
    (
        "Timeline page 5 p50 / p95 (ms)",
        ("timeline_page5_p50_ms", "timeline_page5_p95_ms"),
        (),
        None,
    ),
    ("Duplicate scan (s)", ("duplicate_scan_s",), (), "duplicate_scan_s"),
    ("Export parties (rows/s)", ("export_rows_per_s",), (), "export_rows_per_s"),
    ("Export peak RSS (MB)", ("export_peak_rss_mb",), (), "export_peak_rss_mb"),
)


def _number(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int) or (isinstance(value, float) and value >= 1000):
        return f"{value:,.0f}"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _load(machine: dict[str, Any]) -> str:
    """The 1-minute load average at the start and at the end (other work on the machine)."""
    start = machine.get("load_average_at_start") or [None]
    end = machine.get("load_average") or [None]
    return f"{_number(start[0])} at the start, {_number(end[0])} at the end"


def checks(databases: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Every target against the measured value on its database."""
    found = []
    for target in TARGETS:
        if target.db not in databases:
            continue
        measured = databases[target.db]["metrics"].get(target.metric)
        found.append(
            {
                "db": target.db,
                "metric": target.metric,
                "label": target.label,
                "op": target.op,
                "target": target.value,
                "value": measured,
                "pass": target.check(measured),
            }
        )
    return found


def _target_for(metric: str | None, db: str) -> Target | None:
    for target in TARGETS:
        if target.metric == metric and target.db == db:
            return target
    return None


def _cell(metrics: dict[str, Any], keys: tuple[str, ...], target: Target | None) -> str:
    if not keys:
        return ""
    values = [metrics.get(k) for k in keys]
    text = " / ".join(_number(v) for v in values)
    if target is not None:
        verdict = target.check(metrics.get(target.metric))
        if verdict is not None:
            text += " ✅" if verdict else " ❌"
    return text


def _loaded(name: str, data: dict[str, Any]) -> str:
    """What the database held after the load, and what the import said of each file."""
    details = data.get("details", {})
    counts = details.get("counts")
    if not counts:
        return ""
    parts = []
    for kind in ("parties", "interactions"):
        found = details.get(f"import_{kind}") or details.get(f"fallback_load_{kind}") or {}
        verdicts = ", ".join(
            f"{key} {found[key]:,}"
            for key in ("created", "updated", "skipped", "rejected")
            if isinstance(found.get(key), int)
        )
        if verdicts:
            parts.append(f"{kind}: {verdicts}")
    return (
        f"- {name} {details.get('version', '')}: {counts['parties']:,} parties, "
        f"{counts['contact_points']:,} contact points, {counts['interactions']:,} interactions "
        "after the load" + (f" ({'; '.join(parts)})" if parts else "")
    )


def markdown(result: dict[str, Any]) -> str:
    """The results table (one column per database, the raw-SQL limit beside it)."""
    dbs = [db for db in ("sqlite", "postgres") if db in result["databases"]]
    names = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
    params = result["params"]
    dataset = result.get("dataset", {})
    lines = [
        f"# Freguês benchmark — {result['date']}, {params['customers']:,} customers",
        "",
        f"{dataset.get('party_rows', 0):,} party rows ({dataset.get('duplicate_rows', 0):,} "
        f"within-file duplicates), {dataset.get('interaction_rows', 0):,} interactions"
        + (f", {params['order_lines']:,} order lines" if params.get("order_lines") else "")
        + ", seed "
        f"{params['seed']}. Commit `{result['git'].get('short', '?')}`"
        f"{' (dirty)' if result['git'].get('dirty') else ''}; {result['machine'].get('cores')} "
        f"cores, {result['machine'].get('cpu') or 'unknown CPU'}; "
        f"load average {_load(result['machine'])}; {result['duration_s']:.0f} s in all.",
        "",
    ]
    header = ["Metric"]
    for db in dbs:
        header.append(names[db])
    for db in dbs:
        header.append(f"raw SQL {names[db]}")
    header.append("Target (PostgreSQL)")
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "---|" * len(header))
    for label, keys, raw_keys, target_metric in ROWS:
        if keys[0].startswith("import_orders") and not any(
            keys[0] in result["databases"][db]["metrics"] for db in dbs
        ):
            continue  # a run without --order-lines
        cells = [label.replace("  ", "  ↳ ", 1) if label.startswith("  ") else label]
        for db in dbs:
            metrics = result["databases"][db]["metrics"]
            cells.append(_cell(metrics, keys, _target_for(target_metric, db)))
        for db in dbs:
            cells.append(_cell(result["databases"][db]["metrics"], raw_keys, None))
        pg_target = _target_for(target_metric, "postgres")
        target_text = pg_target.text() if pg_target else ""
        sqlite_target = _target_for(target_metric, "sqlite")
        if sqlite_target:
            target_text += f" (SQLite {sqlite_target.text()})"
        cells.append(target_text)
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(
        f"Targets are set for PostgreSQL at {TARGET_SCALE}"
        + (
            "; this run is smaller, so they are indicative only."
            if params["customers"] < 1_000_000
            else "."
        )
        + " ✅/❌: the target is met or not; — : not measured (see notes)."
    )
    loaded = [line for db in dbs if (line := _loaded(names[db], result["databases"][db]))]
    if loaded:
        lines += ["", "Loaded:", "", *loaded]
    notes = []
    for db in dbs:
        data = result["databases"][db]
        for step, message in data.get("errors", {}).items():
            notes.append(f"- **{names[db]} — {step}**: {message}")
        for note in data.get("notes", []):
            notes.append(f"- {names[db]}: {note}")
    if notes:
        lines += ["", "Notes:", "", *notes]
    return "\n".join(lines) + "\n"


def write(result: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    """``<out>/<date>-<customers>.json`` and ``.md``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{result['date']}-{result['params']['customers']}"
    json_path = out_dir / f"{stem}.json"
    md_path = out_dir / f"{stem}.md"
    json_path.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n")
    md_path.write_text(markdown(result))
    return json_path, md_path
