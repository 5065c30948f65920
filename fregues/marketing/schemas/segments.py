"""API shapes of segments. ``rules`` is the JSON rule tree described by
``GET /api/v1/segments/fields`` (groups ``all``/``any``/``not``, conditions
``{"field", "op", "value", ...options}``); it is validated by the rule compiler, which
answers 422 with one entry per faulty path (``rules.all.1.value``)."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Field, Schema

from fregues.parties.schemas import UserRef

from ..models import Segment, SegmentSnapshot

RULES_HELP = (
    'A rule tree: {"all": [...]}, {"any": [...]}, {"not": {...}} groups and '
    '{"field": ..., "op": ..., "value": ...} conditions; see GET /api/v1/segments/fields.'
)


class SegmentIn(Schema):
    name: str
    description: str = ""
    rules: Any = Field(default_factory=dict, description=RULES_HELP)


class SegmentPatch(Schema):
    name: str | None = None
    description: str | None = None
    rules: Any = Field(None, description=RULES_HELP)
    version: int | None = Field(None, description="The version read; a stale one is a 409.")

    def changes(self) -> dict[str, Any]:
        return self.dict(exclude_unset=True, exclude={"version"})


class SegmentOut(Schema):
    id: int
    name: str
    description: str
    rules: dict[str, Any]
    owner: UserRef | None
    last_count: int | None
    last_counted_at: datetime.datetime | None
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def build(segment: Segment) -> SegmentOut:
        return SegmentOut(
            id=segment.pk,
            name=segment.name,
            description=segment.description,
            rules=segment.rules or {},
            owner=UserRef.from_user(segment.owner),
            last_count=segment.last_count,
            last_counted_at=segment.last_counted_at,
            version=segment.version,
            created_at=segment.created_at,
            updated_at=segment.updated_at,
        )


class RulesIn(Schema):
    rules: Any = Field(default_factory=dict, description=RULES_HELP)


class CountOut(Schema):
    count: int
    counted_at: datetime.datetime


class MemberOut(Schema):
    id: int
    name: str
    lifecycle_stage: str
    city: str
    email: str


class MembersPageOut(Schema):
    items: list[MemberOut]
    page: int
    per_page: int
    has_next: bool


class SnapshotIn(Schema):
    name: str = ""


class SnapshotOut(Schema):
    id: int
    segment_id: int
    name: str
    rules: dict[str, Any]
    taken_at: datetime.datetime
    member_count: int
    actor: UserRef | None

    @staticmethod
    def build(snap: SegmentSnapshot) -> SnapshotOut:
        return SnapshotOut(
            id=snap.pk,
            segment_id=snap.segment_id,
            name=snap.name,
            rules=snap.rules or {},
            taken_at=snap.taken_at,
            member_count=snap.member_count,
            actor=UserRef.from_user(snap.actor),
        )


class ParamOut(Schema):
    name: str
    type: str = Field(
        ...,
        description="choices, choice, strings, items, integer, decimal, boolean, currency, user",
    )
    label: str
    required: bool
    choices: str | None = Field(None, description="The key of its list in ``choices``.")
    minimum: int | None = None
    maximum: int | None = None


class OpOut(Schema):
    code: str
    label: str
    params: list[ParamOut]


class FieldOut(Schema):
    code: str
    label: str
    group: str
    ops: list[OpOut]


class ChoiceOut(Schema):
    value: Any
    label: str


class LimitsOut(Schema):
    depth: int
    conditions: int
    list: int


class RegistryOut(Schema):
    fields: list[FieldOut]
    choices: dict[str, list[ChoiceOut]]
    limits: LimitsOut
