"""Activities: the tasks, calls, meetings and visits of the people who work customers.

An activity is planned (with a time, a place, a reminder), then done — and a done activity
lands on the customer's timeline as an outbound interaction, so every department sees the
visit or the call — or cancelled. Reminders go out by e-mail through the task queue, once.
Each user has a secret calendar address (an ICS feed) that their phone's calendar reads.
"""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record, diff, snapshot
from fregues.core.errors import Conflict, ErrorCollector, NotFound
from fregues.core.permissions import require
from fregues.interactions.services import CLOCK_SKEW, interaction_record

from ..models import Activity, ActivityKind, ActivityStatus, CalendarFeed
from .activity_input import (
    ACTIVITY_CHANNELS,
    DEFAULT_DURATION,
    UPDATABLE,
    activity_links,
    clean_activity,
    default_channel,
    duration_or_error,
    parse_moment,
    primary_address,
    visit_needs_customer,
)
from .common import (
    ACTIVITY_REGARDING,
    OPPORTUNITY_REGARDING,
    bump,
    check_version,
    locked,
    now_or,
    sales_event,
    user_or_none,
)

# Re-exported for the interfaces (forms, views) that offer the same choices.
__all__ = [
    "ACTIVITY_CHANNELS",
    "DEFAULT_DURATION",
    "activity_cancel",
    "activity_complete",
    "activity_create",
    "activity_reminders_send",
    "activity_update",
    "calendar_feed_get_or_create",
    "calendar_feed_open",
    "calendar_feed_reset",
    "calendar_token",
    "default_channel",
]

ACTIVITY_AUDIT_FIELDS = (
    "kind",
    "subject",
    "party",
    "opportunity",
    "lead",
    "owner",
    "status",
    "due_at",
    "all_day",
    "duration_minutes",
    "location",
    "channel",
    "remind_at",
    "done_at",
    "outcome",
)
# A calendar client polls every few minutes: remember when it last read, not every read.
FEED_READ_RESOLUTION = datetime.timedelta(minutes=15)


# ---------------------------------------------------------------- writes


def activity_create(
    *, actor: Any, data: dict[str, Any], now: datetime.datetime | None = None
) -> Activity:
    """Plan an activity for a customer, a deal and/or a lead (or none: a task of one's own).

    ``data``: ``kind`` (task, call, meeting, visit, email), ``subject``, ``due_at`` (a date and
    time, or a date for a whole day; ``all_day`` to say so), ``duration_minutes``,
    ``location``, ``party_id`` / ``opportunity_id`` / ``lead_id``, ``owner_id`` (default: the
    actor), ``remind_at`` or ``remind_minutes_before``, ``channel`` (default by kind),
    ``notes``. A visit without a place goes to the customer's address.
    """
    require(actor, "activity.change")
    errors = ErrorCollector()
    fields = clean_activity(data, errors, actor)
    party, opportunity, lead = activity_links(data, errors)
    visit_needs_customer(fields.get("kind"), party, lead, errors)
    errors.raise_if_any()
    if fields["kind"] == ActivityKind.VISIT and not fields["location"] and party is not None:
        fields["location"] = primary_address(party)
    with transaction.atomic():
        activity = Activity.objects.create(
            party=party,
            opportunity=opportunity,
            lead=lead,
            created_by=user_or_none(actor),
            **fields,
        )
        audit_record(
            actor=actor,
            action="create",
            instance=activity,
            party_id=activity.party_id,
            summary=f"{activity.get_kind_display()}: {activity.subject}"[:300],
            changes=snapshot(activity, ACTIVITY_AUDIT_FIELDS),
        )
        sales_event(
            "activity.created",
            activity_id=activity.pk,
            party_id=activity.party_id,
            owner_id=activity.owner_id,
        )
    return activity


def _planned(activity: Activity, doing: str) -> None:
    if activity.status == ActivityStatus.PLANNED:
        return
    raise Conflict(
        _("This activity is already %(status)s: it cannot be %(doing)s.")
        % {"status": activity.get_status_display().lower(), "doing": doing},
        code=f"activity_{activity.status}",
        details={"status": activity.status},
    )


def activity_update(
    *,
    actor: Any,
    activity_id: int,
    data: dict[str, Any],
    version: int | None = None,
) -> Activity:
    """Change a planned activity (reschedule, reassign, rename...): only the fields in
    ``data``. Moving it re-arms its reminder (keeping its distance); a stale ``version`` is a
    409; a done or cancelled activity cannot change (409)."""
    require(actor, "activity.change")
    errors = ErrorCollector()
    for name in sorted(set(data) - UPDATABLE - {"version"}):
        errors.add(name, _("This field cannot be changed."))
    current = Activity.objects.filter(pk=activity_id).first()
    if current is None:
        raise NotFound(_("Activity %(id)s does not exist.") % {"id": activity_id})
    fields = clean_activity(data, errors, actor, current)
    links = {"party_id", "opportunity_id", "lead_id"}
    if links & set(data):
        party, opportunity, lead = activity_links(data, errors, current)
    else:
        party, opportunity, lead = current.party, current.opportunity, current.lead
    visit_needs_customer(fields.get("kind", current.kind), party, lead, errors)
    errors.raise_if_any()
    with transaction.atomic():
        activity = locked(Activity, activity_id, _("Activity"))
        check_version(activity, version)
        _planned(activity, _("changed"))
        before = snapshot(activity, ACTIVITY_AUDIT_FIELDS)
        if links & set(data):
            fields.update(party=party, opportunity=opportunity, lead=lead)
        for name, value in fields.items():
            setattr(activity, name, value)
        after = snapshot(activity, ACTIVITY_AUDIT_FIELDS)
        changes = diff(before, after)
        if not changes:
            return activity
        if "due_at" in changes or "remind_at" in changes:
            activity.reminded_at = None
        bump(activity, [*fields, "reminded_at"])
        audit_record(
            actor=actor,
            action="update",
            instance=activity,
            party_id=activity.party_id,
            summary=f"{activity.subject}: {', '.join(sorted(changes))}"[:300],
            changes=changes,
        )
        sales_event(
            "activity.updated",
            activity_id=activity.pk,
            party_id=activity.party_id,
            fields=sorted(changes),
        )
    return activity


def activity_complete(
    *,
    actor: Any,
    activity_id: int,
    outcome: str = "",
    notes: str | None = None,
    duration_minutes: int | None = None,
    done_at: Any = None,
    version: int | None = None,
    now: datetime.datetime | None = None,
) -> Activity:
    """Mark an activity done with what came of it. Done, it lands on the customer's timeline:
    an outbound contact on the activity's channel, by its owner, regarding the deal (or the
    activity itself), with the notes and the outcome. Completing twice is a 409; an activity
    without a customer is done without a timeline entry."""
    require(actor, "activity.change")
    now = now_or(now)
    errors = ErrorCollector()
    outcome = (outcome or "").strip()
    if len(outcome) > 300:
        errors.add("outcome", _("At most %(n)s characters.") % {"n": 300})
    duration = duration_or_error(duration_minutes, errors)
    when, _all_day = parse_moment(done_at, errors, "done_at")
    when = when or now
    if when > timezone.now() + CLOCK_SKEW:
        errors.add("done_at", _("An activity cannot be done in the future."))
    errors.raise_if_any()
    with transaction.atomic():
        activity = locked(Activity, activity_id, _("Activity"))
        check_version(activity, version)
        _planned(activity, _("completed"))
        before = snapshot(activity, ACTIVITY_AUDIT_FIELDS)
        activity.status = ActivityStatus.DONE
        activity.done_at = when
        activity.outcome = outcome
        if notes is not None:
            activity.notes = notes.strip()
        if duration is not None:
            activity.duration_minutes = duration
        if activity.party_id:
            activity.interaction = _record_on_timeline(actor, activity)
        bump(
            activity,
            ["status", "done_at", "outcome", "notes", "duration_minutes", "interaction"],
        )
        audit_record(
            actor=actor,
            action="update",
            instance=activity,
            party_id=activity.party_id,
            summary=f"{activity.subject}: done" + (f" — {outcome}" if outcome else ""),
            changes=diff(before, snapshot(activity, ACTIVITY_AUDIT_FIELDS)),
        )
        sales_event(
            "activity.completed",
            activity_id=activity.pk,
            party_id=activity.party_id,
            interaction_id=activity.interaction_id,
        )
    return activity


def _record_on_timeline(actor: Any, activity: Activity) -> Any:
    body = "\n\n".join(
        part
        for part in (
            activity.notes,
            _("Outcome: %(outcome)s") % {"outcome": activity.outcome} if activity.outcome else "",
        )
        if part
    )
    if activity.opportunity_id:
        regarding = (OPPORTUNITY_REGARDING, activity.opportunity_id)
    else:
        regarding = (ACTIVITY_REGARDING, activity.pk)
    return interaction_record(
        actor=actor,
        party_id=activity.party_id,
        data={
            "channel": activity.channel or default_channel(activity.kind),
            "direction": "out",
            "occurred_at": activity.done_at,
            "subject": activity.subject,
            "body": body,
            "outcome": activity.outcome[:60],
            "duration_seconds": activity.duration_minutes * 60,
            "regarding_type": regarding[0],
            "regarding_id": regarding[1],
            "agent_id": activity.owner_id,
        },
    ).interaction


def activity_cancel(
    *, actor: Any, activity_id: int, reason: str = "", version: int | None = None
) -> Activity:
    """Call a planned activity off (it leaves the agenda and the calendar; its reminder is
    not sent). Cancelling twice is a 409."""
    require(actor, "activity.change")
    reason = (reason or "").strip()
    errors = ErrorCollector()
    if len(reason) > 300:
        errors.add("reason", _("At most %(n)s characters.") % {"n": 300})
    errors.raise_if_any()
    with transaction.atomic():
        activity = locked(Activity, activity_id, _("Activity"))
        check_version(activity, version)
        _planned(activity, _("cancelled"))
        activity.status = ActivityStatus.CANCELLED
        activity.outcome = reason
        bump(activity, ["status", "outcome"])
        audit_record(
            actor=actor,
            action="update",
            instance=activity,
            party_id=activity.party_id,
            summary=f"{activity.subject}: cancelled" + (f" — {reason}" if reason else ""),
            changes={"status": [ActivityStatus.PLANNED, ActivityStatus.CANCELLED]},
        )
        sales_event("activity.cancelled", activity_id=activity.pk, party_id=activity.party_id)
    return activity


# ---------------------------------------------------------------- reminders


def activity_reminders_send(*, now: datetime.datetime | None = None) -> int:
    """E-mail the owners of the activities whose reminder is due, and mark them reminded.

    Called every minute by ``tasks.activity_reminders_task``. Each reminder is claimed by a
    conditional update inside its own transaction before the e-mail goes: a second worker
    running at the same time finds it claimed and skips it, so nobody is reminded twice; a
    mail server failure rolls the claim back and the next run tries again.
    """
    now = now_or(now)
    due = list(
        Activity.objects.filter(
            status=ActivityStatus.PLANNED,
            reminded_at__isnull=True,
            remind_at__isnull=False,
            remind_at__lte=now,
        )
        .order_by("remind_at", "id")
        .values_list("pk", flat=True)[:500]
    )
    sent = 0
    for activity_id in due:
        with transaction.atomic():
            claimed = Activity.objects.filter(
                pk=activity_id, status=ActivityStatus.PLANNED, reminded_at__isnull=True
            ).update(reminded_at=now)
            if not claimed:
                continue
            activity = Activity.objects.select_related("owner", "party").get(pk=activity_id)
            owner = activity.owner
            if owner.is_active and owner.email:
                _send_reminder(activity)
                sent += 1
    return sent


def _send_reminder(activity: Activity) -> None:
    owner = activity.owner
    with translation.override(owner.language or settings.LANGUAGE_CODE):
        when = (
            formats.date_format(timezone.localtime(activity.due_at).date(), "DATE_FORMAT")
            if activity.all_day
            else formats.date_format(timezone.localtime(activity.due_at), "DATETIME_FORMAT")
        )
        link = settings.PUBLIC_BASE_URL.rstrip("/") + (
            reverse("sales:activity_briefing", args=[activity.pk])
            if activity.kind == ActivityKind.VISIT and activity.party_id
            else reverse("sales:activities") + f"#activity-{activity.pk}"
        )
        lines = [
            _("Hello %(name)s,") % {"name": owner.first_name or owner.get_username()},
            "",
            _("A reminder of your %(kind)s:") % {"kind": activity.get_kind_display().lower()},
            "",
            f"  {activity.subject}",
        ]
        if activity.party is not None:
            lines.append("  " + _("Customer: %(name)s") % {"name": activity.party.name})
        lines.append("  " + _("When: %(when)s") % {"when": when})
        if activity.location:
            lines.append("  " + _("Where: %(where)s") % {"where": activity.location})
        lines += ["", link]
        subject = _("Reminder: %(subject)s — %(when)s") % {
            "subject": activity.subject,
            "when": when,
        }
        send_mail(subject[:200], "\n".join(lines), settings.DEFAULT_FROM_EMAIL, [owner.email])


# ---------------------------------------------------------------- the calendar feed


def calendar_token(user_id: int, secret: str) -> str:
    """The token of a user's calendar address: an HMAC over the user and the feed's secret."""
    return salted_hmac(
        "fregues.sales.calendar", f"{user_id}:{secret}", algorithm="sha256"
    ).hexdigest()[:40]


def calendar_feed_get_or_create(*, actor: Any) -> CalendarFeed:
    """The actor's calendar feed (made with a new secret the first time)."""
    require(actor, "activity.view")
    feed = CalendarFeed.objects.filter(user_id=actor.pk).first()
    if feed is not None:
        return feed
    with transaction.atomic():
        feed, created = CalendarFeed.objects.get_or_create(
            user_id=actor.pk, defaults={"secret": secrets.token_urlsafe(32)}
        )
        if created:
            audit_record(actor=actor, action="create", instance=feed, summary="calendar feed")
    return feed


def calendar_feed_reset(*, actor: Any) -> CalendarFeed:
    """Give the actor's calendar a new secret: the old address stops working at once (for a
    lost phone, or an address shared by mistake)."""
    require(actor, "activity.view")
    with transaction.atomic():
        feed = CalendarFeed.objects.select_for_update().filter(user_id=actor.pk).first()
        if feed is None:
            feed = CalendarFeed(user_id=actor.pk)
        feed.secret = secrets.token_urlsafe(32)
        feed.last_read_at = None
        feed.save()
        audit_record(actor=actor, action="update", instance=feed, summary="calendar feed reset")
    return feed


def calendar_feed_open(*, user_id: int, token: str, now: datetime.datetime | None = None) -> Any:
    """The user whose calendar address this is, or NotFound (a wrong or old token, an
    inactive user: the address simply does not exist). Notes when it was last read."""
    now = now_or(now)
    feed = CalendarFeed.objects.select_related("user").filter(user_id=user_id).first()
    if (
        feed is None
        or not feed.user.is_active
        or not constant_time_compare(calendar_token(user_id, feed.secret), token or "")
    ):
        raise NotFound(_("This calendar address does not exist."))
    if feed.last_read_at is None or now - feed.last_read_at > FEED_READ_RESOLUTION:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_read_at=now)
    return feed.user
