"""Shared UI plumbing: HTMX request/response helpers and the page *slots* apps plug panels into.

Slots keep the import rule (core ← accounts ← parties ← interactions ← later apps): a page
owned by one app shows panels rendered by apps that sit above it, without importing them.
The page declares a slot by name ("home", "party.main", "party.side", "party.open_work"); an
app registers a renderer for it, a function ``(request, obj) -> str | None`` that returns HTML
(or None to show nothing). Apps register from their views module (imported with the URLconf) or from
``AppConfig.ready()``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import get_resolver
from django.utils.safestring import SafeString, mark_safe

Renderer = Callable[[HttpRequest, Any], "str | None"]


def is_htmx(request: HttpRequest) -> bool:
    """Whether the request was sent by htmx (not a boosted full navigation)."""
    return request.headers.get("HX-Request") == "true"


def hx_redirect(url: str) -> HttpResponse:
    """Tell htmx to navigate the whole page to ``url`` (a normal redirect for others)."""
    response = HttpResponse(status=204)
    response["HX-Redirect"] = url
    return response


def hx_retarget(
    response: HttpResponse, target: str, swap: str = "outerHTML", select: str | None = None
) -> HttpResponse:
    """Swap ``response`` into ``target`` instead of the element's own hx-target."""
    response["HX-Retarget"] = target
    response["HX-Reswap"] = swap
    if select is not None:
        response["HX-Reselect"] = select
    return response


def hx_trigger(response: HttpResponse, event: str, detail: Any = None) -> HttpResponse:
    """Fire a client-side event once the response is swapped in."""
    existing = response.get("HX-Trigger")
    events: dict[str, Any] = json.loads(existing) if existing else {}
    events[event] = detail if detail is not None else True
    response["HX-Trigger"] = json.dumps(events)
    return response


@dataclass(frozen=True)
class SlotPanel:
    slot: str
    name: str
    render: Renderer
    order: int = 100


_SLOTS: dict[str, dict[str, SlotPanel]] = {}


def slot_register(slot: str, name: str, render: Renderer, *, order: int = 100) -> None:
    """Register (or replace) the panel ``name`` in ``slot``."""
    _SLOTS.setdefault(slot, {})[name] = SlotPanel(slot, name, render, order)


def slot_panels(slot: str) -> list[SlotPanel]:
    # The URLconf imports every app's views, where panels register: load it first.
    get_resolver().url_patterns  # noqa: B018
    return sorted(_SLOTS.get(slot, {}).values(), key=lambda p: (p.order, p.name))


def slot_render(request: HttpRequest, slot: str, obj: Any = None) -> list[SafeString]:
    """The HTML of every panel of ``slot`` for ``obj``, in order, skipping empty ones."""
    out = []
    for panel in slot_panels(slot):
        html = panel.render(request, obj)
        if html:
            out.append(mark_safe(html))  # nosec B308 B703: panels render templates
    return out
