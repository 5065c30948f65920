"""Polling a mailbox: every message after the resume point is taken in, a batch per
transaction (``mail_ingest_many``), then flagged on the server — never before its commit.

A poller killed at any moment loses nothing and takes nothing twice: the resume point moves
with each batch's commit, so the next poll starts at the first message not committed; a
message committed but not yet flagged is past the resume point and is not fetched again (and
if it were — a UIDVALIDITY change makes the poll rescan the whole folder — its Message-ID
finds it already taken in).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from fregues.core.audit import audit_record
from fregues.core.errors import NotFound
from fregues.core.permissions import require

from ..models import Mailbox
from .imap import ImapSession, MailboxError
from .ingest import mail_ingest_many

BATCH = 100


@dataclass
class PollResult:
    mailbox_id: int
    taken_in: int = 0
    skipped: int = 0  # already taken in (same Message-ID)
    kinds: dict[str, int] = field(default_factory=dict)
    error: str = ""


def mailbox_poll(
    *,
    actor: Any,
    mailbox_id: int,
    batch: int = BATCH,
    on_committed: Callable[[int], None] | None = None,
) -> PollResult:
    """Take in every new message of one mailbox. A connection or server error stops the poll
    where it is (what was committed stays) and is kept as the mailbox's last error.
    ``on_committed`` is called with the count after each batch's commit (the fault tests
    stop the process there)."""
    require(actor, "channel.configure")
    mailbox = Mailbox.objects.filter(pk=mailbox_id).first()
    if mailbox is None:
        raise NotFound(f"Mailbox {mailbox_id} does not exist.")
    result = PollResult(mailbox_id)
    done = 0
    try:
        with ImapSession(mailbox) as session:
            last_uid = _resume_point(actor, mailbox, session.uidvalidity)
            session.flag_committed(last_uid, mailbox.processed_flag)
            uids = session.uids_after(last_uid)
            for start in range(0, len(uids), batch):
                fetched = list(session.fetch(uids[start : start + batch]))
                for ingested in mail_ingest_many(
                    actor=actor,
                    mailbox_id=mailbox.pk,
                    uidvalidity=session.uidvalidity,
                    messages=fetched,
                ):
                    if ingested.created:
                        result.taken_in += 1
                        kind = ingested.message.kind
                        result.kinds[kind] = result.kinds.get(kind, 0) + 1
                    else:
                        result.skipped += 1
                done += len(fetched)
                if on_committed is not None:
                    on_committed(done)
                session.flag([uid for uid, _raw in fetched], mailbox.processed_flag)
    except (MailboxError, OSError) as exc:
        result.error = str(exc) or exc.__class__.__name__
    Mailbox.objects.filter(pk=mailbox.pk).update(
        last_polled_at=timezone.now(),
        last_error=result.error[:2000],
        **({"last_error_at": timezone.now()} if result.error else {}),
    )
    return result


def _resume_point(actor: Any, mailbox: Mailbox, uidvalidity: int | None) -> int:
    """The last committed UID; after the server renumbered the folder (a new UIDVALIDITY) the
    folder is read again from the start — the Message-IDs keep it from taking anything twice."""
    current = Mailbox.objects.values_list("uidvalidity", "last_uid").get(pk=mailbox.pk)
    if current[0] == uidvalidity:
        return int(current[1])
    Mailbox.objects.filter(pk=mailbox.pk).update(uidvalidity=uidvalidity, last_uid=0)
    if current[0] is not None:
        audit_record(
            actor=actor,
            action="update",
            instance=mailbox,
            summary=f"{mailbox.name}: UIDVALIDITY {current[0]} -> {uidvalidity}, rescanning",
        )
    return 0


def mailboxes_poll(*, actor: Any) -> list[PollResult]:
    """Poll every active mailbox (the periodic task)."""
    ids = Mailbox.objects.filter(is_active=True).values_list("pk", flat=True)
    return [mailbox_poll(actor=actor, mailbox_id=pk) for pk in ids]
