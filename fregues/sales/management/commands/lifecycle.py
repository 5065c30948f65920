"""fregues lifecycle backfill [--dry-run] [--party ID] — recompute lifecycle stages from the
rules and the whole order history; fregues lifecycle sweep — the daily dormancy sweep now."""

from __future__ import annotations

import datetime
import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fregues.core.errors import ServiceError
from fregues.sales.services.lifecycle_backfill import BackfillResult, lifecycle_backfill
from fregues.sales.services.lifecycle_rules import lifecycle_sweep


class Command(BaseCommand):
    help = (
        "Lifecycle from facts. 'backfill' recomputes every customer's stage from the active "
        "rules and the whole order history and writes only the moves that change a stage; "
        "'sweep' moves customers with no recent order to inactive (what the daily task does)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["backfill", "sweep"])
        parser.add_argument(
            "--dry-run", action="store_true", help="Count the moves per from→to, write nothing."
        )
        parser.add_argument("--party", type=int, help="Only this party (its id).")
        parser.add_argument(
            "--batch", type=int, default=50_000, help="Party ids per transaction (50,000)."
        )
        parser.add_argument(
            "--now",
            type=datetime.datetime.fromisoformat,
            help="Judge dormancy as of this moment (ISO 8601; default: now). For reruns that "
            "must compare, e.g. a benchmark.",
        )
        parser.add_argument("--json", action="store_true", help="Print the summary as JSON.")
        parser.add_argument("--no-progress", action="store_true", help="No progress line.")

    def handle(self, *args: Any, **options: Any) -> None:
        now = options["now"]
        if now is not None and timezone.is_naive(now):
            now = timezone.make_aware(now)
        if options["action"] == "sweep":
            moves = lifecycle_sweep(now=now)
            self.stdout.write(json.dumps({"moves": moves}) if options["json"] else f"{moves} moves")
            return
        show = not options["no_progress"] and not options["json"] and sys.stderr.isatty()

        def progress(result: BackfillResult, done: int, top: int) -> None:
            if show:
                share = 100 * done / top if top else 100
                sys.stderr.write(
                    f"\r{share:5.1f} %  {result.parties_read:,} customers read, "
                    f"{result.moves:,} moves"
                )
                sys.stderr.flush()

        try:
            result = lifecycle_backfill(
                actor=None,
                dry_run=options["dry_run"],
                party_id=options["party"],
                batch_size=max(1, options["batch"]),
                progress=progress,
                now=now,
            )
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        if show:
            sys.stderr.write("\n")
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict()))
            return
        verb = "would move" if result.dry_run else "moved"
        self.stdout.write(
            f"{result.parties_read:,} customers with orders read in {result.seconds:.1f} s; "
            f"{verb} {result.parties_moved:,} ({result.moves:,} moves)."
        )
        for change, count in sorted(result.by_move.items(), key=lambda kv: -kv[1]):
            self.stdout.write(f"  {change:<22} {count:>10,}")
