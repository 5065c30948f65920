"""What happens after a message is sent: the customer unsubscribes (one click, RFC 8058),
clicks a link (counted, then redirected to the stored address only), or the mail server
reports a bounce.

Addresses that go out in messages carry tokens signed with ``django.core.signing`` (one salt
per use), holding the recipient's id (and the link's): nobody can forge one for another
customer, and a click can only lead where the campaign's text pointed.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record
from fregues.core.errors import Invalid, NotFound
from fregues.core.permissions import require
from fregues.parties.services import consent_record, suppression_add

from ..models import CampaignLink, CampaignRecipient, RecipientStatus

UNSUBSCRIBE_SALT = "fregues.marketing.unsubscribe"
CLICK_SALT = "fregues.marketing.click"


def unsubscribe_token(recipient_id: int) -> str:
    return signing.dumps(recipient_id, salt=UNSUBSCRIBE_SALT, compress=True)


def click_token(recipient_id: int, link_id: int) -> str:
    return signing.dumps([recipient_id, link_id], salt=CLICK_SALT, compress=True)


def unsubscribe_url(recipient_id: int) -> str:
    return f"{settings.PUBLIC_BASE_URL}/m/u/{unsubscribe_token(recipient_id)}"


def click_url(recipient_id: int, link_id: int) -> str:
    return f"{settings.PUBLIC_BASE_URL}/m/c/{click_token(recipient_id, link_id)}"


def unsubscribe_mailto(recipient_id: int) -> str:
    """The ``mailto:`` half of ``List-Unsubscribe`` (for clients that only send mail)."""
    address = getattr(settings, "MARKETING_UNSUBSCRIBE_ADDRESS", "") or (
        "unsubscribe@" + settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >")
    )
    return f"mailto:{address}?subject=unsubscribe-{unsubscribe_token(recipient_id)}"


def recipient_from_token(token: str) -> CampaignRecipient | None:
    """The recipient an unsubscribe token names, or None when it was tampered with."""
    try:
        recipient_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(recipient_id, int):
        return None
    return (
        CampaignRecipient.objects.select_related("campaign", "campaign__purpose", "party")
        .filter(pk=recipient_id)
        .first()
    )


def campaign_unsubscribe(*, token: str) -> CampaignRecipient:
    """The customer asked for no more of these messages: a withdrawal for the campaign's
    purpose and channel lands in the consent ledger (source "email"), the address goes on the
    suppression list (reason unsubscribe) and the recipient is marked. Idempotent: a second
    click changes nothing."""
    recipient = recipient_from_token(token)
    if recipient is None:
        raise NotFound(_("This unsubscribe link is not valid."))
    campaign = recipient.campaign
    kind = "email" if campaign.channel == "email" else "phone"
    with transaction.atomic():
        consent_record(
            actor=None,
            party_id=recipient.party_id,
            purpose=campaign.purpose.code,
            granted=False,
            source="email",
            channel=campaign.channel
            if campaign.channel in (campaign.purpose.channels or [])
            else "",
            note=_("Unsubscribed from the campaign %(name)s") % {"name": campaign.name},
            external_id=f"campaign-unsubscribe-{recipient.pk}",
        )
        if recipient.address:
            suppression_add(
                actor=None,
                kind=kind,
                address=recipient.address,
                reason="unsubscribe",
                source=f"campaign:{campaign.pk}",
                party_id=recipient.party_id,
            )
        if recipient.unsubscribed_at is None:
            recipient.unsubscribed_at = timezone.now()
            recipient.save(update_fields=["unsubscribed_at"])
            audit_record(
                actor=None,
                action="update",
                instance=campaign,
                party_id=recipient.party_id,
                summary=_("Unsubscribed from the campaign %(name)s") % {"name": campaign.name},
            )
    return recipient


def campaign_click(*, token: str) -> str:
    """Count a click and answer the address to redirect to (only the campaign's stored link:
    a forged or altered token is a 404, never a redirect elsewhere)."""
    try:
        value = signing.loads(token, salt=CLICK_SALT)
    except signing.BadSignature as exc:
        raise NotFound(_("This link is not valid.")) from exc
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value)):
        raise NotFound(_("This link is not valid."))
    recipient_id, link_id = value
    recipient = CampaignRecipient.objects.filter(pk=recipient_id).only("campaign_id").first()
    link = CampaignLink.objects.filter(pk=link_id).first()
    if recipient is None or link is None or link.campaign_id != recipient.campaign_id:
        raise NotFound(_("This link is not valid."))
    now = timezone.now()
    CampaignRecipient.objects.filter(pk=recipient_id).update(clicks=F("clicks") + 1)
    CampaignRecipient.objects.filter(pk=recipient_id, first_clicked_at__isnull=True).update(
        first_clicked_at=now
    )
    return link.url


def campaign_bounce(
    *,
    actor: Any,
    message_id: str = "",
    recipient_id: int | None = None,
    hard: bool = True,
    detail: str = "",
) -> CampaignRecipient:
    """A message came back. Marks the recipient bounced; a hard bounce also puts the address
    on the suppression list, so no sender tries it again. Idempotent."""
    require(actor, "campaign.send")
    message_id = (message_id or "").strip()
    if not message_id and not recipient_id:
        raise Invalid.field("message_id", _("Give the message id or the recipient id."))
    found = CampaignRecipient.objects.select_related("campaign")
    if recipient_id:
        recipient = found.filter(pk=recipient_id).first()
    else:
        bare = message_id.strip("<>")
        recipient = found.filter(message_id__in=[message_id, f"<{bare}>", bare]).first()
    if recipient is None:
        raise NotFound(_("No campaign message matches."))
    if recipient.status not in (RecipientStatus.SENT, RecipientStatus.BOUNCED):
        raise Invalid.field("message_id", _("That message was not sent."))
    kind = "email" if recipient.campaign.channel == "email" else "phone"
    with transaction.atomic():
        if recipient.status != RecipientStatus.BOUNCED:
            recipient.status = RecipientStatus.BOUNCED
            recipient.bounced_at = timezone.now()
            recipient.error = (detail or (_("hard bounce") if hard else _("soft bounce")))[:300]
            recipient.save(update_fields=["status", "bounced_at", "error"])
            audit_record(
                actor=actor,
                action="update",
                instance=recipient.campaign,
                party_id=recipient.party_id,
                summary=_("Message of the campaign %(name)s bounced")
                % {"name": recipient.campaign.name},
            )
        if hard and recipient.address:
            suppression_add(
                actor=None,
                kind=kind,
                address=recipient.address,
                reason="hard_bounce",
                source=f"campaign:{recipient.campaign_id}",
                party_id=recipient.party_id,
            )
    return recipient
