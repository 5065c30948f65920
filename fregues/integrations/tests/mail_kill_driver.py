"""A separate process for the killed-poller test (``test_mail_kill``): sets up a database with
a mailbox on the test's dovecot, polls it (killing itself with SIGKILL after N messages are
committed, before they are flagged), and dumps what was taken in. Run as
``python -m fregues.integrations.tests.mail_kill_driver ACTION ...`` with
``FREGUES_DATABASE_URL`` pointing at the database."""

from __future__ import annotations

import json
import os
import signal
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fregues.settings")


def setup(port: int, password: str) -> None:
    from django.core.management import call_command

    from fregues.integrations.models import Mailbox
    from fregues.service.models import CaseType

    call_command("migrate", verbosity=0)
    mailbox = Mailbox.objects.create(
        name="Suporte",
        imap_host="127.0.0.1",
        imap_port=port,
        imap_security="none",
        username="support",
        password=password,
        case_type=CaseType.objects.get(code="technical-assistance"),
    )
    print(mailbox.pk)


def poll(mailbox_id: int, kill_after: int) -> None:
    from fregues.integrations.mail.polling import mailbox_poll

    def stop_here(done: int) -> None:
        if done == kill_after:  # committed, not yet flagged: the worst moment
            os.kill(os.getpid(), signal.SIGKILL)

    result = mailbox_poll(
        actor=None, mailbox_id=mailbox_id, batch=10, on_committed=stop_here if kill_after else None
    )
    print(json.dumps({"taken_in": result.taken_in, "error": result.error}))


def dump() -> None:
    from fregues.integrations.models import Mailbox, MailMessage
    from fregues.interactions.models import Interaction
    from fregues.service.models import Case

    print(
        json.dumps(
            {
                "message_ids": list(MailMessage.objects.values_list("message_id", flat=True)),
                "interactions": list(
                    Interaction.objects.filter(channel="email", direction="in").values_list(
                        "external_id", flat=True
                    )
                ),
                "cases": Case.objects.count(),
                "last_uid": Mailbox.objects.get().last_uid,
            }
        )
    )


def main() -> None:
    import django

    action, *args = sys.argv[1:]
    django.setup()
    if action == "setup":
        setup(int(args[0]), args[1])
    elif action == "poll":
        poll(int(args[0]), int(args[1]))
    elif action == "dump":
        dump()


if __name__ == "__main__":
    main()
