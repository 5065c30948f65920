"""A batch of e-mail taken in with a few queries, whatever its size: the senders resolved
together, unknown ones made suspects together, the interactions written together — each
message still on the right timeline, audited, announced, and taken in once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fregues.core.models import AuditEntry, OutboxEvent
from fregues.interactions.models import Interaction
from fregues.parties.models import ContactPoint, Party
from fregues.parties.tests.factories import ContactPointFactory, PartyFactory

from ..mail.ingest import mail_ingest_many
from ..models import Mailbox, MailMessage
from .mail_support import mail

pytestmark = pytest.mark.django_db

STATEMENTS_PER_BATCH = 15  # plus savepoints around the bulk writes


def statements(queries: CaptureQueriesContext) -> list[str]:
    """The statements sent, savepoints left out and a bulk insert counted once (SQLite sends
    it in chunks of 999 parameters)."""
    out: list[str] = []
    for query in queries.captured_queries:
        sql = query["sql"]
        if sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT")):
            continue
        if out and sql.startswith("INSERT") and out[-1][:40] == sql[:40]:
            continue
        out.append(sql)
    return out


def mailbox() -> Mailbox:
    return Mailbox.objects.create(
        name="Suporte", imap_host="127.0.0.1", imap_port=143, username="u", password="p"
    )


def batch(first: int, size: int, known: int = 0) -> list[tuple[int, bytes]]:
    """``size`` messages from UID ``first``; the first ``known`` from customers on file."""
    out = []
    for uid in range(first, first + size):
        who = f"cliente{uid}@exemplo.com.br" if uid - first >= known else f"conhecido{uid}@x.pt"
        out.append(
            (
                uid,
                mail(
                    sender=f"Cliente {uid} <{who}>",
                    subject=f"Pedido {uid}",
                    message_id=f"<m{uid}@exemplo.com.br>",
                ),
            )
        )
    return out


def test_a_batch_of_200_takes_a_fixed_handful_of_queries_and_lands_on_each_timeline() -> None:
    box = mailbox()
    known = {}
    for uid in range(1, 51):
        party = PartyFactory(name=f"Conhecido {uid}")
        ContactPointFactory(party=party, kind="email", value=f"conhecido{uid}@x.pt")
        known[uid] = party.pk
    parties_before = Party.objects.count()
    audit_before = AuditEntry.objects.count()
    messages = batch(1, 200, known=50)

    with CaptureQueriesContext(connection) as queries:
        ingested = mail_ingest_many(actor=None, mailbox_id=box.pk, uidvalidity=7, messages=messages)

    sent = statements(queries)
    assert len(sent) <= STATEMENTS_PER_BATCH, "\n".join(q[:120] for q in sent)
    assert [i.created for i in ingested] == [True] * 200
    assert MailMessage.objects.filter(mailbox=box).count() == 200
    for uid in (1, 50):
        contact = Interaction.objects.get(external_id=f"<m{uid}@exemplo.com.br>")
        assert contact.party_id == known[uid] and contact.subject == f"Pedido {uid}"
    suspect = Party.objects.get(contact_points__normalized="cliente51@exemplo.com.br")
    assert (suspect.name, suspect.lifecycle_stage) == ("Cliente 51", "suspect")
    assert suspect.interactions.get().direction == "in"
    assert ContactPoint.objects.get(party=suspect).is_primary
    assert Party.objects.count() == parties_before + 150
    # each suspect, its e-mail, each interaction and each message audited
    assert AuditEntry.objects.count() - audit_before == 150 * 2 + 200 * 2
    assert OutboxEvent.objects.filter(name="interaction.recorded").count() == 200
    assert OutboxEvent.objects.filter(name="party.created").count() == 150
    box.refresh_from_db()
    assert box.last_uid == 200

    with CaptureQueriesContext(connection) as again:
        repeated = mail_ingest_many(actor=None, mailbox_id=box.pk, uidvalidity=7, messages=messages)
    assert [i.created for i in repeated] == [False] * 200
    assert len(statements(again)) <= 4
    assert Interaction.objects.count() == 200


def test_repeats_in_a_batch_are_taken_once_and_a_bad_sender_is_kept_as_unreadable() -> None:
    box = mailbox()
    same = mail(sender="ana@exemplo.com.br", message_id="<same@exemplo.com.br>")
    other = mail(sender="Ana <ANA@exemplo.com.br>", message_id="<other@exemplo.com.br>")
    broken = mail(sender="no address at all", message_id="<broken@exemplo.com.br>")

    ingested = mail_ingest_many(
        actor=None,
        mailbox_id=box.pk,
        uidvalidity=1,
        messages=[(1, same), (2, same), (3, other), (4, broken)],
    )

    assert [i.created for i in ingested] == [True, False, True, True]
    assert ingested[1].message.pk == ingested[0].message.pk
    ana = Party.objects.get(contact_points__normalized="ana@exemplo.com.br")
    assert ana.interactions.count() == 2  # one person, however the address is written
    unreadable = MailMessage.objects.get(message_id="<broken@exemplo.com.br>")
    assert unreadable.kind == "unreadable" and unreadable.interaction is None
    assert unreadable.note
    box.refresh_from_db()
    assert box.last_uid == 4
