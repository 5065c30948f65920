"""Where integrations keeps data about a person: the files of past imports (and their error
reports), kept so an import can be audited and re-run. They hold no link to a party, so an
erasure scrubs them by content: every line that names the person goes.

Registered from ``IntegrationsConfig.ready()``; see ``fregues.core.personal_data``.
"""

from __future__ import annotations

from django.core.files.base import ContentFile

from fregues.core.personal_data import (
    ANONYMISE,
    Erasure,
    personal_data_register,
    personal_data_scrubber,
)


def _scrub_file(stored: object, erasure: Erasure) -> bool:
    """Drop the lines of ``stored`` (a FieldFile) that hold an identifying value; whether
    the file changed."""
    pattern = erasure.pattern()
    name = getattr(stored, "name", "")
    if pattern is None or not name:
        return False
    storage = stored.storage  # type: ignore[attr-defined]
    if not storage.exists(name):
        return False
    with storage.open(name, "rb") as handle:
        raw = handle.read()
    text = raw.decode("utf-8-sig", errors="replace")
    lines = text.splitlines(keepends=True)
    kept = [line for line in lines if not pattern.search(line)]
    if len(kept) == len(lines):
        return False
    storage.delete(name)
    storage.save(name, ContentFile("".join(kept).encode()))
    return True


def _scrub_import_files(erasure: Erasure) -> None:
    from .models import ImportJob

    for job in ImportJob.objects.exclude(file="", error_file=""):
        for stored in (job.file, job.error_file):
            if stored:
                _scrub_file(stored, erasure)
        message = erasure.scrub(job.message)
        if message != job.message:
            ImportJob.objects.filter(pk=job.pk).update(message=message)


def register() -> None:
    personal_data_scrubber("integrations.import_files", _scrub_import_files)
    # the e-mail taken in: what each message was (its interaction holds the content). The
    # Message-ID key stays, a technical id, so the message is never taken in again after an
    # erasure (a rescan of the mailbox would otherwise bring the person back).
    personal_data_register(
        "integrations.MailMessage",
        party=("interaction__party",),
        export="mail_messages",
        fields=("id", "kind", "sender", "subject", "received_at", "case_id"),
        internal=(
            "mailbox",
            "message_key",
            "message_id",
            "uid",
            "uidvalidity",
            "interaction",
            "bounced_address",
            "note",
        ),
        erase=ANONYMISE,
        anonymise=("sender", "subject", "message_id", "bounced_address", "note"),
        why="the message key keeps an erased person's e-mail from being taken in again",
    )
