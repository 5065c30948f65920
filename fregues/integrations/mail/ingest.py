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

from fregues.core.audit import audit_record
from fregues.core.errors import Conflict, Invalid
from fregues.interactions.models import Interaction
from fregues.interactions.services import NewAttachment, interaction_link, interaction_record
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
        created = found is None
        if found is None:
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
                summary=f"{mailbox.name}: {found.kind} {parsed.sender} {parsed.subject}"[:300],
                party_id=found.interaction.party_id if found.interaction else None,
            )
        Mailbox.objects.filter(pk=mailbox.pk, last_uid__lt=uid).update(last_uid=uid)
    return Ingested(found, created)


def _record(
    mailbox: Mailbox, parsed: Parsed, uid: int, uidvalidity: int | None, **fields: Any
) -> MailMessage:
    return MailMessage.objects.create(
        mailbox=mailbox,
        message_key=parsed.key,
        message_id=parsed.message_id[:255],
        uid=uid,
        uidvalidity=uidvalidity,
        sender=parsed.sender[:300],
        subject=parsed.subject[:300],
        **fields,
    )


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
