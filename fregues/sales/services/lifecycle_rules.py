"""The lifecycle moved by facts (placeholder until the rules land).

``lifecycle_rules_apply`` is what every order and invoice write calls, inside its
transaction, with the parties it touched and the document that caused the change.
"""

from __future__ import annotations

import datetime
from typing import Any


def lifecycle_rules_apply(
    *,
    party_ids: list[int],
    cause_type: str = "",
    cause_id: int | None = None,
    now: datetime.datetime | None = None,
) -> list[Any]:
    """Apply the active lifecycle rules to ``party_ids``; returns the moves made."""
    return []


def lifecycle_sweep(*, now: datetime.datetime | None = None) -> int:
    """Apply the time-based rules (dormant customers) to everyone; returns the moves made."""
    return 0


def on_event(name: str, payload: dict[str, Any]) -> None:
    """Outbox receiver: survey answers and referrals may make an advocate."""
    return None
