"""HTTP API of customer service, mounted under /api/v1 by fregues/api.py."""

from .cases import config_router, public_router, reports_router
from .cases import router as cases_router
from .knowledge import router as knowledge_router

__all__ = ["cases_router", "config_router", "knowledge_router", "public_router", "reports_router"]
