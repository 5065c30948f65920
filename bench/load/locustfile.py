"""The load-test scenario: a contact-centre agent working Freguês through its API.

    locust -f bench/load/locustfile.py --headless -u 200 -r 20 -t 5m --host http://127.0.0.1:8000

(``python -m bench load`` prepares the database, the agents and the server, runs this and
writes the report: see bench/README.md.) The scenario reads ``LOAD_SCENARIO``, a JSON file with
``tokens`` (one API token per simulated agent; agent *n* signs in with token *n*), ``party_ids``
(customers to serve) and ``queries`` (search terms as agents type them).

Each simulated agent, between two actions, thinks for ``LOAD_THINK_MIN``..``LOAD_THINK_MAX``
seconds (default 2..10), and does, by weight:

- 5 search — ``GET /api/v1/parties?q=`` (the first page of 20);
- 5 open the customer page — the party, then its timeline (two requests, as the page's);
- 3 log a contact — ``POST /api/v1/interactions`` (a phone call, inbound or outbound);
- 1 open a case and move it — ``POST /api/v1/cases``, ``GET`` it, then triage it with the
  version just read (when the report joins the customer's similar open case instead — a 200,
  as documented — the agent leaves that case alone);
- 1 work a case — one of the agent's own open cases, read again (the fresh version) and moved
  one step along triaged → in progress → resolved → closed (each of these tells the customer).

Every answer is checked for the exact status the step expects; anything else is a failure,
reported with the answer's ``code``. The ids of the contacts and cases the server acknowledged
are written to ``LOAD_RECEIPTS`` at the end, for the driver to compare with the database. A case is only ever moved by the agent who opened it,
with the version read just before, so a 409 is a bug, not a race of the scenario.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import uuid
from typing import Any
from urllib.parse import quote

from locust import FastHttpUser, between, events, task

# the happy path of the technical-assistance circuit (fregues/service migration 0002)
NEXT_STATUS = {"new": "triaged", "triaged": "in_progress", "in_progress": "resolved"}
NEXT_STATUS["resolved"] = "closed"
CHANNELS = ("phone", "phone", "phone", "email", "chat")
SUBJECTS = (
    "Avaria no equipamento",
    "Instalação agendada",
    "Dúvida sobre a fatura",
    "Pedido de manutenção",
    "Garantia do produto",
)


def _scenario() -> dict[str, Any]:
    path = os.environ.get("LOAD_SCENARIO", "")
    if not path:
        raise RuntimeError("LOAD_SCENARIO (the scenario's JSON file) is not set")
    with open(path, encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


SCENARIO = _scenario()
_agent_numbers = itertools.count()
# what the server acknowledged (201), to check afterwards that the database holds exactly that
RECEIPTS: dict[str, list[Any]] = {"contacts": [], "cases": [], "joined": []}


@events.test_stop.add_listener
def _write_receipts(**_kwargs: Any) -> None:
    path = os.environ.get("LOAD_RECEIPTS")
    if path:
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(RECEIPTS, handle)


class Agent(FastHttpUser):
    """One contact-centre agent with their own API token."""

    wait_time = between(
        float(os.environ.get("LOAD_THINK_MIN", "2")), float(os.environ.get("LOAD_THINK_MAX", "10"))
    )

    def on_start(self) -> None:
        tokens = SCENARIO["tokens"]
        number = next(_agent_numbers)
        self.token = tokens[number % len(tokens)]
        self.rng = random.Random(number)
        self.headers = {
            "Authorization": f"Bearer {self.token}",
            "Accept": "application/json",
            "Accept-Language": "en",
        }
        self.open_cases: list[str] = []

    # helpers
    def _party(self) -> int:
        return int(self.rng.choice(SCENARIO["party_ids"]))

    def _call(
        self, method: str, path: str, name: str, expect: tuple[int, ...], body: Any = None
    ) -> dict[str, Any] | None:
        """One request; the JSON answer, or None (and a failure) unless its status is expected."""
        with self.client.request(
            method,
            path,
            name=name,
            headers=self.headers,
            json=body,
            catch_response=True,
        ) as response:
            if response.status_code not in expect:
                code = ""
                try:
                    code = (response.json() or {}).get("code", "")
                except Exception:
                    code = (response.text or "")[:80]
                response.failure(f"{response.status_code} {code}".strip())
                return None
            try:
                data: dict[str, Any] = response.json()
            except Exception:
                response.failure(f"{response.status_code} not JSON")
                return None
            response.success()
            return data

    # the agent's work, by weight
    @task(5)
    def search(self) -> None:
        q = self.rng.choice(SCENARIO["queries"])
        self._call("GET", f"/api/v1/parties?limit=20&q={quote(q)}", "search", (200,))

    @task(5)
    def customer_page(self) -> None:
        party_id = self._party()
        if self._call("GET", f"/api/v1/parties/{party_id}", "customer page: party", (200,)):
            self._call(
                "GET",
                f"/api/v1/parties/{party_id}/timeline",
                "customer page: timeline",
                (200,),
            )

    @task(3)
    def log_contact(self) -> None:
        body = {
            "party_id": self._party(),
            "channel": self.rng.choice(CHANNELS),
            "direction": self.rng.choice(("inbound", "inbound", "outbound")),
            "subject": self.rng.choice(SUBJECTS),
            "body": "Cliente ligou; registado pelo teste de carga.",
            "outcome": "resolved",
            "duration_seconds": self.rng.randint(30, 600),
        }
        logged = self._call("POST", "/api/v1/interactions", "log contact", (201,), body)
        if logged is not None:
            RECEIPTS["contacts"].append(logged["id"])

    @task(1)
    def open_and_move_case(self) -> None:
        body = {
            "party_id": self._party(),
            "case_type": "technical-assistance",
            # a subject no open case shares: a new case, not a report joining one
            "subject": f"{self.rng.choice(SUBJECTS)} {uuid.uuid4().hex[:8]}",
            "description": "Aberto pelo teste de carga.",
            "channel": "phone",
        }
        # 200: the customer already had an open case with a similar subject and the report
        # joined it (as documented); that case is someone's work, not this agent's to move
        opened = self._call("POST", "/api/v1/cases", "open case", (200, 201), body)
        if opened is None:
            return
        if opened.get("joined"):
            RECEIPTS["joined"].append(opened["protocol"])
            return
        RECEIPTS["cases"].append(opened["protocol"])
        self._move(opened["protocol"])

    @task(1)
    def work_case(self) -> None:
        if self.open_cases:
            self._move(self.open_cases.pop(0))

    def _move(self, protocol: str) -> None:
        """Read the case (its current version) and move it one step along the happy path."""
        case = self._call("GET", f"/api/v1/cases/{protocol}", "view case", (200,))
        if case is None:
            return
        to_status = NEXT_STATUS.get(case["status"]["code"])
        if to_status is None:
            return
        moved = self._call(
            "POST",
            f"/api/v1/cases/{protocol}/transitions",
            "move case",
            (200,),
            {"to_status": to_status, "version": case["version"], "comment": "Teste de carga."},
        )
        if moved is not None and moved["status"]["code"] in NEXT_STATUS:
            self.open_cases.append(protocol)
