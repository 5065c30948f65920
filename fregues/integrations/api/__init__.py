"""The integrations' endpoints (mounted by fregues/api.py)."""

from .channels import router as channels_router
from .exports import router as exports_router
from .imports import router as imports_router
from .mail import router as mail_router
from .messaging import inbound_router as messaging_inbound_router
from .messaging import inbox_router
from .messaging import providers_router as messaging_providers_router
from .telephony import router as cti_router
from .webhooks import router as webhooks_router

__all__ = [
    "channels_router",
    "cti_router",
    "exports_router",
    "imports_router",
    "inbox_router",
    "mail_router",
    "messaging_inbound_router",
    "messaging_providers_router",
    "webhooks_router",
]
