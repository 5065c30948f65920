"""The providers' webhook signatures, computed exactly as they compute them.

Twilio (``X-Twilio-Signature``): the full URL Twilio requested (scheme, host, port if any,
path and query string), then every POST parameter sorted by name, each name immediately
followed by its value (a repeated name: each of its values, sorted), HMAC-SHA1 with the auth
token, Base64. WhatsApp Cloud API (``X-Hub-Signature-256``): ``sha256=`` + the hex HMAC-SHA256
of the raw request body with the app secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable


def twilio_signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """The ``X-Twilio-Signature`` Twilio sends for a POST of ``params`` to ``url``."""
    grouped: dict[str, list[str]] = {}
    for name, value in params:
        grouped.setdefault(name, []).append(value)
    data = url
    for name in sorted(grouped):
        for value in sorted(grouped[name]):
            data += name + value
    digest = hmac.new(auth_token.encode(), data.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def twilio_valid(
    auth_token: str, url: str, params: Iterable[tuple[str, str]], signature: str
) -> bool:
    if not auth_token or not signature:
        return False
    expected = twilio_signature(auth_token, url, list(params))
    return hmac.compare_digest(expected, signature.strip())


def whatsapp_signature(app_secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` Meta sends with ``body``."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def whatsapp_valid(app_secret: str, body: bytes, signature: str) -> bool:
    if not app_secret or not signature:
        return False
    return hmac.compare_digest(whatsapp_signature(app_secret, body), signature.strip().lower())
