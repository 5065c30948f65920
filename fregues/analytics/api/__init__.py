"""/api/v1/analytics: every report and the pivot, and the reporting store's refresh.

``ROUTERS`` lists (prefix, router) pairs that ``fregues/api.py`` mounts. Each report module
adds its router here.
"""

from __future__ import annotations

from ninja import Router

from .pivot import router as pivot_router
from .refresh import router as refresh_router

ROUTERS: list[tuple[str, Router]] = [
    ("/analytics", refresh_router),
    ("/analytics", pivot_router),
]
