"""Small helpers: percentiles, running ``fregues`` commands, machine and git facts."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def log(message: str) -> None:
    """Progress on stderr, with the time, so a long run shows where it is."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary_ms(seconds: list[float], errors: int = 0, **extra: Any) -> dict[str, Any]:
    """p50/p95/p99/max in milliseconds of a list of durations in seconds."""
    ms = [s * 1000 for s in seconds]
    result: dict[str, Any] = {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 3) if ms else None,
        "p95_ms": round(percentile(ms, 95), 3) if ms else None,
        "p99_ms": round(percentile(ms, 99), 3) if ms else None,
        "max_ms": round(max(ms), 3) if ms else None,
        "errors": errors,
    }
    result.update(extra)
    return result


def fregues_command() -> list[str]:
    """The ``fregues`` entry point of this environment — what ``uv run fregues`` runs, without
    paying for uv's start-up on every call."""
    script = Path(sys.executable).parent / "fregues"
    if script.exists():
        return [str(script)]
    found = shutil.which("fregues")
    if found:
        return [found]
    return ["uv", "run", "fregues"]


@dataclass
class Completed:
    """A finished child process: exit code, output, wall time and its peak RSS."""

    argv: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    max_rss_mb: float
    timed_out: bool = False

    def last_json(self) -> dict[str, Any] | None:
        """The last line of stdout that parses as a JSON object, if any."""
        for line in reversed(self.stdout.strip().splitlines()):
            line = line.strip()
            if line.startswith("{"):
                try:
                    value = json.loads(line)
                except ValueError:
                    continue
                if isinstance(value, dict):
                    return value
        return None

    def tail(self, lines: int = 6) -> str:
        text = (self.stderr.strip() or self.stdout.strip()).splitlines()
        return "\n".join(text[-lines:])


def run(argv: list[str], env: dict[str, str], timeout: float | None = None) -> Completed:
    """Run ``argv`` to completion; measure wall time and the peak RSS of it and its children
    (``wait4``: the largest resident set of the process tree it waited for).

    Output goes through temporary files, not pipes, so a chatty child never blocks."""
    handle, name = tempfile.mkstemp(prefix="bench-", suffix=".out")
    os.close(handle)
    out_path = Path(name)
    err_path = out_path.with_suffix(".err")
    started = time.perf_counter()
    timed_out = False
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        process = subprocess.Popen(
            argv, env=env, stdout=out, stderr=err, cwd=REPO, start_new_session=True
        )
        deadline = None if timeout is None else started + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if deadline is not None and time.perf_counter() > deadline:
                timed_out = True
                os.killpg(process.pid, 15)
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.02)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    stdout = out_path.read_text(errors="replace")
    stderr = err_path.read_text(errors="replace")
    out_path.unlink(missing_ok=True)
    err_path.unlink(missing_ok=True)
    return Completed(
        argv=argv,
        returncode=process.returncode,
        stdout=stdout,
        stderr=stderr,
        seconds=seconds,
        max_rss_mb=round(usage.ru_maxrss / 1024, 1),
        timed_out=timed_out,
    )


def command_missing(result: Completed) -> bool:
    """True when Django answered that the management command does not exist."""
    return "Unknown command" in result.stderr or "Unknown command" in result.stdout


def git_info() -> dict[str, Any]:
    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=REPO, capture_output=True, text=True, check=True
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    status = git("status", "--porcelain", "--untracked-files=no")
    return {
        "commit": git("rev-parse", "HEAD"),
        "short": git("rev-parse", "--short", "HEAD"),
        "branch": git("rev-parse", "--abbrev-ref", "HEAD"),
        "dirty": bool(status),
        "subject": git("log", "-1", "--format=%s"),
    }


def machine_info() -> dict[str, Any]:
    """CPU, memory, OS and the versions that matter for the numbers."""
    from importlib.metadata import PackageNotFoundError, version

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_mb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory_mb = int(line.split()[1]) // 1024
    except OSError:
        pass
    packages: dict[str, str | None] = {}
    for name in ("django", "django-ninja", "psycopg", "gunicorn", "pydantic"):
        try:
            packages[name] = version(name)
        except PackageNotFoundError:
            packages[name] = None
    import sqlite3

    return {
        "hostname": platform.node(),
        "os": platform.platform(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_mb": memory_mb,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "packages": packages,
        "wrk": shutil.which("wrk"),
    }


def results_write(out: str | Path, name: str, results: dict[str, Any], text: str) -> Path:
    """Write ``<date>-<name>.json`` (everything measured) and ``.md`` (the report) into
    ``out``, print the report, and return the stem."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"{results['date']}-{name}"
    stem.with_suffix(".json").write_text(json.dumps(results, indent=2, default=str))
    stem.with_suffix(".md").write_text(text)
    print(text)
    return stem
