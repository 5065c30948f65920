"""API shapes of campaigns, their recipients and their report."""

from __future__ import annotations

import datetime

from ninja import Field, Schema

from ..models import Campaign, CampaignRecipient
from ..selectors.campaigns import CampaignReport


class MessageIn(Schema):
    language: str = Field(..., description="pt-br, pt-pt or en.")
    subject: str = Field("", description="E-mail only. A template, like the body.")
    body: str = Field(
        ...,
        description="Django template; names: first_name, name, preferred_product, "
        "unsubscribe_url; tags: if/elif/else, firstof, comment, spaceless.",
    )


class MessageOut(Schema):
    language: str
    subject: str
    body: str


class CampaignIn(Schema):
    name: str
    channel: str = Field("email", description="email or sms.")
    purpose: str = Field(
        "",
        description="Consent purpose code covering the channel (default: marketing_email "
        "for e-mail, marketing_messages for SMS).",
    )
    segment_id: int | None = None
    snapshot_id: int | None = Field(None, description="Send to a frozen snapshot instead.")
    default_language: str = "pt-br"
    throttle_per_minute: int = 600
    conversion_days: int = 30
    offer_product_id: int | None = None
    messages: list[MessageIn] = Field(default_factory=list)


class CampaignPatch(Schema):
    name: str | None = None
    channel: str | None = None
    purpose: str | None = None
    segment_id: int | None = None
    snapshot_id: int | None = None
    default_language: str | None = None
    throttle_per_minute: int | None = None
    conversion_days: int | None = None
    offer_product_id: int | None = None
    messages: list[MessageIn] | None = None
    version: int | None = Field(None, description="The version you read (or send If-Match).")


class CampaignOut(Schema):
    id: int
    name: str
    channel: str
    purpose: str
    segment_id: int | None
    snapshot_id: int | None
    status: str
    default_language: str
    scheduled_at: datetime.datetime | None
    throttle_per_minute: int
    conversion_days: int
    offer_product_id: int | None
    planned_at: datetime.datetime | None
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    created_at: datetime.datetime
    version: int
    messages: list[MessageOut] | None = None
    targeted: int | None = None
    sent: int | None = None

    @staticmethod
    def build(campaign: Campaign, *, messages: bool = True) -> CampaignOut:
        return CampaignOut(
            id=campaign.pk,
            name=campaign.name,
            channel=campaign.channel,
            purpose=campaign.purpose.code,
            segment_id=campaign.segment_id,
            snapshot_id=campaign.snapshot_id,
            status=campaign.status,
            default_language=campaign.default_language,
            scheduled_at=campaign.scheduled_at,
            throttle_per_minute=campaign.throttle_per_minute,
            conversion_days=campaign.conversion_days,
            offer_product_id=campaign.offer_product_id,
            planned_at=campaign.planned_at,
            started_at=campaign.started_at,
            finished_at=campaign.finished_at,
            created_at=campaign.created_at,
            version=campaign.version,
            messages=[
                MessageOut(language=m.language, subject=m.subject, body=m.body)
                for m in campaign.messages.all()
            ]
            if messages
            else None,
            targeted=getattr(campaign, "n_targeted", None),
            sent=getattr(campaign, "n_sent", None),
        )


class CampaignPage(Schema):
    items: list[CampaignOut]
    total: int


class SendIn(Schema):
    scheduled_at: datetime.datetime | None = Field(
        None, description="When to start (now when empty)."
    )
    version: int | None = None


class TestIn(Schema):
    to: str = Field("", description="Where to send the test (your own address when empty).")
    language: str = Field("", description="Which text (a sample member's when empty).")


class TestOut(Schema):
    message_id: str
    to: str


class BounceIn(Schema):
    message_id: str = Field("", description="The Message-ID the campaign sent.")
    recipient_id: int | None = None
    hard: bool = Field(True, description="A hard bounce also suppresses the address.")
    detail: str = ""


class RecipientOut(Schema):
    id: int
    party_id: int
    party_name: str
    address: str
    language: str
    status: str
    skip_reason: str
    skip_reason_label: str
    skip_detail: str
    error: str
    message_id: str
    sent_at: datetime.datetime | None
    bounced_at: datetime.datetime | None
    clicks: int
    first_clicked_at: datetime.datetime | None
    unsubscribed_at: datetime.datetime | None

    @staticmethod
    def build(row: CampaignRecipient) -> RecipientOut:
        from fregues.service.services.sending import reason_label

        return RecipientOut(
            id=row.pk,
            party_id=row.party_id,
            party_name=row.party.name,
            address=row.address,
            language=row.language,
            status=row.status,
            skip_reason=row.skip_reason,
            skip_reason_label=reason_label(row.skip_reason) if row.skip_reason else "",
            skip_detail=row.skip_detail,
            error=row.error,
            message_id=row.message_id,
            sent_at=row.sent_at,
            bounced_at=row.bounced_at,
            clicks=row.clicks,
            first_clicked_at=row.first_clicked_at,
            unsubscribed_at=row.unsubscribed_at,
        )


class RecipientPage(Schema):
    items: list[RecipientOut]
    total: int


class ReasonOut(Schema):
    code: str
    label: str
    count: int


class ReportOut(Schema):
    campaign_id: int
    status: str
    targeted: int
    pending: int
    sending: int
    skipped: int
    sent: int
    failed: int
    bounced: int
    clicked: int
    unsubscribed: int
    converted: int
    skipped_by_reason: list[ReasonOut]
    rates: dict[str, float]

    @staticmethod
    def build(report: CampaignReport) -> ReportOut:
        return ReportOut(
            campaign_id=report.campaign_id,
            status=report.status,
            targeted=report.targeted,
            pending=report.pending,
            sending=report.sending,
            skipped=report.skipped,
            sent=report.sent,
            failed=report.failed,
            bounced=report.bounced,
            clicked=report.clicked,
            unsubscribed=report.unsubscribed,
            converted=report.converted,
            skipped_by_reason=[
                ReasonOut(code=r.code, label=r.label, count=r.count)
                for r in report.skipped_by_reason
            ],
            rates=report.rates,
        )


class RecipientRef(Schema):
    id: int
    campaign_id: int
    status: str
