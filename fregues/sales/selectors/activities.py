"""Reads on activities: one, lists with the shared filters, the owner's agenda (overdue, today,
this week, later, recently done), a customer's or a deal's, the home card, the calendar feed."""

from __future__ import annotations

import base64
import datetime
import json
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from fregues.core.errors import Invalid, NotFound
from fregues.core.permissions import PERMISSIONS, require
from fregues.parties.models import Party
from fregues.parties.selectors import party_survivor_id

from ..models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    CalendarFeed,
    Lead,
    Opportunity,
    OpportunityStatus,
)

RECENTLY_DONE = datetime.timedelta(days=7)
CALENDAR_PAST = datetime.timedelta(days=90)
CALENDAR_DONE = datetime.timedelta(days=30)
CALENDAR_LIMIT = 2000
AGENDA_LIMIT = 300


def activities() -> QuerySet[Activity]:
    return Activity.objects.select_related(
        "party", "opportunity", "opportunity__stage", "lead", "owner"
    )


def activity_get(*, actor: Any, activity_id: int) -> Activity:
    require(actor, "activity.view")
    activity = activities().filter(pk=activity_id).first()
    if activity is None:
        raise NotFound(
            _("Activity %(id)s does not exist.") % {"id": activity_id},
            details={"id": activity_id},
        )
    return activity


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def _encode(activity: Activity) -> str:
    at = activity.due_at.isoformat() if activity.due_at else None
    return base64.urlsafe_b64encode(json.dumps([at, activity.pk]).encode()).decode().rstrip("=")


def _after(qs: QuerySet[Activity], cursor: str) -> QuerySet[Activity]:
    try:
        at, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        pk = int(pk)
        moment = parse_datetime(at) if at is not None else None
        if at is not None and moment is None:
            raise ValueError(at)
    except (ValueError, TypeError) as exc:
        raise Invalid.field("cursor", "This cursor is not valid.", code="invalid_cursor") from exc
    if moment is None:
        return qs.filter(due_at__isnull=True, pk__gt=pk)
    return qs.filter(Q(due_at__gt=moment) | Q(due_at=moment, pk__gt=pk) | Q(due_at__isnull=True))


def activity_list(
    *,
    actor: Any,
    mine: bool = False,
    owner_id: int | None = None,
    kind: str | None = None,
    status: str | None = None,
    party_id: int | None = None,
    opportunity_id: int | None = None,
    lead_id: int | None = None,
    due_from: datetime.date | None = None,
    due_to: datetime.date | None = None,
    overdue: bool = False,
    q: str = "",
    cursor: str | None = None,
    limit: int = 50,
    now: datetime.datetime | None = None,
) -> tuple[list[Activity], str | None]:
    """Activities by due time (undated last), with the shared filters; keyset pages."""
    require(actor, "activity.view")
    errors: dict[str, list[str]] = {}
    if kind and kind not in ActivityKind.values:
        errors["kind"] = [
            _("Unknown kind '%(v)s'. Choose one of: %(c)s.")
            % {"v": kind, "c": ", ".join(ActivityKind.values)}
        ]
    if status and status not in ActivityStatus.values:
        errors["status"] = [
            _("Unknown status '%(v)s'. Choose one of: %(c)s.")
            % {"v": status, "c": ", ".join(ActivityStatus.values)}
        ]
    if errors:
        raise Invalid(_("The filters are not valid."), errors=errors)
    qs = activities()
    if mine:
        qs = qs.filter(owner_id=actor.pk)
    elif owner_id:
        qs = qs.filter(owner_id=owner_id)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if party_id:
        qs = qs.filter(party_id=party_id)
    if opportunity_id:
        qs = qs.filter(opportunity_id=opportunity_id)
    if lead_id:
        qs = qs.filter(lead_id=lead_id)
    if due_from:
        qs = qs.filter(due_at__gte=_day_start(due_from))
    if due_to:
        qs = qs.filter(due_at__lt=_day_start(due_to + datetime.timedelta(days=1)))
    if overdue:
        qs = qs.filter(status=ActivityStatus.PLANNED, due_at__lt=now or timezone.now())
    if q:
        qs = qs.filter(subject__icontains=q.strip())
    if cursor:
        qs = _after(qs, cursor)
    rows = list(qs.order_by(F("due_at").asc(nulls_last=True), "id")[: limit + 1])
    next_cursor = _encode(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor


@dataclass
class Agenda:
    """One person's (or everyone's) activities in the groups a salesperson plans a day by."""

    overdue: list[Activity] = field(default_factory=list)
    today: list[Activity] = field(default_factory=list)
    week: list[Activity] = field(default_factory=list)
    later: list[Activity] = field(default_factory=list)
    done: list[Activity] = field(default_factory=list)
    truncated: bool = False

    @property
    def planned_count(self) -> int:
        return len(self.overdue) + len(self.today) + len(self.week) + len(self.later)

    def groups(self) -> list[tuple[str, str, list[Activity]]]:
        return [
            ("overdue", _("Overdue"), self.overdue),
            ("today", _("Today"), self.today),
            ("week", _("Next 7 days"), self.week),
            ("later", _("Later"), self.later),
            ("done", _("Recently done"), self.done),
        ]


def activity_agenda(
    *,
    actor: Any,
    owner_id: int | None = None,
    everyone: bool = False,
    kind: str | None = None,
    now: datetime.datetime | None = None,
) -> Agenda:
    """The planned activities of ``owner_id`` (default: the actor; ``everyone`` for a
    manager's view) grouped by when they are due, and those done in the last seven days.
    Two queries."""
    require(actor, "activity.view")
    now = now or timezone.now()
    today = timezone.localdate(now)
    tomorrow = _day_start(today + datetime.timedelta(days=1))
    week_end = _day_start(today + datetime.timedelta(days=8))
    start = _day_start(today)
    qs = activities()
    if not everyone:
        qs = qs.filter(owner_id=owner_id or actor.pk)
    if kind in ActivityKind.values:
        qs = qs.filter(kind=kind)
    agenda = Agenda()
    planned = list(
        qs.filter(status=ActivityStatus.PLANNED).order_by(F("due_at").asc(nulls_last=True), "id")[
            : AGENDA_LIMIT + 1
        ]
    )
    agenda.truncated = len(planned) > AGENDA_LIMIT
    for activity in planned[:AGENDA_LIMIT]:
        due = activity.due_at
        if due is None or due >= week_end:
            agenda.later.append(activity)
        elif due >= tomorrow:
            agenda.week.append(activity)
        elif due >= start:
            if activity.all_day or due >= now:
                agenda.today.append(activity)
            else:
                agenda.overdue.append(activity)
        else:
            agenda.overdue.append(activity)
    agenda.done = list(
        qs.filter(status=ActivityStatus.DONE, done_at__gte=now - RECENTLY_DONE).order_by(
            "-done_at", "-id"
        )[:50]
    )
    return agenda


def is_overdue(activity: Activity, now: datetime.datetime | None = None) -> bool:
    """Planned and past its time (a whole-day activity only once its day has passed)."""
    if activity.status != ActivityStatus.PLANNED or activity.due_at is None:
        return False
    now = now or timezone.now()
    if activity.all_day:
        return timezone.localtime(activity.due_at).date() < timezone.localdate(now)
    return activity.due_at < now


def party_upcoming_activities(*, actor: Any, party_id: int, limit: int = 5) -> list[Activity]:
    """A customer's next planned activities, soonest first (the overdue ones included)."""
    require(actor, "activity.view")
    return list(
        activities()
        .filter(party_id=party_id, status=ActivityStatus.PLANNED)
        .order_by(F("due_at").asc(nulls_last=True), "id")[:limit]
    )


def opportunity_activities(
    *, actor: Any, opportunity_id: int, done_limit: int = 5
) -> tuple[list[Activity], list[Activity]]:
    """A deal's planned activities (soonest first) and its last done ones."""
    require(actor, "activity.view")
    qs = activities().filter(opportunity_id=opportunity_id)
    planned = list(
        qs.filter(status=ActivityStatus.PLANNED).order_by(F("due_at").asc(nulls_last=True), "id")[
            :50
        ]
    )
    done = list(qs.filter(status=ActivityStatus.DONE).order_by("-done_at", "-id")[:done_limit])
    return planned, done


@dataclass
class MyDay:
    overdue: list[Activity]
    overdue_count: int
    today: list[Activity]


def my_day(*, actor: Any, now: datetime.datetime | None = None, limit: int = 5) -> MyDay:
    """The home card: what is overdue and what is due today for the signed-in user."""
    require(actor, "activity.view")
    now = now or timezone.now()
    today = timezone.localdate(now)
    start = _day_start(today)
    tomorrow = _day_start(today + datetime.timedelta(days=1))
    rows = list(
        activities()
        .filter(owner_id=actor.pk, status=ActivityStatus.PLANNED, due_at__lt=tomorrow)
        .order_by("due_at", "id")[:200]
    )
    overdue = [
        a
        for a in rows
        if a.due_at is not None and (a.due_at < start or (not a.all_day and a.due_at < now))
    ]
    today_rows = [a for a in rows if a not in overdue]
    return MyDay(overdue=overdue[:limit], overdue_count=len(overdue), today=today_rows[:limit])


def calendar_activities(*, user: Any, now: datetime.datetime | None = None) -> list[Activity]:
    """What a user's calendar feed shows: their planned activities from the last 90 days on,
    and what they did or cancelled in the last 30 days."""
    now = now or timezone.now()
    return list(
        activities()
        .filter(owner=user, due_at__isnull=False)
        .filter(
            Q(status=ActivityStatus.PLANNED, due_at__gte=now - CALENDAR_PAST)
            | Q(status=ActivityStatus.DONE, done_at__gte=now - CALENDAR_DONE)
            | Q(status=ActivityStatus.CANCELLED, updated_at__gte=now - CALENDAR_DONE)
        )
        .order_by("due_at", "id")[:CALENDAR_LIMIT]
    )


def activity_owner_choices() -> list[Any]:
    """The active users whose role may hold activities, by name."""
    roles = PERMISSIONS["activity.change"]
    return list(
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(role__in=roles) | Q(is_superuser=True))
        .order_by("first_name", "last_name", "username")
    )


def calendar_feed_get(*, actor: Any) -> Any:
    """The actor's calendar feed, or None before they first asked for its address."""
    require(actor, "activity.view")
    return CalendarFeed.objects.filter(user_id=actor.pk).first()


@dataclass
class FormContext:
    """What the activity form starts from: the customer, deal or lead it was opened for, and
    the customer's open deals to choose from."""

    party: Any = None
    opportunity: Any = None
    lead: Any = None
    deals: list[Any] = field(default_factory=list)


def activity_form_context(
    *,
    actor: Any,
    party_id: int | None = None,
    opportunity_id: int | None = None,
    lead_id: int | None = None,
) -> FormContext:
    """The records an activity form was opened from (``?party=``, ``?opportunity=``,
    ``?lead=``); a merged customer is followed to the survivor. Unknown ids are left out."""
    require(actor, "activity.view")
    found = FormContext()
    if opportunity_id:
        found.opportunity = (
            Opportunity.objects.select_related("party", "stage").filter(pk=opportunity_id).first()
        )
        if found.opportunity is not None:
            party_id = found.opportunity.party_id
    if lead_id:
        found.lead = Lead.objects.filter(pk=lead_id).first()
        if found.lead is not None and found.lead.party_id and not party_id:
            party_id = found.lead.party_id
    if party_id:
        party = Party.objects.filter(pk=party_id).first()
        if party is not None and party.merged_into_id:
            party = Party.objects.filter(pk=party_survivor_id(party.pk)).first()
        found.party = party
    if found.party is not None:
        found.deals = list(
            Opportunity.objects.filter(party=found.party, status=OpportunityStatus.OPEN).order_by(
                "title", "id"
            )[:50]
        )
        if found.opportunity is not None and found.opportunity not in found.deals:
            found.deals.append(found.opportunity)
    return found
