"""The registry of the reporting store's parts and what each needs to refresh.

Each part of the store (customer facts, scores, service facts, the pivot's cube...) registers
one function that brings its tables up to date for a :class:`RefreshWindow`, in ``order``.
``services/refresh.py`` runs them one after another, each in its own transaction, and keeps
each part's watermark in ``RefreshState``.

A refresher must be idempotent (running the same window twice changes nothing) and must
rebuild everything when ``window.full`` is true. It reads other apps' tables and writes only
``analytics_*`` tables.
"""

from __future__ import annotations

import datetime
import importlib
from collections.abc import Callable
from dataclasses import dataclass

# The RefreshState row that keeps two refreshes from running at once.
LEASE_NAME = "_lease"

# The modules that register refreshers (imported from AnalyticsConfig.ready()).
REFRESHER_MODULES: list[str] = [
    "fregues.analytics.facts_customers",
    "fregues.analytics.value_scores",
    "fregues.analytics.value_refresh",
    "fregues.analytics.facts_service",
    "fregues.analytics.retention",
    "fregues.analytics.facts_pivot",
    "fregues.analytics.pivot_summaries",
]


@dataclass(frozen=True)
class RefreshWindow:
    """What a refresher must bring up to date: changes from ``since`` (None: everything) up
    to ``until``; ``today`` is the local date the dimensions are computed for (age bands)."""

    since: datetime.datetime | None
    until: datetime.datetime
    today: datetime.date
    # the part's watermark before this run (None: a full refresh, or a window made by hand)
    previous: datetime.datetime | None = None

    @property
    def full(self) -> bool:
        return self.since is None

    def stamped_after(self, column: str) -> tuple[str, datetime.datetime]:
        """SQL (and its parameter) for "``column`` — a refresh's stamp, its ``until``, like
        ``CustomerFact.refreshed_at`` — was written after this part last ran": strictly after
        the part's previous watermark, so the rows the last refresh stamped are not read
        again (the overlap is for other apps' clocks, not for the refresh's own stamps; after
        a full refresh it made every row look changed). Not for a full window."""
        assert self.since is not None
        if self.previous is not None:
            return f"{column} > %s", self.previous
        return f"{column} >= %s", self.since


Refresh = Callable[[RefreshWindow], int]


@dataclass(frozen=True)
class Refresher:
    name: str
    run: Refresh
    order: int
    label: str


_REFRESHERS: dict[str, Refresher] = {}


def refresher_register(name: str, run: Refresh, *, order: int = 100, label: str = "") -> None:
    """Register (or replace) the refresher ``name``; ``run(window)`` returns the rows it wrote."""
    _REFRESHERS[name] = Refresher(name=name, run=run, order=order, label=label or name)


def refreshers() -> list[Refresher]:
    return sorted(_REFRESHERS.values(), key=lambda r: (r.order, r.name))


def register_refreshers() -> None:
    for module in REFRESHER_MODULES:
        importlib.import_module(module)
