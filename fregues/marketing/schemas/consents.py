"""API schemas of the consent ledger, the purposes, the suppression list, the sending policy,
and the customer's reach and offers."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Field, Schema

from fregues.core.schemas import Moment


class LedgerRecordOut(Schema):
    id: int
    party_id: int
    party_name: str
    purpose: str
    channel: str
    granted: bool
    occurred_at: datetime.datetime
    source: str
    text_version: str
    note: str
    external_id: str
    actor_name: str | None
    recorded_at: datetime.datetime

    @staticmethod
    def build(record: Any) -> LedgerRecordOut:
        return LedgerRecordOut(
            id=record.pk,
            party_id=record.party_id,
            party_name=record.party.name,
            purpose=record.purpose.code,
            channel=record.channel,
            granted=record.granted,
            occurred_at=record.occurred_at,
            source=record.source,
            text_version=record.text_version,
            note=record.note,
            external_id=record.external_id,
            actor_name=record.actor.get_username() if record.actor_id else None,
            recorded_at=record.recorded_at,
        )


class LedgerPage(Schema):
    items: list[LedgerRecordOut]
    next_cursor: str | None


class LedgerFilters(Schema):
    party_id: int | None = None
    purpose: str | None = Field(None, description="purpose code")
    channel: str | None = None
    granted: bool | None = None
    source: str | None = Field(None, description="form, portal, import, agent, api, email")
    since: Moment | None = Field(None, description="occurred at or after")
    until: Moment | None = Field(None, description="occurred before")


class ConsentIn(Schema):
    party_id: int
    purpose: str
    granted: bool
    channel: str = ""
    source: str = "api"
    text_version: str = ""
    note: str = ""
    occurred_at: datetime.datetime | None = None
    external_id: str = ""


class PurposeOut(Schema):
    code: str
    name: str
    name_en: str
    description: str
    lawful_basis: str
    channels: list[str]
    opt_in: bool
    is_active: bool


class PurposeIn(Schema):
    code: str
    name: str
    name_en: str = ""
    description: str = ""
    lawful_basis: str = "consent"
    channels: list[str] = []


class PurposePatch(Schema):
    name: str | None = None
    name_en: str | None = None
    description: str | None = None
    lawful_basis: str | None = None
    channels: list[str] | None = None
    is_active: bool | None = None


class SuppressionOut(Schema):
    id: int
    kind: str
    address: str
    reason: str
    reason_text: str
    source: str
    note: str
    party_id: int | None
    party_name: str | None
    created_at: datetime.datetime
    actor_name: str | None
    lifted_at: datetime.datetime | None

    @staticmethod
    def build(entry: Any) -> SuppressionOut:
        return SuppressionOut(
            id=entry.pk,
            kind=entry.kind,
            address=entry.address,
            reason=entry.reason,
            reason_text=str(entry.get_reason_display()),
            source=entry.source,
            note=entry.note,
            party_id=entry.party_id,
            party_name=entry.party.name if entry.party_id else None,
            created_at=entry.created_at,
            actor_name=entry.actor.get_username() if entry.actor_id else None,
            lifted_at=entry.lifted_at,
        )


class SuppressionPage(Schema):
    items: list[SuppressionOut]
    next_cursor: str | None


class SuppressionFilters(Schema):
    q: str = Field("", description="part of the address")
    kind: str = Field("", description="email or phone")
    reason: str = Field("", description="hard_bounce, unsubscribe, complaint, manual")
    party_id: int | None = None
    include_lifted: bool = False


class SuppressionIn(Schema):
    kind: str = "email"
    address: str
    reason: str = "manual"
    note: str = ""
    party_id: int | None = None


class LiftIn(Schema):
    note: str = ""


class SendingPolicyOut(Schema):
    complaint_rule_enabled: bool
    complaint_case_types: list[str]
    complaint_priorities: list[str]
    frequency_cap_count: int
    frequency_cap_days: int
    version: int
    updated_at: datetime.datetime

    @staticmethod
    def build(policy: Any) -> SendingPolicyOut:
        return SendingPolicyOut(
            complaint_rule_enabled=policy.complaint_rule_enabled,
            complaint_case_types=sorted(policy.complaint_case_types.values_list("code", flat=True)),
            complaint_priorities=list(policy.complaint_priorities or []),
            frequency_cap_count=policy.frequency_cap_count,
            frequency_cap_days=policy.frequency_cap_days,
            version=policy.version,
            updated_at=policy.updated_at,
        )


class SendingPolicyIn(Schema):
    complaint_rule_enabled: bool | None = None
    complaint_case_types: list[str] | None = Field(None, description="case type codes; []: any")
    complaint_priorities: list[str] | None = Field(None, description="[]: any priority")
    frequency_cap_count: int | None = Field(None, description="0: no cap")
    frequency_cap_days: int | None = None
    version: int | None = Field(None, description="the version read (or send If-Match)")


class ReachLineOut(Schema):
    purpose: str
    purpose_name: str
    channel: str
    reached: bool
    address: str
    reason: str
    reason_text: str
    detail: str


class CampaignReachOut(Schema):
    campaign_id: int
    campaign_name: str
    channel: str
    status: str
    skip_reason: str
    skip_reason_text: str
    skip_detail: str
    sent_at: datetime.datetime | None
    first_clicked_at: datetime.datetime | None
    unsubscribed_at: datetime.datetime | None


class ReachOut(Schema):
    party_id: int
    reached_anywhere: bool
    channels: list[ReachLineOut]
    campaigns: list[CampaignReachOut] | None = Field(
        None, description="the last campaigns (null: the caller may not see campaigns)"
    )


class OfferOut(Schema):
    product_id: int
    name: str
    sku: str
    score: float
    reason: str
