"""Writes of the portal: opening and ending a customer's portal session.

Sign-in (links and codes), profile changes, requests and privacy each get their own module
under ``services`` when they grow; every one takes ``actor`` (the portal session's party when
the customer acts, a staff user when staff does) and writes its audit entry.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from fregues.core.audit import audit_record
from fregues.parties.models import Party

from ..models import PortalLogin, PortalSession


def secret_hash(raw: str) -> str:
    """The stored form of a portal secret (session key, link token, code)."""
    return hashlib.sha256(raw.encode()).hexdigest()


def portal_session_open(
    *,
    party: Party,
    actor: object | None = None,
    login: PortalLogin | None = None,
    ip: str | None = None,
    user_agent: str = "",
) -> tuple[PortalSession, str]:
    """Sign the customer in: a new session and the raw key for the cookie (never stored)."""
    raw = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        session = PortalSession.objects.create(
            party=party,
            key_hash=secret_hash(raw),
            login=login,
            last_seen_at=now,
            expires_at=now + datetime.timedelta(days=settings.PORTAL_SESSION_DAYS),
            ip=ip,
            user_agent=user_agent[:300],
        )
        audit_record(
            actor=actor or f"portal:{party.pk}",
            action="portal.session_open",
            instance=session,
            party_id=party.pk,
            summary="Signed in to the portal",
        )
    return session, raw


def portal_session_end(*, session: PortalSession, actor: object | None = None) -> None:
    """Sign out (the customer) or end the session (staff, erasure)."""
    with transaction.atomic():
        updated = PortalSession.objects.filter(pk=session.pk, ended_at__isnull=True).update(
            ended_at=timezone.now()
        )
        if updated:
            audit_record(
                actor=actor or f"portal:{session.party_id}",
                action="portal.session_end",
                instance=session,
                party_id=session.party_id,
                summary="Signed out of the portal",
            )


def portal_sessions_end_for(*, party_id: int, actor: object | None) -> int:
    """End every open portal session of one customer (staff action, erasure, merge)."""
    with transaction.atomic():
        ended = PortalSession.objects.filter(party_id=party_id, ended_at__isnull=True).update(
            ended_at=timezone.now()
        )
        if ended:
            audit_record(
                actor=actor,
                action="portal.sessions_end",
                entity_type="parties.party",
                entity_id=party_id,
                party_id=party_id,
                summary=f"Ended {ended} portal session(s)",
            )
    return ended
