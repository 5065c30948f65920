"""Sending a planned campaign: throttled slices, at most one message per customer.

A slice takes up to ``throttle_per_minute`` pending recipients; the task that runs it
enqueues the next one a minute after it started. For each recipient, in this order:

1. the one check every sender makes is asked again (``send_verdict``): a consent withdrawn or
   a complaint opened since planning skips them, with its reason;
2. the row is *claimed* (pending → sending) in its own committed statement;
   a customer outside their contact hours is held (``not_before``, still pending) and
   picked up by a later slice once their window opens;
3. the message goes to the mail server (or the SMS sender);
4. one transaction marks it sent (with the Message-ID) and records the outbound interaction
   on the customer's timeline (``regarding`` the campaign: the frequency cap counts it).

A worker killed between 2 and 4 leaves the row ``sending``: whether the server took it is
unknown, so on resume it becomes *failed* ("interrupted: delivery unknown") and is never
tried again — a customer may miss the message, never get it twice.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from fregues.interactions.services import interaction_record
from fregues.parties.models import Party
from fregues.service.notify import sender_for
from fregues.service.services.sending import MARKETING_REGARDING, send_verdict

from ..models import (
    Campaign,
    CampaignLink,
    CampaignMessage,
    CampaignRecipient,
    CampaignStatus,
    RecipientStatus,
)
from ..selectors.offers import preferred_product_name
from .campaign_planning import campaign_plan, message_language
from .campaign_templates import render_text, rewrite_links
from .campaign_tracking import click_url, unsubscribe_mailto, unsubscribe_url

INTERRUPTED = "interrupted: delivery unknown"
# A claim older than this belongs to a worker that died (a slice sends for about a minute).
STALE_CLAIM = datetime.timedelta(minutes=10)
TEST_PREFIX = "[TEST] "
# A campaign planned longer ago than this is planned again when it starts (each message is
# checked again right before it goes anyway).
REPLAN_AFTER = datetime.timedelta(minutes=10)


@dataclass
class SliceResult:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    held: int = 0  # outside the customer's contact hours: sent by a later slice
    more: bool = False
    finished: bool = False


# ---------------------------------------------------------------- composing


def preferred_product(campaign: Campaign, party_id: int | None) -> str:
    """``{{ preferred_product }}``: the customer's next-best offer when the offers selector
    knows one, else the campaign's product, else nothing."""
    if party_id is not None:
        name = preferred_product_name(party_id)
        if name:
            return name
    if campaign.offer_product_id:
        from fregues.sales.models import Product

        found = Product.objects.filter(pk=campaign.offer_product_id).values_list("name", flat=True)
        return next(iter(found), "")
    return ""


def context_for(campaign: Campaign, party: Party | None, unsubscribe: str) -> dict[str, Any]:
    """The only names a campaign text sees."""
    return {
        "first_name": party.first_name if party else "Maria",
        "name": party.name if party else "Maria Exemplo",
        "preferred_product": preferred_product(campaign, party.pk if party else None),
        "unsubscribe_url": unsubscribe,
    }


class Composer:
    """Renders one campaign for many recipients (texts and links loaded once)."""

    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign
        self.messages = {m.language: m for m in campaign.messages.all()}
        self.links: dict[str, int] = dict(
            CampaignLink.objects.filter(campaign=campaign).values_list("url", "id")
        )

    def message(self, language: str) -> CampaignMessage:
        chosen = message_language(language, set(self.messages), self.campaign.default_language)
        return self.messages[chosen]

    def _link_id(self, url: str) -> int:
        if url not in self.links:
            link, _created = CampaignLink.objects.get_or_create(
                campaign=self.campaign, url=url[:1000]
            )
            self.links[url] = link.pk
        return self.links[url]

    def compose(
        self, language: str, party: Party | None, recipient_id: int | None
    ) -> tuple[str, str]:
        """(subject, body) for a recipient; links tracked when there is one."""
        message = self.message(language)
        unsubscribe = (
            unsubscribe_url(recipient_id)
            if recipient_id
            else (f"{settings.PUBLIC_BASE_URL}/m/u/test")
        )
        context = context_for(self.campaign, party, unsubscribe)
        subject = render_text(message.subject, context).strip().replace("\n", " ")
        body = render_text(message.body, context)
        if recipient_id:
            base = f"{settings.PUBLIC_BASE_URL}/m/"
            body = rewrite_links(
                body,
                lambda url: click_url(recipient_id, self._link_id(url)),
                keep=(base,),
            )
        return subject, body


def _email(connection: Any, *, to: str, subject: str, body: str, recipient_id: int | None) -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "fregues"
    message_id = make_msgid(domain=domain)
    headers = {"Message-ID": message_id}
    if recipient_id:
        headers["List-Unsubscribe"] = (
            f"<{unsubscribe_url(recipient_id)}>, <{unsubscribe_mailto(recipient_id)}>"
        )
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    EmailMessage(
        subject, body, settings.DEFAULT_FROM_EMAIL, [to], headers=headers, connection=connection
    ).send(fail_silently=False)
    return message_id


def deliver_test(campaign: Campaign, *, to: str, language: str = "") -> str:
    """Send a [TEST] copy to ``to``, personalised for a sample member (the first planned
    recipient, else the first of the audience). Nothing is recorded on any timeline."""
    from .campaign_planning import _audience_ids

    sample_id = (
        CampaignRecipient.objects.filter(campaign=campaign).order_by("id")
        .values_list("party_id", flat=True).first()
    )  # fmt: skip
    if sample_id is None:
        ids = _audience_ids(campaign, limit=1)
        sample_id = ids[0] if ids else None
    party = Party.objects.filter(pk=sample_id).first() if sample_id else None
    composer = Composer(campaign)
    subject, body = composer.compose(
        language or (party.language if party else "") or campaign.default_language, party, None
    )
    if campaign.channel == "email":
        return _email(get_connection(), to=to, subject=TEST_PREFIX + subject, body=body,
                      recipient_id=None)  # fmt: skip
    return sender_for("sms").send(to=to, subject="", body=TEST_PREFIX + body)


# ---------------------------------------------------------------- starting and slices


def recover_interrupted(campaign_id: int, *, older_than: datetime.timedelta | None) -> int:
    """Mark the recipients a dead worker left claimed as failed (never sent again)."""
    rows = CampaignRecipient.objects.filter(campaign_id=campaign_id, status=RecipientStatus.SENDING)
    if older_than is not None:
        rows = rows.filter(claimed_at__lt=timezone.now() - older_than)
    return rows.update(status=RecipientStatus.FAILED, error=INTERRUPTED)


def campaigns_start_due(now: datetime.datetime | None = None) -> list[int]:
    """Start the scheduled campaigns that are due (planning again first when it was planned
    more than ``REPLAN_AFTER`` ago, so consents and complaints since then count); answer the ids whose sending must be enqueued,
    including campaigns still sending whose worker seems gone."""
    now = now or timezone.now()
    started: list[int] = []
    due = Campaign.objects.filter(status=CampaignStatus.SCHEDULED, scheduled_at__lte=now)
    for campaign_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            campaign = Campaign.objects.select_for_update().filter(pk=campaign_id).first()
            if campaign is None or campaign.status != CampaignStatus.SCHEDULED:
                continue
            fresh = campaign.planned_at and now - campaign.planned_at < REPLAN_AFTER
            if not fresh:  # scheduled a while ago: consents and complaints may have changed
                campaign_plan(actor=None, campaign_id=campaign.pk, now=now)
            Campaign.objects.filter(pk=campaign.pk).update(
                status=CampaignStatus.SENDING, started_at=now, version=campaign.version + 1
            )
        started.append(campaign_id)
    idle_since = now - datetime.timedelta(minutes=3)
    for campaign in Campaign.objects.filter(status=CampaignStatus.SENDING).exclude(pk__in=started):
        recent = CampaignRecipient.objects.filter(
            campaign=campaign, claimed_at__gte=idle_since
        ).exists()
        if not recent and (campaign.started_at or now) < idle_since:
            recover_interrupted(campaign.pk, older_than=STALE_CLAIM)
            started.append(campaign.pk)
    return started


def _finish_if_done(campaign_id: int) -> bool:
    open_rows = CampaignRecipient.objects.filter(
        campaign_id=campaign_id, status__in=(RecipientStatus.PENDING, RecipientStatus.SENDING)
    )
    if open_rows.exists():
        return False
    return bool(
        Campaign.objects.filter(pk=campaign_id, status=CampaignStatus.SENDING).update(
            status=CampaignStatus.SENT, finished_at=timezone.now()
        )
    )


def _still_sending(campaign_id: int) -> bool:
    return Campaign.objects.filter(pk=campaign_id, status=CampaignStatus.SENDING).exists()


def campaign_send_slice(campaign_id: int, *, limit: int | None = None) -> SliceResult:
    """Send up to ``limit`` (the campaign's messages per minute) pending recipients."""
    result = SliceResult()
    campaign = Campaign.objects.select_related("purpose").filter(pk=campaign_id).first()
    if campaign is None or campaign.status != CampaignStatus.SENDING:
        return result
    recover_interrupted(campaign.pk, older_than=STALE_CLAIM)
    limit = limit or campaign.throttle_per_minute
    batch = list(
        _due(CampaignRecipient.objects.filter(campaign=campaign, status=RecipientStatus.PENDING))
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    )
    composer = Composer(campaign)
    connection = get_connection() if campaign.channel == "email" else None
    sms = sender_for("sms") if campaign.channel == "sms" else None
    try:
        for recipient_id in batch:
            if not _still_sending(campaign.pk):  # paused or cancelled meanwhile
                return result
            outcome = _send_one(campaign, composer, recipient_id, connection, sms)
            if outcome == "sent":
                result.sent += 1
            elif outcome == "skipped":
                result.skipped += 1
            elif outcome == "failed":
                result.failed += 1
            elif outcome == "held":
                result.held += 1
    finally:
        if connection is not None:
            connection.close()
    result.finished = _finish_if_done(campaign.pk)
    result.more = (
        not result.finished
        and _still_sending(campaign.pk)
        and bool(
            _due(
                CampaignRecipient.objects.filter(campaign=campaign, status=RecipientStatus.PENDING)
            ).exists()
        )
    )
    return result


def _due(rows: Any) -> Any:
    """The pending rows whose customer may hear from us now (not held for contact hours)."""
    return rows.filter(Q(not_before__isnull=True) | Q(not_before__lte=timezone.now()))


def _send_one(
    campaign: Campaign, composer: Composer, recipient_id: int, connection: Any, sms: Any
) -> str:
    recipient = CampaignRecipient.objects.select_related("party").filter(pk=recipient_id).first()
    if recipient is None or recipient.status != RecipientStatus.PENDING:
        return ""
    verdict = send_verdict(
        party_id=recipient.party_id,
        purpose=campaign.purpose.code,
        channel=campaign.channel,
        marketing=True,
        address=recipient.address,
    )
    if not verdict.allowed:
        CampaignRecipient.objects.filter(pk=recipient.pk, status=RecipientStatus.PENDING).update(
            status=RecipientStatus.SKIPPED, skip_reason=verdict.reason,
            skip_detail=verdict.detail[:200],
        )  # fmt: skip
        return "skipped"
    if verdict.deferred:
        CampaignRecipient.objects.filter(pk=recipient.pk, status=RecipientStatus.PENDING).update(
            not_before=verdict.not_before
        )
        return "held"
    # the claim, committed before the mail server hears of it
    claimed = CampaignRecipient.objects.filter(
        pk=recipient.pk, status=RecipientStatus.PENDING
    ).update(status=RecipientStatus.SENDING, claimed_at=timezone.now())
    if not claimed:
        return ""
    subject, body = composer.compose(recipient.language, recipient.party, recipient.pk)
    try:
        if campaign.channel == "email":
            message_id = _email(connection, to=recipient.address, subject=subject, body=body,
                                recipient_id=recipient.pk)  # fmt: skip
        else:
            message_id = sms.send(to=recipient.address, subject="", body=body)
    except Exception as exc:  # the server refused it: known not delivered
        CampaignRecipient.objects.filter(pk=recipient.pk).update(
            status=RecipientStatus.FAILED, error=str(exc)[:300] or exc.__class__.__name__
        )
        return "failed"
    now = timezone.now()
    with transaction.atomic():
        recorded = interaction_record(
            actor=None,
            data={
                "channel": campaign.channel,
                "direction": "out",
                "subject": subject[:300],
                "body": body,
                "outcome": "sent",
                "external_id": f"campaign-{campaign.pk}-{recipient.pk}",
                "regarding_type": MARKETING_REGARDING,
                "regarding_id": campaign.pk,
                "occurred_at": now,
            },
            party_id=recipient.party_id,
            address=recipient.address,
        )
        CampaignRecipient.objects.filter(pk=recipient.pk).update(
            status=RecipientStatus.SENT,
            sent_at=now,
            message_id=str(message_id)[:200],
            interaction_id=recorded.interaction.pk,
        )
    return "sent"
