"""Reading campaigns: the list, one campaign, its recipients, and its results.

The report is counted by the database in two queries however many recipients there are:
targeted, skipped by reason, sent, failed, bounced, clicked, unsubscribed and converted
(recipients with an order, not cancelled, within ``conversion_days`` after their message).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils.translation import gettext as _

from fregues.core.errors import NotFound
from fregues.core.permissions import require
from fregues.service.services.sending import reason_label

from ..models import Campaign, CampaignRecipient, CampaignStatus, RecipientStatus


def campaign_list(
    *, actor: Any, status: str | None = None, offset: int = 0, limit: int = 50
) -> tuple[list[Any], int]:
    """Campaigns, newest first, each with ``n_targeted`` and ``n_sent`` counted (one query
    for the page, one for the total)."""
    require(actor, "campaign.view")
    rows = Campaign.objects.select_related("segment", "purpose")
    if status:
        rows = rows.filter(status=status)
    total = rows.count()
    page: list[Any] = list(
        rows.annotate(
            n_targeted=Count("recipients"),
            n_sent=Count(
                "recipients",
                filter=Q(recipients__status__in=(RecipientStatus.SENT, RecipientStatus.BOUNCED)),
            ),
        ).order_by("-created_at", "-id")[offset : offset + limit]
    )
    return page, total


def campaign_get(*, actor: Any, campaign_id: int) -> Campaign:
    require(actor, "campaign.view")
    campaign = (
        Campaign.objects.select_related("segment", "snapshot", "purpose")
        .prefetch_related("messages")
        .filter(pk=campaign_id)
        .first()
    )
    if campaign is None:
        raise NotFound(
            _("Campaign %(id)s does not exist.") % {"id": campaign_id}, details={"id": campaign_id}
        )
    return campaign


def campaign_recipients(
    *,
    actor: Any,
    campaign_id: int,
    status: str | None = None,
    reason: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[CampaignRecipient], int]:
    """A page of a campaign's recipients (with the customer's name), filtered by status and
    skip reason."""
    campaign_get(actor=actor, campaign_id=campaign_id)
    rows: QuerySet[CampaignRecipient] = CampaignRecipient.objects.filter(campaign_id=campaign_id)
    if status:
        rows = rows.filter(status=status)
    if reason:
        rows = rows.filter(skip_reason=reason)
    total = rows.count()
    page = list(
        rows.select_related("party")
        .only(*RECIPIENT_FIELDS, "party__name", "party__id")
        .order_by("id")[offset : offset + limit]
    )
    return page, total


RECIPIENT_FIELDS = ("id", "campaign_id", "party_id", "address", "language", "status",
                    "skip_reason", "skip_detail", "error", "message_id", "sent_at", "bounced_at",
                    "clicks", "first_clicked_at", "unsubscribed_at")  # fmt: skip


@dataclass
class ReasonCount:
    code: str
    label: str
    count: int


@dataclass
class CampaignReport:
    campaign_id: int
    status: str
    targeted: int = 0
    pending: int = 0
    sending: int = 0
    skipped: int = 0
    sent: int = 0
    failed: int = 0
    bounced: int = 0
    clicked: int = 0
    unsubscribed: int = 0
    converted: int = 0
    skipped_by_reason: list[ReasonCount] = field(default_factory=list)
    rates: dict[str, float] = field(default_factory=dict)

    @property
    def done(self) -> int:
        return self.sent + self.failed + self.skipped

    @property
    def progress(self) -> int:
        """Percent of the targeted who are dealt with (sent, failed or skipped)."""
        return round(100 * self.done / self.targeted) if self.targeted else 0

    @property
    def is_live(self) -> bool:
        return self.status in (CampaignStatus.SCHEDULED, CampaignStatus.SENDING)


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def campaign_report(*, actor: Any, campaign_id: int) -> CampaignReport:
    """A campaign's results. ``sent`` counts every message that went out (bounced ones
    too); rates are over ``sent`` (``skip_rate`` over ``targeted``)."""
    require(actor, "campaign.view")
    campaign = Campaign.objects.filter(pk=campaign_id).values("id", "status", "conversion_days")
    found = campaign.first()
    if found is None:
        raise NotFound(
            _("Campaign %(id)s does not exist.") % {"id": campaign_id}, details={"id": campaign_id}
        )
    from fregues.sales.models import Order, OrderStatus

    window = ExpressionWrapper(
        OuterRef("sent_at") + datetime.timedelta(days=found["conversion_days"]),
        output_field=DateTimeField(),
    )
    ordered = Order.objects.filter(
        party_id=OuterRef("party_id"),
        ordered_at__gte=OuterRef("sent_at"),
        ordered_at__lte=window,
    ).exclude(status=OrderStatus.CANCELLED)
    went_out = (RecipientStatus.SENT, RecipientStatus.BOUNCED)
    rows = CampaignRecipient.objects.filter(campaign_id=campaign_id)
    counts = rows.annotate(bought=Exists(ordered)).aggregate(
        targeted=Count("pk"),
        pending=Count("pk", filter=Q(status=RecipientStatus.PENDING)),
        sending=Count("pk", filter=Q(status=RecipientStatus.SENDING)),
        skipped=Count("pk", filter=Q(status=RecipientStatus.SKIPPED)),
        sent=Count("pk", filter=Q(status__in=went_out)),
        failed=Count("pk", filter=Q(status=RecipientStatus.FAILED)),
        bounced=Count("pk", filter=Q(status=RecipientStatus.BOUNCED)),
        clicked=Count("pk", filter=Q(clicks__gt=0)),
        unsubscribed=Count("pk", filter=Q(unsubscribed_at__isnull=False)),
        converted=Count("pk", filter=Q(bought=True, sent_at__isnull=False)),
    )
    reasons = (
        rows.filter(status=RecipientStatus.SKIPPED)
        .values("skip_reason")
        .annotate(n=Count("pk"))
        .order_by("-n", "skip_reason")
    )
    report = CampaignReport(campaign_id=campaign_id, status=found["status"], **counts)
    report.skipped_by_reason = [
        ReasonCount(r["skip_reason"], reason_label(r["skip_reason"]), r["n"]) for r in reasons
    ]
    sent = report.sent
    report.rates = {
        "skip_rate": _rate(report.skipped, report.targeted),
        "bounce_rate": _rate(report.bounced, sent),
        "click_rate": _rate(report.clicked, sent),
        "unsubscribe_rate": _rate(report.unsubscribed, sent),
        "conversion_rate": _rate(report.converted, sent),
        "failure_rate": _rate(report.failed, sent + report.failed),
    }
    return report


@dataclass
class Preview:
    language: str
    subject: str
    body: str
    sample: str  # whose data filled it in
    problem: str = ""


def campaign_preview(*, actor: Any, campaign_id: int) -> list[Preview]:
    """Each text rendered for a sample member of the audience (the first who reads that
    language, else the first member), as it would be sent (links not yet tracked)."""
    from fregues.parties.models import Party

    from ..services.campaign_planning import _audience_ids
    from ..services.campaign_sending import Composer

    campaign = campaign_get(actor=actor, campaign_id=campaign_id)
    ids = _audience_ids(campaign, limit=200)
    members = list(Party.objects.filter(pk__in=ids).only("pk", "name", "given_name", "language"))
    composer = Composer(campaign)
    out: list[Preview] = []
    for message in campaign.messages.all():
        sample = next((p for p in members if p.language == message.language), None) or (
            members[0] if members else None
        )
        try:
            subject, body = composer.compose(message.language, sample, None)
            out.append(Preview(message.language, subject, body, sample.name if sample else ""))
        except Exception as exc:  # a text saved before a rule changed: show, do not crash
            out.append(Preview(message.language, "", "", "", str(exc)))
    return out
