"""The integrations' endpoints (mounted by fregues/api.py)."""

from .exports import router as exports_router
from .imports import router as imports_router
from .messaging import inbound_router as messaging_inbound_router
from .messaging import inbox_router
from .messaging import providers_router as messaging_providers_router

__all__ = [
    "exports_router",
    "imports_router",
    "inbox_router",
    "messaging_inbound_router",
    "messaging_providers_router",
]
