"""How fresh the reporting store is."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from fregues.core.permissions import require

from ..models import RefreshState
from ..refresh import LEASE_NAME, refreshers


def refresh_status(*, actor: Any) -> dict[str, Any]:
    """Per part of the store: its watermark, last duration, rows and error; and whether a
    refresh is running now."""
    require(actor, "analytics.view")
    states = {s.name: s for s in RefreshState.objects.all()}
    lease = states.get(LEASE_NAME)
    parts = []
    for part in refreshers():
        state = states.get(part.name)
        parts.append(
            {
                "name": part.name,
                "label": part.label,
                "watermark": state.watermark if state else None,
                "last_finished_at": state.last_finished_at if state else None,
                "last_duration_ms": state.last_duration_ms if state else 0,
                "last_rows": state.last_rows if state else 0,
                "last_full_at": state.last_full_at if state else None,
                "last_error": state.last_error if state else "",
            }
        )
    running = bool(lease and lease.lease_until and lease.lease_until > timezone.now())
    return {"running": running, "parts": parts}
