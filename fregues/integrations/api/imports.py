"""Imports endpoints: send a CSV or XLSX file, follow the run, fetch the rejected rows.

``POST /imports`` (multipart) checks the file and records the job, with the column mapping
guessed from the header or given as JSON, and starts it unless ``start=false``: the answer is
a 202 with the job, whose counters ``GET /imports/{id}`` reports as the run moves. A client
that wants to look first sends ``start=false``, reads ``GET /imports/{id}?preview=true``,
corrects the mapping with ``PUT /imports/{id}/mapping`` and calls ``POST .../start``. A file
that cannot be read is a 422 ``bad_file`` and nothing is kept; a mapping the engine refuses is
a 422 ``invalid_mapping``.
"""

from __future__ import annotations

import json

from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from fregues.core.api_utils import actor_of
from fregues.core.errors import Invalid
from fregues.core.schemas import ERROR_RESPONSES

from ..schemas import ImportJobOut, ImportMappingIn
from ..services import (
    import_job_configure,
    import_job_create,
    import_job_get,
    import_job_list,
    import_job_start,
    import_preview,
)
from ..views.imports import rejected_rows_download

router = Router(tags=["imports"])


def _mapping_from(text: str | None) -> dict[str, str] | None:
    """The ``mapping`` form field: a JSON object ``{column: field}`` (multipart has no JSON)."""
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str | None) for k, v in value.items()
    ):
        raise Invalid.field(
            "mapping",
            _('Send the mapping as a JSON object: {"column": "field"}.'),
            code="invalid_mapping",
        )
    return {k: v or "" for k, v in value.items()}


@router.post("", response={202: ImportJobOut, **ERROR_RESPONSES}, summary="Upload a file")
def create_import(
    request: HttpRequest,
    file: File[UploadedFile],
    kind: Form[str],
    on_match: Form[str] = "update",
    source: Form[str] = "",
    mapping: Form[str | None] = None,
    encoding: Form[str | None] = None,
    start: Form[bool] = True,
) -> Status[ImportJobOut]:
    """Record an import of ``kind`` (``parties``, ``interactions`` or ``orders``) from the uploaded CSV or
    XLSX, and start it unless ``start`` is false. ``mapping`` (a JSON object
    ``{"column": "field"}``, ``""`` to leave a column out) is laid over the mapping guessed
    from the header; ``encoding`` forces one (default: UTF-8, else Windows-1252)."""
    actor = actor_of(request)
    job = import_job_create(
        actor=actor,
        kind=kind,
        file=file,
        filename=file.name or "",
        mapping=_mapping_from(mapping),
        on_match=on_match,
        source=source,
        encoding=encoding or None,
    )
    if start:
        job = import_job_start(actor=actor, job_id=job.pk)
        job.refresh_from_db()  # the task may have run already (immediate backend)
    return Status(202, ImportJobOut.build(job))


@router.get("", response={200: list[ImportJobOut], **ERROR_RESPONSES}, summary="Recent imports")
def list_imports(request: HttpRequest, limit: int = Query(50, ge=1, le=200)) -> list[ImportJobOut]:
    """The latest imports, newest first, by anyone (they touch shared data)."""
    return [
        ImportJobOut.build(job) for job in import_job_list(actor=actor_of(request), limit=limit)
    ]


@router.get("/{int:job_id}", response={200: ImportJobOut, **ERROR_RESPONSES}, summary="An import")
def get_import(
    request: HttpRequest,
    job_id: int,
    preview: bool = Query(False, description="Add the header and the first rows as read."),
    rows: int = Query(5, ge=1, le=50, description="How many rows the preview shows."),
) -> ImportJobOut:
    """Status, counters and mapping of one import; poll it to follow the run."""
    actor = actor_of(request)
    job = import_job_get(actor=actor, job_id=job_id)
    sample = import_preview(actor=actor, job_id=job_id, count=rows) if preview else None
    return ImportJobOut.build(job, sample)


@router.put(
    "/{int:job_id}/mapping",
    response={200: ImportJobOut, **ERROR_RESPONSES},
    summary="Correct the column mapping",
)
def put_mapping(request: HttpRequest, job_id: int, payload: ImportMappingIn) -> ImportJobOut:
    """Replace the mapping (and optionally ``on_match`` / ``source``) before the start."""
    job = import_job_configure(
        actor=actor_of(request),
        job_id=job_id,
        mapping=payload.mapping,
        on_match=payload.on_match,
        source=payload.source,
    )
    return ImportJobOut.build(job)


@router.post(
    "/{int:job_id}/start", response={202: ImportJobOut, **ERROR_RESPONSES}, summary="Start"
)
def start_import(request: HttpRequest, job_id: int) -> Status[ImportJobOut]:
    """Queue the run; starting twice runs it once."""
    job = import_job_start(actor=actor_of(request), job_id=job_id)
    job.refresh_from_db()
    return Status(202, ImportJobOut.build(job))


@router.get(
    "/{int:job_id}/rejected.csv",
    response=ERROR_RESPONSES,
    url_name="import_rejected_csv",
    summary="The rejected rows",
    openapi_extra={
        "responses": {
            200: {
                "description": "Each rejected row: its line, the reason, then its cells.",
                "content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def rejected_csv(request: HttpRequest, job_id: int) -> FileResponse:
    """The rejected rows as CSV (``line``, ``reason``, then the file's own columns)."""
    return rejected_rows_download(import_job_get(actor=actor_of(request), job_id=job_id))
