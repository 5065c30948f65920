"""Data-subject rights over the API: the customer's own (portal cookie) and staff's."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from fregues.core.api_utils import actor_of
from fregues.core.schemas import ERROR_RESPONSES

from ..auth import portal_auth
from ..models import PrivacyRequest
from ..schemas.privacy import (
    HoldOut,
    LegalHoldIn,
    PrivacyRequestDetailOut,
    PrivacyRequestIn,
    PrivacyRequestOut,
    PrivacyTransitionIn,
    StaffPrivacyRequestIn,
)
from ..selectors.privacy import (
    privacy_holds,
    privacy_party_get,
    privacy_request_get,
    privacy_request_list,
    privacy_requests_of,
)
from ..services.privacy import (
    privacy_export_build,
    privacy_request_file,
    privacy_request_legal_hold,
    privacy_request_transition,
)

portal_router = Router(tags=["portal"], auth=portal_auth)
staff_router = Router(tags=["privacy"])
export_router = Router(tags=["privacy"])

ZIP = "application/zip"


def _zip(filename: str, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type=ZIP)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _out(request: PrivacyRequest) -> dict[str, Any]:
    return {
        "id": request.pk,
        "party_id": request.party_id,
        "kind": request.kind,
        "state": request.state,
        "details": request.details,
        "created_at": request.created_at,
        "due_at": request.due_at,
        "closed_at": request.closed_at,
        "is_overdue": request.is_overdue,
        "refusal_reason": request.refusal_reason,
        "legal_obligation": request.legal_obligation,
    }


def _detail(request: PrivacyRequest) -> dict[str, Any]:
    holds = [
        HoldOut(code=h.code, label=h.label, count=h.count) for h in privacy_holds(request.party)
    ]
    return {
        **_out(request),
        "party_name": request.party.name,
        "holds": holds,
        "handled_by": request.handled_by.get_username() if request.handled_by else None,
    }


@portal_router.get(
    "/privacy/data-export",
    response={200: None, **ERROR_RESPONSES},
    summary="Download my data (a ZIP: data.json, one CSV per kind of record, README)",
)
def portal_data_export(request: HttpRequest) -> HttpResponse:
    party = request.auth.party  # type: ignore[attr-defined]
    return _zip(*privacy_export_build(actor=f"portal:{party.pk}", party=party))


@portal_router.get(
    "/privacy/requests",
    response={200: list[PrivacyRequestOut], **ERROR_RESPONSES},
    summary="My requests about my data",
)
def portal_requests(request: HttpRequest) -> list[dict[str, Any]]:
    party = request.auth.party  # type: ignore[attr-defined]
    return [_out(r) for r in privacy_requests_of(party)]


@portal_router.post(
    "/privacy/requests",
    response={201: PrivacyRequestOut, **ERROR_RESPONSES},
    summary="Ask for access, portability, correction, erasure or restriction",
)
def portal_request_file(request: HttpRequest, payload: PrivacyRequestIn) -> Status:
    party = request.auth.party  # type: ignore[attr-defined]
    filed = privacy_request_file(
        actor=f"portal:{party.pk}", party=party, kind=payload.kind, details=payload.details
    )
    return Status(201, _out(filed))


@export_router.get(
    "/{int:party_id}/data-export",
    response={200: None, **ERROR_RESPONSES},
    summary="A customer's personal data as a ZIP (access and portability requests)",
)
def staff_data_export(request: HttpRequest, party_id: int) -> HttpResponse:
    actor = actor_of(request)
    party = privacy_party_get(actor=actor, party_id=party_id)
    return _zip(*privacy_export_build(actor=actor, party=party))


@staff_router.get(
    "/requests",
    response={200: list[PrivacyRequestOut], **ERROR_RESPONSES},
    summary="Customers' requests about their data, nearest deadline first",
)
def staff_requests(
    request: HttpRequest,
    state: str = Query(""),  # type: ignore[assignment]
    kind: str = Query(""),  # type: ignore[assignment]
    overdue: bool = Query(False),  # type: ignore[assignment]
) -> list[dict[str, Any]]:
    rows = privacy_request_list(actor=actor_of(request), state=state, kind=kind, overdue=overdue)
    return [_out(r) for r in rows[:500]]


@staff_router.post(
    "/requests",
    response={201: PrivacyRequestOut, **ERROR_RESPONSES},
    summary="Record a request a customer made by phone, letter or at the counter",
)
def staff_request_file(request: HttpRequest, payload: StaffPrivacyRequestIn) -> Status:
    actor = actor_of(request)
    party = privacy_party_get(actor=actor, party_id=payload.party_id)
    filed = privacy_request_file(
        actor=actor, party=party, kind=payload.kind, details=payload.details
    )
    return Status(201, _out(filed))


@staff_router.get(
    "/requests/{int:request_id}",
    response={200: PrivacyRequestDetailOut, **ERROR_RESPONSES},
    summary="A request, with the legal holds on the customer's data",
)
def staff_request(request: HttpRequest, request_id: int) -> dict[str, Any]:
    return _detail(privacy_request_get(actor=actor_of(request), request_id=request_id))


@staff_router.post(
    "/requests/{int:request_id}/transition",
    response={200: PrivacyRequestDetailOut, **ERROR_RESPONSES},
    summary="Move a request on (in_progress, done, refused); done erases for an erasure",
)
def staff_request_transition(
    request: HttpRequest, request_id: int, payload: PrivacyTransitionIn
) -> dict[str, Any]:
    moved = privacy_request_transition(
        actor=actor_of(request),
        request_id=request_id,
        to=payload.to,
        reason=payload.reason,
        justification=payload.justification,
    )
    return _detail(moved)


@staff_router.post(
    "/requests/{int:request_id}/legal-hold",
    response={200: PrivacyRequestDetailOut, **ERROR_RESPONSES},
    summary="Record or lift a legal obligation to keep the customer's data",
)
def staff_request_legal_hold(
    request: HttpRequest, request_id: int, payload: LegalHoldIn
) -> dict[str, Any]:
    changed = privacy_request_legal_hold(
        actor=actor_of(request), request_id=request_id, legal_obligation=payload.legal_obligation
    )
    return _detail(changed)
