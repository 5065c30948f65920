"""/api/v1/analytics: every report and the pivot, and the reporting store's refresh.

``ROUTERS`` lists (prefix, router) pairs that ``fregues/api.py`` mounts. Each report module
adds its router here.
"""

from __future__ import annotations

from ninja import Router

from .costs import router as costs_router
from .lifetime import router as lifetime_router
from .pivot import router as pivot_router
from .refresh import router as refresh_router
from .service import router as service_router
from .value import party_router as scores_router
from .value import router as value_router

ROUTERS: list[tuple[str, Router]] = [
    ("/analytics", refresh_router),
    ("/analytics", value_router),
    ("/analytics", lifetime_router),
    ("/analytics", costs_router),
    ("/analytics", service_router),
    ("/parties", scores_router),
    ("/analytics", pivot_router),
]
