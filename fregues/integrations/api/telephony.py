"""CTI endpoints.

``POST /cti/events`` is the telephony system's: it is signed with ``FREGUES_CTI_SECRET``
(HMAC-SHA256 of "<timestamp>.<body>", headers ``X-Fregues-Timestamp`` and
``X-Fregues-Signature``), not a user token. A bad or missing signature is a 403 and nothing
is written; the signature is checked before the body is even read. A repeated event answers
200 with ``created: false``; a new one 201. ``GET /cti/calls`` lists recent calls and ``POST
/cti/calls`` places one (click-to-call) for a signed-in user.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from fregues.core.api_utils import actor_of
from fregues.core.schemas import ERROR_RESPONSES

from ..models import Call
from ..telephony.schemas import CallEventIn, CallEventOut, CallOut, CallPlacedOut, CallPlaceIn
from ..telephony.selectors import call_list
from ..telephony.services import call_event_record, call_place
from ..telephony.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, cti_signature_check


def cti_auth(request: HttpRequest) -> str:
    """The telephony system's signature instead of a user: Forbidden (403) when it is wrong."""
    cti_signature_check(
        request.body,
        request.headers.get(TIMESTAMP_HEADER, ""),
        request.headers.get(SIGNATURE_HEADER, ""),
    )
    return "cti"


router = Router(tags=["telephony"])


def _call_out(call: Call) -> dict[str, Any]:
    return {
        "id": call.pk,
        "call_id": call.external_id,
        "direction": call.direction,
        "state": call.state,
        "from_number": call.from_number,
        "to_number": call.to_number,
        "extension": call.extension,
        "agent_id": call.agent_id,
        "party_id": call.party_id,
        "interaction_id": call.interaction_id,
        "started_at": call.started_at,
        "answered_at": call.answered_at,
        "ended_at": call.ended_at,
        "duration_seconds": call.duration_seconds,
        "recording_url": call.recording_url,
    }


@router.post(
    "/events",
    auth=cti_auth,
    response={200: CallEventOut, 201: CallEventOut, **ERROR_RESPONSES},
    summary="A call event from the telephony system",
)
def cti_event(request: HttpRequest, payload: CallEventIn) -> Any:
    result = call_event_record(actor=None, data=payload.model_dump(by_alias=True))
    body = {"created": result.created, "call": _call_out(result.call)}
    return Status(201 if result.created else 200, body)


@router.get("/calls", response={200: list[CallOut], **ERROR_RESPONSES}, summary="Recent calls")
def calls(request: HttpRequest, limit: int = 100) -> Any:
    return [_call_out(c) for c in call_list(actor=actor_of(request), limit=min(max(limit, 1), 500))]


@router.post(
    "/calls",
    response={201: CallPlacedOut, **ERROR_RESPONSES},
    summary="Place a call (click-to-call)",
)
def place(request: HttpRequest, payload: CallPlaceIn) -> Any:
    placed = call_place(actor=actor_of(request), party_id=payload.party_id, number=payload.number)
    return Status(201, {"call": _call_out(placed.call), "url": placed.url})
