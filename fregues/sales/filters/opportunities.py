"""One filter set for deal lists: the opportunity list screen and GET /api/v1/opportunities."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils.dateparse import parse_date
from ninja import FilterSchema

from fregues.core.schemas import Id, query_id

from ..models import OpportunityStatus
from ..money import to_decimal

SORTS = ("recent", "close", "amount")


def _date(value: Any) -> datetime.date | None:
    try:
        return parse_date(str(value or "").strip())
    except ValueError:
        return None


def _flag(value: Any) -> bool:
    return str(value or "").strip().lower() in ("1", "true", "on", "yes")


def _amount(value: Any) -> Decimal | None:
    number = to_decimal(value) if str(value or "").strip() else None
    return number if number is not None and number >= 0 else None


class OpportunityFilters(FilterSchema):
    """``q`` (title or customer name), ``pipeline_id``, ``stage_id``, ``status`` (open, won,
    lost), ``owner_id`` or ``mine``, ``party_id``, expected close ``close_from``/``close_to``,
    ``rotting`` (idle in their stage too long), ``amount_min``/``amount_max``, ``currency``."""

    q: str = ""
    pipeline_id: Id | None = None
    stage_id: Id | None = None
    status: str | None = None
    owner_id: Id | None = None
    mine: bool = False
    party_id: Id | None = None
    close_from: datetime.date | None = None
    close_to: datetime.date | None = None
    rotting: bool = False
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    currency: str | None = None

    def as_kwargs(self) -> dict[str, Any]:
        return {
            "q": (self.q or "").strip()[:100],
            "pipeline_id": self.pipeline_id or None,
            "stage_id": self.stage_id or None,
            "status": self.status if self.status in OpportunityStatus.values else None,
            "owner_id": self.owner_id or None,
            "mine": bool(self.mine),
            "party_id": self.party_id or None,
            "close_from": self.close_from,
            "close_to": self.close_to,
            "rotting": bool(self.rotting),
            "amount_min": self.amount_min,
            "amount_max": self.amount_max,
            "currency": (self.currency or "").strip().upper() or None,
        }

    @property
    def is_filtered(self) -> bool:
        return any(v not in (None, "", False) for v in self.as_kwargs().values())

    @classmethod
    def from_querydict(cls, params: Any) -> OpportunityFilters:
        """The filters of a screen's query string; a value that does not parse is ignored."""
        return cls(
            q=(params.get("q") or "")[:100],
            pipeline_id=query_id(params.get("pipeline_id")),
            stage_id=query_id(params.get("stage_id")),
            status=params.get("status") or None,
            owner_id=query_id(params.get("owner_id")),
            mine=_flag(params.get("mine")),
            party_id=query_id(params.get("party_id")),
            close_from=_date(params.get("close_from")),
            close_to=_date(params.get("close_to")),
            rotting=_flag(params.get("rotting")),
            amount_min=_amount(params.get("amount_min")),
            amount_max=_amount(params.get("amount_max")),
            currency=(params.get("currency") or "")[:3] or None,
        )
