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
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record, diff, snapshot
from fregues.core.errors import Conflict, ErrorCollector, NotFound
from fregues.core.permissions import can, require
from fregues.interactions.models import Channel
from fregues.interactions.services import CLOCK_SKEW, interaction_record
from fregues.parties.models import ContactPoint, Party

from ..models import (
    ACTIVITY_CHANNEL,
    Activity,
    ActivityKind,
    ActivityStatus,
    CalendarFeed,
    Lead,
    Opportunity,
)
from .common import (
    ACTIVITY_REGARDING,
    OPPORTUNITY_REGARDING,
    bump,
    check_version,
    live_party,
    locked,
    now_or,
    sales_event,
    user_or_none,
)

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
# Channels a done activity may be recorded on: the outbound ones a person uses themselves
# (a social message needs its network, web forms and the portal are the customer's).
ACTIVITY_CHANNELS = [c for c in Channel.values if c not in {"social", "web_form", "portal"}]
MAX_DURATION_MINUTES = 24 * 60
MAX_REMINDER_MINUTES = 60 * 24 * 30
DEFAULT_DURATION: dict[str, int] = {"visit": 60, "meeting": 60, "call": 15}


def default_channel(kind: str) -> str:
    """The timeline channel of a kind of activity (ACTIVITY_CHANNEL), "phone" otherwise."""
    return {k.value: v for k, v in ACTIVITY_CHANNEL.items()}.get(kind, "phone")


# Fields ``activity_update`` accepts (anything else in ``data`` is an error).
UPDATABLE = {
    "kind",
    "subject",
    "notes",
    "party_id",
    "opportunity_id",
    "lead_id",
    "owner_id",
    "due_at",
    "all_day",
    "duration_minutes",
    "location",
    "channel",
    "remind_at",
    "remind_minutes_before",
}
# A calendar client polls every few minutes: remember when it last read, not every read.
FEED_READ_RESOLUTION = datetime.timedelta(minutes=15)


# ---------------------------------------------------------------- parsing input


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def parse_moment(value: Any, errors: ErrorCollector, field: str) -> tuple[Any, bool]:
    """``(aware datetime, all_day)`` from a datetime, a date, or an ISO 8601 string ("2026-12-01"
    is a whole day; "2026-12-01T14:30", without an offset, is in the server's time zone).
    ``(None, False)`` for nothing; an error on ``field`` for anything else."""
    if value in (None, ""):
        return None, False
    if isinstance(value, datetime.datetime):
        return (timezone.make_aware(value) if timezone.is_naive(value) else value), False
    if isinstance(value, datetime.date):
        return _local_midnight(value), True
    text = str(value).strip()
    try:
        # a date alone first: Python reads "2026-12-01" as a datetime at midnight too
        day = parse_date(text) if len(text) == 10 else None
        moment = None if day else parse_datetime(text)
    except ValueError:  # well formed but impossible: 2026-02-30, 25:00
        moment, day = None, None
    if day is not None:
        return _local_midnight(day), True
    if moment is not None:
        return (timezone.make_aware(moment) if timezone.is_naive(moment) else moment), False
    errors.add(
        field,
        _(
            "'%(v)s' is not a date. Use a date (2026-12-01) or a date and time "
            "(2026-12-01T14:30-03:00)."
        )
        % {"v": text[:40]},
    )
    return None, False


def _int_in(
    value: Any, errors: ErrorCollector, field: str, low: int, high: int, message: str
) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
        if isinstance(value, bool) or str(number) != str(value).strip().lstrip("+"):
            raise ValueError(value)
    except (TypeError, ValueError):
        errors.add(field, message)
        return None
    if not low <= number <= high:
        errors.add(field, message)
        return None
    return number


def _text(data: dict[str, Any], name: str, size: int, errors: ErrorCollector) -> str:
    value = str(data.get(name) or "").strip()
    if len(value) > size:
        errors.add(name, _("At most %(n)s characters.") % {"n": size})
    return value


def _owner(value: Any, errors: ErrorCollector) -> Any:
    """The active user ``value`` whose role may work activities, or an error on owner_id."""
    user = None
    if str(value).isdigit():
        user = get_user_model().objects.filter(pk=int(value), is_active=True).first()
    if user is None:
        errors.add("owner_id", _("User %(id)s does not exist or is not active.") % {"id": value})
        return None
    if not can(user, "activity.change"):
        errors.add(
            "owner_id",
            _("%(name)s's role cannot hold activities.") % {"name": user.display_name},
        )
        return None
    return user


def _primary_address(party: Party) -> str:
    point = (
        ContactPoint.objects.filter(party=party, kind="address")
        .order_by("-is_primary", "id")
        .first()
    )
    return point.value[:300] if point else ""


def _links(
    data: dict[str, Any], errors: ErrorCollector, current: Activity | None = None
) -> tuple[Party | None, Opportunity | None, Lead | None]:
    """The customer, deal and lead an activity is for. A deal implies its customer, as does a
    converted lead; a deal or lead of another customer is an error."""

    def given(name: str) -> tuple[bool, Any]:
        if name in data:
            return True, data[name]
        return False, getattr(current, name, None) if current else None

    _p, party_id = given("party_id")
    _o, opportunity_id = given("opportunity_id")
    _l, lead_id = given("lead_id")
    party = live_party(party_id, errors, required=False)
    opportunity = None
    if opportunity_id not in (None, ""):
        if str(opportunity_id).isdigit():
            opportunity = (
                Opportunity.objects.select_related("party").filter(pk=int(opportunity_id)).first()
            )
        if opportunity is None:
            errors.add(
                "opportunity_id", _("Opportunity %(id)s does not exist.") % {"id": opportunity_id}
            )
        elif party is None:
            party = opportunity.party
        elif opportunity.party_id != party.pk:
            errors.add(
                "opportunity_id",
                _("This deal belongs to another customer (%(name)s).")
                % {"name": opportunity.party.name},
            )
    lead = None
    if lead_id not in (None, ""):
        if str(lead_id).isdigit():
            lead = Lead.objects.filter(pk=int(lead_id)).first()
        if lead is None:
            errors.add("lead_id", _("Lead %(id)s does not exist.") % {"id": lead_id})
        elif lead.party_id:
            lead_party = live_party(lead.party_id, ErrorCollector(), required=False)
            if party is None:
                party = lead_party
            elif lead_party is not None and lead_party.pk != party.pk:
                errors.add("lead_id", _("This lead became another customer."))
    return party, opportunity, lead


def _clean(
    data: dict[str, Any], errors: ErrorCollector, actor: Any, current: Activity | None = None
) -> dict[str, Any]:
    """Every field of an activity from ``data`` (over ``current`` when updating), checked."""
    out: dict[str, Any] = {}

    def present(name: str) -> bool:
        return current is None or name in data

    if present("kind"):
        kind = str(data.get("kind") or "").strip().lower()
        if kind not in ActivityKind.values:
            errors.add(
                "kind",
                _("Unknown kind '%(v)s'. Choose one of: %(c)s.")
                % {"v": kind, "c": ", ".join(ActivityKind.values)},
            )
        out["kind"] = kind
    kind = out.get("kind") or (current.kind if current else "")
    if present("subject"):
        out["subject"] = _text(data, "subject", 200, errors)
        if not out["subject"]:
            errors.add("subject", _("Say what the activity is about."))
    if present("notes"):
        out["notes"] = str(data.get("notes") or "").strip()
    if present("location"):
        out["location"] = _text(data, "location", 300, errors)
    kind_moved = current is not None and "kind" in data and current.kind != kind
    # a channel chosen by hand stays; the old kind's default follows the new kind
    if (
        kind_moved
        and current is not None
        and "channel" not in data
        and current.channel
        and current.channel != default_channel(current.kind)
    ):
        data = {**data, "channel": current.channel}
    if present("channel") or kind_moved:
        channel = str(data.get("channel") or "").strip().lower()
        if not channel:
            channel = default_channel(kind) if kind in ActivityKind.values else ""
        elif channel not in ACTIVITY_CHANNELS:
            errors.add(
                "channel",
                _("Unknown channel '%(v)s'. Choose one of: %(c)s.")
                % {"v": channel, "c": ", ".join(ACTIVITY_CHANNELS)},
            )
        out["channel"] = channel
    if present("duration_minutes"):
        duration = _int_in(
            data.get("duration_minutes"),
            errors,
            "duration_minutes",
            0,
            MAX_DURATION_MINUTES,
            _("Duration is a number of minutes (0 to %(n)s).") % {"n": MAX_DURATION_MINUTES},
        )
        out["duration_minutes"] = (
            duration if duration is not None else DEFAULT_DURATION.get(kind, 30)
        )
    if present("owner_id"):
        owner_id = data.get("owner_id")
        if owner_id in (None, ""):
            if user_or_none(actor) is None:
                errors.add("owner_id", _("Choose who will do it."))
                out["owner"] = None
            else:
                out["owner"] = _owner(actor.pk, errors)
        else:
            out["owner"] = _owner(owner_id, errors)

    # When: a time, or a whole day.
    if present("due_at") or "all_day" in data:
        raw = data.get("due_at") if "due_at" in data or current is None else current.due_at
        due_at, all_day = parse_moment(raw, errors, "due_at")
        if data.get("all_day") and due_at is not None and not all_day:
            due_at, all_day = _local_midnight(timezone.localtime(due_at).date()), True
        if due_at is None and "due_at" not in errors.errors:
            errors.add("due_at", _("Say when: a date, or a date and time."))
        out["due_at"], out["all_day"] = due_at, all_day
    due_at = out.get("due_at", current.due_at if current else None)
    all_day = out.get("all_day", current.all_day if current else False)

    # The reminder: at a moment, or some minutes before.
    touched = present("remind_at") or present("remind_minutes_before")
    if touched or ("due_at" in out and current is not None and current.remind_at):
        remind_at, _day = parse_moment(data.get("remind_at"), errors, "remind_at")
        before = _int_in(
            data.get("remind_minutes_before"),
            errors,
            "remind_minutes_before",
            0,
            MAX_REMINDER_MINUTES,
            _("Minutes before is a number from 0 to %(n)s.") % {"n": MAX_REMINDER_MINUTES},
        )
        if remind_at is not None and before is not None:
            errors.add("remind_at", _("Give a reminder time or minutes before, not both."))
        if not touched and current is not None and current.remind_at and current.due_at:
            # moved: the reminder keeps its distance to the activity
            before = int((current.due_at - current.remind_at).total_seconds() // 60)
        if before is not None and due_at is not None:
            remind_at = due_at - datetime.timedelta(minutes=before)
        latest = due_at + datetime.timedelta(days=1 if all_day else 0) if due_at else None
        if remind_at is not None and latest is not None and remind_at > latest:
            errors.add("remind_at", _("The reminder must come before the activity."))
        out["remind_at"] = remind_at
    return out


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
    fields = _clean(data, errors, actor)
    party, opportunity, lead = _links(data, errors)
    _visit_needs_customer(fields.get("kind"), party, lead, errors)
    errors.raise_if_any()
    if fields["kind"] == ActivityKind.VISIT and not fields["location"] and party is not None:
        fields["location"] = _primary_address(party)
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


def _visit_needs_customer(
    kind: str | None, party: Party | None, lead: Lead | None, errors: ErrorCollector
) -> None:
    if kind == ActivityKind.VISIT and party is None and lead is None:
        errors.add("party_id", _("A visit is to a customer: choose one."))


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
    fields = _clean(data, errors, actor, current)
    links = {"party_id", "opportunity_id", "lead_id"}
    if links & set(data):
        party, opportunity, lead = _links(data, errors, current)
    else:
        party, opportunity, lead = current.party, current.opportunity, current.lead
    _visit_needs_customer(fields.get("kind", current.kind), party, lead, errors)
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
    duration = _int_in(
        duration_minutes,
        errors,
        "duration_minutes",
        0,
        MAX_DURATION_MINUTES,
        _("Duration is a number of minutes (0 to %(n)s).") % {"n": MAX_DURATION_MINUTES},
    )
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
