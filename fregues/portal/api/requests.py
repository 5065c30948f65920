"""/api/v1/portal/case-types and /api/v1/portal/requests: the customer's requests."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import get_language
from ninja import File, Form, Router, Status, UploadedFile

from fregues.core.schemas import ERROR_RESPONSES, ErrorOut

from ..auth import portal_auth
from ..schemas.requests import (
    PortalCaseTypeOut,
    PortalHistoryOut,
    PortalMessageOut,
    PortalReplyIn,
    PortalRequestDetailOut,
    PortalRequestOpenedOut,
    PortalRequestOpenIn,
    PortalRequestOut,
    PortalSurveyIn,
    PortalSurveyOut,
)
from ..selectors.requests import (
    portal_case_types,
    portal_request_view,
    portal_requests_list,
    type_name,
)
from ..services.requests import (
    portal_request_open,
    portal_request_reply,
    portal_survey_answer,
)
from ..texts import opened_message
from ..uploads import uploads_from

router = Router(tags=["portal"], auth=portal_auth)
RESPONSES: dict[int, Any] = {**ERROR_RESPONSES, 429: ErrorOut}


def _party(request: HttpRequest) -> Any:
    return request.auth.party  # type: ignore[attr-defined]


@router.get("/case-types", response={200: list[PortalCaseTypeOut], **ERROR_RESPONSES})
def portal_case_types_list(request: HttpRequest) -> list[PortalCaseTypeOut]:
    """The kinds of request a customer may open in the portal."""
    language = get_language()
    return [
        PortalCaseTypeOut(code=t.code, name=type_name(t, language), categories=t.categories)
        for t in portal_case_types()
    ]


@router.get("/requests", response={200: list[PortalRequestOut], **ERROR_RESPONSES})
def portal_requests(request: HttpRequest) -> list[PortalRequestOut]:
    """The customer's requests (and their organisation's, when staff allow), newest first."""
    rows = portal_requests_list(party=_party(request), language=get_language())
    return [
        PortalRequestOut(
            protocol=r.protocol,
            subject=r.subject,
            case_type=r.case_type,
            status=r.status,
            status_category=r.status_category,
            is_open=r.is_open,
            opened_at=r.opened_at,
            status_changed_at=r.status_changed_at,
            customer_name=r.customer_name,
        )
        for r in rows
    ]


@router.post("/requests", response={201: PortalRequestOpenedOut, **RESPONSES})
def portal_request_create(
    request: HttpRequest,
    payload: Form[PortalRequestOpenIn],
    files: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Status[PortalRequestOpenedOut]:
    """Open a request (multipart: the fields and up to PORTAL_ATTACHMENT_MAX_FILES ``files``).
    A similar open request of the customer takes the message instead (``created`` false);
    429 ``rate_limited`` past PORTAL_WRITES_PER_HOUR requests and replies an hour."""
    opened = portal_request_open(
        actor=None,
        party=_party(request),
        case_type=payload.case_type,
        subject=payload.subject,
        description=payload.description,
        attachments=uploads_from(files),
    )
    return Status(
        201,
        PortalRequestOpenedOut(
            protocol=opened.case.protocol,
            created=opened.created,
            message=opened_message(opened.case.protocol, opened.created),
        ),
    )


def _detail(request: HttpRequest, protocol: str) -> PortalRequestDetailOut:
    view = portal_request_view(party=_party(request), protocol=protocol, language=get_language())
    return PortalRequestDetailOut(
        protocol=view["protocol"],
        subject=view["subject"],
        case_type=view["case_type"],
        status=view["status"],
        status_description=view["status_description"],
        status_category=view["status_category"],
        is_open=view["is_open"],
        opened_at=view["opened_at"],
        customer_name=view["customer_name"],
        can_reply=view["can_reply"],
        survey_due=view["survey_due"],
        survey_score=view["survey_score"],
        history=[
            PortalHistoryOut(
                at=h["at"], status=h.get("status", ""), description=h.get("description", "")
            )
            for h in view["history"]
        ],
        messages=[
            PortalMessageOut(
                occurred_at=m.occurred_at,
                from_customer=m.from_customer,
                author=str(m.author),
                body=m.body,
                attachments=m.attachments,
            )
            for m in view["messages"]
        ],
    )


@router.get("/requests/{protocol}", response={200: PortalRequestDetailOut, **ERROR_RESPONSES})
def portal_request_detail(request: HttpRequest, protocol: str) -> PortalRequestDetailOut:
    """One request: status, public history and messages (never internal notes). Another
    customer's protocol is 404."""
    return _detail(request, protocol)


@router.post("/requests/{protocol}/replies", response={201: PortalRequestDetailOut, **RESPONSES})
def portal_request_replies(
    request: HttpRequest,
    protocol: str,
    payload: Form[PortalReplyIn],
    files: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Status[PortalRequestDetailOut]:
    """Write on a request (multipart: ``body`` and ``files``). A request waiting on the
    customer goes back to our team."""
    portal_request_reply(
        actor=None,
        party=_party(request),
        protocol=protocol,
        body=payload.body,
        attachments=uploads_from(files),
    )
    return Status(201, _detail(request, protocol))


@router.post("/requests/{protocol}/survey", response={200: PortalSurveyOut, **ERROR_RESPONSES})
def portal_request_survey(
    request: HttpRequest, protocol: str, payload: PortalSurveyIn
) -> PortalSurveyOut:
    """Answer the satisfaction survey of a finished request (once; 409 when answered)."""
    survey = portal_survey_answer(
        actor=None,
        party=_party(request),
        protocol=protocol,
        score=payload.score,
        comment=payload.comment,
    )
    assert survey.score is not None and survey.answered_at is not None
    return PortalSurveyOut(protocol=protocol, score=survey.score, answered_at=survey.answered_at)
