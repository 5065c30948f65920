"""/api/v1/activities and /api/v1/parties/{id}/briefing."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from ninja import Query, Router, Status

from fregues.core.api_utils import actor_of, version_from
from fregues.core.errors import NotFound
from fregues.core.schemas import ERROR_RESPONSES

from ..filters.activities import ActivityFilters
from ..schemas.activities import (
    ActivityCancelIn,
    ActivityCompleteIn,
    ActivityIn,
    ActivityOut,
    ActivityPage,
    ActivityPatch,
    BriefingOut,
    CalendarFeedOut,
)
from ..selectors import activities as selectors
from ..selectors.briefing import party_briefing
from ..services import activities as services

router = Router(tags=["activities"])
briefing_router = Router(tags=["activities"])


def _out(request: HttpRequest, activity_id: int) -> ActivityOut:
    return ActivityOut.build(
        selectors.activity_get(actor=actor_of(request), activity_id=activity_id)
    )


@router.get("", response={200: ActivityPage, **ERROR_RESPONSES}, summary="List activities")
def list_activities(
    request: HttpRequest,
    filters: Query[ActivityFilters],
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=200),
) -> ActivityPage:
    """Activities by due time (undated last). ``mine=true`` for yours; ``overdue=true`` for
    the planned ones past due."""
    rows, next_cursor = selectors.activity_list(
        actor=actor_of(request), cursor=cursor, limit=limit, **filters.as_kwargs()
    )
    return ActivityPage(items=[ActivityOut.build(a) for a in rows], next_cursor=next_cursor)


@router.post("", response={201: ActivityOut, **ERROR_RESPONSES}, summary="Plan an activity")
def create_activity(request: HttpRequest, payload: ActivityIn) -> Status[ActivityOut]:
    """A task, call, meeting, visit or e-mail for a customer, a deal and/or a lead. A deal
    implies its customer; the owner defaults to you."""
    activity = services.activity_create(actor=actor_of(request), data=payload.dict())
    return Status(201, _out(request, activity.pk))


@router.get(
    "/calendar-feed", response={200: CalendarFeedOut, **ERROR_RESPONSES}, summary="My calendar"
)
def calendar_feed(request: HttpRequest) -> CalendarFeedOut:
    """The secret address of your calendar (ICS) for your phone's or desktop calendar."""
    feed = services.calendar_feed_get_or_create(actor=actor_of(request))
    return _feed_out(feed)


@router.post(
    "/calendar-feed/reset",
    response={200: CalendarFeedOut, **ERROR_RESPONSES},
    summary="New calendar address",
)
def reset_calendar_feed(request: HttpRequest) -> CalendarFeedOut:
    """A new secret address; the old one stops working at once."""
    return _feed_out(services.calendar_feed_reset(actor=actor_of(request)))


def _feed_out(feed: object) -> CalendarFeedOut:
    user_id = feed.user_id  # type: ignore[attr-defined]
    token = services.calendar_token(user_id, feed.secret)  # type: ignore[attr-defined]
    url = settings.PUBLIC_BASE_URL.rstrip("/") + reverse(
        "sales:calendar_feed", args=[user_id, token]
    )
    return CalendarFeedOut(
        url=url,
        webcal_url="webcal://" + url.split("://", 1)[-1],
        last_read_at=feed.last_read_at,  # type: ignore[attr-defined]
    )


@router.get("/{int:activity_id}", response={200: ActivityOut, **ERROR_RESPONSES})
def get_activity(request: HttpRequest, activity_id: int) -> ActivityOut:
    return _out(request, activity_id)


@router.api_operation(
    ["PATCH", "PUT"], "/{int:activity_id}", response={200: ActivityOut, **ERROR_RESPONSES}
)
def update_activity(request: HttpRequest, activity_id: int, payload: ActivityPatch) -> ActivityOut:
    """Reschedule, reassign or rename a planned activity: only the fields sent change. Moving
    it re-arms its reminder. Send the ``version`` you read (or ``If-Match``): 409 if stale."""
    services.activity_update(
        actor=actor_of(request),
        activity_id=activity_id,
        data=payload.changes(),
        version=version_from(request, payload.version),
    )
    return _out(request, activity_id)


@router.post("/{int:activity_id}/complete", response={200: ActivityOut, **ERROR_RESPONSES})
def complete_activity(
    request: HttpRequest, activity_id: int, payload: ActivityCompleteIn
) -> ActivityOut:
    """Mark it done with its outcome. With a customer, it lands on their timeline (an outbound
    contact on the activity's channel, regarding the deal). A second time is a 409."""
    services.activity_complete(
        actor=actor_of(request),
        activity_id=activity_id,
        outcome=payload.outcome,
        notes=payload.notes,
        duration_minutes=payload.duration_minutes,
        done_at=payload.done_at,
        version=version_from(request, payload.version),
    )
    return _out(request, activity_id)


@router.post("/{int:activity_id}/cancel", response={200: ActivityOut, **ERROR_RESPONSES})
def cancel_activity(
    request: HttpRequest, activity_id: int, payload: ActivityCancelIn
) -> ActivityOut:
    services.activity_cancel(
        actor=actor_of(request),
        activity_id=activity_id,
        reason=payload.reason,
        version=version_from(request, payload.version),
    )
    return _out(request, activity_id)


@briefing_router.get(
    "/{int:party_id}/briefing",
    response={200: BriefingOut, 301: None, **ERROR_RESPONSES},
    summary="Visit briefing",
)
def get_briefing(request: HttpRequest, party_id: int) -> HttpResponse | BriefingOut:
    """Everything open with the customer before a visit: open cases with their SLA state,
    the last contacts, open deals and quotes, recent orders, unpaid invoices, consent, notes
    to read before a visit, upcoming activities. A merged customer's id answers 301 with the
    survivor's briefing."""
    try:
        return BriefingOut.build(party_briefing(actor=actor_of(request), party_id=party_id))
    except NotFound as exc:
        if exc.code != "merged":
            raise
        response = JsonResponse(exc.as_dict(), status=301)
        response["Location"] = f"/api/v1/parties/{exc.details['merged_into']}/briefing"
        return response
