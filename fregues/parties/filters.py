"""One filter set for party lists, used by the UI list and the API list alike."""

from __future__ import annotations

from typing import Any

from ninja import FilterSchema

from fregues.core.schemas import Id


class PartyFilters(FilterSchema):
    q: str = ""
    kind: str | None = None
    lifecycle_stage: str | None = None
    owner_id: Id | None = None
    tag: str | None = None

    def as_kwargs(self) -> dict[str, Any]:
        return {
            "q": self.q or "",
            "kind": self.kind or None,
            "lifecycle_stage": self.lifecycle_stage or None,
            "owner_id": self.owner_id or None,
            "tag": self.tag or None,
        }

    @classmethod
    def from_querydict(cls, params: Any) -> PartyFilters:
        owner = params.get("owner_id") or None
        return cls(
            q=params.get("q", ""),
            kind=params.get("kind") or None,
            lifecycle_stage=params.get("lifecycle_stage") or None,
            owner_id=int(owner) if owner and str(owner).isdigit() else None,
            tag=params.get("tag") or None,
        )
