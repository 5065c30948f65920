"""The HTTP side: the production server, a single keep-alive client, and wrk.

The server is ``fregues serve --no-worker --workers N`` (gunicorn; threaded workers with
keep-alive by default since decision 0014, ``FREGUES_WORKER_CLASS=sync`` for the old ones) with
``FREGUES_CONN_MAX_AGE`` set. The client reconnects when told to (``Connection: close``, as sync
workers answer) — as every client of such a server does.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .util import REPO, fregues_command, log, summary_ms


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``fregues serve`` in its own process group, stopped with it."""

    def __init__(
        self, env: dict[str, str], workers: int, log_path: Path, *, task_worker: bool = False
    ) -> None:
        self.env = env
        self.workers = workers
        self.task_worker = task_worker  # also the task worker and scheduler, as in production
        self.port = free_port()
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 90) -> None:
        argv = [
            *fregues_command(),
            "serve",
            *([] if self.task_worker else ["--no-worker"]),
            "--workers",
            str(self.workers),
            "--port",
            str(self.port),
        ]
        log_file = open(self.log_path, "ab")  # noqa: SIM115 - lives as long as the server
        self.process = subprocess.Popen(
            argv,
            env=self.env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,  # gunicorn's access log: one line per request
            stderr=log_file,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the server exited with {self.process.returncode}; see {self.log_path}"
                )
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                conn.request("GET", "/api/v1/parties/0")  # 401: Django answers, cheaply
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the server did not answer within {timeout:.0f} s; see {self.log_path}")

    def stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 5)):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                return
            try:
                process.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        # gunicorn's workers share the group: make sure none is left behind
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


class Client:
    """One HTTP client, one connection at a time, reused while the server keeps it open."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(self, path: str) -> tuple[int, bytes, float]:
        """(status, body, seconds) of one GET, reconnecting once if the server hung up."""
        for attempt in (0, 1):
            started = time.perf_counter()
            try:
                self.conn.request("GET", path, headers=self.headers)
                response = self.conn.getresponse()
                body = response.read()
                seconds = time.perf_counter() - started
                if response.will_close:
                    self.conn.close()
                return response.status, body, seconds
            except (http.client.HTTPException, ConnectionError, BrokenPipeError):
                self.conn.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.conn.close()


@dataclass
class Timed:
    """Durations of the successful requests of one kind, and how the others answered."""

    seconds: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    stopped_early: bool = False
    empty: int = 0
    by_label: dict[str, Timed] = field(default_factory=dict)

    def summary(self, ok: Iterable[int] = (200,), **extra: Any) -> dict[str, Any]:
        ok_set = set(ok)
        errors = sum(n for status, n in self.statuses.items() if status not in ok_set)
        result = summary_ms(
            self.seconds,
            errors=errors,
            statuses={str(k): v for k, v in sorted(self.statuses.items())},
            stopped_early=self.stopped_early,
            **extra,
        )
        if self.empty:
            result["empty_answers"] = self.empty
        if self.by_label:
            result["by_kind"] = {k: v.summary(ok) for k, v in sorted(self.by_label.items())}
        return result


def timed_gets(
    client: Client,
    paths: list[str] | list[tuple[str, str]],
    budget: float,
    ok: Iterable[int] = (200,),
    empty: str | None = None,
) -> Timed:
    """GET every path in turn (stopping after ``budget`` seconds); time the ``ok`` answers.

    ``paths`` may be ``(label, path)`` pairs: each label then gets its own ``Timed`` too.
    ``empty`` names a list in the JSON answer: answers where it is empty are counted."""
    ok_set = set(ok)
    result = Timed()
    deadline = time.monotonic() + budget
    for item in paths:
        label, path = item if isinstance(item, tuple) else ("", item)
        status, body, seconds = client.get(path)
        parts = [result]
        if label:
            parts.append(result.by_label.setdefault(label, Timed()))
        for part in parts:
            part.statuses[status] += 1
            if status in ok_set:
                part.seconds.append(seconds)
                if empty is not None and not json.loads(body).get(empty):
                    part.empty += 1
        if time.monotonic() > deadline:
            result.stopped_early = True
            break
    return result


def party_path(pid: int) -> str:
    return f"/api/v1/parties/{pid}"


def timeline_path(pid: int, cursor: str | None = None) -> str:
    path = f"/api/v1/parties/{pid}/timeline"
    return f"{path}?cursor={quote(cursor)}" if cursor else path


def search_path(q: str) -> str:
    return f"/api/v1/parties?q={quote(q)}"


def lookup_path(kind: str, value: str) -> str:
    return f"/api/v1/parties/lookup?{kind}={quote(value)}"


def timeline_page5(client: Client, party_ids: list[int], samples: int, budget: float) -> Timed:
    """The fifth timeline page, reached through the cursors: walk each customer's first four
    pages once (following ``next_cursor``), then time ``samples`` requests for page five."""
    result = Timed()
    deadline = time.monotonic() + budget
    cursors: list[tuple[int, str]] = []
    for pid in party_ids[:samples]:
        cursor: str | None = None
        for _page in range(1, 5):
            status, body, _seconds = client.get(timeline_path(pid, cursor))
            cursor = json.loads(body).get("next_cursor") if status == 200 else None
            if not cursor:
                result.statuses[status if status != 200 else 0] += 1  # 0: fewer than 5 pages
                break
        if cursor:
            cursors.append((pid, cursor))
        if time.monotonic() > deadline:
            break
    if not cursors:
        return result
    for i in range(samples):
        pid, cursor = cursors[i % len(cursors)]
        status, _body, seconds = client.get(timeline_path(pid, cursor))
        result.statuses[status] += 1
        if status == 200:
            result.seconds.append(seconds)
        if time.monotonic() > deadline:
            result.stopped_early = True
            break
    return result


WRK_SCRIPT = """
-- Generated by bench/http.py: the customer page (the party, then its timeline) for random ids.
local ids = {%(ids)s}
local counter = 0
wrk.headers["Authorization"] = "Bearer %(token)s"
wrk.headers["Accept"] = "application/json"

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end

function init(args)
  math.randomseed(%(seed)d + 7919 * (tid or 0))
  n = 0
end

function request()
  n = n + 1
  local id = ids[math.random(#ids)]
  if n %% 2 == 0 then
    return wrk.format("GET", "/api/v1/parties/" .. id .. "/timeline")
  end
  return wrk.format("GET", "/api/v1/parties/" .. id)
end

function done(summary, latency, requests)
  io.write(string.format(
    "BENCHJSON {\\"requests\\": %%d, \\"duration_us\\": %%d, \\"bytes\\": %%d, " ..
    "\\"connect_errors\\": %%d, \\"read_errors\\": %%d, \\"write_errors\\": %%d, " ..
    "\\"status_errors\\": %%d, \\"timeouts\\": %%d, \\"p50_us\\": %%d, \\"p90_us\\": %%d, " ..
    "\\"p99_us\\": %%d, \\"max_us\\": %%d}\\n",
    summary.requests, summary.duration, summary.bytes,
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def wrk(
    port: int,
    token: str,
    party_ids: list[int],
    seconds: int,
    connections: int,
    threads: int,
    seed: int,
    script_path: Path,
) -> dict[str, Any]:
    """Throughput of the customer page under ``connections`` concurrent connections."""
    script_path.write_text(
        WRK_SCRIPT % {"ids": ", ".join(map(str, party_ids)), "token": token, "seed": seed}
    )
    argv = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(script_path),
        f"http://127.0.0.1:{port}",
    ]
    log(f"  wrk -t{threads} -c{connections} -d{seconds}s (the party and its timeline, alternately)")
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
    match = re.search(r"BENCHJSON (\{.*\})", done.stdout)
    if done.returncode != 0 or not match:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout}")
    data = json.loads(match.group(1))
    duration = data["duration_us"] / 1e6
    errors = sum(
        data[k]
        for k in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts")
    )
    return {
        "connections": connections,
        "threads": threads,
        "seconds": round(duration, 2),
        "requests": data["requests"],
        "req_per_s": round(data["requests"] / duration, 1),
        "customer_pages_per_s": round(data["requests"] / duration / 2, 1),
        "p50_ms": round(data["p50_us"] / 1000, 2),
        "p90_ms": round(data["p90_us"] / 1000, 2),
        "p99_ms": round(data["p99_us"] / 1000, 2),
        "max_ms": round(data["max_us"] / 1000, 2),
        "errors": errors,
        "error_detail": {
            k: data[k]
            for k in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts")
        },
    }
