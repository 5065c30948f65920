"""Reading an import file in batches: rows grouped as the importers want them (the lines of
an order together), rows that cannot be read counted and reported on the run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from django.utils.translation import gettext as _

from fregues.parties.services.imports import ImportReport, ImportRow

from .fields import GROUPED_BY
from .models import ImportJob
from .tables import Table


class RejectSink(Protocol):
    """What a batch reader needs of the run: where unreadable rows go, and their count."""

    report: ImportReport
    unreadable: int


def row_batches(
    job: ImportJob, table: Table, run: RejectSink, *, size: int
) -> Iterator[list[ImportRow]]:
    """Rows in batches of about ``size`` (``cell_batches``), each row with its values by
    field."""
    columns = [(table.header.index(c), f) for c, f in job.mapping.items() if c in table.header]
    single = len({name for _index, name in columns}) == len(columns)
    values: dict[str, list[str]]
    for chunk in cell_batches(job, table, run, size=size):
        batch: list[ImportRow] = []
        for line, cells in chunk:
            if single:  # one column per field (the usual case): a comprehension is faster
                values = {name: [cells[index]] for index, name in columns if cells[index]}
            else:
                values = {}
                for index, name in columns:
                    value = cells[index]
                    if value:
                        values.setdefault(name, []).append(value)
            batch.append(ImportRow(line, values, cells))
        yield batch


def cell_batches(
    job: ImportJob, table: Table, run: RejectSink, *, size: int
) -> Iterator[list[tuple[int, list[str]]]]:
    """``(line, cells)`` in batches of about ``size``. For a grouped kind (the lines of an
    order) a batch ends between groups, and a group met again after others is refused: its
    rows must follow each other in the file."""
    columns = [(table.header.index(c), f) for c, f in job.mapping.items() if c in table.header]
    group_field = GROUPED_BY.get(job.kind)
    group_at = next((i for i, f in columns if f == group_field), None)
    current, finished = "", set()
    batch: list[tuple[int, list[str]]] = []
    for line, cells in table.rows():
        if isinstance(cells, str):  # a row that cannot be read whole
            run.report.rejected.append((line, cells))
            run.unreadable += 1
            continue
        if group_at is not None:
            key = cells[group_at].strip()
            if key != current:
                if key and key in finished:
                    run.report.rejected.append((line, _group_scattered(key)))
                    run.unreadable += 1
                    continue
                if current:
                    finished.add(current)
                current = key
                if len(batch) >= size:
                    yield batch
                    batch = []
        batch.append((line, cells))
        if group_at is None and len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _group_scattered(key: str) -> str:
    return _(
        "order_id: the lines of order %(id)s are not together in the file (it was read "
        "earlier, with other orders in between): put an order's lines one after the other."
    ) % {"id": key}
