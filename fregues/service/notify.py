"""How proactive notices reach the customer: one sender per channel, chosen in settings.

E-mail goes through Django's e-mail backend. SMS and WhatsApp go through whatever sender a
deployment plugs in (``FREGUES_SMS_SENDER`` / ``FREGUES_WHATSAPP_SENDER``: a dotted path to a
class with ``send``); the default records the notice without delivering it.
"""

from __future__ import annotations

import logging
import uuid
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


class Sender(Protocol):
    def send(self, *, to: str, subject: str, body: str) -> str:
        """Deliver the message; return the channel's message id."""
        ...


class EmailSender:
    def send(self, *, to: str, subject: str, body: str) -> str:
        message_id = f"<{uuid.uuid4()}@fregues>"
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=False)
        return message_id


class OutboxOnlySender:
    """Records the notice without delivering it (no SMS/WhatsApp provider configured)."""

    def send(self, *, to: str, subject: str, body: str) -> str:
        log.warning("No sender configured: notice to %s recorded, not delivered", to)
        return f"undelivered-{uuid.uuid4()}"


def sender_for(channel: str) -> Sender:
    path = settings.NOTICE_SENDERS.get(channel) or "fregues.service.notify.OutboxOnlySender"
    return import_string(path)()
