"""Telephony reads: the agent's pending screen-pop (polled every ~700 ms, so one indexed
query), the card it shows, and the calls screen."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone

from fregues.accounts.selectors import user_list
from fregues.core.permissions import can, require
from fregues.interactions.models import Interaction
from fregues.parties.models import Party
from fregues.service.models import Case as ServiceCase
from fregues.service.selectors.cases import open_cases_for_party

from ..models import Call, CallState

# A call pops for this long after it starts ringing; an ended one stays until dismissed or
# for the linger below, whichever is first.
POP_WINDOW = datetime.timedelta(hours=1)
POP_LINGER = datetime.timedelta(minutes=10)
FINAL = (CallState.ENDED, CallState.MISSED)


@dataclass(frozen=True)
class PendingPop:
    call_id: int
    state: str

    @property
    def token(self) -> str:
        """What the browser sends back on its next poll: unchanged means nothing to redraw."""
        return f"{self.call_id}:{self.state}"


def call_pending(*, actor: Any) -> PendingPop | None:
    """The newest call ringing (or rung) for ``actor`` that they have not dismissed: one query
    on the partial index ``call_pending_pop``."""
    if not can(actor, "call.view"):
        return None
    now = timezone.now()
    row = pending_queryset(actor.pk, now).first()
    if row is None:
        return None
    pk, state, ended_at = row
    if state in FINAL and ended_at is not None and ended_at < now - POP_LINGER:
        return None
    return PendingPop(pk, state)


def pending_queryset(agent_id: int, now: datetime.datetime) -> QuerySet[Any]:
    """The poll's query (its own function so a test can read its plan)."""
    return (
        Call.objects.filter(
            agent_id=agent_id, dismissed_at__isnull=True, started_at__gte=now - POP_WINDOW
        )
        .exclude(state=CallState.REQUESTED)
        .order_by("-started_at")
        .values_list("pk", "state", "ended_at")
    )


@dataclass
class PopCard:
    """What the screen-pop shows: the call, and the caller's page in brief (or nothing known:
    the "new caller" card)."""

    call: Call
    party: Party | None
    open_cases: list[ServiceCase] = field(default_factory=list)
    last_contacts: list[Interaction] = field(default_factory=list)


def call_pop_get(*, actor: Any, call_id: int) -> PopCard | None:
    """The card of one of ``actor``'s calls; None when it is not theirs."""
    require(actor, "call.view")
    call = Call.objects.select_related("party").filter(pk=call_id, agent_id=actor.pk).first()
    if call is None:
        return None
    party = call.party
    if party is None or party.merged_into_id:
        return PopCard(call, None)
    cases = (
        open_cases_for_party(actor=actor, party_id=party.pk)[:3] if can(actor, "case.view") else []
    )
    contacts = list(
        Interaction.objects.filter(party_id=party.pk)
        .exclude(external_id=call.external_id)
        .order_by("-occurred_at", "-id")[:3]
    )
    return PopCard(call, party, cases, contacts)


def call_list(*, actor: Any, limit: int = 100) -> QuerySet[Call]:
    """Recent calls, the missed ones of the last day first (someone should call them back)."""
    require(actor, "call.view")
    since = timezone.now() - datetime.timedelta(days=1)
    missed_first = Case(
        When(state=CallState.MISSED, started_at__gte=since, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return (
        Call.objects.select_related("party", "agent")
        .annotate(missed_first=missed_first)
        .order_by("missed_first", "-started_at", "-id")[:limit]
    )


@dataclass
class ExtensionRow:
    user: Any
    extension: str


def agent_extension_rows(*, actor: Any) -> list[ExtensionRow]:
    """Every active user who may take calls, with the extension that rings them ("" none)."""
    require(actor, "channel.configure")
    users = user_list(actor=actor).select_related("phone_extension")
    return [
        ExtensionRow(user, getattr(getattr(user, "phone_extension", None), "extension", ""))
        for user in users
        if can(user, "call.view")
    ]
