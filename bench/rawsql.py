"""The raw-SQL limit for the same data, and direct reads of the benchmark database.

What the hardware and the database can do with no application in between:
- load: PostgreSQL ``COPY`` into a plain table with the file's columns; SQLite ``executemany``
  of the parsed CSV rows in one transaction (the same PRAGMAs Freguês uses);
- the customer page: one party row plus its 50 latest interactions, two prepared queries on
  Freguês's own tables and indexes.
"""

from __future__ import annotations

import csv
import random
import sqlite3
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .generate import INTERACTION_HEADER, PARTY_HEADER
from .util import summary_ms

PG_TYPES = {"birth_date": "date", "occurred_at": "timestamptz"}
SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL")
PARTY_SQL = "SELECT * FROM parties_party WHERE id = {p}"
TIMELINE_SQL = (
    "SELECT * FROM interactions_interaction WHERE party_id = {p} "
    "ORDER BY occurred_at DESC, id DESC LIMIT 50"
)


class RawDB:
    """A plain DB-API connection to the benchmark database (sqlite3 or psycopg)."""

    def __init__(self, engine: str, target: str) -> None:
        self.engine = engine
        if engine == "sqlite":
            self.conn: Any = sqlite3.connect(target, timeout=30)
            for pragma in SQLITE_PRAGMAS:
                self.conn.execute(pragma)
            self.placeholder = "?"
        else:
            import psycopg

            self.conn = psycopg.connect(target, autocommit=True)
            self.placeholder = "%s"

    def sql(self, template: str) -> str:
        return template.format(p=self.placeholder)

    def rows(self, query: str, params: Sequence[Any] = ()) -> list[tuple]:
        cursor = self.conn.cursor()
        cursor.execute(self.sql(query), params)
        return list(cursor.fetchall())

    def scalar(self, query: str, params: Sequence[Any] = ()) -> Any:
        found = self.rows(query, params)
        return found[0][0] if found else None

    def close(self) -> None:
        self.conn.close()

    def version(self) -> str:
        if self.engine == "sqlite":
            return str(self.scalar("SELECT sqlite_version()"))
        return str(self.scalar("SHOW server_version"))

    # -- what the benchmark reads to build its requests ----------------------------------
    def counts(self) -> dict[str, int]:
        return {
            "parties": int(self.scalar("SELECT count(*) FROM parties_party")),
            "live_parties": int(
                self.scalar("SELECT count(*) FROM parties_party WHERE merged_into_id IS NULL")
            ),
            "contact_points": int(self.scalar("SELECT count(*) FROM parties_contactpoint")),
            "interactions": int(self.scalar("SELECT count(*) FROM interactions_interaction")),
        }

    def random_party_ids(self, n: int, rng: random.Random) -> list[int]:
        """``n`` ids of live parties, drawn at random (with replacement when there are fewer)."""
        ids = [
            row[0]
            for row in self.rows(
                "SELECT id FROM parties_party WHERE merged_into_id IS NULL ORDER BY id"
            )
        ]
        if not ids:
            return []
        if len(ids) >= n:
            return rng.sample(ids, n)
        return [rng.choice(ids) for _ in range(n)]

    def heavy_party_ids(self, minimum: int, limit: int) -> list[int]:
        """Parties with at least ``minimum`` interactions (whose timeline has many pages)."""
        return [
            row[0]
            for row in self.rows(
                "SELECT party_id FROM interactions_interaction GROUP BY party_id "
                f"HAVING count(*) >= {int(minimum)} ORDER BY party_id LIMIT {int(limit)}"
            )
        ]

    def customer_page(self, party_ids: list[int]) -> dict[str, Any]:
        """p50/p95 of one party row plus its 50 latest interactions, by prepared raw SQL."""
        party_sql, timeline_sql = self.sql(PARTY_SQL), self.sql(TIMELINE_SQL)
        cursor = self.conn.cursor()
        prepare: dict[str, Any] = {} if self.engine == "sqlite" else {"prepare": True}
        for pid in party_ids[:20]:  # warm the caches and the prepared statements
            cursor.execute(party_sql, (pid,), **prepare)
            cursor.fetchall()
            cursor.execute(timeline_sql, (pid,), **prepare)
            cursor.fetchall()
        durations = []
        for pid in party_ids:
            started = time.perf_counter()
            cursor.execute(party_sql, (pid,), **prepare)
            cursor.fetchall()
            cursor.execute(timeline_sql, (pid,), **prepare)
            cursor.fetchall()
            durations.append(time.perf_counter() - started)
        return summary_ms(durations)


def _csv_rows(path: Path) -> Iterator[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        yield from reader


def _pg_table(name: str, header: list[str]) -> str:
    columns = ", ".join(f"{c} {PG_TYPES.get(c, 'text')}" for c in header)
    return f"CREATE TABLE {name} ({columns})"


def pg_copy(url: str, path: Path, table: str, header: list[str]) -> dict[str, Any]:
    """COPY the CSV file into a fresh plain table (no index, no constraint) and time it."""
    import psycopg

    with psycopg.connect(url) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute(_pg_table(table, header))
        conn.commit()
        started = time.perf_counter()
        with (
            conn.cursor() as cursor,
            cursor.copy(f"COPY {table} FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
            open(path, "rb") as handle,
        ):
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
        conn.commit()
        seconds = time.perf_counter() - started
        rows = int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]
        conn.execute(f"DROP TABLE {table}")
        conn.commit()
    return {"rows": rows, "seconds": round(seconds, 3), "rows_per_second": round(rows / seconds)}


def sqlite_executemany(db_path: Path, path: Path, table: str, header: list[str]) -> dict[str, Any]:
    """Parse the CSV and ``executemany`` it into a plain table, in one transaction."""
    db_path.unlink(missing_ok=True)
    conn = sqlite3.connect(db_path, isolation_level=None)
    for pragma in SQLITE_PRAGMAS:
        conn.execute(pragma)
    conn.execute(f"CREATE TABLE {table} ({', '.join(header)})")
    insert = f"INSERT INTO {table} VALUES ({', '.join('?' * len(header))})"
    started = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(insert, _csv_rows(path))
    conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    rows = int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    conn.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    return {"rows": rows, "seconds": round(seconds, 3), "rows_per_second": round(rows / seconds)}


def raw_load(engine: str, target: str, parties: Path, interactions: Path) -> dict[str, Any]:
    """The raw-SQL load limit for both files on one database."""
    if engine == "postgres":
        return {
            "parties": pg_copy(target, parties, "bench_raw_party", PARTY_HEADER),
            "interactions": pg_copy(
                target, interactions, "bench_raw_interaction", INTERACTION_HEADER
            ),
        }
    db_path = Path(target)
    return {
        "parties": sqlite_executemany(db_path, parties, "bench_raw_party", PARTY_HEADER),
        "interactions": sqlite_executemany(
            db_path, interactions, "bench_raw_interaction", INTERACTION_HEADER
        ),
    }
