"""PostgreSQL restarted (``pg_ctl restart -m immediate``: a crash, then WAL recovery) while a
real task worker writes an import: after the restart, the recovery sweep and a new worker,
every row is imported exactly once and every rejected row reported once.

The server is a throw-away cluster of the test's own (``initdb`` on a free port, as the
``postgres`` user), loaded with a copy of the migrated test database. It runs in the
PostgreSQL suite only, and is skipped where the server binaries or ``runuser`` are absent.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fregues.core.tests.crash_support import crash_env, driver, finish, scalar, wait_for, worker

BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), Path("/none"))
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not os.environ.get("FREGUES_DATABASE_URL", "").startswith("postgres"),
        reason="the PostgreSQL suite runs it",
    ),
    pytest.mark.skipif(
        not (BIN / "initdb").exists() or not shutil.which("runuser") or os.getuid() != 0,
        reason="needs the PostgreSQL server binaries and runuser (as root)",
    ),
]
ROWS, BATCH, BAD_EVERY = 1200, 10, 9


def as_postgres(*args: str) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, capture_output=True)


@pytest.fixture
def cluster(crash_template: str) -> Iterator[tuple[str, list[str]]]:
    """(URL of a copy of the migrated test database on a new server, its data directory)."""
    home = Path(tempfile.mkdtemp(prefix="fregues-pg-"))
    shutil.chown(home, "postgres")
    data = home / "data"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    as_postgres(str(BIN / "initdb"), "-A", "trust", "-U", "postgres", "-D", str(data))
    options = f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=on"
    ctl = [str(BIN / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-l", str(home / "log")]
    as_postgres(*ctl, "start")
    url = f"postgres://postgres@127.0.0.1:{port}/fregues"
    try:
        source = os.environ["FREGUES_DATABASE_URL"].rpartition("/")[0] + f"/{crash_template}"
        subprocess.run([str(BIN / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "fregues"], check=True)  # fmt: skip
        dump = subprocess.Popen([str(BIN / "pg_dump"), "-Fc", source], stdout=subprocess.PIPE)
        subprocess.run(
            [str(BIN / "pg_restore"), "--no-owner", "-d", url],
            stdin=dump.stdout, check=True, capture_output=True,
        )  # fmt: skip
        assert dump.wait() == 0
        yield url, ctl
    finally:
        subprocess.run(["runuser", "-u", "postgres", "--", *ctl, "-m", "immediate", "stop"], capture_output=True)  # fmt: skip
        shutil.rmtree(home, ignore_errors=True)


def test_a_postgresql_restart_mid_import_loses_no_row_and_imports_none_twice(
    cluster: tuple[str, list[str]], tmp_path: Path
) -> None:
    url, ctl = cluster
    env = crash_env(
        url,
        tmp_path,
        FREGUES_IMPORT_BATCH_SIZE=str(BATCH),
        FREGUES_IMPORT_WORKERS="0",
        FREGUES_IMPORT_STALE_MINUTES="0",
    )
    setup = driver(env, "import-setup", str(ROWS), str(BAD_EVERY))
    job, bad = setup["job"], setup["bad"]

    def read(column: str) -> Any:
        return scalar(url, f"SELECT {column} FROM integrations_importjob WHERE id={job}")

    running = worker(env)
    wait_for(lambda: (read("(checkpoint->>'batches')::int") or 0) >= 5, what="five batches")
    as_postgres(*ctl, "-m", "immediate", "restart")  # the server crashes and recovers
    at_restart = read("(checkpoint->>'batches')::int")
    assert at_restart < ROWS // BATCH  # the restart came mid-import
    running.kill()  # the worker that lost its connection (whatever state it is in)
    running.wait(timeout=30)
    committed = scalar(url, "SELECT count(*) FROM parties_party")
    assert committed == read("created")  # the job's counters are those of the batches kept

    if read("status") == "running":  # its worker died with the connection: take it over
        assert driver(env, "import-recover") == {"taken": [job]}
        finish(worker(env, batch=True))
        good = ROWS - len(bad)
        assert read("status") == "done", read("message")
        assert [read(c) for c in ("rows_done", "created", "updated", "rejected")] == [
            ROWS, good, 0, len(bad),
        ]  # fmt: skip
        assert scalar(url, "SELECT count(*) FROM parties_party") == good  # none twice
        emails = "SELECT count(DISTINCT normalized) FROM parties_contactpoint WHERE kind='email'"
        assert scalar(url, emails) == good  # none lost
    else:  # reported failed: the rows before the failed batch stay, nothing half-written
        assert read("status") == "failed"
        assert read("rows_done") == read("created") + read("rejected")
        assert read("created") % BATCH != 0 or read("created") == committed
