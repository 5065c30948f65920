"""What the crash tests share: a database of their own that separate processes can open (a
SQLite file, or on PostgreSQL — ``FREGUES_DATABASE_URL`` — a database on the same server,
dropped after), the environment those processes run with, the ``crash_driver`` they run, a
real ``fregues db_worker`` to ``kill -9``, and a look at the database from the test itself.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

DB_WORKER = "django_tasks_db.DatabaseBackend"


@pytest.fixture(scope="session")
def crash_template(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A copy of the migrated test database the crash databases are copies of (migrating one
    afresh costs far more than the test): a SQLite file, or on PostgreSQL a database made with
    ``CREATE DATABASE ... TEMPLATE``. Session-scoped fixtures are set up before any test's
    transaction opens, so the test database has no session open then. The tests using it are
    marked ``django_db`` (only then does pytest-django create the test database)."""
    from django.db import connection, connections

    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            path = tmp_path_factory.mktemp("crash") / "template.sqlite3"
            connection.ensure_connection()
            with sqlite3.connect(path) as target:
                connection.connection.backup(target)
            yield str(path)
            return
        source = str(connection.settings_dict["NAME"])
        connections.close_all()
    name = f"{source}_crash_template"
    with _server(source) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    try:
        yield name
    finally:
        with _server(source) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _server(database: str) -> Any:
    """A connection to the PostgreSQL server of ``FREGUES_DATABASE_URL``, outside any database
    the tests use."""
    import psycopg

    base = os.environ["FREGUES_DATABASE_URL"].rpartition("/")[0]
    return psycopg.connect(f"{base}/postgres", autocommit=True)


@pytest.fixture
def crash_database(crash_template: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a migrated database the test's processes share, all their own."""
    url = os.environ.get("FREGUES_DATABASE_URL", "")
    if not url.startswith("postgres"):
        shutil.copyfile(crash_template, tmp_path / "crash.sqlite3")
        yield f"sqlite:///{tmp_path / 'crash.sqlite3'}"
        return
    name = f"test_crash_{os.getpid()}_{time.monotonic_ns() % 10**6}"
    with _server(name) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{crash_template}"')
    try:
        yield f"{url.rpartition('/')[0]}/{name}"
    finally:
        with _server(name) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def crash_env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of the test's processes: its database, its data dir, the database task
    backend (a real queue a real worker takes tasks from)."""
    return {
        **os.environ,
        "FREGUES_DATABASE_URL": database_url,
        "FREGUES_DATA_DIR": str(data_dir),
        "FREGUES_TASK_BACKEND": DB_WORKER,
        "FREGUES_CONN_MAX_AGE": "0",
        "DJANGO_SETTINGS_MODULE": "fregues.settings",
        **extra,
    }


def driver(env: dict[str, str], *args: str) -> Any:
    """Run one ``crash_driver`` action; its last line of output, read as JSON."""
    done = subprocess.run(
        [sys.executable, "-m", "fregues.core.tests.crash_driver", *args],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def worker(env: dict[str, str], *, batch: bool = False) -> subprocess.Popen[bytes]:
    """A real task worker (``fregues db_worker``); with ``batch`` it exits when the queue is
    empty."""
    args = ["db_worker", "--no-startup-delay", "--interval", "0.05"]
    return subprocess.Popen(
        [sys.executable, "-m", "fregues.cli", *args, *(["--batch"] if batch else [])],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def kill9(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL


def finish(process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    """Wait for a ``batch`` worker to empty the queue and exit."""
    _out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err.decode()[-3000:]


def scalar(database_url: str, sql: str) -> Any:
    """One value read straight from the shared database (no Django in the test's process
    points at it)."""
    if database_url.startswith("sqlite"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=30) as conn:
            row = conn.execute(sql).fetchone()
    else:
        import psycopg

        with psycopg.connect(database_url, autocommit=True) as conn:
            row = conn.execute(sql).fetchone()
    return row[0] if row else None


def wait_for(
    check: Callable[[], Any],
    *,
    timeout: float = 180,
    what: str = "",
    worker: subprocess.Popen[bytes] | None = None,
    state: Callable[[], Any] | None = None,
) -> Any:
    """Poll ``check`` until it gives something true (the known point to kill at); fail early,
    with what the worker said, if the worker exits first."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        if worker is not None and worker.poll() is not None:
            break
        time.sleep(0.005)
    said = ""
    if worker is not None:
        if worker.poll() is None:
            worker.kill()
        said = worker.communicate(timeout=30)[1].decode()[-3000:]
    seen = state() if state else ""
    raise AssertionError(f"timed out waiting for {what or check}: {seen} {said}")
