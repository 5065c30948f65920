"""Each user's calendar feed: a secret ICS address (``/calendar/<user>/<token>.ics``) that a
phone or desktop calendar subscribes to, without an account. The token is an HMAC over the
user and their feed's secret; a new secret makes the old address a 404."""

from __future__ import annotations

import datetime
import hashlib
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, quote_etag
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from icalendar import Alarm, Calendar, Event

from fregues.core.errors import NotFound
from fregues.core.views import service_http_errors

from ..models import Activity, ActivityKind, ActivityStatus, CalendarFeed
from ..selectors.activities import calendar_activities
from ..services.activities import (
    calendar_feed_get_or_create,
    calendar_feed_open,
    calendar_feed_reset,
    calendar_token,
)

CACHE_SECONDS = 300


def feed_url(feed: CalendarFeed) -> str:
    """The full secret address of ``feed`` (PUBLIC_BASE_URL + path)."""
    path = reverse(
        "sales:calendar_feed", args=[feed.user_id, calendar_token(feed.user_id, feed.secret)]
    )
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def _link(activity: Activity) -> str:
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    if activity.party_id and activity.kind in (ActivityKind.VISIT, ActivityKind.MEETING):
        return base + reverse("sales:activity_briefing", args=[activity.pk])
    if activity.party_id:
        return base + reverse("parties:detail", args=[activity.party_id])
    return base + reverse("sales:activity_edit", args=[activity.pk])


def _description(activity: Activity, link: str) -> str:
    lines = []
    if activity.party is not None:
        lines.append(_("Customer: %(name)s") % {"name": activity.party.name})
    if activity.opportunity is not None:
        lines.append(_("Deal: %(title)s") % {"title": activity.opportunity.title})
    if activity.lead is not None:
        lines.append(_("Lead: %(name)s") % {"name": activity.lead.name})
    if activity.notes:
        lines += ["", activity.notes]
    if activity.outcome:
        lines += ["", _("Outcome: %(outcome)s") % {"outcome": activity.outcome}]
    lines += ["", link]
    return "\n".join(lines).strip()


def _event(activity: Activity, host: str, stamp: datetime.datetime) -> Event:
    event = Event()
    event.add("uid", f"activity-{activity.pk}@{host}")
    event.add("dtstamp", stamp)
    start: datetime.date | datetime.datetime
    assert activity.due_at is not None
    if activity.all_day:
        start = timezone.localtime(activity.due_at).date()
        event.add("dtstart", start)
        event.add("dtend", start + datetime.timedelta(days=1))
        event.add("transp", "TRANSPARENT")
    else:
        start = activity.due_at.astimezone(datetime.UTC)
        event.add("dtstart", start)
        if activity.duration_minutes:
            event.add("dtend", start + datetime.timedelta(minutes=activity.duration_minutes))
    summary = f"{activity.get_kind_display()}: {activity.subject}"
    if activity.party is not None:
        summary += f" — {activity.party.name}"
    if activity.status == ActivityStatus.DONE:
        summary = "✓ " + summary
    event.add("summary", summary)
    if activity.location:
        event.add("location", activity.location)
    link = _link(activity)
    event.add("description", _description(activity, link))
    event.add("url", link)
    event.add("status", "CANCELLED" if activity.status == ActivityStatus.CANCELLED else "CONFIRMED")
    event.add("categories", [str(activity.get_kind_display())])
    event.add("created", activity.created_at)
    event.add("last-modified", activity.updated_at)
    event.add("sequence", activity.version)
    if activity.status == ActivityStatus.PLANNED and activity.remind_at:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", activity.subject)
        begins = (
            timezone.make_aware(datetime.datetime.combine(start, datetime.time()))
            if activity.all_day
            else activity.due_at
        )
        alarm.add("trigger", activity.remind_at - begins)
        event.add_component(alarm)
    return event


def build_calendar(user: Any, activities: list[Activity]) -> bytes:
    """The ICS document of ``user``'s activities, in the user's language."""
    host = urlsplit(settings.PUBLIC_BASE_URL).hostname or "fregues"
    stamp = timezone.now().astimezone(datetime.UTC).replace(microsecond=0)
    with translation.override(getattr(user, "language", "") or settings.LANGUAGE_CODE):
        calendar = Calendar()
        calendar.add("prodid", "-//Freguês//Activities//PT")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        calendar.add("x-wr-calname", _("Freguês — %(name)s") % {"name": user.display_name})
        calendar.add("x-wr-timezone", settings.TIME_ZONE)
        calendar.add(
            "refresh-interval", datetime.timedelta(minutes=15), parameters={"VALUE": "DURATION"}
        )
        calendar.add("x-published-ttl", "PT15M")
        for activity in activities:
            calendar.add_component(_event(activity, host, stamp))
        return calendar.to_ical()


@require_http_methods(["GET", "HEAD"])
def calendar_feed(request: HttpRequest, user_id: int, token: str) -> HttpResponse:
    """The ICS feed (no sign-in: the address is the secret). Calendars poll it: an unchanged
    agenda answers 304 to a conditional request, without building the document."""
    try:
        user = calendar_feed_open(user_id=user_id, token=token)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    activities = calendar_activities(user=user)
    changed = max((a.updated_at for a in activities), default=None)
    fingerprint = "|".join(
        [
            user.language or "",
            *(f"{a.pk}.{a.version}.{a.updated_at.isoformat()}" for a in activities),
        ]
    )
    etag = quote_etag(hashlib.sha256(fingerprint.encode()).hexdigest()[:32])
    last_modified = int(changed.timestamp()) if changed else None
    unchanged = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if unchanged is not None:
        _headers(unchanged, etag, last_modified)
        return unchanged
    response = HttpResponse(
        build_calendar(user, activities), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="fregues-activities.ics"'
    _headers(response, etag, last_modified)
    return response


def _headers(response: HttpResponse, etag: str, last_modified: int | None) -> None:
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified)
    response["Cache-Control"] = f"private, max-age={CACHE_SECONDS}"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"


@login_required
@require_POST
@service_http_errors
def calendar_feed_show(request: HttpRequest) -> HttpResponse:
    """Make (the first time) and show the user's calendar address on "my activities"."""
    calendar_feed_get_or_create(actor=request.user)
    return redirect(reverse("sales:activities") + "#calendar")


@login_required
@require_POST
@service_http_errors
def calendar_feed_reset_view(request: HttpRequest) -> HttpResponse:
    calendar_feed_reset(actor=request.user)
    messages.success(
        request,
        _("Your calendar has a new address. Subscribe to it again: the old one no longer works."),
    )
    return redirect(reverse("sales:activities") + "#calendar")
