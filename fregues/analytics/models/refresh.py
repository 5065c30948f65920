from __future__ import annotations

from django.db import models


class RefreshState(models.Model):
    """Where each part of the reporting store stands: the moment its last refresh read up to
    (its watermark), how long it took and what went wrong. The row named ``_lease`` keeps two
    refreshes from running at once (``lease_until``)."""

    name = models.CharField(max_length=60, unique=True)
    watermark = models.DateTimeField(null=True, blank=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_duration_ms = models.PositiveIntegerField(default=0)
    last_rows = models.PositiveIntegerField(default=0)
    last_full_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    lease_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name
