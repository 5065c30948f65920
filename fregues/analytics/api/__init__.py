"""/api/v1/analytics: every report and the pivot, and the reporting store's refresh.

``ROUTERS`` lists (prefix, router) pairs that ``fregues/api.py`` mounts. Each report module
adds its router here.
"""

from __future__ import annotations

from ninja import Router

from .refresh import router as refresh_router
from .service import router as service_router

ROUTERS: list[tuple[str, Router]] = [
    ("/analytics", refresh_router),
    ("/analytics", service_router),
]
