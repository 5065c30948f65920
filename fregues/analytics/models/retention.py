"""The retention part of the reporting store: per-party monthly activity, the cohort cells,
and lifecycle spells. Written only by ``retention.py``; read by the retention reports."""

from __future__ import annotations

from django.db import models

from fregues.parties.models import Party

from .service import _fk


class PartyMonthActivity(models.Model):
    """The months in which a customer ordered (orders not cancelled), with the month of their
    first order (``cohort_month``): the cohort retention triangle is one grouped scan of it."""

    party = _fk(Party)
    month = models.DateField()
    cohort_month = models.DateField()
    orders = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["party", "month"], name="an_partymonth_once"),
        ]
        indexes = [models.Index(fields=["cohort_month", "month"], name="an_partymonth_cohort")]

    def __str__(self) -> str:
        return f"{self.party_id} {self.month}"


class CohortCell(models.Model):
    """One cell of the retention triangle: of the customers whose first order was in
    ``cohort_month``, how many ordered in ``month``. Rebuilt from ``PartyMonthActivity`` at
    each refresh (a few thousand rows at most), so the report reads it in milliseconds."""

    cohort_month = models.DateField()
    month = models.DateField()
    customers = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cohort_month", "month"], name="an_cohortcell_once"),
        ]

    def __str__(self) -> str:
        return f"{self.cohort_month} → {self.month}: {self.customers}"


class LifecycleSpell(models.Model):
    """One stay of a party in a lifecycle stage: from the move that brought it there to the
    next move (``left_at`` null while it stays), with the stage it went to. The funnel counts
    entries and onward moves from it, time in stage reads ``days``. Its key is the id of the
    lifecycle move that opened the spell, so new moves are found by id."""

    move_id = models.BigIntegerField(primary_key=True)
    party = _fk(Party)
    stage = models.CharField(max_length=20)
    entered_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)
    next_stage = models.CharField(max_length=20, blank=True, default="")
    days = models.FloatField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["stage", "entered_at"], name="an_spell_stage"),
            models.Index(fields=["party"], name="an_spell_party"),
        ]

    def __str__(self) -> str:
        return f"{self.party_id} in {self.stage} from {self.entered_at:%Y-%m-%d}"
