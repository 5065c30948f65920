"""The import and export endpoints (mounted by fregues/api.py)."""

from .exports import router as exports_router
from .imports import router as imports_router
from .telephony import router as cti_router
from .webhooks import router as webhooks_router

__all__ = ["cti_router", "exports_router", "imports_router", "webhooks_router"]
