"""The ``fregues`` command: Django management underneath, plus ``serve`` and ``demo``.

fregues migrate | serve | demo | createuser USERNAME --role ROLE | token USERNAME | ...
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fregues.settings")


def _setup() -> None:
    import django

    django.setup()


def _prepare_data_dir() -> None:
    from django.conf import settings

    Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
    Path(settings.MEDIA_ROOT).mkdir(parents=True, exist_ok=True)


def serve(argv: list[str]) -> int:
    """Serve Freguês with gunicorn (WSGI, threaded workers) and a background task worker."""
    parser = argparse.ArgumentParser(prog="fregues serve", description=serve.__doc__)
    parser.add_argument("--host", default=os.environ.get("FREGUES_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("FREGUES_PORT", "8000")))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("FREGUES_WORKERS", "2")))
    parser.add_argument(
        "--worker-class",
        choices=["gthread", "sync"],
        default=os.environ.get("FREGUES_WORKER_CLASS", "gthread"),
        help="gunicorn worker class: gthread keeps connections alive (docs/decisions/0014).",
    )
    parser.add_argument("--threads", type=int, default=int(os.environ.get("FREGUES_THREADS", "4")))
    parser.add_argument(
        "--keep-alive",
        type=int,
        default=int(os.environ.get("FREGUES_KEEP_ALIVE", "75")),
        help="seconds an idle connection stays open (gthread): longer than a client's pauses, "
        "or a POST sent as the server closes the connection fails (docs/decisions/0013)",
    )
    parser.add_argument(
        "--no-worker", action="store_true", help="Start neither the task worker nor the scheduler."
    )
    parser.add_argument("--dev", action="store_true", help="Django's auto-reloading dev server.")
    args = parser.parse_args(argv)
    _setup()
    _prepare_data_dir()
    from django.conf import settings

    url = f"http://{args.host}:{args.port}/"
    print(f"Freguês is serving on {url}  (API docs: {url}api/v1/docs)  — Ctrl+C stops.", flush=True)
    helpers: list[subprocess.Popen] = []
    if not args.no_worker:
        # the scheduler enqueues periodic tasks (SLA sweep); the worker runs every task
        helpers.append(subprocess.Popen([sys.executable, "-m", "fregues.cli", "scheduler"]))
        if settings.TASKS["default"]["BACKEND"].startswith("django_tasks_db"):
            helpers.append(subprocess.Popen([sys.executable, "-m", "fregues.cli", "db_worker"]))
    if args.dev:
        command = [sys.executable, "-m", "fregues.cli", "runserver", f"{args.host}:{args.port}"]
    else:
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "fregues.wsgi:application",
            "--bind",
            f"{args.host}:{args.port}",
            "--workers",
            str(args.workers),
            "--preload",  # one import in the master, forked: see fregues/wsgi.py
            *(
                [
                    "--worker-class",
                    "gthread",
                    "--threads",
                    str(args.threads),
                    "--keep-alive",
                    str(args.keep_alive),
                ]
                if args.worker_class == "gthread"
                else []
            ),
            "--access-logfile",
            "-",
            "--log-level",
            "warning",
        ]
    server = subprocess.Popen(command)
    try:
        return server.wait()
    except KeyboardInterrupt:
        server.send_signal(signal.SIGINT)
        return server.wait()
    finally:
        for process in helpers:
            process.terminate()
        for process in helpers:
            process.wait(timeout=10)


def demo(argv: list[str]) -> int:
    """Create the data dir and database, load the demo data when empty, then serve."""
    parser = argparse.ArgumentParser(prog="fregues demo", description=demo.__doc__)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--no-serve", action="store_true", help="Load the data and stop.")
    parser.add_argument("--seed", type=int, default=2026)
    args, rest = parser.parse_known_args(argv)
    _setup()
    _prepare_data_dir()
    from django.core.management import call_command

    from fregues.demo import load_demo

    call_command("migrate", interactive=False, verbosity=0)
    report = load_demo(seed=args.seed)
    print(report, flush=True)
    if args.no_serve:
        return 0
    return serve(["--host", args.host, "--port", str(args.port), *rest])


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "serve":
        return serve(argv[1:])
    if argv and argv[0] == "demo":
        return demo(argv[1:])
    _setup()
    if argv and argv[0] in {"migrate", "createuser", "token", "db_worker"}:
        _prepare_data_dir()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["fregues", *argv])
    return 0


if __name__ == "__main__":
    sys.exit(main())
