"""The load test's scenario (bench/load/locustfile.py) runs clean against a live server.

The real run — 200 agents for 5 minutes on PostgreSQL — is ``python -m bench load`` and stays
out of CI; this smoke test keeps the scenario honest: two simulated agents, a few seconds,
every request answered with the status the scenario expects, and the database holding exactly
the contacts and cases the server acknowledged.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.servers.basehttp import WSGIServer
from django.test.testcases import LiveServerThread

from fregues.accounts.services import token_create
from fregues.accounts.tests.factories import UserFactory
from fregues.interactions.models import Interaction
from fregues.parties.tests.factories import PartyFactory
from fregues.service.models import Case

LOCUSTFILE = Path(__file__).resolve().parent.parent / "bench" / "load" / "locustfile.py"


class _OneRequestAtATime(WSGIServer):
    """The test database is SQLite in memory, one connection shared by the live server's
    threads: concurrent requests on it fail with "database table is locked" (never the case of
    a real server, which has its own connections). This server answers one request at a time."""

    def __init__(self, *args: Any, connections_override: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class _SerialLiveServerThread(LiveServerThread):
    server_class = _OneRequestAtATime


@pytest.fixture
def serial_live_server(transactional_db: None) -> Iterator[Any]:
    from pytest_django.live_server_helper import LiveServer

    with mock.patch("django.test.testcases.LiveServerThread", _SerialLiveServerThread):
        server = LiveServer("127.0.0.1:0")
    yield server
    server.stop()


# committed for real (the live server's thread reads what the test wrote); serialized_rollback
# gives the migrations' rows (case types, circuits) back afterwards, as tests/test_architecture
# requires of every transactional test
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_agents_work_for_a_few_seconds_without_a_single_failure(
    serial_live_server: Any, tmp_path: Path
) -> None:
    live_server = serial_live_server
    parties = [PartyFactory() for _ in range(6)]
    agents = [UserFactory(role="agent") for _ in range(2)]
    scenario = tmp_path / "scenario.json"
    scenario.write_text(
        json.dumps(
            {
                "tokens": [token_create(actor=None, user=a, name="load") for a in agents],
                "party_ids": [p.pk for p in parties],
                "queries": [p.family_name for p in parties] + [parties[0].name[:4]],
            }
        )
    )
    # the live server imports every view on its first request: not part of the scenario
    with contextlib.suppress(urllib.error.HTTPError):
        urllib.request.urlopen(f"{live_server.url}/api/v1/parties/0", timeout=60)
    env = dict(os.environ)
    env.update(
        LOAD_SCENARIO=str(scenario),
        LOAD_THINK_MIN="0.05",
        LOAD_THINK_MAX="0.2",
        LOAD_RECEIPTS=str(tmp_path / "receipts.json"),
    )
    # locust's clock starts before its imports: -t 6s leaves a few seconds of work on a busy
    # machine; the final figures are read from --json-file, written after the last request
    done = subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "-u", "2",
         "-r", "2", "-t", "6s", "--stop-timeout", "15", "--host", live_server.url,
         "--json-file", str(tmp_path / "final"), "--only-summary"],
        env=env, capture_output=True, text=True, timeout=90,
    )  # fmt: skip
    final = json.loads((tmp_path / "final.json").read_text())
    requests = sum(entry["num_requests"] for entry in final)
    failures = {e["name"]: e["num_failures"] for e in final if e["num_failures"]}
    assert failures == {}, done.stderr[-3000:]
    # how many fit in the seconds depends on the machine; that they all succeed does not
    assert requests > 0, done.stderr[-3000:]
    receipts = json.loads((tmp_path / "receipts.json").read_text())
    logged = Interaction.objects.filter(body__startswith="Cliente ligou; registado pelo teste")
    assert sorted(logged.values_list("pk", flat=True)) == sorted(receipts["contacts"])
    opened = Case.objects.filter(description="Aberto pelo teste de carga.")
    assert sorted(opened.values_list("protocol", flat=True)) == sorted(receipts["cases"])
