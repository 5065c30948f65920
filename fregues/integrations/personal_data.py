"""Where integrations keeps data about a person: the files of past imports (and their error
reports), kept so an import can be audited and re-run. They hold no link to a party, so an
erasure scrubs them by content: every line that names the person goes.

Telephony's calls link to the party the caller was resolved to: exported, and deleted on
erasure (with the events the PBX sent) — the interaction on the timeline stays, anonymised.

Registered from ``IntegrationsConfig.ready()``; see ``fregues.core.personal_data``.
"""

from __future__ import annotations

from django.core.files.base import ContentFile

from fregues.core.personal_data import (
    ANONYMISE,
    DELETE,
    KEEP,
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
    personal_data_register(
        "integrations.Call",
        party=("party",),
        export="calls",
        fields=(
            "id",
            "direction",
            "from_number",
            "to_number",
            "state",
            "started_at",
            "answered_at",
            "ended_at",
            "duration_seconds",
            "recording_url",
        ),
        internal=(
            "created_at",
            "updated_at",
            "external_id",
            "extension",
            "agent",
            "party",
            "interaction",
            "dismissed_at",
        ),
        erase=DELETE,
        why="the call stays counted on the timeline as its (anonymised) interaction; the "
        "telephony log with the numbers and the events the PBX sent goes",
    )
    personal_data_register(
        "integrations.CallEvent",
        party=("call__party",),
        export="call_events",
        fields=("call", "kind", "occurred_at", "payload"),
        internal=("id", "received_at"),
        erase=DELETE,
        why="what the PBX sent, numbers included: it goes with its call",
    )
    personal_data_scrubber("integrations.import_files", _scrub_import_files)
    # SMS/WhatsApp messages carried by a provider: the number and media references name the
    # person; the provider's message id stays, so a webhook retried later still lands once.
    personal_data_register(
        "integrations.ProviderMessage",
        party=("interaction__party",),
        export="provider_messages",
        fields=("channel", "direction", "address", "status", "error_code", "media", "created_at"),
        internal=("id", "provider", "provider_message_id", "interaction", "updated_at"),
        erase=ANONYMISE,
        anonymise=("address", "media"),
        identifiers=("address",),
    )
    personal_data_register(
        "integrations.MessageStatusEvent",
        party=("message__interaction__party",),
        export=None,
        fields=(),
        internal=("id", "message", "status", "error_code", "occurred_at", "created_at"),
        erase=KEEP,
        why="delivery statuses and provider error codes say nothing about the person",
    )
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
