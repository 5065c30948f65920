"""fregues export parties|interactions [-o FILE] [filters] — the CSV export from the shell.

The same rows and columns as the API and the UI download (``fregues.integrations.exporting``):
the filters of the customer list (parties) or the interaction list (interactions). The CSV goes
to stdout unless ``-o`` names a file, so it pipes (``| gzip``); the summary line goes to stderr
so it never mixes with the data. It acts as the system unless ``--as USERNAME`` borrows a
user's role (a marketer's export then has no interaction bodies, as on their screens).
"""

from __future__ import annotations

import sys
from contextlib import ExitStack
from typing import Any, BinaryIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fregues.accounts.models import User
from fregues.core.errors import ServiceError
from fregues.integrations.exporting import CsvStream, interaction_export, party_export, timed_export


class Command(BaseCommand):
    help = "Export parties or interactions as CSV (the columns the importer reads back)."

    def add_arguments(self, parser: CommandParser) -> None:
        kinds = parser.add_subparsers(dest="kind", required=True, metavar="{parties,interactions}")
        parties = kinds.add_parser("parties", help="Customers, with the customer list's filters.")
        self._common(parties)
        parties.add_argument("--q", default="", help="Search: name, e-mail, phone, tax id.")
        parties.add_argument("--kind", dest="party_kind", help="person or organization.")
        parties.add_argument("--lifecycle-stage", help="suspect, prospect, buyer, client, ...")
        parties.add_argument("--owner", help="The relationship manager: username or id.")
        parties.add_argument("--tag", help="Only parties with this tag.")
        interactions = kinds.add_parser("interactions", help="The timeline, with its filters.")
        self._common(interactions)
        interactions.add_argument("--party", type=int, help="Only this party's interactions.")
        interactions.add_argument("--channel", help="phone, email, chat, sms, ...")
        interactions.add_argument("--direction", choices=["in", "out"])
        interactions.add_argument("--since", help="From this date (YYYY-MM-DD) or moment.")
        interactions.add_argument("--until", help="Through this date, or before this moment.")

    def _common(self, parser: CommandParser) -> None:
        parser.add_argument("-o", "--output", help="The file to write (default: stdout).")
        parser.add_argument("--as", dest="as_user", help="Act as this user (default: system).")
        parser.add_argument("--bom", action="store_true", help="Start with a UTF-8 BOM (Excel).")
        parser.add_argument(
            "--source", default="", help="Write the customers' codes in this source system."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = _user(options["as_user"]) if options["as_user"] else None
        try:
            stream = self._stream(actor, options)
            with ExitStack() as stack:
                out: BinaryIO
                if options["output"] and options["output"] != "-":
                    out = stack.enter_context(open(options["output"], "wb"))
                else:
                    self.stdout.flush()
                    out = sys.stdout.buffer
                rows, seconds = timed_export(stream, out)
                out.flush()
        except ServiceError as exc:
            fields = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.errors.items())
            raise CommandError(f"{exc.message} {fields}".strip()) from exc
        rate = rows / seconds if seconds > 0 else 0.0
        self.stderr.write(f"{rows} rows in {seconds:.2f} s ({rate:,.0f} rows/s)")

    def _stream(self, actor: Any, options: dict[str, Any]) -> CsvStream:
        bom, source = options["bom"], options["source"]
        if options["kind"] == "parties":
            filters = {
                "q": options["q"],
                "kind": options["party_kind"],
                "lifecycle_stage": options["lifecycle_stage"],
                "owner_id": _owner_id(options["owner"]) if options["owner"] else None,
                "tag": options["tag"],
            }
            return party_export(actor=actor, filters=filters, bom=bom, source=source)
        filters = {
            "party_id": options["party"],
            "channel": options["channel"],
            "direction": options["direction"],
            "since": options["since"],
            "until": options["until"],
        }
        return interaction_export(actor=actor, filters=filters, bom=bom, source=source)


def _user(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"No user named '{username}'.")
    if not user.is_active:
        raise CommandError(f"User '{username}' is not active.")
    return user


def _owner_id(value: str) -> int:
    """``--owner`` takes a username or an id; a username wins over an all-digit id."""
    found = User.objects.filter(username=value).values_list("pk", flat=True).first()
    if found is not None:
        return found
    if value.isdigit():
        return int(value)
    raise CommandError(f"No user named '{value}'.")
