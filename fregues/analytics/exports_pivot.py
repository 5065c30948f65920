"""CSV and XLSX of a pivot result and of the customers behind a cell.

CSV streams row by row; XLSX is written by openpyxl in write-only mode (rows go to a
temporary file, not a tree in memory). The drill-down export pages through the cell with the
drill-down's own query, a thousand customers at a time, so a cell of fifty thousand
customers never sits in memory at once.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _

from .pivot import PivotDefinition
from .pivot_drill import SEGMENT_MAX, pivot_drill

EXPORT_PAGE = 1000
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def pivot_table_rows(result: dict[str, Any]) -> Iterator[list[Any]]:
    """The pivot as a table: a header, a row per row value with its total, the totals."""
    rows = result["rows"]["values"]
    cols = result["columns"]["values"] if result["columns"] else []
    measure = result["measure"]["label"]
    if cols:
        yield (
            [f"{result['rows']['label']} \\ {result['columns']['label']} ({measure})"]
            + [c["label"] for c in cols]
            + [_("Total")]
        )
        for row, cells, total in zip(rows, result["cells"], result["row_totals"], strict=True):
            yield [row["label"], *cells, total]
        yield [_("Total"), *result["column_totals"], result["total"]]
    else:
        yield [result["rows"]["label"], measure]
        for row, total in zip(rows, result["row_totals"], strict=True):
            yield [row["label"], total]
        yield [_("Total"), result["total"]]


def drill_rows(
    *, actor: Any, definition: PivotDefinition, row: str | None, column: str | None
) -> Iterator[list[Any]]:
    """The customers of a cell: a header, then a row per customer, page by page."""
    first = pivot_drill(
        actor=actor, definition=definition, row=row, column=column, page=1, page_size=EXPORT_PAGE
    )
    header = [_("Customer id"), _("Name"), _("Lifecycle stage")]
    if first["amounts"]:
        header.append(first["measure"]["label"])
    yield header
    page, listed = first, 0
    while True:
        for r in page["results"]:
            line = [r["party_id"], r["name"], r["lifecycle_label"]]
            if first["amounts"]:
                line.append(r["value"])
            yield line
        listed += len(page["results"])
        if listed >= min(page["count"], SEGMENT_MAX) or not page["results"]:
            return
        page = pivot_drill(
            actor=actor,
            definition=definition,
            row=row,
            column=column,
            page=page["page"] + 1,
            page_size=EXPORT_PAGE,
        )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _plain(value: Any) -> Any:
    return "" if value is None else value


def csv_response(rows: Iterable[list[Any]], filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff"  # so spreadsheet programs read UTF-8
        for row in rows:
            yield writer.writerow([_plain(v) for v in row])

    response = StreamingHttpResponse(lines(), content_type=CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(rows: Iterable[list[Any]], filename: str, title: str) -> HttpResponse:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31] or "pivot")
    for row in rows:
        sheet.append([_plain(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
