"""Reads of the portal. Every portal read is scoped to the signed-in customer: selectors take
the party (never an id from the request alone) so one customer can never read another's data."""

from __future__ import annotations

import datetime

from django.utils import timezone

from ..models import PortalSession
from ..services.sessions import secret_hash

# last_seen_at is written at most this often (one UPDATE per request would cost more than
# the page itself).
_SEEN_EVERY = datetime.timedelta(minutes=5)


def portal_session_get(raw_key: str) -> PortalSession | None:
    """The live session for a cookie's key, with its party; None when unknown, ended, expired
    or when the customer has been merged into another record or erased."""
    if not raw_key or len(raw_key) > 100:
        return None
    now = timezone.now()
    session = (
        PortalSession.objects.select_related("party")
        .filter(key_hash=secret_hash(raw_key), ended_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if session is None or session.party.merged_into_id is not None:
        return None
    if now - session.last_seen_at > _SEEN_EVERY:
        PortalSession.objects.filter(pk=session.pk).update(last_seen_at=now)
        session.last_seen_at = now
    return session
