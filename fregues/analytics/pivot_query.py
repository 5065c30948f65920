"""A pivot definition from a query string, shared by ``GET /api/v1/analytics/pivot`` (and its
export) and the explorer screen, so a link copied from the screen answers the same in the API.

``rows``, ``columns``, ``measure``, ``date_from``, ``date_to``, ``row_limit``, ``column_limit``
and any number of ``filter=<dimension>:<value>``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import QueryDict

KEYS = ("rows", "columns", "measure", "date_from", "date_to", "row_limit", "column_limit")


def definition_from_query(query: QueryDict) -> dict[str, Any]:
    data: dict[str, Any] = {k: query.get(k) or None for k in KEYS}
    filters: dict[str, list[str]] = {}
    for item in query.getlist("filter"):
        code, sep, value = item.partition(":")
        if sep and code:
            filters.setdefault(code, []).append(value)
    data["filters"] = filters
    return data


def query_from_definition(definition: dict[str, Any], **extra: Any) -> str:
    """The query string of a definition (for links: drill-down, export, saved reports)."""
    pairs: list[tuple[str, Any]] = [
        (k, definition[k]) for k in KEYS if definition.get(k) not in (None, "")
    ]
    for code, values in (definition.get("filters") or {}).items():
        pairs += [("filter", f"{code}:{v}") for v in values]
    pairs += [(k, v) for k, v in extra.items() if v is not None]
    return urlencode(pairs)
