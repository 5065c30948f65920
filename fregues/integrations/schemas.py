"""What the imports API sends and takes: an import job with its live counters, its preview.

The job is one shape everywhere (create, list, get, start): a client polls ``GET
/imports/{id}`` and reads the same fields the progress bar of the UI shows. ``skipped``
counts every row that changed nothing, ``duplicates`` the part of it that repeated an earlier
row of the same file.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.urls import reverse
from ninja import Schema
from pydantic import Field

from .models import ImportJob


class ImportFieldOut(Schema):
    name: str
    label: str


class PreviewRowOut(Schema):
    line: int = Field(description="The line (CSV) or row (XLSX) number in the file.")
    cells: list[str]
    problem: str = Field("", description="Why this row would be rejected whole, if it would.")


class ImportPreviewOut(Schema):
    header: list[str]
    mapping: dict[str, str]
    rows: list[PreviewRowOut]
    fields: list[ImportFieldOut] = Field(description="The fields a column may be mapped to.")
    notes: list[str]
    rows_estimate: int


class ImportJobOut(Schema):
    id: int
    kind: str = Field(description="parties, interactions, leads, orders or consents")
    status: str = Field(description="pending, running, done or failed")
    queued: bool = Field(description="Started: waiting for a worker or running.")
    filename: str
    file_size: int
    sha256: str
    mapping: dict[str, str] = Field(description="{column header: field}")
    on_match: str
    source: str
    rows_total: int
    rows_done: int
    percent: int
    created: int
    updated: int
    skipped: int
    duplicates: int = Field(description="Rows repeating an earlier row of the file (in skipped).")
    rejected: int
    rows_per_second: float
    notes: list[str]
    message: str
    rejected_url: str | None = Field(description="The rejected rows as CSV, once there are any.")
    created_by: str | None
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    preview: ImportPreviewOut | None = None

    @classmethod
    def build(cls, job: ImportJob, preview: dict[str, Any] | None = None) -> ImportJobOut:
        rejected_url = (
            reverse("api:import_rejected_csv", kwargs={"job_id": job.pk})
            if job.error_file
            else None
        )
        return cls(
            id=job.pk,
            kind=job.kind,
            status=job.status,
            queued=not job.awaits_mapping,
            filename=job.filename,
            file_size=job.file_size,
            sha256=job.sha256,
            mapping=job.mapping,
            on_match=job.on_match,
            source=job.source,
            rows_total=job.rows_total,
            rows_done=job.rows_done,
            percent=job.percent,
            created=job.created,
            updated=job.updated,
            skipped=job.skipped,
            duplicates=int(job.options.get("duplicates") or 0),
            rejected=job.rejected,
            rows_per_second=job.rows_per_second,
            notes=list(job.options.get("notes") or []),
            message=job.message,
            rejected_url=rejected_url,
            created_by=job.created_by.username if job.created_by else None,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            preview=ImportPreviewOut(**preview) if preview is not None else None,
        )


class ImportMappingIn(Schema):
    mapping: dict[str, str] = Field(
        description='{column header: field}; "" leaves a column out. Replaces the whole mapping.'
    )
    on_match: str | None = Field(None, description="update, skip or create")
    source: str | None = None
