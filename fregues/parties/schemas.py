"""API shapes for parties, contact points, lifecycle and duplicates."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import AliasChoices, model_validator

from .contact_hours import weekdays_of
from .normalize import format_tax_id


class ContactPointIn(Schema):
    kind: Literal["email", "phone", "social", "address"]
    value: str = ""
    network: str = ""
    label: str = ""
    is_primary: bool = False
    is_verified: bool = False
    street: str = ""
    number: str = ""
    complement: str = ""
    district: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""


class ContactPointPatch(Schema):
    value: str | None = None
    network: str | None = None
    label: str | None = None
    is_primary: bool | None = None
    is_verified: bool | None = None
    street: str | None = None
    number: str | None = None
    complement: str | None = None
    district: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None


class ContactPointOut(Schema):
    id: int
    kind: str
    network: str
    value: str
    normalized: str
    label: str
    is_primary: bool
    is_verified: bool
    street: str
    number: str
    complement: str
    district: str
    city: str
    region: str
    postal_code: str
    country: str


class ExternalIdIn(Schema):
    source: str
    code: str


class ExternalIdOut(Schema):
    source: str
    code: str


class UserRef(Schema):
    id: int
    username: str
    name: str

    @staticmethod
    def from_user(user: Any) -> UserRef | None:
        if user is None:
            return None
        return UserRef(id=user.pk, username=user.username, name=user.display_name)


class AffiliationOut(Schema):
    id: int
    person_id: int
    person_name: str
    organization_id: int
    organization_name: str
    role: str
    is_primary: bool
    portal_sees_cases: bool = False

    @staticmethod
    def build(link: Any) -> AffiliationOut:
        return AffiliationOut(
            id=link.pk,
            person_id=link.person_id,
            person_name=link.person.name,
            organization_id=link.organization_id,
            organization_name=link.organization.name,
            role=link.role,
            is_primary=link.is_primary,
            portal_sees_cases=link.portal_sees_cases,
        )


class AffiliationPatch(Schema):
    """What staff change on a link: whether the person sees the organisation's requests in
    the portal."""

    portal_sees_cases: bool


class AffiliationIn(Schema):
    organization_id: int
    role: str = ""
    is_primary: bool = False


class PartyIn(Schema):
    kind: Literal["person", "organization"] = "person"
    name: str = ""
    given_name: str = ""
    family_name: str = ""
    legal_name: str = ""
    tax_id: str = ""
    country: str = ""
    language: str = ""
    birth_date: datetime.date | None = None
    owner_id: int | None = None
    preferred_channel: str = Field("", description="email, sms, whatsapp, phone or letter")
    tier: str = Field("", description="Customer tier for SLA policies (e.g. gold)")
    contact_hours_start: datetime.time | None = Field(
        None, description="From when (local time) the customer accepts non-urgent messages."
    )
    contact_hours_end: datetime.time | None = Field(None, description="Until when (local time).")
    contact_weekdays: list[int] = Field(
        [], description="Days the customer accepts contact: 1 = Monday … 7 = Sunday (empty: all)."
    )
    lifecycle_stage: str = "suspect"
    tags: list[str] = []
    attributes: dict[str, Any] = {}
    contact_points: list[ContactPointIn] = []
    email: str = Field("", description="Shortcut for a primary e-mail contact point.")
    phone: str = Field("", description="Shortcut for a primary phone contact point (any format).")
    external_ids: list[ExternalIdIn] = []
    organizations: list[AffiliationIn] = []

    def all_contact_points(self) -> list[dict[str, Any]]:
        points = [cp.dict() for cp in self.contact_points]
        for kind in ("email", "phone"):
            value = getattr(self, kind).strip()
            if value:
                points.append({"kind": kind, "value": value, "error_field": kind})
        return points


class PartyPatch(Schema):
    kind: Literal["person", "organization"] | None = None
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    legal_name: str | None = None
    tax_id: str | None = None
    country: str | None = None
    language: str | None = None
    birth_date: datetime.date | None = None
    owner_id: int | None = None
    preferred_channel: str | None = None
    tier: str | None = None
    contact_hours_start: datetime.time | None = None
    contact_hours_end: datetime.time | None = None
    contact_weekdays: list[int] | None = None
    tags: list[str] | None = None
    attributes: dict[str, Any] | None = None
    version: int | None = Field(None, description="The version you read; a stale one is a 409.")


class PartySummary(Schema):
    id: int
    kind: str
    name: str
    lifecycle_stage: str
    tax_id: str = ""
    email: str | None = None
    phone: str | None = None
    owner: UserRef | None = None

    @staticmethod
    def build(party: Any) -> PartySummary:
        points = getattr(party, "primary_points", None)
        if points is None:
            points = [p for p in party.contact_points.all() if p.is_primary]
        by_kind = {p.kind: p.value for p in points}
        return PartySummary(
            id=party.pk,
            kind=party.kind,
            name=party.name,
            lifecycle_stage=party.lifecycle_stage,
            tax_id=format_tax_id(party.tax_id, party.tax_id_kind),
            email=by_kind.get("email"),
            phone=by_kind.get("phone"),
            owner=UserRef.from_user(party.owner),
        )


class PartyOut(Schema):
    id: int
    kind: str
    name: str
    given_name: str
    family_name: str
    legal_name: str
    tax_id: str
    tax_id_kind: str
    tax_id_formatted: str
    country: str
    language: str
    birth_date: datetime.date | None
    preferred_channel: str
    tier: str
    contact_hours_start: datetime.time | None = None
    contact_hours_end: datetime.time | None = None
    contact_weekdays: list[int] = []
    lifecycle_stage: str
    lifecycle_changed_at: datetime.datetime | None
    owner: UserRef | None
    tags: list[str]
    attributes: dict[str, Any]
    contact_points: list[ContactPointOut]
    external_ids: list[ExternalIdOut]
    affiliations: list[AffiliationOut]
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def build(party: Any) -> PartyOut:
        links = list(party.affiliations.all()) + list(party.members.all())
        return PartyOut(
            id=party.pk,
            kind=party.kind,
            name=party.name,
            given_name=party.given_name,
            family_name=party.family_name,
            legal_name=party.legal_name,
            tax_id=party.tax_id,
            tax_id_kind=party.tax_id_kind,
            tax_id_formatted=format_tax_id(party.tax_id, party.tax_id_kind),
            country=party.country,
            language=party.language,
            birth_date=party.birth_date,
            preferred_channel=party.preferred_channel,
            tier=party.tier,
            contact_hours_start=party.contact_hours_start,
            contact_hours_end=party.contact_hours_end,
            contact_weekdays=list(weekdays_of(party.contact_weekdays)),
            lifecycle_stage=party.lifecycle_stage,
            lifecycle_changed_at=party.lifecycle_changed_at,
            owner=UserRef.from_user(party.owner),
            tags=[t.name for t in party.tags.all()],
            attributes=party.attributes,
            contact_points=[ContactPointOut.from_orm(p) for p in party.contact_points.all()],
            external_ids=[ExternalIdOut.from_orm(e) for e in party.external_ids.all()],
            affiliations=[AffiliationOut.build(link) for link in links],
            version=party.version,
            created_at=party.created_at,
            updated_at=party.updated_at,
        )


class PartyPage(Schema):
    items: list[PartySummary]
    next_cursor: str | None = None


class LifecycleMoveIn(Schema):
    to_stage: str = Field(..., validation_alias=AliasChoices("to_stage", "stage", "to"))
    reason: str = ""
    version: int | None = None


class LifecycleMoveOut(Schema):
    id: int
    from_stage: str
    to_stage: str
    occurred_at: datetime.datetime
    actor: UserRef | None
    reason: str
    # what caused an automatic move, as a regarding reference ("sales.order", 42)
    cause_type: str = ""
    cause_id: int | None = None

    @staticmethod
    def build(move: Any) -> LifecycleMoveOut:
        return LifecycleMoveOut(
            id=move.pk,
            from_stage=move.from_stage,
            to_stage=move.to_stage,
            occurred_at=move.occurred_at,
            actor=UserRef.from_user(move.actor),
            reason=move.reason,
            cause_type=move.cause_type or "",
            cause_id=move.cause_id,
        )


class LifecycleOut(Schema):
    party_id: int
    stage: str
    changed_at: datetime.datetime | None
    allowed_moves: list[str]
    history: list[LifecycleMoveOut]


class DuplicateOut(Schema):
    party: PartySummary
    score: float
    reasons: list[str]


class DuplicatePairOut(Schema):
    party_a: PartySummary
    party_b: PartySummary
    score: float
    reasons: list[str]
    status: str


class MergeIn(Schema):
    merge_id: int | None = Field(
        None,
        validation_alias=AliasChoices(
            "merge_id", "duplicate_id", "other_id", "source_id", "party_id"
        ),
        description="The party to merge into this one (it disappears; its id keeps resolving).",
    )
    merge_ids: list[int] = []
    version: int | None = None

    @model_validator(mode="after")
    def _one_at_least(self) -> MergeIn:
        if self.merge_id is None and not self.merge_ids:
            raise ValueError("Give merge_id: the party to merge into this one.")
        return self

    def ids(self) -> list[int]:
        ids = list(self.merge_ids)
        if self.merge_id is not None and self.merge_id not in ids:
            ids.insert(0, self.merge_id)
        return ids


class DismissIn(Schema):
    party_a_id: int
    party_b_id: int


class NoteIn(Schema):
    body: str
    before_visit: bool = False


class NoteOut(Schema):
    id: int
    body: str
    before_visit: bool = False
    author: UserRef | None
    created_at: datetime.datetime

    @staticmethod
    def build(note: Any) -> NoteOut:
        return NoteOut(
            id=note.pk,
            body=note.body,
            before_visit=note.before_visit,
            author=UserRef.from_user(note.author),
            created_at=note.created_at,
        )


class AuditEntryOut(Schema):
    id: int
    occurred_at: datetime.datetime
    actor_name: str
    action: str
    entity_type: str
    entity_id: int
    summary: str
    changes: dict[str, Any]


class ConsentPurposeOut(Schema):
    code: str
    name: str
    name_en: str
    description: str
    lawful_basis: str
    channels: list[str]
    opt_in: bool


class ConsentStateOut(Schema):
    purpose: str
    purpose_name: str
    channel: str
    granted: bool
    since: datetime.datetime | None
    source: str
    lawful_basis: str
    text_version: str


class ConsentRecordIn(Schema):
    purpose: str
    granted: bool
    channel: str = ""
    source: str = "api"
    text_version: str = ""
    note: str = ""
    occurred_at: datetime.datetime | None = None
    external_id: str = ""


class ConsentRecordOut(Schema):
    id: int
    purpose: str
    channel: str
    granted: bool
    occurred_at: datetime.datetime
    source: str
    text_version: str
    note: str
    actor_name: str | None

    @staticmethod
    def build(record: Any) -> ConsentRecordOut:
        return ConsentRecordOut(
            id=record.pk,
            purpose=record.purpose.code,
            channel=record.channel,
            granted=record.granted,
            occurred_at=record.occurred_at,
            source=record.source,
            text_version=record.text_version,
            note=record.note,
            actor_name=record.actor.get_username() if record.actor_id else None,
        )


class ConsentOut(Schema):
    state: list[ConsentStateOut]
    history: list[ConsentRecordOut]
