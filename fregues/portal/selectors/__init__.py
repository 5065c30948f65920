"""Reads of the portal, one module per area. Every portal read is scoped to the signed-in
customer: selectors take the party (never an id from the request alone)."""

from .sessions import portal_session_get

__all__ = ["portal_session_get"]
