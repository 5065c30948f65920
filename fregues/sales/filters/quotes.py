"""One filter set for quote lists: the quotes screen and GET /api/v1/quotes."""

from __future__ import annotations

from typing import Any

from ninja import Field, FilterSchema

from fregues.core.schemas import Id, query_id

from ..models import QuoteStatus


class QuoteFilters(FilterSchema):
    party_id: Id | None = Field(None, description="The customer's quotes.")
    status: str | None = Field(
        None,
        description="draft, sent, accepted, declined, expired or cancelled; open = draft or sent.",
    )
    owner: str | None = Field(None, description="A user id, or 'me'.")
    opportunity_id: Id | None = Field(None, description="The quotes of a deal.")
    q: str = Field("", description="Part of the number, title or customer's name.")

    def as_kwargs(self, actor: Any = None) -> dict[str, Any]:
        owner_id: int | None = None
        if (self.owner or "").strip().lower() == "me":
            owner_id = getattr(actor, "pk", None) or -1
        else:
            owner_id = query_id(self.owner)
        status = (self.status or "").strip().lower()
        return {
            "party_id": self.party_id or None,
            "status": status if status in (*QuoteStatus.values, "open") else None,
            "owner_id": owner_id,
            "opportunity_id": self.opportunity_id or None,
            "q": (self.q or "").strip()[:100],
        }

    @classmethod
    def from_querydict(cls, params: Any) -> QuoteFilters:
        return cls(
            party_id=query_id(params.get("party_id")),
            status=params.get("status") or None,
            owner=params.get("owner") or None,
            opportunity_id=query_id(params.get("opportunity_id")),
            q=params.get("q", ""),
        )

    @property
    def filtered(self) -> bool:
        return bool(self.party_id or self.status or self.owner or self.opportunity_id or self.q)
