"""Taking one e-mail in: the customer's message becomes an interaction on their timeline, and a
case, or an answer on the case it replies to — in one transaction with the mailbox's resume
point, so a message is never lost nor taken twice, whenever the poller dies.

What each kind of message does:

* a message from a person: the sender is resolved to a party (a *suspect* is created for an
  unknown address), an inbound e-mail interaction is recorded (Message-ID as its external id,
  attachments stored); a reply to a known message (In-Reply-To / References matching an inbound
  or outbound interaction on a case) is the customer's answer on that case
  (``case_customer_replied``: the case leaves "waiting on the customer"); a closed case, or a
  new message, opens a case when the mailbox has a case type (through ``case_open``, so a
  repeated report joins the open case instead of making two);
* an automatic reply (Auto-Submitted, X-Autoreply, Precedence, "Out of office"): recorded on the
  timeline (and linked to the thread's case) but it never opens nor moves a case;
* a bounce (a delivery-status report, mailer-daemon): the failed recipient goes on the
  suppression list as a hard bounce (5.x.x), so no sender uses that address again; nothing is
  opened and nothing is put on a timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from fregues.core.audit import actor_fields, audit_record
from fregues.core.errors import Conflict, Invalid
from fregues.core.models import AuditEntry
from fregues.interactions.models import Interaction
from fregues.interactions.services import (
    Inbound,
    NewAttachment,
    Recorded,
    interaction_link,
    interaction_record,
    interaction_record_inbound_many,
)
from fregues.parties.services.suppression import suppression_add
from fregues.service.models import Case, StatusCategory
from fregues.service.services import case_open
from fregues.service.services.cases import contact_concerns
from fregues.service.services.replies import case_customer_replied

from ..models import Mailbox, MailMessage
from .parsing import AUTO_REPLY, BOUNCE, MESSAGE, Parsed, mail_parse

CASE_REGARDING = "service.case"
BODY_MAX_CHARS = 100_000


@dataclass
class Ingested:
    message: MailMessage
    created: bool


def mail_ingest(
    *, actor: Any, mailbox_id: int, uid: int, uidvalidity: int | None, raw: bytes
) -> Ingested:
    """Take in the message ``uid`` of a mailbox and move its resume point past it, both in one
    transaction. A message already taken in (same Message-ID, or same headers when it has
    none) only moves the resume point. A message that cannot be recorded (no usable sender)
    is kept as *unreadable* with the reason, so it never blocks the mailbox."""
    parsed = mail_parse(raw)
    with transaction.atomic():
        mailbox = Mailbox.objects.select_for_update().get(pk=mailbox_id)
        found = MailMessage.objects.filter(mailbox=mailbox, message_key=parsed.key).first()
        if found is None:
            ingested = _one(actor, mailbox, parsed, uid, uidvalidity)
        else:
            ingested = Ingested(found, False)
        Mailbox.objects.filter(pk=mailbox.pk, last_uid__lt=uid).update(last_uid=uid)
    return ingested


def _one(
    actor: Any, mailbox: Mailbox, parsed: Parsed, uid: int, uidvalidity: int | None
) -> Ingested:
    """A message not taken in before, on its own (inside the caller's transaction)."""
    try:
        with transaction.atomic():
            found = _take_in(actor, mailbox, parsed, uid, uidvalidity)
    except (Invalid, Conflict) as exc:
        found = _record(mailbox, parsed, uid, uidvalidity, kind=MailMessage.Kind.UNREADABLE)
        found.note = str(exc.message)[:2000]
        found.save(update_fields=["note"])
    audit_record(
        actor=actor,
        action="create",
        instance=found,
        summary=_summary(mailbox, found, parsed),
        party_id=found.interaction.party_id if found.interaction else None,
    )
    return Ingested(found, True)


def _summary(mailbox: Mailbox, found: MailMessage, parsed: Parsed) -> str:
    return f"{mailbox.name}: {found.kind} {parsed.sender} {parsed.subject}"[:300]


def mail_ingest_many(
    *, actor: Any, mailbox_id: int, uidvalidity: int | None, messages: list[tuple[int, bytes]]
) -> list[Ingested]:
    """Take in a batch of ``(uid, raw)`` messages and move the resume point past the last, all
    in one transaction: what ``mail_ingest`` does for each, with a few queries for the batch.

    The plain case — a message or an automatic reply on no known thread, into a mailbox that
    opens no cases — is recorded in bulk (``interaction_record_inbound_many``: the senders
    resolved together, unknown ones made suspects together). Bounces, replies on a case's
    thread and messages that open cases go one by one, in the same transaction.
    """
    parsed = [(uid, mail_parse(raw)) for uid, raw in messages]
    out: list[Ingested | None] = [None] * len(parsed)
    with transaction.atomic():
        mailbox = Mailbox.objects.select_for_update().get(pk=mailbox_id)
        taken = {
            m.message_key: m
            for m in MailMessage.objects.filter(
                mailbox=mailbox, message_key__in={p.key for _uid, p in parsed}
            ).select_related("interaction")
        }
        threads = _threaded({r[:200] for _uid, p in parsed for r in p.references if r})
        plain, first = [], set()
        for i, (_uid, p) in enumerate(parsed):
            if p.key in taken or p.key in first:
                continue
            first.add(p.key)
            if not (
                p.kind == BOUNCE
                or mailbox.case_type_id
                or any(r[:200] in threads for r in p.references)
            ):
                plain.append(i)
        for i, found in zip(plain, _plain(actor, mailbox, parsed, plain, uidvalidity), strict=True):
            taken[found.message_key] = found
            out[i] = Ingested(found, True)
        for i, (uid, p) in enumerate(parsed):
            if out[i] is not None:
                continue
            if p.key in taken:
                out[i] = Ingested(taken[p.key], False)
                continue
            out[i] = _one(actor, mailbox, p, uid, uidvalidity)
            taken[p.key] = out[i].message  # type: ignore[union-attr]
        if parsed:
            last = max(uid for uid, _p in parsed)
            Mailbox.objects.filter(pk=mailbox.pk, last_uid__lt=last).update(last_uid=last)
    return [x for x in out if x is not None]


def _threaded(references: set[str]) -> set[str]:
    """Of these Message-IDs, those of e-mails on a case (a reply to one goes one by one)."""
    if not references:
        return set()
    return set(
        Interaction.objects.filter(
            channel="email", external_id__in=references, regarding_type=CASE_REGARDING
        ).values_list("external_id", flat=True)
    )


def _plain(
    actor: Any,
    mailbox: Mailbox,
    parsed: list[tuple[int, Parsed]],
    chosen: list[int],
    uidvalidity: int | None,
) -> list[MailMessage]:
    """The messages on no thread, recorded in bulk; one ``MailMessage`` each, in order."""
    if not chosen:
        return []
    items = []
    for i in chosen:
        p = parsed[i][1]
        body, files = _body_and_files(p)
        items.append(
            Inbound(
                data={
                    "channel": "email",
                    "direction": "in",
                    "occurred_at": p.occurred_at,
                    "subject": p.subject[:300],
                    "body": body,
                    "external_id": p.message_id[:200],
                },
                address=p.sender,
                name=p.sender_name,
                attachments=files,
            )
        )
    rows = []
    recorded = interaction_record_inbound_many(actor=actor, items=items)
    for i, result in zip(chosen, recorded, strict=True):
        uid, p = parsed[i]
        if isinstance(result, Recorded):
            x = result.interaction  # already in through another mailbox: keep its case
            on_case = not result.created and x.regarding_type == CASE_REGARDING
            rows.append(
                _row(
                    mailbox,
                    p,
                    uid,
                    uidvalidity,
                    kind=p.kind,
                    interaction=x,
                    case_id=x.regarding_id if on_case else None,
                )
            )
        else:
            rows.append(
                _row(
                    mailbox,
                    p,
                    uid,
                    uidvalidity,
                    kind=MailMessage.Kind.UNREADABLE,
                    note=str(result.message)[:2000],
                )
            )
    MailMessage.objects.bulk_create(rows)
    actor_id, actor_name = actor_fields(actor)
    AuditEntry.objects.bulk_create(
        AuditEntry(
            actor_id=actor_id,
            actor_name=actor_name,
            action="create",
            entity_type="integrations.mailmessage",
            entity_id=row.pk,
            party_id=row.interaction.party_id if row.interaction else None,
            summary=_summary(mailbox, row, parsed[i][1]),
        )
        for i, row in zip(chosen, rows, strict=True)
    )
    return rows


def _row(
    mailbox: Mailbox, parsed: Parsed, uid: int, uidvalidity: int | None, **fields: Any
) -> MailMessage:
    return MailMessage(
        mailbox=mailbox,
        message_key=parsed.key,
        message_id=parsed.message_id[:255],
        uid=uid,
        uidvalidity=uidvalidity,
        sender=parsed.sender[:300],
        subject=parsed.subject[:300],
        **fields,
    )


def _record(
    mailbox: Mailbox, parsed: Parsed, uid: int, uidvalidity: int | None, **fields: Any
) -> MailMessage:
    row = _row(mailbox, parsed, uid, uidvalidity, **fields)
    row.save()
    return row


def _take_in(
    actor: Any, mailbox: Mailbox, parsed: Parsed, uid: int, uidvalidity: int | None
) -> MailMessage:
    if parsed.kind == BOUNCE:
        return _bounce(actor, mailbox, parsed, uid, uidvalidity)
    thread = _thread_case(parsed.references)
    body, attachments = _body_and_files(parsed)
    recorded = interaction_record(
        actor=actor,
        data={
            "channel": "email",
            "direction": "in",
            "occurred_at": parsed.occurred_at,
            "subject": parsed.subject[:300],
            "body": body,
            "external_id": parsed.message_id[:200],
        },
        address=parsed.sender,
        name=parsed.sender_name,
        attachments=attachments,
    )
    interaction = recorded.interaction
    case_id: int | None = None
    if not recorded.created:  # the same message already came in through another mailbox
        case_id = interaction.regarding_id if interaction.regarding_type == CASE_REGARDING else None
    elif thread is not None and contact_concerns(interaction, thread.party_id, thread.reporter_id):
        case_id = _on_thread(actor, mailbox, parsed, interaction, thread)
    elif parsed.kind == MESSAGE and mailbox.case_type_id:
        case_id = _open(actor, mailbox, parsed, interaction, parent_id=None)
    return _record(
        mailbox,
        parsed,
        uid,
        uidvalidity,
        kind=parsed.kind,
        interaction=interaction,
        case_id=case_id,
    )


def _on_thread(
    actor: Any, mailbox: Mailbox, parsed: Parsed, interaction: Interaction, thread: Case
) -> int | None:
    """A reply on a case's thread: the customer's answer on the case; an automatic reply is
    only linked to it; an answer on a closed case opens a new one (when the mailbox opens
    cases), as the portal asks the customer to."""
    closed = thread.status.category == StatusCategory.CLOSED
    if parsed.kind == AUTO_REPLY or (closed and not mailbox.case_type_id):
        interaction_link(
            actor=actor,
            interaction_id=interaction.pk,
            regarding_type=CASE_REGARDING,
            regarding_id=thread.pk,
        )
        return thread.pk
    if closed:
        return _open(actor, mailbox, parsed, interaction, parent_id=thread.pk)
    case_customer_replied(
        actor=actor, case_id=thread.pk, interaction_id=interaction.pk, now=parsed.occurred_at
    )
    return thread.pk


def _open(
    actor: Any, mailbox: Mailbox, parsed: Parsed, interaction: Interaction, parent_id: int | None
) -> int:
    opened = case_open(
        actor=actor,
        party_id=interaction.party_id,
        case_type=mailbox.case_type_id or 0,
        subject=(parsed.subject or _("E-mail without a subject"))[:300],
        description=interaction.body[:5000],
        channel="email",
        interaction_id=interaction.pk,
        parent_id=parent_id,
    )
    return opened.case.pk


def _thread_case(references: list[str]) -> Case | None:
    """The case of the newest known message (inbound or outbound) this one refers to."""
    ids = [r[:200] for r in references if r]
    if not ids:
        return None
    linked = (
        Interaction.objects.filter(
            channel="email", external_id__in=ids, regarding_type=CASE_REGARDING
        )
        .order_by("-occurred_at", "-id")
        .values_list("regarding_id", flat=True)
        .first()
    )
    if linked is None:
        return None
    return Case.objects.select_related("status").filter(pk=linked).first()


def _body_and_files(parsed: Parsed) -> tuple[str, list[NewAttachment]]:
    body = parsed.text[:BODY_MAX_CHARS]
    files, left_out = [], []
    for part in parsed.attachments:
        if len(part.content) > settings.ATTACHMENT_MAX_BYTES:
            left_out.append(part.filename)
        else:
            files.append(NewAttachment(part.filename, part.content, part.content_type))
    if left_out:
        body += "\n\n" + _("Attachments too large to keep: %(f)s") % {"f": ", ".join(left_out)}
    return body, files


def _bounce(
    actor: Any, mailbox: Mailbox, parsed: Parsed, uid: int, uidvalidity: int | None
) -> MailMessage:
    """A hard bounce (status 5.x.x, or none given) suppresses the address for every sender; a
    temporary failure (4.x.x) is only kept here."""
    suppressed, notes = [], []
    for address, status in parsed.bounced:
        if status and not status.startswith("5"):
            notes.append(f"{address}: {status} (temporary)")
            continue
        try:
            suppression_add(
                actor=actor,
                kind="email",
                address=address,
                reason="hard_bounce",
                source="mail_bounce",
                note=f"{mailbox.name}: {status or 'failed'}",
            )
        except Invalid as exc:
            notes.append(f"{address}: {exc.message}")
            continue
        suppressed.append(address)
    return _record(
        mailbox,
        parsed,
        uid,
        uidvalidity,
        kind=MailMessage.Kind.BOUNCE,
        bounced_address=", ".join(suppressed)[:300],
        note="\n".join(notes)[:2000],
    )
