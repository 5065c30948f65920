from __future__ import annotations

import datetime
from typing import Any

from ninja import Field, Schema

from fregues.parties.contact_hours import weekdays_of


class PortalContactPointOut(Schema):
    """One of the customer's e-mails, phones or addresses. ``status`` is "active" for the
    ones in use and "pending" for a new e-mail or phone waiting for its confirmation (its
    ``id`` is then the pending confirmation's, for ``.../verify``)."""

    id: int
    kind: str
    value: str
    label: str = ""
    is_primary: bool = False
    is_verified: bool = False
    status: str = "active"


class PortalMeOut(Schema):
    """The signed-in customer, as the portal shows them."""

    party_id: int
    name: str
    given_name: str
    family_name: str = ""
    kind: str
    language: str
    preferred_channel: str = ""
    contact_hours_start: datetime.time | None = None
    contact_hours_end: datetime.time | None = None
    contact_weekdays: list[int] = []
    version: int = 0
    contact_points: list[PortalContactPointOut] = []
    pending: list[PortalContactPointOut] = []

    @staticmethod
    def build(data: Any) -> PortalMeOut:
        party = data.party
        return PortalMeOut(
            party_id=party.pk,
            name=party.name,
            given_name=party.given_name,
            family_name=party.family_name,
            kind=party.kind,
            language=party.language,
            preferred_channel=party.preferred_channel,
            contact_hours_start=party.contact_hours_start,
            contact_hours_end=party.contact_hours_end,
            contact_weekdays=list(weekdays_of(party.contact_weekdays)),
            version=party.version,
            contact_points=[point_out(p) for p in [*data.points, *data.addresses]],
            pending=[
                PortalContactPointOut(
                    id=p.id, kind=p.kind, value=p.value, label=p.label, status="pending"
                )
                for p in data.pending
            ],
        )


def point_out(point: Any) -> PortalContactPointOut:
    return PortalContactPointOut(
        id=point.pk,
        kind=point.kind,
        value=point.value,
        label=point.label,
        is_primary=point.is_primary,
        is_verified=point.is_verified,
    )


class PortalMePatch(Schema):
    """The fields a customer may change; only those sent change."""

    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    language: str | None = None
    preferred_channel: str | None = None
    contact_hours_start: datetime.time | None = None
    contact_hours_end: datetime.time | None = None
    contact_weekdays: list[int] | None = None
    version: int | None = Field(None, description="The version you read; a stale one is a 409.")


class PortalContactPointIn(Schema):
    """An e-mail or a phone (confirmed by a link or a code sent to it), or a postal address."""

    kind: str = Field(..., description="email, phone or address")
    value: str = ""
    label: str = ""
    street: str = ""
    number: str = ""
    complement: str = ""
    district: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""


class PortalVerifyIn(Schema):
    code: str = Field(..., max_length=12)
