"""The agent's unified inbox: every open conversation on every channel, in one list.

A conversation is an open case (its last message, whoever holds it, its SLA state), or — for
messages no case holds — a customer's recent inbound messages nobody has answered yet. Both
come from the timeline, whatever the channel (e-mail, SMS, WhatsApp, web forms, calls): the
inbox reads, it never keeps a copy. A few queries whatever the length of the list.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.errors import Invalid
from fregues.core.permissions import require
from fregues.interactions.models import Interaction
from fregues.parties.models import Party
from fregues.service.models import Case
from fregues.service.services.common import CASE_REGARDING
from fregues.service.services.sla import sla_state

SCOPES = ("mine", "queues", "unassigned", "all")
# Unanswered messages outside any case stay in the inbox this long.
UNLINKED_DAYS = 7
EXCERPT_CHARS = 140


def channel_key(channel: str, network: str) -> str:
    """What the inbox calls a timeline channel: WhatsApp is its own channel here."""
    return network if channel == "social" and network else channel


def _channel_filter(prefix: str, channel: str) -> Q:
    if channel == "whatsapp":
        return Q(**{f"{prefix}channel": "social", f"{prefix}network": "whatsapp"})
    return Q(**{f"{prefix}channel": channel})


@dataclass
class InboxItem:
    """One conversation of the inbox."""

    party: Party
    case: Case | None
    last: Interaction | None
    waiting_since: datetime.datetime | None
    now: datetime.datetime

    @property
    def key(self) -> str:
        return f"case-{self.case.pk}" if self.case else f"party-{self.party.pk}"

    @property
    def channel(self) -> str:
        if self.last is not None:
            return channel_key(self.last.channel, self.last.network)
        return self.case.channel if self.case else ""

    @property
    def excerpt(self) -> str:
        if self.last is None:
            return ""
        text = " ".join((self.last.body or self.last.subject or "").split())
        return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"

    @property
    def waiting_minutes(self) -> int | None:
        if self.waiting_since is None:
            return None
        return max(0, int((self.now - self.waiting_since).total_seconds() // 60))

    @property
    def sla_state(self) -> str | None:
        return sla_state(self.case, self.now) if self.case else None

    def as_dict(self) -> dict[str, Any]:
        case = self.case
        return {
            "key": self.key,
            "party_id": self.party.pk,
            "party_name": self.party.name,
            "channel": self.channel,
            "case_protocol": case.protocol if case else None,
            "subject": case.subject if case else (self.last.subject if self.last else ""),
            "last_message": self.excerpt,
            "last_direction": self.last.direction if self.last else "",
            "last_at": self.last.occurred_at if self.last else None,
            "waiting_since": self.waiting_since,
            "waiting_minutes": self.waiting_minutes,
            "assignee": case.assignee.get_username() if case and case.assignee else None,
            "queue": case.queue.name if case and case.queue else None,
            "sla_state": self.sla_state,
        }


def _case_rows(actor: Any, scope: str, channel: str) -> QuerySet[Case]:
    on_case = Interaction.objects.filter(
        regarding_type=CASE_REGARDING, regarding_id=OuterRef("pk")
    ).order_by("-occurred_at", "-id")
    cases = (
        Case.objects.filter(is_open=True)
        .select_related("party", "queue", "assignee", "status")
        .annotate(
            last_id=Subquery(on_case.values("id")[:1]),
            last_channel=Subquery(on_case.values("channel")[:1]),
            last_network=Subquery(on_case.values("network")[:1]),
        )
    )
    if scope == "mine":
        cases = cases.filter(assignee_id=actor.pk)
    elif scope == "queues":
        cases = cases.filter(queue__team__members=actor)
    elif scope == "unassigned":
        cases = cases.filter(assignee__isnull=True)
    if channel:
        cases = cases.filter(_channel_filter("last_", channel))
    return cases


def _unanswered(channel: str, since: datetime.datetime) -> QuerySet[Interaction]:
    """Inbound messages no case holds and no later outbound message of ours answered."""
    answered = Interaction.objects.filter(
        party_id=OuterRef("party_id"), direction="out", occurred_at__gte=OuterRef("occurred_at")
    )
    rows = (
        Interaction.objects.filter(direction="in", regarding_type="", occurred_at__gte=since)
        .filter(~Exists(answered))
        .select_related("party")
    )
    if channel:
        rows = rows.filter(_channel_filter("", channel))
    return rows.order_by("-occurred_at", "-id")


def _caseless(
    actor: Any, scope: str, channel: str, since: datetime.datetime
) -> QuerySet[Interaction]:
    """The unanswered messages on no case: the party's owner's (``mine``), those of parties
    nobody owns (``unassigned``), or all."""
    rows = _unanswered(channel, since)
    if scope == "mine":
        return rows.filter(party__owner_id=actor.pk)
    if scope == "unassigned":
        return rows.filter(party__owner__isnull=True)
    return rows


def inbox_list(
    *,
    actor: Any,
    scope: str = "mine",
    channel: str = "",
    limit: int = 100,
    now: datetime.datetime | None = None,
) -> list[InboxItem]:
    """Open conversations for the agent (``mine``: their cases, and the messages on no case of
    the customers they own), their teams' queues (``queues``), nobody (``unassigned``) or
    everyone (``all``: supervisors), optionally on one channel; the ones waiting longest for an
    answer first, then the most recent."""
    require(actor, "inbox.view")
    if scope not in SCOPES:
        raise Invalid.field("scope", _("Scope is one of: %(s)s.") % {"s": ", ".join(SCOPES)})
    if scope == "all":
        require(actor, "inbox.view_all")
    now = now or timezone.now()
    channel = (channel or "").strip().lower()
    cases = list(_case_rows(actor, scope, channel).order_by("-updated_at", "-id")[:limit])
    last_ids = [c.last_id for c in cases if getattr(c, "last_id", None)]  # type: ignore[attr-defined]
    lasts = {i.pk: i for i in Interaction.objects.filter(pk__in=last_ids)} if last_ids else {}
    items = []
    for case in cases:
        last = lasts.get(case.last_id)  # type: ignore[attr-defined]
        waiting = last.occurred_at if last is not None and last.direction == "in" else None
        items.append(InboxItem(case.party, case, last, waiting, now))
    if scope != "queues":
        by_party: dict[int, InboxItem] = {}
        since = now - datetime.timedelta(days=UNLINKED_DAYS)
        for row in _caseless(actor, scope, channel, since)[: limit * 5]:
            item = by_party.get(row.party_id)
            if item is None:
                by_party[row.party_id] = InboxItem(row.party, None, row, row.occurred_at, now)
            else:  # older unanswered message of the same customer: they have waited since then
                item.waiting_since = row.occurred_at
        items.extend(by_party.values())
    far = datetime.datetime.max.replace(tzinfo=datetime.UTC)
    items.sort(
        key=lambda i: (
            i.waiting_since is None,
            i.waiting_since or far,
            -(i.last.occurred_at.timestamp() if i.last else 0),
        )
    )
    return items[:limit]


def conversation_thread(
    *, actor: Any, party_id: int, case_id: int | None = None, limit: int = 50
) -> list[Interaction]:
    """The messages of a conversation, oldest first: a case's contacts, or the customer's
    recent ones on every channel."""
    require(actor, "interaction.view")
    rows = Interaction.objects.filter(party_id=party_id).select_related("agent")
    if case_id:
        rows = rows.filter(regarding_type=CASE_REGARDING, regarding_id=case_id)
    return list(reversed(rows.order_by("-occurred_at", "-id")[:limit]))
