"""The import and export endpoints (mounted by fregues/api.py)."""

from .exports import router as exports_router
from .imports import router as imports_router
from .mail import router as mail_router

__all__ = ["exports_router", "imports_router", "mail_router"]
