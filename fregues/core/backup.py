"""Backup and restore of a whole Freguês: the database and the uploaded files in one archive.

Why: a CRM holds the customer memory of a company; losing it is the one failure nobody
forgives. ``fregues backup FILE`` writes a tar archive with

- ``manifest.json``: the engine, when, the migrations applied, and for every table its row
  count and a checksum (an MD5 over the sorted MD5s of its rows, so physical order does not
  matter);
- ``database.dump`` (PostgreSQL: ``pg_dump --format=custom`` taken in the same snapshot the
  checksums are read from, so the manifest describes exactly what the dump holds) or
  ``database.sqlite3`` (SQLite's online backup API: a consistent copy while the site runs);
- ``media/``: every uploaded file (attachments, import files, quotes...).

``fregues restore FILE`` loads it into an **empty** database (a non-empty one is refused unless
``--force``), puts the files back, and then reads every table again: the restore succeeds only
when each table's row count and checksum equal the manifest's.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils import timezone

FORMAT = "fregues-backup"
VERSION = 1
MANIFEST = "manifest.json"
PG_DUMP = "database.dump"
SQLITE_FILE = "database.sqlite3"


class BackupError(Exception):
    """A backup or restore that cannot go on (the message says why, for the command line)."""


@dataclass(frozen=True)
class RestoreReport:
    tables: int
    rows: int
    media_files: int
    mismatches: list[str]


def _engine(database: dict[str, Any]) -> str:
    engine = database["ENGINE"]
    if engine.endswith("postgresql"):
        return "postgresql"
    if engine.endswith("sqlite3"):
        return "sqlite"
    raise BackupError(f"unsupported database engine: {engine}")


# --- PostgreSQL ---------------------------------------------------------------------------


def _pg_env(database: dict[str, Any]) -> dict[str, str]:
    """libpq's environment for the command-line tools (the password never on the argv)."""
    env = dict(os.environ)
    for key, name in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if database.get(key):
            env[name] = str(database[key])
    return env


def _pg_connect(database: dict[str, Any]) -> Any:
    import psycopg

    return psycopg.connect(
        host=database.get("HOST") or None,
        port=database.get("PORT") or None,
        user=database.get("USER") or None,
        password=database.get("PASSWORD") or None,
        dbname=database["NAME"],
        autocommit=True,
    )


def _pg_tables(cursor: Any) -> list[str]:
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY c.relname"
    )
    return [row[0] for row in cursor.fetchall()]


def _pg_states(cursor: Any) -> dict[str, dict[str, Any]]:
    states = {}
    for table in _pg_tables(cursor):
        quoted = '"' + table.replace('"', '""') + '"'
        cursor.execute(
            f"SELECT count(*), coalesce(md5(string_agg(h, '' ORDER BY h)), '') "
            f"FROM (SELECT md5(t::text) AS h FROM {quoted} t) rows_"
        )
        count, checksum = cursor.fetchone()
        states[table] = {"rows": int(count), "checksum": checksum}
    return states


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[:2000]}")


def _pg_backup(database: dict[str, Any], folder: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """Dump and read the checksums in one snapshot (``pg_export_snapshot``)."""
    with _pg_connect(database) as conn:
        conn.autocommit = False
        with conn.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            _run(
                [
                    shutil.which("pg_dump") or "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    f"--file={folder / PG_DUMP}",
                ],
                _pg_env(database),
            )
            states = _pg_states(cursor)
            migrations = _migrations(cursor, states)
        conn.rollback()
    return states, migrations


def _pg_restore(database: dict[str, Any], folder: Path, *, force: bool) -> None:
    command = [
        shutil.which("pg_restore") or "pg_restore",
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
        f"--dbname={database['NAME']}",
    ]
    if force:
        command += ["--clean", "--if-exists"]
    _run([*command, str(folder / PG_DUMP)], _pg_env(database))


def _pg_has_data(database: dict[str, Any]) -> bool:
    with _pg_connect(database) as conn, conn.cursor() as cursor:
        return bool(_pg_tables(cursor))


# --- SQLite -------------------------------------------------------------------------------


def _sqlite_states(conn: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE "
            "'CREATE VIRTUAL TABLE%' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    states = {}
    for table in tables:
        quoted = '"' + table.replace('"', '""') + '"'
        hashes = sorted(
            hashlib.md5(repr(row).encode(), usedforsecurity=False).hexdigest()
            for row in conn.execute(f"SELECT * FROM {quoted}")
        )
        digest = (
            hashlib.md5("".join(hashes).encode(), usedforsecurity=False).hexdigest()
            if hashes
            else ""
        )
        states[table] = {"rows": len(hashes), "checksum": digest}
    return states


def _sqlite_path(database: dict[str, Any]) -> str:
    return str(database["NAME"])


@contextmanager
def _sqlite_connect(database: dict[str, Any]) -> Iterator[sqlite3.Connection]:
    name = _sqlite_path(database)
    conn = sqlite3.connect(name, uri=name.startswith("file:"))
    try:
        yield conn
    finally:
        conn.close()


def _sqlite_backup(database: dict[str, Any], folder: Path) -> tuple[dict[str, Any], dict[str, str]]:
    target = sqlite3.connect(folder / SQLITE_FILE)
    try:
        with _sqlite_connect(database) as source:
            source.backup(target)
        states = _sqlite_states(target)
        return states, _migrations(target, states)
    finally:
        target.close()


def _sqlite_has_data(database: dict[str, Any]) -> bool:
    name = _sqlite_path(database)
    if not name.startswith("file:") and not Path(name).exists():
        return False
    with _sqlite_connect(database) as conn:
        return bool(
            conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            ).fetchone()
        )


def _sqlite_restore(database: dict[str, Any], folder: Path) -> None:
    name = _sqlite_path(database)
    if not name.startswith("file:"):
        Path(name).parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(folder / SQLITE_FILE)
    try:
        with _sqlite_connect(database) as target:
            source.backup(target)
    finally:
        source.close()


# --- the archive --------------------------------------------------------------------------


MIGRATIONS_SQL = "SELECT app, max(name) FROM django_migrations GROUP BY app ORDER BY app"


def _migrations(cursor: Any, states: dict[str, Any]) -> dict[str, str]:
    """The last migration applied per app, read from the copy (or its snapshot)."""
    if "django_migrations" not in states:
        return {}
    return dict(cursor.execute(MIGRATIONS_SQL).fetchall())


def backup_create(archive: Path, *, database: dict[str, Any], media_root: Path) -> dict[str, Any]:
    """Write the archive (see the module's docstring); returns its manifest."""
    engine = _engine(database)
    archive = Path(archive)
    with tempfile.TemporaryDirectory(prefix="fregues-backup-") as tmp:
        folder = Path(tmp)
        if engine == "postgresql":
            states, migrations = _pg_backup(database, folder)
            dump = folder / PG_DUMP
        else:
            states, migrations = _sqlite_backup(database, folder)
            dump = folder / SQLITE_FILE
        media = [p for p in sorted(Path(media_root).rglob("*")) if p.is_file()]
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "engine": engine,
            "created_at": timezone.now().isoformat(),
            "migrations": migrations,
            "tables": states,
            "media_files": len(media),
        }
        partial = archive.with_name(archive.name + ".partial")
        with tarfile.open(partial, "w") as tar:
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            tar.add(dump, arcname=dump.name)
            for path in media:
                tar.add(path, arcname=f"media/{path.relative_to(media_root).as_posix()}")
        partial.replace(archive)  # never a half-written archive under the real name
    return manifest


def backup_read_manifest(archive: Path) -> dict[str, Any]:
    try:
        with tarfile.open(archive, "r") as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            manifest = json.loads(member.read())
    except (OSError, KeyError, tarfile.TarError, json.JSONDecodeError) as exc:
        raise BackupError(f"{archive} is not a Freguês backup ({exc})") from exc
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise BackupError(f"{archive} is not a Freguês backup of version {VERSION}")
    return manifest


def database_states(database: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every table's row count and checksum, as the manifest records them."""
    if _engine(database) == "postgresql":
        with _pg_connect(database) as conn, conn.cursor() as cursor:
            return _pg_states(cursor)
    with _sqlite_connect(database) as conn:
        return _sqlite_states(conn)


def backup_restore(
    archive: Path, *, database: dict[str, Any], media_root: Path, force: bool = False
) -> RestoreReport:
    """Load the archive into ``database`` (which must be empty unless ``force``) and check
    every table against the manifest. Raises BackupError before writing anything when the
    archive or the target is wrong."""
    manifest = backup_read_manifest(Path(archive))
    engine = _engine(database)
    if manifest["engine"] != engine:
        raise BackupError(
            f"the backup is of a {manifest['engine']} database; this Freguês uses {engine}"
        )
    has_data = _pg_has_data(database) if engine == "postgresql" else _sqlite_has_data(database)
    if has_data and not force:
        raise BackupError(
            "the target database is not empty: restore into a new database, or pass --force "
            "to replace what it holds"
        )
    with tempfile.TemporaryDirectory(prefix="fregues-restore-") as tmp:
        folder = Path(tmp)
        with tarfile.open(archive, "r") as tar:
            tar.extractall(folder, filter="data")  # no absolute paths, no "..", no devices
        if engine == "postgresql":
            _pg_restore(database, folder, force=force)
        else:
            _sqlite_restore(database, folder)
        media_files = 0
        source_media = folder / "media"
        if source_media.is_dir():
            for path in sorted(source_media.rglob("*")):
                if path.is_file():
                    target = Path(media_root) / path.relative_to(source_media)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, target)
                    media_files += 1
    restored = database_states(database)
    mismatches = [
        f"{table}: expected {want['rows']} rows ({want['checksum'][:8]}), "
        f"found {restored.get(table, {}).get('rows', 'no table')} "
        f"({str(restored.get(table, {}).get('checksum', ''))[:8]})"
        for table, want in sorted(manifest["tables"].items())
        if restored.get(table) != want
    ]
    if media_files != manifest["media_files"]:
        mismatches.append(f"media: expected {manifest['media_files']} files, {media_files}")
    return RestoreReport(
        tables=len(manifest["tables"]),
        rows=sum(t["rows"] for t in manifest["tables"].values()),
        media_files=media_files,
        mismatches=mismatches,
    )
