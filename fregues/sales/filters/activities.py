"""One filter set for activity lists: the "my activities" screen and GET /api/v1/activities."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.dateparse import parse_date
from ninja import FilterSchema

from fregues.core.schemas import Id, query_id


def _date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    try:
        return parse_date(str(value)) if value else None
    except ValueError:
        return None


class ActivityFilters(FilterSchema):
    """``mine`` (the signed-in user's), or ``owner_id``; ``kind``; ``status`` (planned, done,
    cancelled); the customer, deal or lead; ``due_from``/``due_to`` (dates, inclusive);
    ``overdue`` (planned and past due); ``q`` (subject)."""

    mine: bool = False
    owner_id: Id | None = None
    kind: str | None = None
    status: str | None = None
    party_id: Id | None = None
    opportunity_id: Id | None = None
    lead_id: Id | None = None
    due_from: datetime.date | None = None
    due_to: datetime.date | None = None
    overdue: bool = False
    q: str = ""

    def as_kwargs(self) -> dict[str, Any]:
        return {
            "mine": bool(self.mine),
            "owner_id": self.owner_id or None,
            "kind": self.kind or None,
            "status": self.status or None,
            "party_id": self.party_id or None,
            "opportunity_id": self.opportunity_id or None,
            "lead_id": self.lead_id or None,
            "due_from": self.due_from,
            "due_to": self.due_to,
            "overdue": bool(self.overdue),
            "q": (self.q or "").strip(),
        }

    @classmethod
    def from_querydict(cls, params: Any) -> ActivityFilters:
        """The same filters from a screen's query string (bad values are dropped, as a
        filter form would)."""
        truthy = {"1", "true", "on", "yes"}
        return cls(
            mine=str(params.get("mine", "")).lower() in truthy,
            owner_id=query_id(params.get("owner_id") or params.get("owner")),
            kind=params.get("kind") or None,
            status=params.get("status") or None,
            party_id=query_id(params.get("party_id") or params.get("party")),
            opportunity_id=query_id(params.get("opportunity_id") or params.get("opportunity")),
            lead_id=query_id(params.get("lead_id") or params.get("lead")),
            due_from=_date(params.get("due_from")),
            due_to=_date(params.get("due_to")),
            overdue=str(params.get("overdue", "")).lower() in truthy,
            q=params.get("q", "") or "",
        )
