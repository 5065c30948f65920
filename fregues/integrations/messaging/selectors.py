"""Reads on SMS/WhatsApp providers and their messages."""

from __future__ import annotations

from typing import Any

from fregues.core.errors import NotFound
from fregues.core.permissions import require

from ..models import MessageProvider, ProviderMessage


def provider_list(*, actor: Any) -> list[MessageProvider]:
    require(actor, "channel.configure")
    return list(MessageProvider.objects.select_related("case_type", "queue").order_by("name", "id"))


def provider_get(*, actor: Any, provider_id: int) -> MessageProvider:
    require(actor, "channel.configure")
    provider = (
        MessageProvider.objects.select_related("case_type", "queue").filter(pk=provider_id).first()
    )
    if provider is None:
        raise NotFound(f"Message provider {provider_id} does not exist.")
    return provider


def provider_for_channel(channel: str) -> MessageProvider | None:
    """The active provider that sends on ``channel`` (sms / whatsapp): the oldest one."""
    return MessageProvider.objects.filter(channel=channel, is_active=True).order_by("id").first()


def provider_message_for_interactions(interaction_ids: list[int]) -> dict[int, ProviderMessage]:
    """The provider message behind each interaction (its delivery status), by interaction id."""
    if not interaction_ids:
        return {}
    return {
        m.interaction_id: m
        for m in ProviderMessage.objects.filter(interaction_id__in=interaction_ids)
        if m.interaction_id
    }
