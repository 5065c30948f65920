"""HTTP API of customer service, mounted under /api/v1 by fregues/api.py."""

from .knowledge import router as knowledge_router

__all__ = ["knowledge_router"]
