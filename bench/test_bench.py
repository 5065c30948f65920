"""Smoke tests of the benchmark harness (not collected by the root pytest run):

uv run pytest bench -q
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path
from typing import Any

import phonenumbers
from stdnum.br import cnpj, cpf
from stdnum.pt import nif

from bench import report
from bench.generate import INTERACTION_HEADER, PARTY_HEADER, generate
from bench.util import percentile


def _digest(directory: Path) -> str:
    sha = hashlib.sha256()
    for name in ("parties.csv", "interactions.csv"):
        sha.update((directory / name).read_bytes())
    return sha.hexdigest()


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", 400, 10, seed=7)
    second = generate(tmp_path / "b", 400, 10, seed=7)
    generate(tmp_path / "c", 400, 10, seed=8)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert _digest(tmp_path / "a") != _digest(tmp_path / "c")
    assert first.sample == second.sample
    assert first.interaction_rows == second.interaction_rows > 0


def _phone_is_valid(written: str) -> bool:
    """As Freguês reads it: 00 → +, a bare 55… / 351… with the country code gets its +, and an
    old 8-digit Brazilian mobile ("(11) 8765-4321") gains its ninth digit."""
    digits = "".join(ch for ch in written if ch.isdigit())
    candidate = written
    if written.startswith("00"):
        candidate = "+" + written[2:]
    elif not written.startswith("+") and len(digits) > 11 and digits[:2] in {"55", "35"}:
        candidate = "+" + digits
    number = phonenumbers.parse(candidate, "BR")
    if phonenumbers.is_valid_number(number):
        return True
    national = str(number.national_number)
    if number.country_code == 55 and len(national) == 10 and national[2] in "6789":
        ninth = phonenumbers.parse("+55" + national[:2] + "9" + national[2:], "BR")
        return phonenumbers.is_valid_number(ninth)
    return False


def test_rows_are_realistic_and_valid(tmp_path: Path) -> None:
    dataset = generate(tmp_path, 1500, 10, seed=1)
    with open(dataset.parties_file, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        assert next(reader) == PARTY_HEADER
        rows = [dict(zip(PARTY_HEADER, row, strict=True)) for row in reader]
    assert len(rows) == 1500
    assert dataset.duplicate_rows > 0
    assert {r["country"] for r in rows} == {"BR", "PT"}
    phones = [r["phone"] for r in rows if r["phone"]]
    assert all(_phone_is_valid(p) for p in phones)
    assert any(p.startswith("(") for p in phones) and any(p.startswith("+55") for p in phones)
    for row in rows:
        if row["tax_id"]:
            assert (
                cpf.is_valid(row["tax_id"])
                or cnpj.is_valid(row["tax_id"])
                or nif.is_valid(row["tax_id"])
            )
    with open(dataset.interactions_file, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        assert next(reader) == INTERACTION_HEADER
        interactions = list(reader)
    known = {r["external_id"] for r in rows}
    assert len(interactions) == dataset.interaction_rows
    assert all(i[1] in known for i in interactions)
    assert len({i[0] for i in interactions}) == len(interactions)
    assert {i[2] for i in interactions} == {"phone", "email", "chat", "sms", "visit", "web_form"}


def test_percentile_and_report() -> None:
    assert percentile([1, 2, 3, 4, 5], 50) == 3
    assert percentile([10.0], 95) == 10.0
    result: dict[str, Any] = {
        "date": "2026-01-01",
        "duration_s": 1.0,
        "params": {"customers": 10, "seed": 1},
        "dataset": {},
        "git": {"short": "abc"},
        "machine": {"cores": 2},
        "databases": {
            "postgres": {"metrics": {"search_p50_ms": 2.0, "search_p95_ms": 40.0}, "errors": {}}
        },
    }
    table = report.markdown(result)
    assert "| Search p50 / p95 (ms) | 2.00 / 40.0 ❌ |" in table
    checks = report.checks(result["databases"])
    assert any(c["metric"] == "search_p95_ms" and c["pass"] is False for c in checks)


def test_lifecycle_report_renders_a_run_and_an_error() -> None:
    from bench.lifecycle import report as lifecycle_report

    text = lifecycle_report(
        {
            "customers": 1000,
            "lines": 5000,
            "date": "2026-12-04",
            "git": {"short": "abc"},
            "machine": {"cores": 2, "load_average": [0.1, 0.1, 0.1]},
            "runs": [
                {
                    "database": "postgres",
                    "generated": {"orders": 1500, "invoices": 20, "seconds": 1.0},
                    "backfill": {"seconds": 2.5, "moves": 900, "by_move": {"suspect→buyer": 900}},
                    "second_run": {"seconds": 0.5, "moves": 0},
                },
                {"database": "sqlite", "error": "migrate failed"},
            ],
        }
    )
    assert "| Backfill (s, the command's own time) | 2.5 | — |" in text
    assert "suspect→buyer 900" in text and "sqlite: migrate failed" in text


def test_load_report_renders_the_committed_runs_as_they_were_written() -> None:
    import json

    from bench.load.driver import report as load_report

    for name in (
        "2026-12-06-load-200",
        "2026-12-06-load-200-rerun",
        "2026-12-06-load-200-gthread",
        "2026-12-06-load-200-keepalive",
    ):
        stem = Path(__file__).parent / "results" / name
        results = json.loads(stem.with_suffix(".json").read_text())
        expected = stem.with_suffix(".md").read_text()
        assert load_report(results) == expected


def test_load_stats_read_locust_csv(tmp_path: Path) -> None:
    from bench.load.stats import read_stats

    columns = ["Type", "Name", "Request Count", "Failure Count", "Median Response Time",
               "Average Response Time", "Min Response Time", "Max Response Time",
               "Average Content Size", "Requests/s", "Failures/s", "50%", "66%", "75%", "80%",
               "90%", "95%", "98%", "99%", "99.9%", "99.99%", "100%"]  # fmt: skip
    rows = [
        ["GET", "search", "10", "1", "40", "45.5", "10", "90", "100", "2.5", "0.1", "40", "", "",
         "", "", "80", "", "90", "", "", "90"],
        ["", "Aggregated", "10", "1", "40", "45.5", "10", "90", "100", "2.5", "0.1", "40", "",
         "", "", "", "80", "", "90", "", "", "90"],
    ]  # fmt: skip
    with open(tmp_path / "l_stats.csv", "w", newline="") as handle:
        csv.writer(handle).writerows([columns, *rows])
    with open(tmp_path / "l_failures.csv", "w", newline="") as handle:
        csv.writer(handle).writerows(
            [["Method", "Name", "Error", "Occurrences"], ["GET", "search", "500 boom", "1"]]
        )
    found = read_stats(tmp_path / "l")
    assert found["operations"]["search"]["p95_ms"] == 80.0
    assert found["total"]["failures"] == 1
    assert found["failures"] == [
        {"method": "GET", "name": "search", "error": "500 boom", "occurrences": 1}
    ]
