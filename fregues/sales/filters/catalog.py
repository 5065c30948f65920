"""One filter set for product lists: the products screen and GET /api/v1/products."""

from __future__ import annotations

from typing import Any

from ninja import Field, FilterSchema


def _flag(value: Any) -> bool | None:
    text = str(value or "").strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    return None


class ProductFilters(FilterSchema):
    q: str = Field("", description="Words of the SKU or of the name (case ignored).")
    category: str | None = None
    active: bool | None = Field(None, description="true: products on sale; false: withdrawn.")

    def as_kwargs(self) -> dict[str, Any]:
        return {
            "q": (self.q or "").strip()[:100],
            "category": self.category or None,
            "active": self.active,
        }

    @classmethod
    def from_querydict(cls, params: Any) -> ProductFilters:
        """The screen's filters; ``active`` defaults to the products on sale."""
        active = params.get("active", "1")
        return cls(
            q=params.get("q", ""),
            category=params.get("category") or None,
            active=_flag(active) if active != "all" else None,
        )
