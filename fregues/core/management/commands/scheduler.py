"""fregues scheduler — enqueue the registered periodic tasks when due (runs until stopped)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from fregues.core.periodic import PERIODIC


class Command(BaseCommand):
    help = "Enqueue periodic tasks (SLA sweep, ...) when they are due."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="Enqueue every task once and stop.")

    def handle(self, *args: Any, **options: Any) -> None:
        next_run = {p.task_path: 0.0 for p in PERIODIC}
        while True:
            now = time.monotonic()
            for periodic in PERIODIC:
                if now >= next_run[periodic.task_path]:
                    import_string(periodic.task_path).enqueue()
                    next_run[periodic.task_path] = now + periodic.every_seconds
            if options["once"]:
                return
            time.sleep(5)
