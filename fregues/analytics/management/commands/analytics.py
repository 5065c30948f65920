"""fregues analytics refresh [--full] [--only PART ...] — bring the reporting store up to date
now; fregues analytics status — how fresh each part is."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from fregues.analytics.selectors.refresh import refresh_status
from fregues.analytics.services.refresh import analytics_refresh
from fregues.core.errors import ServiceError


class Command(BaseCommand):
    help = (
        "The reporting store of analytics. 'refresh' reads what changed since each part's "
        "last refresh (--full: everything) and writes the store; 'status' prints each part's "
        "watermark, duration and last error."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["refresh", "status"])
        parser.add_argument("--full", action="store_true", help="Rebuild every part.")
        parser.add_argument("--only", nargs="+", help="Only these parts (by name).")
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "status":
                status = refresh_status(actor=None)
                if options["json"]:
                    self.stdout.write(json.dumps(status, default=str))
                    return
                for part in status["parts"]:
                    self.stdout.write(
                        f"{part['name']}: up to {part['watermark'] or 'never'}, "
                        f"{part['last_duration_ms']} ms, {part['last_rows']} rows"
                        + (f", error: {part['last_error']}" if part["last_error"] else "")
                    )
                return
            result = analytics_refresh(actor=None, full=options["full"], only=options["only"])
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict()))
            return
        for part in result.parts:
            self.stdout.write(
                f"{part.name}: {part.rows} rows in {part.duration_ms} ms"
                + (" (full)" if part.full else "")
            )
        self.stdout.write(f"total {result.duration_ms} ms")
