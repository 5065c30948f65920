"""fregues mail poll [--mailbox ID] — take in the new e-mail of one or every active mailbox.

The same poll as the periodic task: each message in its own transaction, flagged on the server
only after its commit. Prints one line per mailbox (taken in, skipped, by kind, the error).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fregues.core.errors import ServiceError
from fregues.integrations.mail.polling import PollResult, mailbox_poll, mailboxes_poll


class Command(BaseCommand):
    help = "E-mail channels: poll mailboxes."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{poll}")
        poll = actions.add_parser("poll", help="Take in the new messages of the mailboxes.")
        poll.add_argument("--mailbox", type=int, help="Only this mailbox (id).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["mailbox"]:
                results = [mailbox_poll(actor=None, mailbox_id=options["mailbox"])]
            else:
                results = mailboxes_poll(actor=None)
        except ServiceError as exc:
            raise CommandError(str(exc.message)) from exc
        failed = False
        for result in results:
            self.stdout.write(_line(result))
            failed = failed or bool(result.error)
        if failed:
            raise CommandError("some mailboxes could not be polled")


def _line(result: PollResult) -> str:
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(result.kinds.items()))
    line = f"mailbox {result.mailbox_id}: {result.taken_in} taken in, {result.skipped} skipped"
    if kinds:
        line += f" ({kinds})"
    if result.error:
        line += f"; error: {result.error}"
    return line
