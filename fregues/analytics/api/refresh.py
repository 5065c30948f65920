"""/api/v1/analytics/refresh: how fresh the reporting store is, and a refresh on demand."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from ninja import Router, Status

from fregues.core.api_utils import actor_of
from fregues.core.permissions import require
from fregues.core.schemas import ERROR_RESPONSES

from ..schemas import RefreshIn, RefreshQueuedOut, RefreshStatusOut
from ..selectors.refresh import refresh_status
from ..tasks import analytics_refresh_task

router = Router(tags=["analytics"])


@router.get("/refresh", response={200: RefreshStatusOut, **ERROR_RESPONSES}, summary="Store status")
def get_refresh(request: HttpRequest) -> dict:
    """Per part of the reporting store: up to when it has read, how long its last refresh
    took, and its last error. Needs ``analytics.view``."""
    return refresh_status(actor=actor_of(request))


@router.post("/refresh", response={202: RefreshQueuedOut, **ERROR_RESPONSES}, summary="Refresh now")
def post_refresh(request: HttpRequest, payload: RefreshIn) -> Status[RefreshQueuedOut]:
    """Queue a refresh of the reporting store (``full`` rebuilds every part). Needs
    ``analytics.configure``."""
    require(actor_of(request), "analytics.configure")
    full = payload.full
    transaction.on_commit(lambda: analytics_refresh_task.enqueue(full=full))
    return Status(202, RefreshQueuedOut(queued=True, full=full))
