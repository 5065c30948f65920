"""One filter set for order lists and one for invoice lists, used by the screens and the API
alike (``from_querydict`` reads a screen's query string, ninja reads the API's)."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import FilterSchema
from pydantic import Field

from fregues.core.schemas import Id, query_id


def _date(value: Any) -> datetime.date | None:
    text = str(value or "").strip()
    try:
        return datetime.date.fromisoformat(text) if text else None
    except ValueError:
        return None


class OrderFilters(FilterSchema):
    party_id: Id | None = Field(default=None, description="The customer's orders.")
    status: str | None = Field(default=None, description="confirmed, fulfilled or cancelled")
    payment_state: str | None = Field(default=None, description="unpaid, partial, paid or refunded")
    currency: str | None = None
    source: str | None = Field(default=None, description="Where the orders came from (erp, ...).")
    opportunity_id: Id | None = Field(default=None, description="The deal's orders.")
    date_from: datetime.date | None = Field(
        default=None, description="Ordered on or after this day."
    )
    date_to: datetime.date | None = Field(
        default=None, description="Ordered on or before this day."
    )
    q: str = Field(default="", description="The order's number (its start) or its external id.")

    def as_kwargs(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in type(self).model_fields}

    def is_filtered(self) -> bool:
        return any(value not in (None, "") for value in self.as_kwargs().values())

    @classmethod
    def from_querydict(cls, params: Any) -> OrderFilters:
        return cls(
            party_id=query_id(params.get("party_id")),
            status=params.get("status") or None,
            payment_state=params.get("payment_state") or None,
            currency=(params.get("currency") or "").upper()[:3] or None,
            source=params.get("source") or None,
            opportunity_id=query_id(params.get("opportunity_id")),
            date_from=_date(params.get("date_from")),
            date_to=_date(params.get("date_to")),
            q=(params.get("q") or "").strip()[:60],
        )


class InvoiceFilters(FilterSchema):
    party_id: Id | None = Field(default=None, description="The customer's invoices.")
    order_id: Id | None = Field(default=None, description="The invoices of an order.")
    status: str | None = Field(default=None, description="issued or void")
    payment_state: str | None = Field(default=None, description="unpaid, partial, paid or refunded")
    overdue: bool | None = Field(default=None, description="Past their due date and not paid.")
    date_from: datetime.date | None = Field(
        default=None, description="Issued on or after this day."
    )
    date_to: datetime.date | None = Field(default=None, description="Issued on or before this day.")
    q: str = Field(default="", description="The invoice's number (its start) or its external id.")

    def as_kwargs(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in type(self).model_fields}

    def is_filtered(self) -> bool:
        return any(value not in (None, "") for value in self.as_kwargs().values())

    @classmethod
    def from_querydict(cls, params: Any) -> InvoiceFilters:
        overdue = params.get("overdue")
        return cls(
            party_id=query_id(params.get("party_id")),
            order_id=query_id(params.get("order_id")),
            status=params.get("status") or None,
            payment_state=params.get("payment_state") or None,
            overdue=True if overdue in ("1", "true", "on") else None,
            date_from=_date(params.get("date_from")),
            date_to=_date(params.get("date_to")),
            q=(params.get("q") or "").strip()[:60],
        )
