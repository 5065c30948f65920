"""The channels at a glance: every mailbox and every SMS/WhatsApp provider with its state, for
the administrator's "is anything broken?" (``GET /api/v1/channels``).

States: ``inactive`` (switched off), ``error`` (a mailbox whose last poll failed; a provider
whose last outbound message failed), ``never_polled`` (a mailbox not read yet), ``ok``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.utils import timezone

from fregues.core.permissions import require

from .models import Mailbox, MessageProvider, ProviderMessage


def _midnight() -> Any:
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)


def _mailbox_state(box: Mailbox) -> str:
    if not box.is_active:
        return "inactive"
    if box.last_error:
        return "error"
    if box.last_polled_at is None:
        return "never_polled"
    return "ok"


def channel_overview(*, actor: Any) -> dict[str, list[dict[str, Any]]]:
    """Mailboxes and providers with their state, last activity and messages today (3 queries)."""
    require(actor, "channel.configure")
    midnight = _midnight()
    mailboxes = [
        {
            "id": box.pk,
            "name": box.name,
            "kind": "imap",
            "address": box.reply_from or box.username,
            "is_active": box.is_active,
            "state": _mailbox_state(box),
            "last_activity_at": box.last_polled_at,
            "last_error": box.last_error,
            "messages_today": box.messages_today,
            "url": f"/channels/mailboxes/{box.pk}/",
        }
        for box in Mailbox.objects.annotate(
            messages_today=Count("messages", filter=Q(messages__received_at__gte=midnight))
        ).order_by("name")
    ]
    last_out = ProviderMessage.objects.filter(provider=OuterRef("pk"), direction="out").order_by(
        "-created_at", "-id"
    )
    providers = []
    for p in MessageProvider.objects.annotate(
        messages_today=Count("messages", filter=Q(messages__created_at__gte=midnight)),
        last_message_at=Max("messages__created_at"),
        last_out_status=Subquery(last_out.values("status")[:1]),
        last_out_error=Subquery(last_out.values("error_code")[:1]),
    ).order_by("name", "id"):
        failed = p.last_out_status == "failed"
        providers.append(
            {
                "id": p.pk,
                "name": p.name,
                "kind": p.kind,
                "channel": p.channel,
                "address": p.phone_number or p.phone_number_id,
                "is_active": p.is_active,
                "state": "inactive" if not p.is_active else ("error" if failed else "ok"),
                "last_activity_at": p.last_message_at,
                "last_error": (p.last_out_error or "failed") if failed else "",
                "messages_today": p.messages_today,
                "url": "/channels/providers/",
            }
        )
    return {"mailboxes": mailboxes, "providers": providers}
