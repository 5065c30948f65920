"""What the CTI API takes and sends: a call event from the telephony system, a call."""

from __future__ import annotations

import datetime

from ninja import Schema
from pydantic import ConfigDict, Field


class CallEventIn(Schema):
    """One event of one call, as the telephony system sends it (docs/channels/telephony.md)."""

    model_config = ConfigDict(populate_by_name=True)

    event: str = Field(description="ringing, answered, ended or missed.")
    call_id: str = Field(description="The telephony system's call id (the same for every event).")
    direction: str = Field("inbound", description="inbound (default) or outbound.")
    from_: str = Field("", alias="from", description="The calling number (any format).")
    to: str = Field("", description="The called number or extension.")
    extension: str = Field("", description="The agent's extension the call rings.")
    agent: str = Field("", description="Or the agent's username.")
    occurred_at: datetime.datetime | None = Field(
        None, description="When (ISO 8601); now if absent."
    )
    recording_url: str = Field("", description="On ended: the link to the recording.")
    duration_seconds: int | None = Field(
        None, description="On ended: the talk time; else from answered to ended."
    )


class CallOut(Schema):
    id: int
    call_id: str = Field(description="The telephony system's call id.")
    direction: str
    state: str
    from_number: str
    to_number: str
    extension: str
    agent_id: int | None
    party_id: int | None
    interaction_id: int | None
    started_at: datetime.datetime
    answered_at: datetime.datetime | None
    ended_at: datetime.datetime | None
    duration_seconds: int | None
    recording_url: str


class CallEventOut(Schema):
    created: bool = Field(description="False when this event of this call was received before.")
    call: CallOut


class CallPlaceIn(Schema):
    party_id: int
    number: str


class CallPlacedOut(Schema):
    call: CallOut
    url: str = Field(description="Where the agent's browser goes to dial (tel:… by default).")
