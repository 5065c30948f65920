"""Small helpers for ninja endpoints: version from If-Match, the acting user, known-good JSON."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja.responses import NinjaJSONEncoder
from pydantic import BaseModel

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


def known_good(data: dict[str, Any], schema: type[BaseModel]) -> HttpResponse:
    """A JSON answer for ``data`` that a hand-written reader already shaped as ``schema``.

    ninja validates every answer against its response schema, which costs as much as reading
    the record on the hottest endpoints (issue 13). Readers whose output is built field by
    field for a schema skip that step here; the schema still documents the answer. With
    ``settings.API_CHECK_KNOWN_GOOD`` on (the test suite turns it on), every such answer is
    also validated and must equal what ninja would have sent — so each test that reads one of
    these endpoints proves the shortcut changes nothing.
    """
    content = json.dumps(data, cls=NinjaJSONEncoder)
    if settings.API_CHECK_KNOWN_GOOD:
        expected = json.dumps(schema.model_validate(data).model_dump(), cls=NinjaJSONEncoder)
        if json.loads(content) != json.loads(expected):
            raise AssertionError(
                f"{schema.__name__}: the reader's answer differs from the schema's:\n"
                f"{content}\n{expected}"
            )
    return HttpResponse(content, content_type="application/json; charset=utf-8")
