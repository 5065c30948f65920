"""File imports: the record of every import run."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportJob(models.Model):
    """One run of a file import (parties, interactions or orders), from the CLI, the UI or the API.

    It keeps the uploaded file, the column mapping chosen, the live counters the progress bar
    reads, and the rejected-rows CSV the user downloads. The ``idempotency_key`` (the file's
    SHA-256 with the options) lets a re-submitted upload find the job that already ran.
    """

    class Kind(models.TextChoices):
        PARTIES = "parties", _("Customers")
        INTERACTIONS = "interactions", _("Interactions")
        LEADS = "leads", _("Leads")
        ORDERS = "orders", _("Orders")
        CONSENTS = "consents", _("Consents")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class OnMatch(models.TextChoices):
        UPDATE = "update", _("Update the existing customer")
        SKIP = "skip", _("Skip the row")
        CREATE = "create", _("Create a new customer anyway")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    filename = models.CharField(_("file"), max_length=255)
    file_size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True, default="")
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    on_match = models.CharField(
        _("when the customer exists"), max_length=10, choices=OnMatch.choices, default="update"
    )
    source = models.CharField(_("source system"), max_length=40, blank=True, default="")
    options = models.JSONField(default=dict, blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    rows_per_second = models.FloatField(default=0)
    error_file = models.FileField(upload_to="imports/errors/%Y/%m/", blank=True)
    message = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Crash safety (``integrations.runs``): the running worker touches ``heartbeat_at`` at every
    # batch; ``attempt`` grows each time a worker takes the job (a stale one may then write
    # nothing); ``checkpoint`` is what the last committed batch left (counters, rejected file).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempt = models.PositiveIntegerField(default=0)
    checkpoint = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["-created_at", "-id"], name="import_job_recent")]

    def __str__(self) -> str:
        return f"{self.kind} import {self.pk} ({self.filename})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def awaits_mapping(self) -> bool:
        """Not started nor queued: the column mapping may still change."""
        return self.status == self.Status.PENDING and not self.options.get("queued")

    @property
    def percent(self) -> int:
        if self.is_finished:
            return 100
        if not self.rows_total:
            return 0
        return min(99, int(self.rows_done * 100 / self.rows_total))
