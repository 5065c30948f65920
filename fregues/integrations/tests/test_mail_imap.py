"""E-mail in, against a real IMAP server (dovecot, started by the test): customers' messages
become interactions and cases, replies land on their case, automatic replies and bounces are
told apart, and polling again changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from fregues.interactions.models import Attachment, Interaction
from fregues.parties.models import ContactPoint, Party, Suppression
from fregues.parties.tests.factories import ContactPointFactory, PartyFactory
from fregues.service.models import Case
from fregues.service.services import case_transition

from ..mail.polling import mailbox_poll
from ..models import Mailbox, MailMessage
from .mail_support import Dovecot, bounce, mail

pytestmark = pytest.mark.django_db


def poll(mailbox: Mailbox) -> Any:
    result = mailbox_poll(actor=None, mailbox_id=mailbox.pk)
    assert result.error == ""
    return result


def waiting_case(dovecot: Dovecot, mailbox: Mailbox) -> Case:
    """A case opened by a first message <first@exemplo.com.br>, now waiting on the customer."""
    dovecot.append(mail(message_id="<first@exemplo.com.br>"))
    poll(mailbox)
    case = Case.objects.get()
    return case_transition(actor=None, protocol=case.protocol, to_status="waiting_customer")


def test_a_message_from_an_unknown_sender_opens_a_case_for_a_new_suspect(
    dovecot: Dovecot, imap_mailbox: Mailbox
) -> None:
    dovecot.append(mail(message_id="<m1@exemplo.com.br>"))
    result = poll(imap_mailbox)

    assert result.taken_in == 1
    party = Party.objects.get(contact_points__normalized="ana.souza@exemplo.com.br")
    assert party.name == "Ana Souza" and party.lifecycle_stage == "suspect"
    contact = Interaction.objects.get(party=party)
    assert (contact.channel, contact.direction) == ("email", "in")
    assert contact.subject == "Máquina de lavar não liga"
    assert contact.body == "Bom dia, a máquina não liga desde ontem."
    assert contact.external_id == "<m1@exemplo.com.br>"
    case = Case.objects.get(party=party)
    assert case.subject == "Máquina de lavar não liga" and case.channel == "email"
    assert (contact.regarding_type, contact.regarding_id) == ("service.case", case.pk)
    assert dovecot.flags() == {1: "\\Seen"}  # flagged once committed
    imap_mailbox.refresh_from_db()
    assert imap_mailbox.last_uid == 1 and imap_mailbox.last_polled_at is not None


def test_a_known_customer_is_found_and_html_only_mail_is_read_as_text(
    dovecot: Dovecot, imap_mailbox: Mailbox
) -> None:
    party = PartyFactory(name="Bruno Lima")
    ContactPointFactory(party=party, kind="email", value="bruno@exemplo.com.br")
    dovecot.append(
        mail(
            sender="bruno@exemplo.com.br",
            subject="Nota fiscal",
            body="",
            html="<html><style>p{}</style><p>Preciso da <b>nota</b></p><p>Obrigado</p></html>",
        )
    )
    poll(imap_mailbox)

    assert Party.objects.count() == 1
    contact = Interaction.objects.get(party=party)
    assert contact.body == "Preciso da nota\n\nObrigado"


def test_a_reply_lands_on_its_case_and_takes_it_out_of_waiting(
    dovecot: Dovecot, imap_mailbox: Mailbox
) -> None:
    case = waiting_case(dovecot, imap_mailbox)

    dovecot.append(
        mail(
            subject="Re: Máquina de lavar não liga",
            body="Segue a foto da etiqueta.",
            in_reply_to="<first@exemplo.com.br>",
            references="<first@exemplo.com.br>",
        )
    )
    poll(imap_mailbox)

    assert Case.objects.count() == 1
    case.refresh_from_db()
    assert case.status.category == "open"
    bodies = list(
        Interaction.objects.filter(regarding_type="service.case", regarding_id=case.pk)
        .order_by("id")
        .values_list("body", flat=True)
    )
    assert bodies == ["Bom dia, a máquina não liga desde ontem.", "Segue a foto da etiqueta."]


def test_attachments_are_stored_with_the_message(dovecot: Dovecot, imap_mailbox: Mailbox) -> None:
    photo = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    dovecot.append(
        mail(
            attachments=[
                ("etiqueta.png", photo, "image/png"),
                ("nota.pdf", b"%PDF-1.4 nota", "application/pdf"),
            ]
        )
    )
    poll(imap_mailbox)

    files = Attachment.objects.order_by("filename")
    assert [(f.filename, f.content_type, f.size) for f in files] == [
        ("etiqueta.png", "image/png", len(photo)),
        ("nota.pdf", "application/pdf", 13),
    ]
    with files[0].file.open("rb") as handle:
        assert handle.read() == photo


def test_an_automatic_reply_is_recorded_but_opens_and_moves_no_case(
    dovecot: Dovecot, imap_mailbox: Mailbox
) -> None:
    case = waiting_case(dovecot, imap_mailbox)
    dovecot.append(
        mail(
            subject="Out of Office: Re: Máquina de lavar não liga",
            body="Estou de férias até segunda.",
            in_reply_to="<first@exemplo.com.br>",
        ),
        mail(
            sender="Carla <carla@exemplo.com.br>",
            subject="Resposta automática",
            headers={"Auto-Submitted": "auto-replied"},
        ),
    )
    result = poll(imap_mailbox)

    assert result.kinds == {"auto_reply": 2}
    assert Case.objects.count() == 1
    case.refresh_from_db()
    assert case.status.code == "waiting_customer"
    assert Interaction.objects.filter(direction="in").count() == 3
    assert set(MailMessage.objects.values_list("kind", flat=True)) == {"message", "auto_reply"}


def test_a_bounce_suppresses_the_address_and_opens_nothing(
    dovecot: Dovecot, imap_mailbox: Mailbox
) -> None:
    party = PartyFactory(name="Davi Rocha")
    ContactPointFactory(party=party, kind="email", value="davi@exemplo.com.br")
    dovecot.append(bounce("davi@exemplo.com.br"), bounce("eva@exemplo.com.br", status="4.2.2"))
    result = poll(imap_mailbox)

    assert result.kinds == {"bounce": 2}
    entry = Suppression.objects.get()
    assert (entry.address, entry.reason, entry.party_id) == (
        "davi@exemplo.com.br",
        "hard_bounce",
        party.pk,
    )
    assert not Interaction.objects.exists() and not Case.objects.exists()
    assert Party.objects.count() == 1  # no suspect for the mailer daemon
    temporary = MailMessage.objects.get(bounced_address="")
    assert "4.2.2" in temporary.note


def test_polling_again_changes_nothing_even_after_the_folder_is_renumbered(
    dovecot: Dovecot, imap_mailbox: Mailbox
) -> None:
    dovecot.append(mail(), mail(message_id=None, subject="Sem Message-ID"), bounce("x@y.com"))
    assert poll(imap_mailbox).taken_in == 3
    counts = (Interaction.objects.count(), Case.objects.count(), MailMessage.objects.count())

    assert poll(imap_mailbox).taken_in == 0
    # the server renumbered the folder (a restore, a migration): everything is read again,
    # and every message is recognised by its Message-ID or, without one, its headers
    Mailbox.objects.filter(pk=imap_mailbox.pk).update(uidvalidity=1)
    again = poll(imap_mailbox)

    assert (again.taken_in, again.skipped) == (0, 3)
    assert counts == (
        Interaction.objects.count(),
        Case.objects.count(),
        MailMessage.objects.count(),
    )
    assert ContactPoint.objects.filter(kind="email").count() == 1


def test_a_wrong_password_is_kept_as_the_mailbox_error(
    dovecot: Dovecot, imap_mailbox: Mailbox
) -> None:
    Mailbox.objects.filter(pk=imap_mailbox.pk).update(password="wrong")
    result = mailbox_poll(actor=None, mailbox_id=imap_mailbox.pk)

    imap_mailbox.refresh_from_db()
    assert result.error and "authentication failed" in imap_mailbox.last_error.lower()
    assert imap_mailbox.last_error_at is not None
