"""E-mail out: an agent's reply on a case goes from the mailbox's address, on the customer's
thread, is kept on the case, and the customer's answer to it threads back onto the same case;
a bounced address is refused and nothing is sent or kept."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail as outbox
from django.utils import translation

from fregues.core.errors import Conflict
from fregues.interactions.models import Interaction
from fregues.parties.services.suppression import suppression_add
from fregues.service.models import Case, CaseType

from ..mail.ingest import mail_ingest
from ..mail.outbound import mail_reply_send
from ..models import Mailbox
from .mail_support import mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailbox(settings: Any) -> Mailbox:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return Mailbox.objects.create(
        name="Suporte",
        imap_host="imap.exemplo.com.br",
        username="suporte",
        reply_from="suporte@loja.exemplo.com.br",
        case_type=CaseType.objects.get(code="technical-assistance"),
    )


def take_in(mailbox: Mailbox, uid: int, raw: bytes) -> Any:
    return mail_ingest(actor=None, mailbox_id=mailbox.pk, uid=uid, uidvalidity=1, raw=raw)


def test_a_reply_goes_on_the_thread_and_the_answer_comes_back_to_the_case(
    mailbox: Mailbox, agent: Any
) -> None:
    take_in(mailbox, 1, mail(message_id="<q1@exemplo.com.br>"))
    case = Case.objects.get()
    outbox.outbox.clear()

    sent = mail_reply_send(actor=agent, protocol=case.protocol, body="Vamos enviar um técnico.")

    assert len(outbox.outbox) == 1
    message = outbox.outbox[0]
    assert message.to == ["ana.souza@exemplo.com.br"]
    assert message.from_email == "suporte@loja.exemplo.com.br"
    assert message.extra_headers["In-Reply-To"] == "<q1@exemplo.com.br>"
    assert message.extra_headers["References"] == "<q1@exemplo.com.br>"
    assert message.subject == f"Re: Máquina de lavar não liga [{case.protocol}]"
    assert (sent.direction, sent.channel, sent.regarding_id) == ("out", "email", case.pk)
    assert sent.external_id == message.extra_headers["Message-ID"]

    take_in(
        mailbox,
        2,
        mail(subject=f"Re: {message.subject}", body="Obrigada!", in_reply_to=sent.external_id),
    )
    assert Case.objects.count() == 1
    assert Interaction.objects.filter(regarding_id=case.pk, body="Obrigada!").exists()


def test_a_bounced_address_is_refused_and_nothing_is_sent_or_kept(
    mailbox: Mailbox, agent: Any
) -> None:
    take_in(mailbox, 1, mail(message_id="<q2@exemplo.com.br>"))
    case = Case.objects.get()
    suppression_add(
        actor=None, kind="email", address="ana.souza@exemplo.com.br", reason="hard_bounce"
    )
    outbox.outbox.clear()
    before = Interaction.objects.count()

    with translation.override("en"), pytest.raises(Conflict) as refused:
        mail_reply_send(actor=agent, protocol=case.protocol, body="Vamos enviar um técnico.")

    assert "hard bounce" in str(refused.value.message).lower()
    assert outbox.outbox == [] and Interaction.objects.count() == before


def test_a_reply_goes_through_the_mailbox_s_own_smtp_server(mailbox: Mailbox, agent: Any) -> None:
    import email
    from email.policy import default as default_policy

    from aiosmtpd.controller import Controller

    from .mail_support import free_port

    received: list[bytes] = []

    class Sink:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received.append(bytes(envelope.original_content))
            return "250 Message accepted"

    port = free_port()
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        Mailbox.objects.filter(pk=mailbox.pk).update(
            smtp_host="127.0.0.1", smtp_port=port, smtp_security="none"
        )
        take_in(mailbox, 1, mail(message_id="<q3@exemplo.com.br>"))
        case = Case.objects.get()
        sent = mail_reply_send(actor=agent, protocol=case.protocol, body="Técnico amanhã.")
    finally:
        controller.stop()

    assert len(received) == 1
    message = email.message_from_bytes(received[0], policy=default_policy)
    assert message["In-Reply-To"] == "<q3@exemplo.com.br>"
    assert message["Message-ID"] == sent.external_id
    assert message["From"] == "suporte@loja.exemplo.com.br"
