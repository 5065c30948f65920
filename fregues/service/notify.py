"""How proactive notices reach the customer: one sender per channel, chosen in settings.

E-mail goes through Django's e-mail backend. SMS and WhatsApp go through whatever sender a
deployment plugs in (``FREGUES_SMS_SENDER`` / ``FREGUES_WHATSAPP_SENDER``: a dotted path to a
class with ``send``, which may take an ``idempotency_key``: the notice's key, the same when it is
sent again); the default records the notice without delivering it.
"""

from __future__ import annotations

import inspect
import logging
import uuid
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


class Sender(Protocol):
    def send(self, *, to: str, subject: str, body: str) -> str:
        """Deliver the message; return the channel's message id."""
        ...


class EmailSender:
    def send(self, *, to: str, subject: str, body: str, idempotency_key: str = "") -> str:
        """A notice sent again (its worker died before recording it) keeps its Message-ID,
        by which mail systems recognise the same message."""
        message_id = f"<{idempotency_key or uuid.uuid4()}@fregues>"
        headers = {"Message-ID": message_id} if idempotency_key else {}
        EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [to], headers=headers).send()
        return message_id


class OutboxOnlySender:
    """Records the notice without delivering it (no SMS/WhatsApp provider configured)."""

    def send(self, *, to: str, subject: str, body: str) -> str:
        log.warning("No sender configured: notice to %s recorded, not delivered", to)
        return f"undelivered-{uuid.uuid4()}"


def send_once(sender: Sender, *, key: str, to: str, subject: str, body: str) -> str:
    """Send through ``sender``, giving it ``key`` as idempotency key when it takes one (a
    provider that honours it delivers a message sent again with the same key only once)."""
    if "idempotency_key" in inspect.signature(sender.send).parameters:
        return sender.send(to=to, subject=subject, body=body, idempotency_key=key)  # type: ignore[call-arg]
    return sender.send(to=to, subject=subject, body=body)


def sender_for(channel: str) -> Sender:
    path = settings.NOTICE_SENDERS.get(channel) or "fregues.service.notify.OutboxOnlySender"
    return import_string(path)()
