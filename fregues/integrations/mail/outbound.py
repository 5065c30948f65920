"""E-mail out: an agent's reply on a case, sent through SMTP from the case's mailbox with the
thread's headers, and kept as an outbound e-mail interaction on the case — so the customer's
answer threads back onto the same case (its In-Reply-To names our Message-ID).

Like every sender it asks the one sending check first (``send_verdict``, decision 5): a
suppressed address (a hard bounce) is refused with the reason, and nothing is sent or recorded.
The interaction is written and the message sent in one transaction: an SMTP failure rolls the
record back, so the timeline never shows a reply the customer did not get.
"""

from __future__ import annotations

import smtplib
from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils.translation import gettext as _

from fregues.core.errors import Conflict, Invalid, NotFound
from fregues.core.permissions import require
from fregues.interactions.models import Interaction
from fregues.service.models import Case
from fregues.service.services import case_contact_record
from fregues.service.services.sending import reason_label, send_verdict

from ..models import Mailbox, MailMessage
from .ingest import CASE_REGARDING

BODY_MAX_CHARS = 20_000
PURPOSE = "service_notices"


def _connection(mailbox: Mailbox | None) -> BaseEmailBackend:
    """The mailbox's own SMTP server when it has one, else the deployment's EMAIL_* settings."""
    if mailbox is None or not mailbox.smtp_host:
        return get_connection()
    return get_connection(
        "django.core.mail.backends.smtp.EmailBackend",
        host=mailbox.smtp_host,
        port=mailbox.smtp_port,
        username=mailbox.smtp_username or None,
        password=mailbox.smtp_password or None,
        use_tls=mailbox.smtp_security == "starttls",
        use_ssl=mailbox.smtp_security == "ssl",
        timeout=30,
    )


def _last_inbound(case: Case) -> Interaction | None:
    return (
        Interaction.objects.filter(
            regarding_type=CASE_REGARDING, regarding_id=case.pk, channel="email", direction="in"
        )
        .exclude(external_id="")
        .order_by("-occurred_at", "-id")
        .first()
    )


def _mailbox_of(inbound: Interaction | None, mailbox_id: int | None) -> Mailbox | None:
    if mailbox_id:
        return Mailbox.objects.filter(pk=mailbox_id).first()
    if inbound is not None:
        taken = MailMessage.objects.filter(interaction=inbound).select_related("mailbox").first()
        if taken is not None:
            return taken.mailbox
    return Mailbox.objects.filter(is_active=True).exclude(reply_from="").order_by("id").first()


def mail_reply_send(
    *, actor: Any, protocol: str, body: str, mailbox_id: int | None = None
) -> Interaction:
    """Answer the customer of a case by e-mail, on the thread of their last message."""
    require(actor, "interaction.create")
    body = (body or "").strip()
    if not body:
        raise Invalid.field("body", _("Write your message."))
    if len(body) > BODY_MAX_CHARS:
        raise Invalid.field("body", _("At most %(n)s characters.") % {"n": BODY_MAX_CHARS})
    case = Case.objects.select_related("party").filter(protocol=protocol).first()
    if case is None:
        raise NotFound(_("Case %(p)s does not exist.") % {"p": protocol})
    inbound = _last_inbound(case)
    mailbox = _mailbox_of(inbound, mailbox_id)
    if mailbox_id and mailbox is None:
        raise Invalid.field("mailbox_id", _("Mailbox %(id)s does not exist.") % {"id": mailbox_id})
    party_id = inbound.party_id if inbound is not None else case.party_id
    verdict = send_verdict(
        party_id=party_id,
        purpose=PURPOSE,
        channel="email",
        marketing=False,
        address=inbound.channel_address if inbound is not None else "",
        if_unknown=True,
        urgent=True,
    )
    if not verdict.allowed:
        raise Conflict(
            _("This customer cannot be e-mailed: %(r)s.") % {"r": reason_label(verdict.reason)},
            code=verdict.reason,
        )
    sender = (mailbox.reply_from if mailbox else "") or settings.DEFAULT_FROM_EMAIL
    message_id = make_msgid(domain=sender.rpartition("@")[2] or "fregues")
    headers = {"Message-ID": message_id}
    subject = (inbound.subject if inbound is not None else "") or case.subject
    if inbound is not None:
        headers["In-Reply-To"] = inbound.external_id
        headers["References"] = inbound.external_id
        if not subject.lower().startswith("re:"):
            subject = f"Re: {subject}"
    subject = f"{subject} [{case.protocol}]" if case.protocol not in subject else subject
    with transaction.atomic():
        recorded = case_contact_record(
            actor=actor,
            protocol=case.protocol,
            data={
                "channel": "email",
                "direction": "out",
                "subject": subject[:300],
                "body": body,
                "external_id": message_id[:200],
            },
            party_id=party_id,
            address=verdict.address,
        )
        message = EmailMessage(
            subject=subject,
            body=body,
            from_email=sender,
            to=[verdict.address],
            headers=headers,
            connection=_connection(mailbox),
        )
        try:
            message.send(fail_silently=False)
        except (smtplib.SMTPException, OSError) as exc:
            raise Conflict(
                _("The e-mail server refused the message: %(e)s") % {"e": exc}, code="smtp_error"
            ) from exc
    return recorded
