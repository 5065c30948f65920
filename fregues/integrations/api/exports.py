"""Exports endpoints: the parties and interactions CSV, streamed.

The answer is a ``StreamingHttpResponse`` fed by ``fregues.integrations.exporting`` (the engine
the CLI and the UI download use), so a million rows go out without being held in memory. The
permission checks run before the first byte: a role without ``data.export`` gets the usual
403 JSON, never a half-written file.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, StreamingHttpResponse
from ninja import Query, Router

from fregues.core.api_utils import actor_of
from fregues.core.schemas import ERROR_RESPONSES, Id
from fregues.parties.filters import PartyFilters

from ..exporting import csv_response, interaction_export, party_export

router = Router(tags=["exports"])

_CSV_ANSWER: dict[str, Any] = {
    "responses": {
        200: {
            "description": "The CSV, streamed; the header row holds the importer's field names.",
            "content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}
_SOURCE = Query("", description="Write the customers' codes in this source system (external id).")
_BOM = Query(False, description="Start with a UTF-8 byte-order mark (for Excel).")
_ERRORS: dict[int, Any] = ERROR_RESPONSES


@router.get(
    "/parties.csv",
    response=_ERRORS,
    summary="Export parties as CSV",
    openapi_extra=_CSV_ANSWER,
)
def export_parties(
    request: HttpRequest,
    filters: Query[PartyFilters],
    source: str = _SOURCE,
    bom: bool = _BOM,
) -> StreamingHttpResponse:
    """The parties of the customer list under the same filters, one row each, with the
    columns the importer reads back (primary e-mail and phone, tags, address)."""
    stream = party_export(
        actor=actor_of(request), filters=filters.as_kwargs(), bom=bom, source=source
    )
    return csv_response(stream, "parties")


@router.get(
    "/interactions.csv",
    response=_ERRORS,
    summary="Export interactions as CSV",
    openapi_extra=_CSV_ANSWER,
)
def export_interactions(
    request: HttpRequest,
    party_id: Id | None = None,
    channel: str | None = None,
    direction: str | None = None,
    agent_id: Id | None = None,
    since: str | None = Query(None, description="From this date (YYYY-MM-DD) or moment."),
    until: str | None = Query(
        None, description="Through this date (YYYY-MM-DD), or before this moment."
    ),
    source: str = _SOURCE,
    bom: bool = _BOM,
) -> StreamingHttpResponse:
    """Interactions under the interaction list's filters, oldest id first. The body column is
    empty for roles that may not read bodies."""
    filters = {
        "party_id": party_id,
        "channel": channel,
        "direction": direction,
        "agent_id": agent_id,
        "since": since,
        "until": until,
    }
    stream = interaction_export(actor=actor_of(request), filters=filters, bom=bom, source=source)
    return csv_response(stream, "interactions")
