"""Refreshing the reporting store: every registered part, in order, from its watermark."""

from __future__ import annotations

import datetime
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record
from fregues.core.errors import Conflict, Invalid
from fregues.core.permissions import require

from ..models import RefreshState
from ..refresh import LEASE_NAME, RefreshWindow, refreshers

log = logging.getLogger(__name__)

LEASE = datetime.timedelta(hours=2)
# Changes committed a little after a refresh read its watermark (a long transaction) are read
# again by the next refresh: every refresher is idempotent, so reading twice costs only time.
OVERLAP = datetime.timedelta(minutes=5)


@dataclass
class PartResult:
    name: str
    rows: int
    duration_ms: int
    full: bool


@dataclass
class RefreshResult:
    parts: list[PartResult] = field(default_factory=list)

    @property
    def duration_ms(self) -> int:
        return sum(p.duration_ms for p in self.parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "duration_ms": self.duration_ms,
            "parts": [p.__dict__ for p in self.parts],
        }


def _lease_take(now: datetime.datetime) -> bool:
    RefreshState.objects.get_or_create(name=LEASE_NAME)
    taken = (
        RefreshState.objects.filter(name=LEASE_NAME)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + LEASE, last_started_at=now)
    )
    return taken == 1


def _lease_release() -> None:
    RefreshState.objects.filter(name=LEASE_NAME).update(lease_until=None)


def analytics_refresh(
    *,
    actor: Any,
    full: bool = False,
    only: list[str] | None = None,
    now: datetime.datetime | None = None,
) -> RefreshResult:
    """Bring the reporting store up to date: each registered part reads what changed since its
    watermark (everything when ``full``) and writes its own tables in one transaction. Two
    refreshes never run at once (a lease row); a part that fails keeps its old watermark, so
    the next refresh reads its window again."""
    require(actor, "analytics.configure")
    parts = refreshers()
    if only:
        unknown = sorted(set(only) - {p.name for p in parts})
        if unknown:
            raise Invalid(
                _("Unknown part of the reporting store."),
                errors={"only": [", ".join(unknown)]},
            )
        parts = [p for p in parts if p.name in only]
    now = now or timezone.now()
    if not _lease_take(now):
        raise Conflict(_("A refresh of the reporting store is already running."))
    result = RefreshResult()
    try:
        today = timezone.localdate(now)
        for part in parts:
            state, _created = RefreshState.objects.get_or_create(name=part.name)
            since = None if full or state.watermark is None else state.watermark - OVERLAP
            window = RefreshWindow(
                since=since,
                until=now,
                today=today,
                previous=None if since is None else state.watermark,
            )
            started = time.perf_counter()
            try:
                with transaction.atomic():
                    rows = part.run(window)
            except Exception as exc:
                RefreshState.objects.filter(pk=state.pk).update(last_error=repr(exc)[:2000])
                log.exception("analytics refresh of %s failed", part.name)
                raise
            elapsed = int((time.perf_counter() - started) * 1000)
            RefreshState.objects.filter(pk=state.pk).update(
                watermark=now,
                last_started_at=now,
                last_finished_at=timezone.now(),
                last_duration_ms=elapsed,
                last_rows=rows,
                last_error="",
                **({"last_full_at": now} if window.full else {}),
            )
            result.parts.append(PartResult(part.name, rows, elapsed, window.full))
    finally:
        _lease_release()
    if actor is not None:
        with transaction.atomic():
            audit_record(
                actor=actor,
                action="analytics.refresh",
                entity_type="analytics.store",
                summary=_("Reporting store refreshed (%(mode)s): %(parts)s")
                % {
                    "mode": _("full") if full else _("changes"),
                    "parts": ", ".join(p.name for p in result.parts) or "-",
                },
            )
    return result
