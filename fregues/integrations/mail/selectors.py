"""Reading mailboxes and the messages they took in (admins)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.errors import NotFound
from fregues.core.permissions import require

from ..models import Mailbox, MailMessage


def mailbox_list(*, actor: Any) -> QuerySet[Mailbox]:
    """Every mailbox, with ``messages_today`` (taken in since midnight, local time)."""
    require(actor, "channel.configure")
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return Mailbox.objects.select_related("case_type").annotate(
        messages_today=Count("messages", filter=Q(messages__received_at__gte=midnight))
    )


def mailbox_get(*, actor: Any, mailbox_id: int) -> Mailbox:
    mailbox = mailbox_list(actor=actor).filter(pk=mailbox_id).first()
    if mailbox is None:
        raise NotFound(_("Mailbox %(id)s does not exist.") % {"id": mailbox_id})
    return mailbox


def mail_message_list(
    *, actor: Any, mailbox_id: int, since: datetime.datetime | None = None, limit: int = 50
) -> list[MailMessage]:
    """The mailbox's most recent messages, newest first: what each was and what it became."""
    mailbox_get(actor=actor, mailbox_id=mailbox_id)
    rows = MailMessage.objects.filter(mailbox_id=mailbox_id)
    if since is not None:
        rows = rows.filter(received_at__gte=since)
    return list(rows.order_by("-received_at", "-id")[: max(1, min(limit, 500))])
