"""Import jobs: a file in, customers or contacts out, with a record of what happened.

The CLI, the upload screen and the API all go through here: ``import_job_create`` checks the
file and guesses the column mapping, ``import_job_configure`` lets a person correct it,
``import_job_start`` queues the run, and ``import_job_run`` (the task, or the CLI directly)
reads the file in batches and hands them to the parties or interactions import services. The
job's counters move after every batch, which is what the progress bars show; rejected rows go
to a CSV with their line number and reason.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import File
from django.db import connection, connections, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record
from fregues.core.errors import Invalid, NotFound
from fregues.core.events import enqueue_on_commit
from fregues.core.permissions import can, require
from fregues.interactions.models import Interaction
from fregues.interactions.services import interaction_import_many, interaction_import_validate
from fregues.parties.models import ConsentRecord, ContactPoint, ExternalId, Party
from fregues.parties.services.consent_imports import consent_import_many, consent_import_validate
from fregues.parties.services.imports import (
    ON_MATCH,
    ImportReport,
    ImportRow,
    party_import_many,
    party_import_validate,
)
from fregues.sales.models import Lead, Order, OrderLine
from fregues.sales.services.lead_imports import lead_import_many, lead_import_validate
from fregues.sales.services.order_imports import order_import_many, order_import_validate

from .batching import cell_batches, row_batches
from .fields import FIELDS, auto_map
from .models import ImportJob
from .runs import ImportRun, ImportSuperseded
from .staged import run_staged, staged_possible
from .tables import FileRejected, Table, sample_rows, table_open

BATCH_SIZE = settings.IMPORT_BATCH_SIZE  # FREGUES_IMPORT_BATCH_SIZE: rows per transaction
Progress = Callable[[ImportJob], None]

# Per kind: the columns every run needs, the tables a load grows (re-analysed as it goes),
# the pure check of a batch (may run in a worker process) and the batch writer.
_NEEDED: dict[str, set[str]] = {
    "interactions": {"channel", "direction", "occurred_at"},
    "orders": {"order_id", "quantity", "unit_price"},
    "leads": {"name"},
    "consents": {"purpose", "granted"},
}
_TABLES: dict[str, tuple[Any, ...]] = {
    "parties": (Party, ContactPoint, ExternalId),
    "interactions": (Interaction,),
    "orders": (Order, OrderLine),
    "leads": (Lead,),
    "consents": (ConsentRecord,),
}
_VALIDATORS: dict[str, Callable[[list[ImportRow]], list[Any]]] = {
    "parties": party_import_validate,
    "interactions": interaction_import_validate,
    "orders": order_import_validate,
    "leads": lead_import_validate,
    "consents": consent_import_validate,
}
# Handing a batch to a worker and its result back costs the parent about what checking an
# order line costs (measured: 14 of 22 µs a line): orders gain from workers only when two or
# more can run beside the parent and the database, i.e. on more than two cores.
_WORKERS_FROM: dict[str, int] = {"orders": 3}
_IMPORTERS: dict[str, Callable[..., ImportReport]] = {
    "parties": party_import_many,
    "interactions": interaction_import_many,
    "orders": order_import_many,
    "leads": lead_import_many,
    "consents": consent_import_many,
}


def _clean_options(
    kind: str, mapping: dict[str, str] | None, on_match: str, header: list[str]
) -> dict[str, str]:
    errors: dict[str, list[str]] = {}
    if kind not in FIELDS:
        errors["kind"] = [_("Choose one of: %(c)s.") % {"c": ", ".join(sorted(FIELDS))}]
    if on_match not in ON_MATCH:
        errors["on_match"] = [_("Choose one of: %(c)s.") % {"c": ", ".join(ON_MATCH)}]
    if errors:
        raise Invalid(_("The import options are not valid."), errors=errors)
    known = {spec.name: spec for spec in FIELDS[kind]}
    chosen = auto_map(header, kind) if mapping is None else {}
    for column, name in (mapping or {}).items():
        if not name:
            continue
        if column not in header:
            errors.setdefault("mapping", []).append(
                _("The file has no column '%(c)s' (it has: %(h)s).")
                % {"c": column, "h": ", ".join(header)}
            )
        elif name not in known:
            errors.setdefault("mapping", []).append(
                _("'%(f)s' is not a field; choose one of: %(all)s.")
                % {"f": name, "all": ", ".join(known)}
            )
        elif name in chosen.values() and not known[name].multiple:
            errors.setdefault("mapping", []).append(
                _("Two columns go to '%(f)s'; it takes one.") % {"f": known[name].label}
            )
        else:
            chosen[column] = name
    if errors:
        raise Invalid(_("The column mapping is not valid."), code="invalid_mapping", errors=errors)
    return chosen


def _check_complete(kind: str, mapping: dict[str, str]) -> None:
    """Before a run: the mapping gives what every row needs (the upload keeps a partial guess,
    so the person can finish it on the mapping screen)."""
    errors: dict[str, list[str]] = {}
    if not mapping:
        errors["mapping"] = [_("No column matches a field: say which column is which.")]
    needed = _NEEDED.get(kind, set())
    if not errors and not needed <= set(mapping.values()):
        errors["mapping"] = [
            _("Say which columns hold: %(f)s.")
            % {"f": ", ".join(sorted(needed - set(mapping.values())))}
        ]
    if errors:
        raise Invalid(_("The column mapping is not valid."), code="invalid_mapping", errors=errors)


def import_job_create(
    *,
    actor: Any,
    kind: str,
    file: File | Path | str,
    filename: str = "",
    mapping: dict[str, str] | None = None,
    on_match: str = "update",
    source: str = "",
    encoding: str | None = None,
    max_bytes: int | None = None,
) -> ImportJob:
    """Check a file and record an import job for it, with the column mapping guessed (or
    ``mapping`` merged over the guess: ``{column header: field}``). Nothing is imported yet.

    A file that cannot be read as a table is a 422 with code ``bad_file`` and nothing is kept.
    """
    require(actor, "data.import")
    if isinstance(file, (str, Path)):
        path = Path(file)
        filename = filename or path.name
        if not path.is_file():
            message = _("There is no file at %(path)s.") % {"path": path}
            raise FileRejected(message, code="bad_file", errors={"file": [message]})
        stored: File = File(path.open("rb"), name=path.name)
    else:
        stored = file
        filename = filename or Path(file.name or "upload.csv").name
    job: ImportJob | None = None
    try:
        with transaction.atomic():
            job = ImportJob(
                kind=kind,
                filename=filename[:255],
                on_match=on_match,
                source=(source or "import").strip().lower()[:40],
                created_by=actor if getattr(actor, "pk", None) else None,
                options={"encoding": encoding} if encoding else {},
            )
            _check_rights(actor, job, field_error=True)
            job.file.save(filename, stored, save=False)
            table = _open(job, max_bytes=max_bytes)
            job.mapping = _clean_options(kind, None, on_match, table.header)
            if mapping:
                merged = {c: f for c, f in job.mapping.items() if c not in mapping}
                job.mapping = _clean_options(kind, merged | mapping, on_match, table.header)
            job.file_size = job.file.size
            job.sha256 = _sha256(Path(job.file.path))
            job.rows_total = table.rows_estimate
            job.options = {**job.options, "notes": table.notes}
            job.save()
            audit_record(actor=actor, action="create", instance=job, summary=str(job))
    except BaseException:
        if job is not None and job.file and job.file.name:
            job.file.delete(save=False)  # a refused file leaves nothing behind
        raise
    finally:
        if isinstance(file, (str, Path)):
            stored.close()
    return job


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _open(job: ImportJob, max_bytes: int | None = None) -> Table:
    return table_open(job.file.path, encoding=job.options.get("encoding"), max_bytes=max_bytes)


def import_job_get(*, actor: Any, job_id: int) -> ImportJob:
    require(actor, "data.import")
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        raise NotFound(_("Import %(id)s does not exist.") % {"id": job_id})
    return job


def import_preview(*, actor: Any, job_id: int, count: int = 5) -> dict[str, Any]:
    """The header, the mapping and the first rows as they would be read: what the mapping
    screen shows before anything is written."""
    job = import_job_get(actor=actor, job_id=job_id)
    table = _open(job, max_bytes=max(job.file_size, 1))
    rows = []
    for line, cells in sample_rows(table, count):
        if isinstance(cells, str):
            rows.append({"line": line, "cells": [], "problem": cells})
        else:
            rows.append({"line": line, "cells": cells, "problem": ""})
    return {
        "header": table.header,
        "mapping": job.mapping,
        "rows": rows,
        "fields": [{"name": s.name, "label": s.label} for s in FIELDS[job.kind]],
        "notes": table.notes,
        "rows_estimate": table.rows_estimate,
    }


def import_job_configure(
    *,
    actor: Any,
    job_id: int,
    mapping: dict[str, str],
    on_match: str | None = None,
    source: str | None = None,
) -> ImportJob:
    """Set the mapping (``{column: field}``, "" leaves a column out) before the run starts."""
    with transaction.atomic():
        job = import_job_get(actor=actor, job_id=job_id)
        if not job.awaits_mapping:
            raise Invalid(_("This import has already started."), code="import_started")
        header = _open(job, max_bytes=max(job.file_size, 1)).header
        job.on_match = on_match or job.on_match
        _check_rights(actor, job, field_error=True)
        job.mapping = _clean_options(job.kind, mapping, job.on_match, header)
        if source is not None:
            job.source = (source or "import").strip().lower()[:40]
        job.save(update_fields=["mapping", "on_match", "source"])
        audit_record(
            actor=actor,
            action="update",
            instance=job,
            summary=str(job),
            changes={"mapping": job.mapping},
        )
    return job


def import_job_start(*, actor: Any, job_id: int) -> ImportJob:
    """Queue the run as a background task (it starts when this transaction commits)."""
    with transaction.atomic():
        job = import_job_get(actor=actor, job_id=job_id)
        _check_rights(actor, job)
        if not job.awaits_mapping:
            return job  # pressing Start twice runs it once
        _check_complete(job.kind, job.mapping)
        job.options = {**job.options, "queued": True}
        job.save(update_fields=["options"])
        enqueue_on_commit("fregues.integrations.tasks.import_job_task", job_id=job.pk)
    return job


def _check_rights(actor: Any, job: ImportJob, field_error: bool = False) -> None:
    if job.kind == "leads":
        _check_lead_rights(actor, job, field_error)
        return
    if job.kind == "orders":
        require(actor, "order.change")
        return
    if job.kind == "consents":
        require(actor, "consent.change")
        return
    require(actor, "party.create" if job.kind == "parties" else "interaction.create")
    if job.kind == "parties" and job.on_match == "update" and not can(actor, "party.change"):
        if field_error:  # said where the choice is made, so the person can pick another
            message = _("Your role may not change existing customers: choose skip or create.")
            raise Invalid(message, code="invalid_on_match", errors={"on_match": [message]})
        require(actor, "party.change")


def _check_lead_rights(actor: Any, job: ImportJob, field_error: bool) -> None:
    require(actor, "lead.create")
    if job.on_match == "update" and not can(actor, "lead.change"):
        if field_error:
            message = _("Your role may not change existing leads: choose skip or create.")
            raise Invalid(message, code="invalid_on_match", errors={"on_match": [message]})
        require(actor, "lead.change")


def _validate(kind: str, batch: list[ImportRow]) -> list[Any]:
    """Run in a worker process: the CPU-bound half of an import (parsing phones, e-mails,
    tax ids, dates), so the parent can write one batch while the workers check the next."""
    return _VALIDATORS[kind](batch)


def _parallel_ok(table: Table, kind: str = "") -> int:
    """How many validating workers to use for this file (0: validate in this process)."""
    workers = settings.IMPORT_WORKERS
    if (
        workers < _WORKERS_FROM.get(kind, 2)
        or table.rows_estimate < settings.IMPORT_PARALLEL_MIN_ROWS
    ):
        return 0
    name = str(connection.settings_dict.get("NAME") or "")
    if connection.vendor == "sqlite" and (":memory:" in name or "mode=memory" in name):
        return 0  # a forked worker could not see an in-memory database
    if connection.in_atomic_block:
        return 0  # a worker could not see rows this transaction has not committed
    return workers


def _validated(
    job: ImportJob, table: Table, run: ImportRun
) -> Iterator[tuple[list[ImportRow], list[Any] | None]]:
    """Batches of rows, each with its validation done ahead in worker processes when the
    file is large enough to pay for them (a bounded queue: memory stays flat)."""
    workers = _parallel_ok(table, job.kind)
    batches = run.remaining(row_batches(job, table, run, size=BATCH_SIZE))
    if not workers or run.skip:  # resuming: the batches done are only read again
        for batch in batches:
            yield batch, None
        return
    connections.close_all()  # the children must open their own connections
    context = multiprocessing.get_context("fork")
    with context.Pool(workers) as pool:
        pending: deque[tuple[list[ImportRow], Any]] = deque()
        for batch in batches:
            pending.append((batch, pool.apply_async(_validate, (job.kind, batch))))
            if len(pending) > workers * 2:
                done, result = pending.popleft()
                yield done, result.get()
        while pending:
            done, result = pending.popleft()
            yield done, result.get()


def import_job_run(*, actor: Any, job_id: int, progress: Progress | None = None) -> ImportJob:
    """Run a job to the end (idempotent: a finished or running job is returned as it is).

    Each batch is its own transaction, with the job's counters and checkpoint: a row is
    written whole or rejected whole; a job taken over after its worker died
    (``recovery.import_jobs_recover``) resumes after the last batch committed (``runs``). If the
    file breaks half-way (a quote never closed) the rows before stay imported and running the
    file again changes nothing for them.
    """
    job = import_job_get(actor=actor, job_id=job_id)
    if job.is_finished or job.status == ImportJob.Status.RUNNING:
        return job
    _check_rights(actor, job)
    _check_complete(job.kind, job.mapping)
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.PENDING).update(
        status=ImportJob.Status.RUNNING,
        started_at=Coalesce("started_at", Value(now)),
        heartbeat_at=now,
        attempt=F("attempt") + 1,
    )
    if not claimed:  # another worker took it
        job.refresh_from_db()
        return job
    job.refresh_from_db()
    try:
        table = _open(job, max_bytes=max(job.file_size, 1))
        if job.checkpoint and _sha256(Path(job.file.path)) != job.sha256:
            raise FileRejected(_("The file changed since the import started."), code="bad_file")
        run = ImportRun(job, table.header, _TABLES[job.kind])
    except (FileRejected, OSError) as exc:
        message = exc.message if isinstance(exc, FileRejected) else str(exc)
        ImportJob.objects.filter(pk=job.pk, attempt=job.attempt).update(
            status=ImportJob.Status.FAILED, message=message, finished_at=timezone.now()
        )
        job.refresh_from_db()
        return job
    importer = _IMPORTERS[job.kind]
    kwargs: dict[str, Any] = {"on_match": job.on_match} if job.kind in ("parties", "leads") else {}
    try:
        with _fewer_collections():
            if not run.skip and staged_possible(job, table):
                run_staged(
                    actor,
                    job,
                    table,
                    run,
                    lambda: cell_batches(job, table, run, size=BATCH_SIZE),
                    progress,
                    BATCH_SIZE,
                )
            else:  # (a resumed staged run goes on row by row: the same batches)
                _run_batches(actor, job, table, run, importer, kwargs, progress)
        run.add([], ImportReport())  # ragged rows after the last batch
        job.status = ImportJob.Status.DONE
        run.finish()
    except ImportSuperseded:  # a newer attempt has the job: this one leaves it alone
        run.abandon()
        job.refresh_from_db()
        return job
    except Exception as exc:
        job.status = ImportJob.Status.FAILED
        job.message = _("The import stopped: %(error)s") % {"error": exc}
        with contextlib.suppress(ImportSuperseded):
            run.finish()
        raise
    if progress:
        progress(job)
    return job


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """A run allocates millions of short-lived objects (freed by reference counting); Python's
    cyclic collector, which scans every live object as they pile up, took a fifth of an orders
    import's time. Collect far less often during the run."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _run_batches(
    actor: Any,
    job: ImportJob,
    table: Table,
    run: ImportRun,
    importer: Callable[..., ImportReport],
    kwargs: dict[str, Any],
    progress: Progress | None,
) -> None:
    for batch, validated in _validated(job, table, run):
        with run.step():  # the batch, the counters and the checkpoint: one transaction
            result = importer(
                actor=actor,
                rows=batch,
                source=job.source,
                label=job.filename,
                validated=validated,
                **kwargs,
            )
            run.add(batch, result)
        run.refresh_statistics()
        if progress:
            progress(job)


def import_job_list(*, actor: Any, limit: int = 50) -> list[ImportJob]:
    """The latest imports (everyone who may import sees them all: they touch shared data)."""
    require(actor, "data.import")
    return list(
        ImportJob.objects.select_related("created_by").order_by("-created_at", "-id")[:limit]
    )


def can_import(actor: Any) -> bool:
    return can(actor, "data.import")
