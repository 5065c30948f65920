"""An agent answers a customer by SMS or WhatsApp from the inbox.

The answer asks the sending check first (the consent ledger and the suppression list: the
check every sender makes), keeps WhatsApp's rule that free text goes only inside the 24 hours
after the customer last wrote, goes out through the channel's configured sender, and lands on
the timeline as an outbound interaction carrying the provider's message id (and on the case,
when the conversation has one), so delivery statuses show on it.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.errors import Invalid, NotFound
from fregues.core.permissions import require
from fregues.interactions.models import Interaction
from fregues.interactions.services import interaction_record
from fregues.parties.models import Party
from fregues.service.models import Case
from fregues.service.notify import sender_for
from fregues.service.services.common import CASE_REGARDING
from fregues.service.services.notices import NOTICE_PURPOSE
from fregues.service.services.sending import send_verdict

from ..models import ProviderMessage
from .services import TIMELINE_CHANNEL, whatsapp_window_open

REPLY_CHANNELS = ("sms", "whatsapp")
SMS_MAX_CHARS = 1600  # Twilio's limit for one message body
WHATSAPP_MAX_CHARS = 4096


def conversation_reply(
    *, actor: Any, party_id: int, channel: str, body: str, case_id: int | None = None
) -> Interaction:
    """Send ``body`` to the customer on ``channel`` (sms / whatsapp) and record it."""
    require(actor, "interaction.create")
    body = (body or "").strip()
    if channel not in REPLY_CHANNELS:
        raise Invalid.field("channel", _("Reply by SMS or WhatsApp here."))
    if not body:
        raise Invalid.field("body", _("Write your message."))
    limit = SMS_MAX_CHARS if channel == "sms" else WHATSAPP_MAX_CHARS
    if len(body) > limit:
        raise Invalid.field("body", _("At most %(n)s characters.") % {"n": limit})
    party = Party.objects.filter(pk=party_id).first()
    if party is None:
        raise NotFound(f"Party {party_id} does not exist.")
    case = Case.objects.filter(pk=case_id, party_id=party.pk).first() if case_id else None
    if case_id and case is None:
        raise Invalid.field("case_id", _("This case is not the customer's."))
    if channel == "whatsapp" and not whatsapp_window_open(party.pk):
        raise Invalid(
            _(
                "The customer last wrote on WhatsApp more than 24 hours ago: WhatsApp allows "
                "only an approved template message now, not free text. Reply by SMS or e-mail."
            ),
            code="whatsapp_window_closed",
            errors={"body": [_("Outside WhatsApp's 24-hour window.")]},
        )
    verdict = send_verdict(
        party_id=party.pk,
        purpose=NOTICE_PURPOSE,
        channel=channel,
        marketing=False,
        if_unknown=True,
        urgent=True,  # the customer is waiting for this answer
    )
    if not verdict.allowed:
        raise Invalid(
            _("This customer cannot be sent a message on %(c)s: %(r)s.")
            % {"c": channel, "r": verdict.reason_text},
            code=verdict.reason,
            errors={"channel": [verdict.reason_text]},
        )
    message_id = sender_for(channel).send(to=verdict.address, subject="", body=body)
    timeline, network = TIMELINE_CHANNEL[channel]
    with transaction.atomic():
        recorded = interaction_record(
            actor=actor,
            data={
                "channel": timeline,
                "network": network,
                "direction": "out",
                "occurred_at": timezone.now(),
                "subject": body.splitlines()[0][:80],
                "body": body,
                "outcome": "queued",
                "external_id": message_id,
                "regarding_type": CASE_REGARDING if case else "",
                "regarding_id": case.pk if case else None,
            },
            party_id=party.pk,
            address=verdict.address,
        )
        ProviderMessage.objects.filter(provider_message_id=message_id, direction="out").update(
            interaction=recorded.interaction
        )
    return recorded.interaction
