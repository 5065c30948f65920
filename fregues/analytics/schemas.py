"""API shapes of the analytics app's own endpoints (the store's refresh)."""

from __future__ import annotations

import datetime

from ninja import Schema


class RefreshPartOut(Schema):
    name: str
    label: str
    watermark: datetime.datetime | None
    last_finished_at: datetime.datetime | None
    last_duration_ms: int
    last_rows: int
    last_full_at: datetime.datetime | None
    last_error: str


class RefreshStatusOut(Schema):
    running: bool
    parts: list[RefreshPartOut]


class RefreshIn(Schema):
    full: bool = False


class RefreshQueuedOut(Schema):
    queued: bool
    full: bool
