"""The orders import's run on PostgreSQL: the file staged whole, then written batch by batch.

The engine's reader and batching (``batching.cell_batches``) read the file exactly as for any
import — the same unreadable and scattered rows refused, the same batch boundaries — but the
rows go to the database with COPY instead of to a Python checker; the sales app then reads,
checks and matches the whole file in SQL (``order_staging``) and writes each batch
(``order_staged_batches``). The job's counters, rejected rows and progress move batch by batch
as before, rejected rows in the same order as the row-by-row run writes them.

Used for ``orders`` on PostgreSQL when every field comes from one column (the usual file);
SQLite, and files mapping a field from two columns, keep the row-by-row path
(``services._run_batches``), which the staged path falls back to order by order anyway.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from fregues.parties.services.imports import ImportReport
from fregues.sales.services.order_staged_batches import order_import_staged_batch
from fregues.sales.services.order_staging import (
    chunk_batches,
    order_import_stage,
    order_stage_copy,
    order_stage_drop,
    order_stage_match,
    order_stage_open,
    order_stage_read,
    order_stage_sweep,
)

from .fields import GROUPED_BY
from .models import ImportJob
from .tables import Table


def staged_possible(job: ImportJob, table: Table) -> bool:
    """Whether this run can be staged (see the module's docstring)."""
    if job.kind != "orders" or connection.vendor != "postgresql":
        return False
    if not getattr(settings, "ORDER_IMPORT_STAGED", True):
        return False
    names = [name for column, name in job.mapping.items() if column in table.header]
    return len(set(names)) == len(names) and GROUPED_BY["orders"] in names


def stale_stages_sweep() -> list[str]:
    """Drop the staging tables of orders imports that were killed (older than a few hours,
    not of a job still running); run at each staged import's start and daily."""
    running = ImportJob.objects.filter(status=ImportJob.Status.RUNNING, kind="orders")
    return order_stage_sweep(keep=running.values_list("pk", flat=True))


def run_staged(
    actor: Any,
    job: ImportJob,
    table: Table,
    run: Any,
    batches: Callable[[], Iterator[list[tuple[int, list[str]]]]],
    progress: Callable[[ImportJob], None] | None,
    batch_size: int,
) -> None:
    """Stage the file, read it in SQL, then write batch by batch (``run`` is the engine's
    ``runs.ImportRun``; ``batches`` its batching of this file, in batches of about ``batch_size``)."""
    fields = {name: table.header.index(c) for c, name in job.mapping.items() if c in table.header}
    width = len(table.header)
    group_at = fields[GROUPED_BY["orders"]]
    stale_stages_sweep()
    chunk = chunk_batches(math.ceil(table.rows_estimate / batch_size))
    stage = order_stage_open(actor=actor, tag=str(job.pk), width=width, fields=fields, chunk=chunk)
    before: list[list[tuple[int, str]]] = []  # rows refused while reading, before each batch
    sizes: list[int] = []
    source = job.source

    def staged_rows() -> Iterator[tuple[Any, ...]]:
        for number, batch in enumerate(batches()):
            before.append(run.report.rejected[:])
            del run.report.rejected[:]
            sizes.append(len(batch))
            for line, cells in batch:
                yield (
                    number,
                    line,
                    cells[group_at].strip()[:120],
                    len(cells),
                    *cells,
                    *([None] * (width - len(cells))),
                )

    clock = time.perf_counter()
    steps: dict[str, Any] = {"check_s": 0.0}
    # Checking chunk n + 1 (PostgreSQL working on one core) while chunk n is written (on the
    # other): on its own thread and connection, so only where that connection sees what this
    # one wrote — not inside a transaction (a dry run, a test).
    pool = None if connection.in_atomic_block else ThreadPoolExecutor(1)

    def staged(lines: int) -> None:
        # the file's lines staged so far: the job moves while the file is staged
        job.options = {**job.options, "phase": "staging", "rows_staged": lines}
        ImportJob.objects.filter(pk=job.pk).update(options=job.options, heartbeat_at=timezone.now())
        if progress:
            progress(job)

    def match() -> None:
        mark = time.perf_counter()
        order_stage_match(actor=actor, stage=stage, source=source)
        steps["match_s"] = round(time.perf_counter() - mark, 2)

    def check(chunk: int) -> dict[str, int]:
        mark = time.perf_counter()
        found = order_import_stage(actor=actor, stage=stage, source=source, chunk=chunk)
        spent = time.perf_counter() - mark
        steps["check_s"] += spent
        # each chunk's checking: flat across the file when the checks are linear in its size
        steps.setdefault("check_chunk_s", []).append(round(spent, 2))
        return found

    try:
        order_stage_copy(stage, staged_rows(), staged)
        after = run.report.rejected[:]
        del run.report.rejected[:]
        steps["stage_s"], clock = round(time.perf_counter() - clock, 2), time.perf_counter()
        order_stage_read(actor=actor, stage=stage)
        steps["read_s"], clock = round(time.perf_counter() - clock, 2), time.perf_counter()
        job.options = {**job.options, "phase": "writing"}
        ImportJob.objects.filter(pk=job.pk).update(options=job.options)
        chunks = range((len(sizes) + stage.chunk - 1) // stage.chunk)
        if pool:
            pool.submit(match)
        else:
            match()
        ahead = [pool.submit(check, c) for c in chunks] if pool else []
        if pool:  # then close the thread's own connection (looked up on that thread)
            pool.submit(lambda: connection.close())
        orders: Counter[str] = Counter()
        waited = 0.0
        for chunk in chunks:
            mark = time.perf_counter()
            orders.update(ahead[chunk].result() if pool else check(chunk))
            waited += time.perf_counter() - mark
            for number in range(chunk * stage.chunk, min((chunk + 1) * stage.chunk, len(sizes))):
                run.report.rejected.extend(before[number])
                with run.step():  # the batch, its counters and checkpoint: one transaction
                    result, rows = order_import_staged_batch(
                        actor=actor,
                        stage=stage,
                        batch=number,
                        source=source,
                        label=job.filename,
                        job_id=job.pk,
                    )
                    run.add_counted(sizes[number], rows, result)
                run.refresh_statistics()
                if progress:
                    progress(job)
        run.report.rejected.extend(after)
        run.add_counted(0, [], ImportReport())
        steps["orders"] = dict(orders)
        steps["chunks"], steps["chunk_batches"] = len(chunks), stage.chunk
        steps["check_s"] = round(steps["check_s"], 2)
        steps["waited_for_check_s"] = round(waited, 2)
        steps["check_and_write_s"] = round(time.perf_counter() - clock, 2)
        # where the time went, for the summary (``fregues import --json``) and the benchmark
        job.options = {**job.options, "steps": steps}
    finally:
        if pool:
            pool.shutdown(wait=True, cancel_futures=True)
        order_stage_drop(stage)
