"""Reading a spreadsheet someone exported from somewhere: CSV in any common dialect, or XLSX.

Problems with the file as a whole (too big, binary, not in the declared encoding, no header)
raise ``FileRejected`` with a message a person can act on, before a single row is imported.
Problems with one row (a ragged line) come out of ``rows()`` as that row's rejection reason,
so the row is refused whole and the rest goes on.
"""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from fregues.core.errors import Invalid

CHUNK = 1 << 20
_XLSX_MAGIC = b"PK\x03\x04"
csv.field_size_limit(1 << 20)  # a 1 MB cell is already absurd; larger means a broken quote


class FileRejected(Invalid):
    """The file cannot be read as a table; nothing was imported."""

    code = "bad_file"


def _reject(message: str) -> FileRejected:
    return FileRejected(message, code="bad_file", errors={"file": [message]})


def _size_text(size: int) -> str:
    return f"{size / (1 << 30):.1f} GB" if size >= 1 << 30 else f"{size / (1 << 20):.0f} MB"


@dataclass
class Table:
    """An opened file: its format, encoding, dialect, header and an estimate of its rows."""

    path: Path
    format: str
    encoding: str = "utf-8"
    delimiter: str = ","
    header: list[str] = field(default_factory=list)
    rows_estimate: int = 0
    notes: list[str] = field(default_factory=list)

    def rows(self) -> Iterator[tuple[int, list[str] | str]]:
        """``(line, cells)`` for each data row, or ``(line, reason)`` for a row that cannot be
        read whole. Blank lines are skipped."""
        if self.format == "xlsx":
            yield from self._xlsx_rows()
            return
        width = len(self.header)
        with self.path.open(encoding=self.encoding, newline="", errors="strict") as handle:
            reader = csv.reader(handle, delimiter=self.delimiter)
            try:
                next(reader)
                previous = reader.line_num
                for cells in reader:
                    line, previous = previous + 1, reader.line_num  # where the record began
                    if not any(c.strip() for c in cells):
                        continue
                    while len(cells) > width and not cells[-1].strip():
                        cells.pop()  # trailing empty separators from spreadsheets
                    if len(cells) != width:
                        yield (
                            line,
                            _("The line has %(n)s fields; the header has %(h)s.")
                            % {"n": len(cells), "h": width},
                        )
                        continue
                    yield line, cells
            except csv.Error as exc:
                yield (
                    reader.line_num,
                    _(
                        "The file cannot be read from here on (%(error)s): a quote is probably "
                        "never closed. The lines before it were imported."
                    )
                    % {"error": exc},
                )
            except UnicodeDecodeError as exc:  # only when the encoding was forced
                yield (
                    reader.line_num + 1,
                    _("The file is not %(enc)s from here on (%(error)s).")
                    % {"enc": self.encoding, "error": exc.reason},
                )

    def _xlsx_rows(self) -> Iterator[tuple[int, list[str] | str]]:
        from openpyxl import load_workbook

        workbook = load_workbook(self.path.open("rb"), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            width = len(self.header)
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                if number == 1:
                    continue
                cells = [_cell_text(v) for v in values]
                while len(cells) > width and not cells[-1]:
                    cells.pop()
                if not any(cells):
                    continue
                if len(cells) < width:
                    cells += [""] * (width - len(cells))
                if len(cells) != width:
                    yield (
                        number,
                        _("The row has %(n)s cells; the header has %(h)s.")
                        % {
                            "n": len(cells),
                            "h": width,
                        },
                    )
                    continue
                yield number, cells
        finally:
            workbook.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone or CPF typed as a number: 11987654321.0 → 11987654321
    if hasattr(value, "isoformat"):
        return value.isoformat()  # type: ignore[no-any-return]
    return str(value).strip()


def table_open(
    path: str | Path, *, encoding: str | None = None, max_bytes: int | None = None
) -> Table:
    """Open ``path`` for import after checking it as a whole (see the module docstring)."""
    path = Path(path)
    if not path.is_file():
        raise _reject(_("There is no file at %(path)s.") % {"path": path})
    size = path.stat().st_size
    limit = max_bytes if max_bytes is not None else settings.IMPORT_MAX_BYTES
    if size > limit:
        raise _reject(
            _(
                "The file has %(size)s; the limit is %(limit)s. Split it into smaller files, or "
                "raise FREGUES_IMPORT_MAX_MB."
            )
            % {"size": _size_text(size), "limit": _size_text(limit)}
        )
    if size == 0:
        raise _reject(_("The file is empty."))
    with path.open("rb") as handle:
        head = handle.read(CHUNK)
    if head.startswith(_XLSX_MAGIC):
        return _open_xlsx(path)
    if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        encoding = encoding or "utf-16"
    if b"\x00" in head and not (encoding or "").startswith("utf-16"):
        raise _reject(
            _(
                "This is not a CSV or XLSX file (it holds binary data). Export the sheet as CSV "
                "(UTF-8) or XLSX."
            )
        )
    table = Table(path=path, format="csv")
    table.encoding, lines = _check_encoding(path, encoding)
    if table.encoding == "cp1252":
        table.notes.append(_("The file is not UTF-8; it was read as Windows-1252 (Latin-1)."))
    table.rows_estimate = max(0, lines - 1)
    with path.open(encoding=table.encoding, newline="") as handle:
        sample = handle.read(64 * 1024)
    first = sample.lstrip("\ufeff").splitlines()[0] if sample.strip() else ""
    if not first.strip():
        raise _reject(_("The first line is empty: it should name the columns."))
    table.delimiter = max(";,\t|", key=first.count) if any(d in first for d in ";,\t|") else ","
    table.header = next(csv.reader([first], delimiter=table.delimiter))
    table.header = [h.strip() for h in table.header]
    _check_header(table.header)
    return table


def _check_header(header: list[str]) -> None:
    if not any(header):
        raise _reject(_("The first line is empty: it should name the columns."))
    seen: set[str] = set()
    for name in header:
        if name and name in seen:
            raise _reject(_("Two columns are called '%(name)s'; rename one.") % {"name": name})
        seen.add(name)


def _check_encoding(path: Path, encoding: str | None) -> tuple[str, int]:
    """Read the whole file once (≈ 1 GB/s) to be sure of its encoding and count its lines."""
    chosen = encoding or "utf-8-sig"
    try:
        codecs.lookup(chosen)
    except LookupError as exc:
        raise _reject(_("Unknown encoding '%(enc)s'.") % {"enc": chosen}) from exc
    decoder = codecs.getincrementaldecoder(chosen)(errors="strict")
    lines = 0
    with path.open("rb") as handle:
        while True:
            chunk = handle.read(CHUNK)
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                if encoding:  # the caller said which: tell them it is not
                    raise _reject(
                        _(
                            "The file is not %(enc)s: line %(line)s has bytes that are not "
                            "(%(error)s). Save it as UTF-8, or give the right encoding."
                        )
                        % {
                            "enc": encoding,
                            "line": lines + chunk[: exc.start].count(b"\n") + 1,
                            "error": exc.reason,
                        }
                    ) from exc
                return _check_encoding(path, "cp1252")
            lines += chunk.count(b"\n")
            if not chunk:
                break
    return ("utf-8-sig" if chosen == "utf-8-sig" else chosen), lines + 1


def _open_xlsx(path: Path) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:  # a file object, so the name's extension does not matter (an .xlsx saved as .csv)
        workbook = load_workbook(path.open("rb"), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise _reject(
            _("The XLSX file is damaged or is not a spreadsheet (%(e)s).") % {"e": exc}
        ) from exc
    try:
        if not workbook.worksheets:
            raise _reject(_("The workbook has no sheet."))
        sheet = workbook.worksheets[0]
        first = next(sheet.iter_rows(values_only=True, max_row=1), None)
        header = [_cell_text(v) for v in (first or ())]
        while header and not header[-1]:
            header.pop()
        _check_header(header)
        estimate = max(0, (sheet.max_row or 1) - 1)
    finally:
        workbook.close()
    return Table(path=path, format="xlsx", encoding="", header=header, rows_estimate=estimate)


def sample_rows(table: Table, count: int = 5) -> list[tuple[int, list[str] | str]]:
    """The first ``count`` data rows (for the mapping preview)."""
    out = []
    for item in table.rows():
        out.append(item)
        if len(out) >= count:
            break
    return out
