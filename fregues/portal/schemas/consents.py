"""API shapes of "My consents"."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Field, Schema


class ConsentHistoryOut(Schema):
    granted: bool
    channel: str
    occurred_at: datetime.datetime
    source: str
    text_version: str


class PortalConsentOut(Schema):
    purpose: str
    name: str
    description: str
    granted: bool
    since: datetime.datetime | None = Field(None, description="None: no choice recorded yet.")
    opt_in: bool = Field(..., description="True: only allowed once granted.")
    text_version: str = Field(..., description="Send it back with your choice.")
    history: list[ConsentHistoryOut]

    @staticmethod
    def build(row: Any) -> PortalConsentOut:
        return PortalConsentOut(
            purpose=row.purpose.code,
            name=row.name,
            description=row.purpose.description,
            granted=row.granted,
            since=row.since,
            opt_in=row.opt_in,
            text_version=row.text_version,
            history=[
                ConsentHistoryOut(
                    granted=r.granted,
                    channel=r.channel,
                    occurred_at=r.occurred_at,
                    source=r.source,
                    text_version=r.text_version,
                )
                for r in row.history
            ],
        )


class PortalConsentIn(Schema):
    granted: bool
    text_version: str = Field(..., description="The text_version you read (GET /portal/consents).")
