"""Signing a webhook request, checking a signature, and when to try a failed one again.

The header ``X-Fregues-Signature: t=<unix seconds>,v1=<hex>`` carries the HMAC-SHA256 of
``"<t>.<body>"`` under the subscription's secret, as Stripe does: the receiver recomputes it
over the raw body and rejects an old ``t`` (a replayed request).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import random
import secrets

SIGNATURE_HEADER = "X-Fregues-Signature"
RETRY_DELAYS = (30, 120, 600, 1800, 3600)  # seconds after attempts 1..5; then every hour
HOURLY = 3600
GIVE_UP_AFTER = datetime.timedelta(days=3)
JITTER = 0.1  # up to 10% later, so receivers coming back up are not hit all at once


def secret_new() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, body: bytes, timestamp: int) -> str:
    """The header value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, body: bytes, header: str, *, now: int, tolerance: int = 300) -> bool:
    """What a receiver does: recompute the HMAC over the raw body, compare in constant time,
    and refuse a timestamp more than ``tolerance`` seconds away from ``now``."""
    parts = [item.split("=", 1) for item in header.split(",") if "=" in item]
    values = {key.strip(): value.strip() for key, value in parts}
    try:
        timestamp = int(values["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, body, timestamp).split("v1=", 1)[1]
    return any(hmac.compare_digest(expected, value) for key, value in parts if key.strip() == "v1")


def retry_delay(attempts: int, rng: random.Random | None = None) -> datetime.timedelta:
    """How long to wait after the ``attempts``-th failed attempt (1-based), with jitter."""
    base = RETRY_DELAYS[attempts - 1] if attempts <= len(RETRY_DELAYS) else HOURLY
    spread = (rng or random).uniform(0, JITTER)
    return datetime.timedelta(seconds=base * (1 + spread))
