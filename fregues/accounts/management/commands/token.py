"""fregues token USERNAME — prints a new API token for the user; --list and --revoke PREFIX."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from fregues.accounts.models import ApiToken, User
from fregues.accounts.services import token_create, token_revoke


class Command(BaseCommand):
    help = "Create a new API token for USERNAME and print it (it is shown only once)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="cli", help="A label to recognise the token by.")
        parser.add_argument("--list", action="store_true", help="List the user's tokens.")
        parser.add_argument(
            "--revoke", metavar="PREFIX", help="Revoke the user's token starting with PREFIX."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user named '{options['username']}'.")
        tokens = ApiToken.objects.filter(user=user).order_by("created_at")
        if options["list"]:
            for record in tokens:
                state = (
                    f"revoked {record.revoked_at:%Y-%m-%d %H:%M}" if record.revoked_at else "active"
                )
                used = f"{record.last_used_at:%Y-%m-%d %H:%M}" if record.last_used_at else "never"
                self.stdout.write(
                    f"{record.prefix}  {record.name or '-'}  {state}  last used {used}"
                )
            return
        if options["revoke"]:
            matches = [t for t in tokens if t.prefix.startswith(options["revoke"])]
            if len(matches) != 1:
                raise CommandError(
                    f"{len(matches)} tokens of '{user.username}' start with '{options['revoke']}'."
                )
            token_revoke(actor=None, token_id=matches[0].pk)
            self.stdout.write(f"Token {matches[0].prefix} revoked.")
            return
        if not user.is_active:
            raise CommandError(f"User '{user.username}' is not active.")
        self.stdout.write(token_create(actor=None, user=user, name=options["name"]))
