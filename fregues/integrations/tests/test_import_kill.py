"""A real task worker (``fregues db_worker``) killed with SIGKILL in the middle of an import,
then the recovery sweep and a new worker: the import ends done, every row imported exactly
once (the file is imported with ``on_match=create``: a batch done twice would create its
customers twice) and every rejected row reported exactly once.

The worker runs in its own process against a database of its own (``crash_support``), on
SQLite or on PostgreSQL (``FREGUES_DATABASE_URL``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from fregues.core.tests.crash_support import (
    crash_env,
    driver,
    finish,
    kill9,
    scalar,
    wait_for,
    worker,
)

pytestmark = [
    pytest.mark.django_db,  # the crash database is a copy of the migrated test one
    # (CI budget: on PostgreSQL, test_pg_restart kills the same import's worker mid-way — by
    # restarting the server under it — and checks the same counts)
    pytest.mark.skipif(
        os.environ.get("FREGUES_DATABASE_URL", "").startswith("postgres"),
        reason="the PostgreSQL suite runs test_pg_restart instead",
    ),
]
CONTACTS = "parties_contactpoint"
ROWS, BATCH, BAD_EVERY = 1200, 10, 9


def test_a_worker_killed_mid_import_loses_no_row_and_imports_none_twice(
    crash_database: str,
    tmp_path: Path,
) -> None:
    env = crash_env(
        crash_database,
        tmp_path,
        FREGUES_IMPORT_BATCH_SIZE=str(BATCH),
        FREGUES_IMPORT_WORKERS="0",
        FREGUES_IMPORT_STALE_MINUTES="0",
    )
    setup = driver(env, "import-setup", str(ROWS), str(BAD_EVERY))
    job, bad = setup["job"], setup["bad"]
    sqlite = crash_database.startswith("sqlite")
    key = "json_extract(checkpoint, '$.batches')" if sqlite else "(checkpoint->>'batches')::int"

    def read(column: str) -> Any:
        return scalar(crash_database, f"SELECT {column} FROM integrations_importjob WHERE id={job}")

    running = worker(env)
    wait_for(
        lambda: (read(key) or 0) >= 5,
        what="the fifth batch committed",
        worker=running,
        state=lambda: (read("status"), read("message")),
    )
    kill9(running)
    killed_at = read(key)
    assert 5 <= killed_at < ROWS // BATCH and read("status") == "running"  # killed mid-import
    parties = scalar(crash_database, "SELECT count(*) FROM parties_party")
    assert parties == killed_at * BATCH - sum(n < killed_at * BATCH for n in bad)

    assert driver(env, "import-recover") == {"taken": [job]}
    finish(worker(env, batch=True))

    good = ROWS - len(bad)
    assert read("status") == "done", read("message")
    assert [read(c) for c in ("rows_done", "created", "updated", "rejected")] == [
        ROWS, good, 0, len(bad),
    ]  # fmt: skip
    assert scalar(crash_database, "SELECT count(*) FROM parties_party") == good  # none twice
    emails = f"SELECT count(DISTINCT normalized) FROM {CONTACTS} WHERE kind = 'email'"
    assert scalar(crash_database, emails) == good  # none lost
    rejected = (tmp_path / "media" / read("error_file")).read_text(encoding="utf-8-sig")
    lines = [int(row.split(",", 1)[0]) for row in rejected.splitlines()[1:]]
    assert lines == [n + 2 for n in bad]  # each rejected row reported once, in file order
