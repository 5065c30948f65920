"""SMS and WhatsApp in: webhooks verified by signature, messages recorded once, statuses kept.

A webhook is checked against the secret of the provider it claims to come from before anything
is read into the database: a bad or missing signature is a 403 and nothing is written. Each
message is then handled in its own transaction, idempotent by the provider's message id, so a
provider that retries a whole batch after a timeout changes nothing the second time.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record
from fregues.core.errors import Forbidden
from fregues.core.events import event_emit
from fregues.interactions.models import Interaction
from fregues.interactions.services import interaction_link, interaction_record
from fregues.service.models import Case
from fregues.service.services import case_open
from fregues.service.services.cases import transition_apply
from fregues.service.services.common import CASE_REGARDING
from fregues.service.services.notices import case_notice_delivery
from fregues.service.services.replies import move_out_of_waiting

from ..models import MessageProvider, MessageStatus, MessageStatusEvent, ProviderMessage
from .payloads import Inbound, StatusUpdate, twilio_parse, whatsapp_parse
from .signing import twilio_valid, whatsapp_valid

# Where each message channel lands on the timeline: (interaction channel, network).
TIMELINE_CHANNEL = {"sms": ("sms", ""), "whatsapp": ("social", "whatsapp")}
# How far a message has gone: a late callback never moves it back ("failed" is final).
STATUS_RANK = {"received": 0, "queued": 1, "sent": 2, "delivered": 3, "read": 4, "failed": 9}
SUBJECT_CHARS = 80


@dataclass
class WebhookResult:
    """What one webhook did: messages recorded, repeats ignored, statuses applied."""

    received: int = 0
    repeated: int = 0
    statuses: int = 0
    ignored: int = 0


def _forbidden() -> Forbidden:
    return Forbidden(_("The webhook's signature is missing or wrong."), code="bad_signature")


def twilio_verified(*, url: str, params: list[tuple[str, str]], signature: str) -> MessageProvider:
    """The active Twilio provider whose auth token signed this request, or Forbidden."""
    account = next((v for k, v in params if k == "AccountSid"), "")
    candidates = MessageProvider.objects.filter(kind=MessageProvider.Kind.TWILIO, is_active=True)
    if account:
        candidates = candidates.filter(account_sid=account)
    for provider in candidates.order_by("id"):
        if twilio_valid(provider.auth_token, url, params, signature):
            return provider
    raise _forbidden()


def whatsapp_verified(*, body: bytes, signature: str) -> list[MessageProvider]:
    """The active WhatsApp Cloud providers sharing the app secret that signed ``body``."""
    providers = list(
        MessageProvider.objects.filter(
            kind=MessageProvider.Kind.WHATSAPP_CLOUD, is_active=True
        ).order_by("id")
    )
    signed = [p for p in providers if whatsapp_valid(p.app_secret, body, signature)]
    if not signed:
        raise _forbidden()
    return signed


def twilio_webhook_receive(
    *, url: str, params: list[tuple[str, str]], signature: str
) -> WebhookResult:
    """A Twilio webhook (inbound message or status callback), once its signature checks."""
    provider = twilio_verified(url=url, params=params, signature=signature)
    item = twilio_parse(dict(params))
    return _apply([provider], [item] if item is not None else [])


def whatsapp_webhook_receive(
    *, body: bytes, payload: dict[str, Any], signature: str
) -> WebhookResult:
    """A WhatsApp Cloud API webhook batch, once its signature checks."""
    providers = whatsapp_verified(body=body, signature=signature)
    return _apply(providers, whatsapp_parse(payload))


def whatsapp_handshake(*, mode: str, verify_token: str) -> bool:
    """Meta's subscription check: whether ``verify_token`` is one of our providers'."""
    if mode != "subscribe" or not verify_token:
        return False
    return MessageProvider.objects.filter(
        kind=MessageProvider.Kind.WHATSAPP_CLOUD, is_active=True, verify_token=verify_token
    ).exists()


def _route(providers: list[MessageProvider], recipient: str) -> MessageProvider:
    """The provider a message was for: the one with its number (or number id), else the first."""
    for provider in providers:
        if recipient and recipient in (provider.phone_number, provider.phone_number_id):
            return provider
    return providers[0]


def _apply(
    providers: list[MessageProvider], items: Iterable[Inbound | StatusUpdate]
) -> WebhookResult:
    result = WebhookResult()
    for item in items:
        provider = _route(providers, item.recipient)
        if isinstance(item, Inbound):
            _message, created = message_receive(actor=None, provider=provider, inbound=item)
            if created:
                result.received += 1
            else:
                result.repeated += 1
        elif message_status_record(actor=None, provider=provider, update=item):
            result.statuses += 1
        else:
            result.ignored += 1
    return result


def _excerpt(text: str, size: int = SUBJECT_CHARS) -> str:
    line = " ".join((text or "").split())
    return line if len(line) <= size else line[: size - 1] + "…"


def _media_lines(media: list[dict[str, str]]) -> str:
    return "\n".join(
        f"[{m.get('type') or m.get('content_type') or 'media'}] {m.get('url') or m.get('id', '')}"
        for m in media
    )


def message_receive(
    *, actor: Any, provider: MessageProvider, inbound: Inbound
) -> tuple[ProviderMessage, bool]:
    """Record one message a customer sent, once: the sender resolved to a party by phone (a
    suspect when unknown; the same number on SMS and WhatsApp is one party), an inbound
    interaction on the timeline (media as references the provider serves), and the message
    joined to the customer's open conversation case when the provider has a case type.

    Returns ``(message, created)``; a message already received returns ``created=False``.
    """
    existing = ProviderMessage.objects.filter(
        provider=provider, provider_message_id=inbound.message_id
    ).first()
    if existing is not None:
        return existing, False
    channel, network = TIMELINE_CHANNEL[inbound.channel]
    body = "\n".join(part for part in (inbound.body, _media_lines(inbound.media)) if part)
    subject = _excerpt(inbound.body) or _("%(channel)s message") % {
        "channel": MessageProvider.Channel(inbound.channel).label
    }
    try:
        with transaction.atomic():
            recorded = interaction_record(
                actor=actor,
                data={
                    "channel": channel,
                    "network": network,
                    "direction": "in",
                    "occurred_at": min(inbound.occurred_at or timezone.now(), timezone.now()),
                    "subject": subject,
                    "body": body,
                    "external_id": inbound.message_id,
                },
                address=inbound.sender,
                name=inbound.name,
            )
            message = ProviderMessage.objects.create(
                provider=provider,
                provider_message_id=inbound.message_id,
                direction="in",
                channel=inbound.channel,
                address=inbound.sender[:40],
                interaction=recorded.interaction,
                status=MessageStatus.RECEIVED,
                media=inbound.media,
            )
            audit_record(
                actor=actor,
                action="create",
                instance=message,
                party_id=recorded.interaction.party_id,
                summary=f"{inbound.channel} in via {provider.name}: {subject}"[:300],
            )
            if provider.case_type_id and recorded.created:
                _join_conversation(actor, provider, recorded.interaction)
            event_emit(
                "message.received",
                {
                    "message_id": message.pk,
                    "interaction_id": recorded.interaction.pk,
                    "party_id": recorded.interaction.party_id,
                    "channel": inbound.channel,
                },
            )
    except IntegrityError:  # the same message delivered twice at the same moment
        return (
            ProviderMessage.objects.get(provider=provider, provider_message_id=inbound.message_id),
            False,
        )
    return message, True


def _join_conversation(actor: Any, provider: MessageProvider, interaction: Interaction) -> Case:
    """One case, not two: the message joins the customer's open case of the provider's type
    (taking it out of waiting on the customer), or opens one."""
    case = (
        Case.objects.filter(
            party_id=interaction.party_id, case_type_id=provider.case_type_id, is_open=True
        )
        .select_related("status")
        .order_by("-created_at", "-id")
        .first()
    )
    if case is None:
        return case_open(
            actor=actor,
            party_id=interaction.party_id,
            case_type=provider.case_type_id,  # type: ignore[arg-type]
            subject=interaction.subject or _excerpt(interaction.body),
            description=interaction.body,
            channel=interaction.channel,
            queue_id=provider.queue_id,
            interaction_id=interaction.pk,
            notify=False,
        ).case
    interaction_link(
        actor=actor,
        interaction_id=interaction.pk,
        regarding_type=CASE_REGARDING,
        regarding_id=case.pk,
    )
    move = move_out_of_waiting(case)
    if move is not None:
        transition_apply(
            actor=actor,
            protocol=case.protocol,
            to_status=move.to_status.code,
            comment=_("The customer answered."),
        )
    return case


def message_status_record(*, actor: Any, provider: MessageProvider, update: StatusUpdate) -> bool:
    """Apply a delivery-status callback to the message it is about; False when we do not know
    the message (sent outside Freguês) or already had that status. A permanent failure shows on
    the message's interaction (its outcome) with the provider's error code."""
    with transaction.atomic():
        message = (
            ProviderMessage.objects.select_for_update()
            .filter(provider=provider, provider_message_id=update.message_id)
            .first()
        )
        if message is None or message.history.filter(status=update.status).exists():
            return False
        MessageStatusEvent.objects.create(
            message=message,
            status=update.status,
            error_code=update.error_code[:40],
            occurred_at=update.occurred_at or timezone.now(),
        )
        before = message.status
        if STATUS_RANK.get(update.status, 0) > STATUS_RANK.get(before, 0):
            message.status = update.status
            if update.status == MessageStatus.FAILED:
                message.error_code = update.error_code[:40]
            message.save(update_fields=["status", "error_code", "updated_at"])
        if message.direction == "out" and message.status != before:
            _notice_delivery(message)
        party_id = None
        if message.interaction_id:
            interaction = Interaction.objects.filter(pk=message.interaction_id).first()
            party_id = interaction.party_id if interaction else None
            if interaction is not None and message.status != before:
                outcome = message.status
                if message.status == MessageStatus.FAILED and message.error_code:
                    outcome = f"failed: {message.error_code}"
                Interaction.objects.filter(pk=interaction.pk).update(outcome=outcome[:60])
        audit_record(
            actor=actor,
            action="update",
            instance=message,
            party_id=party_id,
            summary=f"{message.channel} {message.provider_message_id}: {update.status}"[:300],
            changes={"status": [before, message.status]},
        )
        event_emit(
            "message.status_changed",
            {"message_id": message.pk, "status": message.status, "error_code": message.error_code},
        )
    return True


def _notice_delivery(message: ProviderMessage) -> None:
    """A case notice went out as this message (the sender knew only its id; the case's notice
    event names it): the event keeps the delivery status, and the message is linked to the
    notice's interaction so its outcome on the timeline follows too."""
    interaction_id = case_notice_delivery(
        message_id=message.provider_message_id, status=message.status
    )
    if interaction_id and message.interaction_id is None:
        message.interaction_id = interaction_id
        message.save(update_fields=["interaction", "updated_at"])


def whatsapp_window_open(party_id: int, now: datetime.datetime | None = None) -> bool:
    """Whether the customer wrote on WhatsApp in the last 24 hours (Meta's customer-service
    window, inside which free text may be sent; outside it only approved templates)."""
    since = (now or timezone.now()) - datetime.timedelta(hours=24)
    return Interaction.objects.filter(
        party_id=party_id,
        channel="social",
        network="whatsapp",
        direction="in",
        occurred_at__gte=since,
    ).exists()
