"""Small helpers for ninja endpoints: version from If-Match, the acting user."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .errors import Invalid


def actor_of(request: HttpRequest) -> Any:
    return request.auth if getattr(request, "auth", None) is not None else request.user  # type: ignore[attr-defined]


def version_from(request: HttpRequest, body_version: int | None) -> int | None:
    """The version the client read: the body's ``version`` or an ``If-Match: "N"`` header."""
    if body_version is not None:
        return body_version
    header = request.headers.get("If-Match", "").strip().removeprefix("W/").strip('"')
    if not header or header == "*":
        return None
    try:
        return int(header)
    except ValueError as exc:
        raise Invalid.field("If-Match", "If-Match must carry the version number.") from exc
