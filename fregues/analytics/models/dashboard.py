from __future__ import annotations

from django.db import models


class PivotSummary(models.Model):
    """A dashboard pivot's figures computed at refresh, so the role dashboard reads a row per
    widget instead of grouping millions of fact rows on every request (issue 11: the
    dashboard within 2 s at a million customers).

    ``key`` is the hash of the pivot's cleaned definition; ``grid`` is
    ``pivot.pivot_grid``'s output (no labels: the same for every language); ``watermark`` is
    the refresh it was computed for: a summary older than the store's newest watermark is
    stale and the dashboard computes the pivot from the facts instead."""

    key = models.CharField(max_length=64, unique=True)
    definition = models.JSONField(default=dict)
    grid = models.JSONField(default=dict)
    watermark = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.key
