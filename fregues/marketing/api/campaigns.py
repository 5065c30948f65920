"""/api/v1/campaigns: write, test, send (plan + schedule), pause, resume, cancel, report,
recipients; /api/v1/campaigns/bounces for a mail provider's webhook or an integrator.

Reading needs ``campaign.view``; writing ``campaign.change``; sending, pausing and reporting
bounces ``campaign.send`` (marketing and admins).
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Status

from fregues.core.api_utils import actor_of, version_from
from fregues.core.schemas import ERROR_RESPONSES

from ..schemas.campaigns import (
    BounceIn,
    CampaignIn,
    CampaignOut,
    CampaignPage,
    CampaignPatch,
    RecipientOut,
    RecipientPage,
    RecipientRef,
    ReportOut,
    SendIn,
    TestIn,
    TestOut,
)
from ..selectors import campaigns as selectors
from ..services import campaign_tracking as tracking
from ..services import campaigns as services

router = Router(tags=["Marketing"])


def _out(request: HttpRequest, campaign_id: int) -> CampaignOut:
    return CampaignOut.build(
        selectors.campaign_get(actor=actor_of(request), campaign_id=campaign_id)
    )


@router.get("", response={200: CampaignPage, **ERROR_RESPONSES}, summary="List campaigns")
def list_campaigns(
    request: HttpRequest,
    status: str | None = None,
    offset: int = Query(0, ge=0),
    limit: int = Query(50, ge=1, le=200),
) -> CampaignPage:
    """Newest first, with how many were targeted and sent (texts not included)."""
    rows, total = selectors.campaign_list(
        actor=actor_of(request), status=status, offset=offset, limit=limit
    )
    return CampaignPage(items=[CampaignOut.build(c, messages=False) for c in rows], total=total)


@router.post("", response={201: CampaignOut, **ERROR_RESPONSES}, summary="Create a campaign")
def create_campaign(request: HttpRequest, payload: CampaignIn) -> Status[CampaignOut]:
    """A draft. A text that does not compile, or uses a tag or name outside the allowed ones,
    is a 422 on ``messages.N.body`` and nothing is written."""
    campaign = services.campaign_create(actor=actor_of(request), data=payload.dict())
    return Status(201, _out(request, campaign.pk))


@router.post("/bounces", response={200: RecipientRef, **ERROR_RESPONSES}, summary="A bounce")
def report_bounce(request: HttpRequest, payload: BounceIn) -> RecipientRef:
    """A message came back (by ``message_id`` or ``recipient_id``): the recipient is marked
    bounced; a hard bounce also puts the address on the suppression list."""
    recipient = tracking.campaign_bounce(
        actor=actor_of(request),
        message_id=payload.message_id,
        recipient_id=payload.recipient_id,
        hard=payload.hard,
        detail=payload.detail,
    )
    return RecipientRef(id=recipient.pk, campaign_id=recipient.campaign_id, status=recipient.status)


@router.get("/{int:campaign_id}", response={200: CampaignOut, **ERROR_RESPONSES})
def get_campaign(request: HttpRequest, campaign_id: int) -> CampaignOut:
    return _out(request, campaign_id)


@router.patch("/{int:campaign_id}", response={200: CampaignOut, **ERROR_RESPONSES})
def update_campaign(request: HttpRequest, campaign_id: int, payload: CampaignPatch) -> CampaignOut:
    """Change the fields sent (``messages`` replaces all texts); a stale ``version`` (or
    If-Match) is a 409; a campaign that started sending is a 409."""
    services.campaign_update(
        actor=actor_of(request),
        campaign_id=campaign_id,
        data=payload.dict(exclude_unset=True, exclude={"version"}),
        version=version_from(request, payload.version),
    )
    return _out(request, campaign_id)


@router.post("/{int:campaign_id}/test", response={200: TestOut, **ERROR_RESPONSES})
def test_campaign(request: HttpRequest, campaign_id: int, payload: TestIn) -> TestOut:
    """Send a copy marked [TEST] (not counted, on no timeline) to ``to`` or to yourself."""
    actor = actor_of(request)
    to = payload.to or getattr(actor, "email", "")
    message_id = services.campaign_test_send(
        actor=actor, campaign_id=campaign_id, to=to, language=payload.language
    )
    return TestOut(message_id=message_id, to=to)


@router.post("/{int:campaign_id}/send", response={200: CampaignOut, **ERROR_RESPONSES})
def send_campaign(request: HttpRequest, campaign_id: int, payload: SendIn) -> CampaignOut:
    """Plan (who gets it, who is skipped and why) and schedule it: now, or at
    ``scheduled_at``. Sending runs in the background, throttled."""
    services.campaign_schedule(
        actor=actor_of(request),
        campaign_id=campaign_id,
        at=payload.scheduled_at,
        version=version_from(request, payload.version),
    )
    return _out(request, campaign_id)


@router.post("/{int:campaign_id}/pause", response={200: CampaignOut, **ERROR_RESPONSES})
def pause_campaign(request: HttpRequest, campaign_id: int) -> CampaignOut:
    services.campaign_pause(actor=actor_of(request), campaign_id=campaign_id)
    return _out(request, campaign_id)


@router.post("/{int:campaign_id}/resume", response={200: CampaignOut, **ERROR_RESPONSES})
def resume_campaign(request: HttpRequest, campaign_id: int) -> CampaignOut:
    """Continue; a message a dead worker left in flight is marked failed, never resent."""
    services.campaign_resume(actor=actor_of(request), campaign_id=campaign_id)
    return _out(request, campaign_id)


@router.post("/{int:campaign_id}/cancel", response={200: CampaignOut, **ERROR_RESPONSES})
def cancel_campaign(request: HttpRequest, campaign_id: int) -> CampaignOut:
    services.campaign_cancel(actor=actor_of(request), campaign_id=campaign_id)
    return _out(request, campaign_id)


@router.get("/{int:campaign_id}/report", response={200: ReportOut, **ERROR_RESPONSES})
def campaign_report(request: HttpRequest, campaign_id: int) -> ReportOut:
    """Targeted, skipped by reason (code, label, count), sent, failed, bounced, clicked,
    unsubscribed, converted (an order within ``conversion_days``), and rates."""
    return ReportOut.build(
        selectors.campaign_report(actor=actor_of(request), campaign_id=campaign_id)
    )


@router.get("/{int:campaign_id}/recipients", response={200: RecipientPage, **ERROR_RESPONSES})
def campaign_recipients(
    request: HttpRequest,
    campaign_id: int,
    status: str | None = None,
    reason: str | None = Query(None, description="A skip reason code, e.g. open_complaint."),
    offset: int = Query(0, ge=0),
    limit: int = Query(50, ge=1, le=500),
) -> RecipientPage:
    rows, total = selectors.campaign_recipients(
        actor=actor_of(request),
        campaign_id=campaign_id,
        status=status,
        reason=reason,
        offset=offset,
        limit=limit,
    )
    return RecipientPage(items=[RecipientOut.build(r) for r in rows], total=total)
