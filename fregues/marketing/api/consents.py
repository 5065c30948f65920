"""HTTP API of marketing: consents (see api/__init__.py for the mount points)."""

from ninja import Router

router = Router(tags=["Marketing"])
