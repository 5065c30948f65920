"""Reading what locust wrote (``--csv PREFIX``): per-operation counts and percentiles."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any


def _number(value: str) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def read_stats(prefix: str | Path) -> dict[str, Any]:
    """``{"operations": {name: {...}}, "total": {...}, "failures": [...]}`` from
    ``PREFIX_stats.csv`` and ``PREFIX_failures.csv``; times in milliseconds."""
    operations: dict[str, dict[str, Any]] = {}
    total: dict[str, Any] = {}
    with open(f"{prefix}_stats.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            entry = {
                "method": row["Type"],
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "p50_ms": _number(row["50%"]),
                "p95_ms": _number(row["95%"]),
                "p99_ms": _number(row["99%"]),
                "avg_ms": round(_number(row["Average Response Time"]) or 0, 1),
                "max_ms": _number(row["Max Response Time"]),
                "req_per_s": round(_number(row["Requests/s"]) or 0, 2),
            }
            if row["Name"] == "Aggregated":
                total = entry
            else:
                operations[row["Name"]] = entry
    failures: list[dict[str, Any]] = []
    failures_path = Path(f"{prefix}_failures.csv")
    if failures_path.exists():
        with open(failures_path, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                failures.append(
                    {
                        "method": row["Method"],
                        "name": row["Name"],
                        "error": row["Error"],
                        "occurrences": int(row["Occurrences"]),
                    }
                )
    return {"operations": operations, "total": total, "failures": failures}
