"""How the telephony system proves an event is its own: an HMAC-SHA256 of the timestamp and
the raw body with the shared secret ``FREGUES_CTI_SECRET`` (docs/channels/telephony.md).

``X-Fregues-Timestamp: <unix seconds>`` and ``X-Fregues-Signature: sha256=<hex of
HMAC(secret, "<timestamp>.<body>")>``. A timestamp older or newer than
``CTI_MAX_SKEW_SECONDS`` is refused, so a captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings
from django.utils.translation import gettext as _

from fregues.core.errors import Forbidden

TIMESTAMP_HEADER = "X-Fregues-Timestamp"
SIGNATURE_HEADER = "X-Fregues-Signature"


def cti_sign(body: bytes, timestamp: str, secret: str | None = None) -> str:
    """The signature header's value for ``body`` sent at ``timestamp``."""
    key = (settings.CTI_SECRET if secret is None else secret).encode()
    digest = hmac.new(key, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def cti_signature_check(body: bytes, timestamp: str, signature: str) -> None:
    """Raise Forbidden unless ``signature`` is the telephony system's for ``body``."""
    refused = Forbidden(
        _("The call event is not signed with the telephony secret."), code="bad_signature"
    )
    if not settings.CTI_SECRET or not timestamp or not signature:
        raise refused
    try:
        sent = int(timestamp)
    except ValueError:
        raise refused from None
    if abs(time.time() - sent) > settings.CTI_MAX_SKEW_SECONDS:
        raise refused
    if not hmac.compare_digest(cti_sign(body, timestamp), signature.strip()):
        raise refused
