"""A sending worker killed with SIGKILL mid-campaign, then resumed: every customer got at
most one message, and all but the one in flight exactly one.

The worker runs in its own process against a file SQLite database (or the PostgreSQL the
suite runs on is not needed: the file is enough); the SMTP server, in this process, kills it
the moment the fifth message arrives — after the server has the message and before the worker
hears "250": the worst moment, when delivery is unknown to the sender.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from .campaign_support import Sink, free_port

COUNT = 20


def run(env: dict[str, str], *args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fregues.marketing.tests.kill_driver", *args],
        env=env, capture_output=True, text=True, timeout=300, check=True, **kw,
    )  # fmt: skip


def test_a_killed_sender_resumes_without_sending_anyone_twice(tmp_path: Path) -> None:
    from aiosmtpd.controller import Controller

    env = {
        **os.environ,
        "FREGUES_DATABASE_URL": f"sqlite:///{tmp_path / 'kill.sqlite3'}",
        "FREGUES_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "fregues.settings",
    }
    campaign_id = run(env, "setup", str(COUNT)).stdout.strip().splitlines()[-1]

    sink = Sink()
    worker: dict[str, subprocess.Popen[str]] = {}
    original = sink.handle_DATA

    async def kill_on_fifth(server: Any, session: Any, envelope: Any) -> str:
        answer = await original(server, session, envelope)
        if len(sink.received) == 5 and "first" in worker:
            os.kill(worker["first"].pid, signal.SIGKILL)
            worker["first"].wait()
        return answer

    sink.handle_DATA = kill_on_fifth  # type: ignore[method-assign]
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        worker["first"] = subprocess.Popen(
            [sys.executable, "-m", "fregues.marketing.tests.kill_driver", "send", campaign_id,
             str(port)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        worker["first"].wait(timeout=120)
        assert worker["first"].returncode == -signal.SIGKILL
        assert len(sink.received) == 5
        middle = json.loads(run(env, "dump", campaign_id).stdout)
        assert Counter(r["status"] for r in middle) == {"sent": 4, "sending": 1, "pending": 15}

        run(env, "resume", campaign_id, str(port))
    finally:
        controller.stop()

    rows = json.loads(run(env, "dump", campaign_id).stdout)
    received = Counter(to for tos, _raw in sink.received for to in tos)
    assert max(received.values()) == 1  # nobody twice
    interrupted = [r for r in rows if r["status"] == "failed"]
    assert [r["error"] for r in interrupted] == ["interrupted: delivery unknown"]
    sent = [r["address"] for r in rows if r["status"] == "sent"]
    assert len(sent) == COUNT - 1 and all(received[a] == 1 for a in sent)
    assert received[interrupted[0]["address"]] == 1  # the server had it; never sent again
