from __future__ import annotations

from django.db import models

from fregues.parties.models import Party


class CustomerFact(models.Model):
    """One row per live customer: their dimensions (age band, region, lifecycle...) and every
    measure the analytical reports need (revenue, cost of goods, cost to serve, RFM, lifetime
    value, churn risk), computed at refresh so a report over a million customers is one
    grouped scan of this table. Money is in the reporting currency
    (``FREGUES_ANALYTICS_CURRENCY``). Merged-away and erased parties have no row."""

    party = models.OneToOneField(
        Party,
        primary_key=True,
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="analytics_fact",
    )
    # dimensions
    kind = models.CharField(max_length=20, blank=True, default="")
    age_band = models.CharField(max_length=10, blank=True, default="")
    region = models.CharField(max_length=100, blank=True, default="")
    country = models.CharField(max_length=2, blank=True, default="")
    lifecycle_stage = models.CharField(max_length=20, blank=True, default="")
    tier = models.CharField(max_length=20, blank=True, default="")
    owner_id = models.BigIntegerField(null=True, blank=True)
    first_channel = models.CharField(max_length=20, blank=True, default="")
    created_month = models.DateField(null=True, blank=True)
    cohort_month = models.DateField(null=True, blank=True)  # month of the first order
    # purchases
    orders_count = models.PositiveIntegerField(default=0)
    first_order_at = models.DateTimeField(null=True, blank=True)
    last_order_at = models.DateTimeField(null=True, blank=True)
    revenue = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    cost_of_goods = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    cost_known = models.BooleanField(default=False)  # every order line had a cost
    # service
    contacts_count = models.PositiveIntegerField(default=0)
    last_contact_at = models.DateTimeField(null=True, blank=True)
    contacts_cost = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    cases_count = models.PositiveIntegerField(default=0)
    open_cases = models.PositiveIntegerField(default=0)
    complaints_count = models.PositiveIntegerField(default=0)
    handling_minutes = models.PositiveIntegerField(default=0)
    cases_cost = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    csat_avg = models.FloatField(null=True, blank=True)
    # value
    cost_to_serve = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    profit = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    quadrant = models.CharField(max_length=20, blank=True, default="")
    unprofitable_reasons = models.JSONField(default=list, blank=True)
    rfm_recency = models.PositiveSmallIntegerField(null=True, blank=True)
    rfm_frequency = models.PositiveSmallIntegerField(null=True, blank=True)
    rfm_monetary = models.PositiveSmallIntegerField(null=True, blank=True)
    rfm_segment = models.CharField(max_length=30, blank=True, default="")
    clv = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    p_alive = models.FloatField(null=True, blank=True)
    expected_orders_year = models.FloatField(null=True, blank=True)
    churn_risk = models.FloatField(null=True, blank=True)
    churn_reasons = models.JSONField(default=list, blank=True)
    refreshed_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["rfm_segment"], name="analytics_cf_rfm_segment"),
            models.Index(fields=["quadrant"], name="analytics_cf_quadrant"),
            models.Index(fields=["lifecycle_stage"], name="analytics_cf_stage"),
            models.Index(fields=["-churn_risk"], name="analytics_cf_churn"),
            models.Index(fields=["profit"], name="analytics_cf_profit"),
        ]

    def __str__(self) -> str:
        return f"facts of party {self.party_id}"
