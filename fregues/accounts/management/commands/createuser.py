"""fregues createuser USERNAME --role ROLE [--password P] [--email E] [--name "First Last"]"""

from __future__ import annotations

import getpass
import secrets
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from fregues.accounts.services import user_create
from fregues.core.errors import ServiceError
from fregues.core.permissions import ROLES


class Command(BaseCommand):
    help = "Create a Freguês user with a role (agent, relationship_manager, ..., admin)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", default="agent", choices=ROLES)
        parser.add_argument(
            "--password", help="Asked for when omitted (or generated with --generate)."
        )
        parser.add_argument(
            "--generate", action="store_true", help="Generate and print a password."
        )
        parser.add_argument("--email", default="")
        parser.add_argument("--name", default="", help='Full name, e.g. "Ana Souza".')
        parser.add_argument("--language", default="", choices=["", "pt-br", "pt-pt", "en"])
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="Never prompt (scripts): then give --password or --generate.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = options["password"]
        if options["generate"]:
            password = secrets.token_urlsafe(12)
        elif not password:
            if not options.get("interactive", True):
                raise CommandError("Give --password or --generate.")
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords differ.")
        first, _sep, last = options["name"].partition(" ")
        try:
            user = user_create(
                actor=None,
                username=options["username"],
                password=password,
                role=options["role"],
                email=options["email"],
                first_name=first,
                last_name=last,
                language=options["language"],
            )
        except ServiceError as exc:
            details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.errors.items())
            raise CommandError(f"{exc.message} {details}".strip()) from exc
        self.stdout.write(f"Created {user.username} ({user.role}).")
        if options["generate"]:
            self.stdout.write(f"Password: {password}")
