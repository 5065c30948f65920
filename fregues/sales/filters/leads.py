"""One filter set for lead lists, used by the lead screen and ``GET /api/v1/leads`` alike."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import FilterSchema
from pydantic import Field

from fregues.core.schemas import Id, query_id

from ..models import LeadSource, LeadStatus


def _date(value: Any) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        return None


class LeadFilters(FilterSchema):
    q: str = Field("", description="Name, company, e-mail, phone (any format) or external id.")
    status: str | None = Field(None, description="new, qualified, disqualified or converted")
    owner_id: Id | None = None
    mine: bool = Field(False, description="Only the caller's leads.")
    unassigned: bool = Field(False, description="Only leads nobody owns yet.")
    source: str | None = Field(None, description="manual, api, web_form, import, referral...")
    form_id: Id | None = None
    created_from: datetime.date | None = Field(None, description="First day (YYYY-MM-DD).")
    created_to: datetime.date | None = Field(None, description="Last day, included.")

    def as_kwargs(self, actor: Any) -> dict[str, Any]:
        """The selector's arguments; ``mine`` becomes the caller's id."""
        owner_id = self.owner_id or None
        if self.mine and getattr(actor, "pk", None):
            owner_id = actor.pk
        return {
            "q": (self.q or "").strip()[:100],
            "status": self.status if self.status in LeadStatus.values else None,
            "owner_id": owner_id,
            "unassigned": bool(self.unassigned) and not owner_id,
            "source": self.source if self.source in LeadSource.values else None,
            "form_id": self.form_id or None,
            "created_from": self.created_from,
            "created_to": self.created_to,
        }

    @classmethod
    def from_querydict(cls, params: Any) -> LeadFilters:
        """The screen's query string: ``owner=me`` / ``owner=none`` / ``owner=<id>``."""
        owner = str(params.get("owner") or params.get("owner_id") or "").strip()
        return cls(
            q=params.get("q", "") or "",
            status=params.get("status") or None,
            owner_id=query_id(owner),
            mine=owner == "me" or params.get("mine") in ("1", "true", "on"),
            unassigned=owner == "none",
            source=params.get("source") or None,
            form_id=query_id(params.get("form")),
            created_from=_date(params.get("created_from")),
            created_to=_date(params.get("created_to")),
        )
