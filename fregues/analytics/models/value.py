from __future__ import annotations

from django.db import models


class ValueModelFit(models.Model):
    """One fit of the lifetime-value models (BG/NBD + Gamma-Gamma) on the whole customer
    base: its parameters, on how many customers, and how well it fits (log-likelihood).

    Fitting is the one step of the value refresh that is not linear in the customers, so it
    runs on a full refresh and at most once a day; the 15-minute refreshes score changed
    customers with the latest fit. Keeping each fit (not only the last) shows how the
    parameters drift, and the value report says which fit its figures come from."""

    fitted_at = models.DateTimeField()
    # {"bgnbd": {"r", "alpha", "a", "b"}, "gamma_gamma": {"p", "q", "v"} | null,
    #  "time_unit": "week", "currency": "BRL", "horizon_months", "monthly_discount_rate"}
    parameters = models.JSONField(default=dict)
    customers = models.PositiveIntegerField(default=0)  # customers with orders in the fit
    repeat_customers = models.PositiveIntegerField(default=0)  # of them, with a repeat order
    log_likelihood = models.FloatField(null=True, blank=True)  # BG/NBD's, at the optimum
    gamma_gamma_log_likelihood = models.FloatField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-fitted_at", "-id"]
        indexes = [models.Index(fields=["-fitted_at"], name="analytics_value_fit_recent")]

    def __str__(self) -> str:
        return f"value model fitted at {self.fitted_at:%Y-%m-%d %H:%M}"
