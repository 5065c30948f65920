"""The reporting store's ``dashboard`` part (order 90): every pivot a dashboard shows,
computed once per refresh and stored (``PivotSummary``).

A role's dashboard shows a handful of pivots, each grouping millions of fact rows at a million
customers (2–4 s each); computed on every request the dashboard took 10 s. The last part of
the refresh computes the pivot of every default widget and of every pinned report once, after
the facts it reads are up to date, and stores its figures (no labels: the same in every
language). The dashboard reads them a row per widget; a summary older than the store's newest
watermark (a refresh of some parts only, a failed part) or missing (a report pinned since) is
computed from the facts as before, so the figures are always those of the current store.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import time
from typing import Any

from django.db.models import Max
from django.utils.translation import gettext_noop

from fregues.core.errors import Invalid
from fregues.core.permissions import require

from .db import analytics_db
from .models import DashboardItem, PivotSummary, RefreshState
from .pivot import PivotDefinition, pivot_definition_clean, pivot_grid, pivot_present
from .refresh import LEASE_NAME, RefreshWindow, refresher_register
from .widgets import widgets

PART = "dashboard"


def summary_key(definition: PivotDefinition) -> str:
    """The stored summary's key: a hash of the cleaned definition."""
    text = json.dumps(definition.as_dict(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def dashboard_definitions() -> dict[str, PivotDefinition]:
    """Every pivot a dashboard may show (default widgets and pinned reports), by key; a
    saved definition that no longer validates is left out (its widget says why)."""
    raw = [w.definition for w in widgets() if w.definition]
    pinned = DashboardItem.objects.filter(report__isnull=False).select_related("report")
    raw += [item.report.definition for item in pinned if item.report is not None]
    out: dict[str, PivotDefinition] = {}
    for data in raw:
        try:
            definition = pivot_definition_clean(data)
        except Invalid:
            continue
        out.setdefault(summary_key(definition), definition)
    return out


def dashboard_summaries_refresh(window: RefreshWindow) -> int:
    """Compute and store every dashboard pivot for this refresh; drop the ones no dashboard
    shows any more. Idempotent: the same window writes the same figures."""
    definitions = dashboard_definitions()
    PivotSummary.objects.exclude(key__in=list(definitions)).delete()
    for key, definition in definitions.items():
        started = time.perf_counter()
        grid = pivot_grid(definition)
        PivotSummary.objects.update_or_create(
            key=key,
            defaults={
                "definition": definition.as_dict(),
                "grid": grid,
                "watermark": window.until,
                "duration_ms": int((time.perf_counter() - started) * 1000),
            },
        )
    return len(definitions)


def _store_watermark(using: str) -> datetime.datetime | None:
    """The newest watermark of the parts the pivots read (every part but this one)."""
    newest = (
        RefreshState.objects.using(using)
        .exclude(name__in=[LEASE_NAME, PART])
        .aggregate(newest=Max("watermark"))["newest"]
    )
    return newest  # type: ignore[no-any-return]


def pivot_summary_run(
    *, actor: Any, definition: PivotDefinition | dict[str, Any]
) -> dict[str, Any]:
    """``pivot_run``'s result, read from the stored summary when it is as new as the store,
    computed from the facts otherwise. Needs ``analytics.view``."""
    require(actor, "analytics.view")
    if isinstance(definition, dict):
        definition = pivot_definition_clean(definition)
    using = analytics_db()
    summary = PivotSummary.objects.using(using).filter(key=summary_key(definition)).first()
    if summary is not None:
        newest = _store_watermark(using)
        if newest is not None and summary.watermark >= newest:
            return pivot_present(summary.grid)
    return pivot_present(pivot_grid(definition))


refresher_register(
    PART, dashboard_summaries_refresh, order=90, label=gettext_noop("Dashboard summaries")
)
