"""Reading what a caller sends to plan or change an activity: kinds, times (a date and time,
or a whole day), durations, reminders, owners, and the customer, deal and lead it is for.
Every field is checked and every error collected (``ErrorCollector``) before anything is
written; the services in ``activities.py`` use these."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from fregues.core.errors import ErrorCollector
from fregues.core.permissions import can
from fregues.interactions.models import Channel
from fregues.parties.models import ContactPoint, Party

from ..models import ACTIVITY_CHANNEL, Activity, ActivityKind, Lead, Opportunity
from .common import live_party, user_or_none

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


def duration_or_error(value: Any, errors: ErrorCollector) -> int | None:
    return _int_in(
        value,
        errors,
        "duration_minutes",
        0,
        MAX_DURATION_MINUTES,
        _("Duration is a number of minutes (0 to %(n)s).") % {"n": MAX_DURATION_MINUTES},
    )


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


def primary_address(party: Party) -> str:
    point = (
        ContactPoint.objects.filter(party=party, kind="address")
        .order_by("-is_primary", "id")
        .first()
    )
    return point.value[:300] if point else ""


def activity_links(
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


def clean_activity(
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
        duration = duration_or_error(data.get("duration_minutes"), errors)
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


def visit_needs_customer(
    kind: str | None, party: Party | None, lead: Lead | None, errors: ErrorCollector
) -> None:
    if kind == ActivityKind.VISIT and party is None and lead is None:
        errors.add("party_id", _("A visit is to a customer: choose one."))
