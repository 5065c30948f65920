"""A real task worker (``fregues db_worker``) killed with SIGKILL while sending case notices —
right after the provider took one, before it was recorded — then the sweep and a new worker:
every customer gets their notice exactly once (the provider honours the notice's idempotency
key), every notice is on the timeline once, none is left behind.

The worker runs in its own process against a database of its own (``crash_support``), on
SQLite or on PostgreSQL (``FREGUES_DATABASE_URL``).
"""

from __future__ import annotations

import signal
from collections import Counter
from pathlib import Path

import pytest

from fregues.core.tests.crash_support import crash_env, driver, finish, worker

pytestmark = pytest.mark.django_db  # the crash database is a copy of the migrated test one
CASES, KILL_AFTER = 8, 3


def test_a_worker_killed_mid_send_loses_no_notice_and_sends_none_twice(
    crash_database: str, tmp_path: Path
) -> None:
    env = crash_env(
        crash_database,
        tmp_path,
        FREGUES_SMS_SENDER="fregues.core.tests.crash_driver.LedgerSender",
        FREGUES_NOTICE_STALE_MINUTES="0",
    )
    driver(env, "notice-setup", str(CASES))

    killed = worker({**env, "FREGUES_CRASH_KILL_AFTER": str(KILL_AFTER)})
    assert killed.wait(timeout=120) == -signal.SIGKILL
    middle = driver(env, "notice-dump")
    assert len(middle["delivered"]) == KILL_AFTER
    assert len(middle["recorded"]) == KILL_AFTER - 1  # the last one sent, not recorded
    assert Counter(middle["states"]) == {"sent": 2, "claimed": 1, "pending": CASES - 3}

    assert driver(env, "notice-sweep")["queued"] == CASES - 2  # the stale claim and the rest
    finish(worker(env, batch=True))

    final = driver(env, "notice-dump")
    keys = [f"case-{pk}-opened-0" for pk in final["cases"]]
    assert len(keys) == CASES
    assert Counter(sent["key"] for sent in final["delivered"]) == Counter(keys)  # each once
    assert len({sent["to"] for sent in final["delivered"]}) == CASES
    assert final["recorded"] == sorted(keys)  # each on the timeline once
    assert final["states"] == ["sent"] * CASES
