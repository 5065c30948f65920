"""API shapes of data-subject requests."""

from __future__ import annotations

import datetime

from ninja import Schema


class HoldOut(Schema):
    code: str
    label: str
    count: int


class PrivacyRequestOut(Schema):
    id: int
    party_id: int
    kind: str
    state: str
    details: str
    created_at: datetime.datetime
    due_at: datetime.datetime
    closed_at: datetime.datetime | None
    is_overdue: bool
    refusal_reason: str
    legal_obligation: bool


class PrivacyRequestDetailOut(PrivacyRequestOut):
    party_name: str
    holds: list[HoldOut]
    handled_by: str | None


class PrivacyRequestIn(Schema):
    kind: str
    details: str = ""


class StaffPrivacyRequestIn(PrivacyRequestIn):
    party_id: int


class PrivacyTransitionIn(Schema):
    to: str
    reason: str = ""
    justification: str = ""


class LegalHoldIn(Schema):
    legal_obligation: bool
