"""Writes of the portal, one module per area (sessions, sign-in, profile, requests, orders,
consents, privacy, help). Import from the module; the names most callers need are re-exported
here."""

from .sessions import (
    portal_session_end,
    portal_session_open,
    portal_sessions_end_for,
    secret_hash,
)

__all__ = ["portal_session_end", "portal_session_open", "portal_sessions_end_for", "secret_hash"]
