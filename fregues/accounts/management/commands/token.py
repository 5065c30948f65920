"""fregues token USERNAME — prints a new API token for the user."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from fregues.accounts.models import User
from fregues.accounts.services import token_create


class Command(BaseCommand):
    help = "Create a new API token for USERNAME and print it (it is shown only once)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="cli", help="A label to recognise the token by.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user named '{options['username']}'.")
        if not user.is_active:
            raise CommandError(f"User '{user.username}' is not active.")
        self.stdout.write(token_create(actor=None, user=user, name=options["name"]))
