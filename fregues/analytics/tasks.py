"""Background work of analytics: the periodic refresh of the reporting store."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from fregues.core.errors import Conflict


@task()
def analytics_refresh_task(full: bool = False) -> dict[str, Any]:
    """Bring the reporting store up to date (every 15 minutes; a running one wins)."""
    from .services.refresh import analytics_refresh

    try:
        return analytics_refresh(actor=None, full=full).as_dict()
    except Conflict:
        return {"skipped": "a refresh is running"}
