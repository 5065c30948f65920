"""The registry of analytics report pages, so the analytics home lists every report its
reader may open, grouped (customers and value, service, retention, explorer, ...).

Each report module registers its page once (from ``views``), naming the permission that opens
it; the home page and the per-role dashboards read this registry.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class ReportPage:
    code: str
    title: str | Promise
    description: str | Promise
    url_name: str  # "analytics:<name>"
    group: str | Promise
    permission: str = "analytics.view"
    order: int = 100


_PAGES: dict[str, ReportPage] = {}


def report_register(page: ReportPage) -> None:
    """Register (or replace) one report page."""
    _PAGES[page.code] = page


def report_pages() -> list[ReportPage]:
    return sorted(_PAGES.values(), key=lambda p: (p.order, p.code))
