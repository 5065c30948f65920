"""A poller killed with SIGKILL in the middle of a batch — after a message's commit, before
the server flags it — then run again: every message is taken in exactly once (0 lost, 0
duplicated) and every one ends flagged on the server.

The poller runs in its own process against its own database: a file SQLite database, or on
PostgreSQL (``FREGUES_DATABASE_URL``) a database of its own on the same server, dropped after.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .mail_support import PASSWORD, Dovecot, mail

COUNT = 30
KILL_AFTER = 20  # after the second batch of ten commits, before its flags


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fregues.integrations.tests.mail_kill_driver", *args],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A database the poller processes share: a SQLite file, or a PostgreSQL database."""
    url = os.environ.get("FREGUES_DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'mail-kill.sqlite3'}"
        return
    import psycopg

    base, _slash, _name = url.rpartition("/")
    name = f"test_mail_kill_{os.getpid()}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_poller_killed_mid_batch_loses_nothing_and_takes_nothing_twice(
    dovecot: Dovecot, database_url: str, tmp_path: Path
) -> None:
    env: dict[str, Any] = {
        **os.environ,
        "FREGUES_DATABASE_URL": database_url,
        "FREGUES_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "fregues.settings",
    }
    setup = run(env, "setup", str(dovecot.port), PASSWORD)
    assert setup.returncode == 0, setup.stderr
    mailbox_id = setup.stdout.strip().splitlines()[-1]
    ids = [f"<kill-{i}@exemplo.com.br>" for i in range(COUNT)]
    dovecot.append(
        *(
            mail(sender=f"cliente{i}@exemplo.com.br", subject=f"Pedido {i}", message_id=ids[i])
            for i in range(COUNT)
        )
    )

    killed = run(env, "poll", mailbox_id, str(KILL_AFTER))
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    middle = json.loads(run(env, "dump").stdout)
    assert len(middle["message_ids"]) == KILL_AFTER and middle["last_uid"] == KILL_AFTER
    # the first batch was flagged; the second was killed before its flags
    assert sum("\\Seen" in f for f in dovecot.flags().values()) == 10

    resumed = run(env, "poll", mailbox_id, "0")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout.strip().splitlines()[-1]) == {
        "taken_in": COUNT - KILL_AFTER,
        "error": "",
    }

    final = json.loads(run(env, "dump").stdout)
    assert Counter(final["message_ids"]) == Counter(ids)  # 0 lost, 0 duplicated
    assert Counter(final["interactions"]) == Counter(ids)
    assert final["cases"] == COUNT and final["last_uid"] == COUNT
    assert all("\\Seen" in f for f in dovecot.flags().values())
    assert len(dovecot.flags()) == COUNT
