"""The pivot engine: any two dimensions × a measure over the pre-aggregated facts.

A request (rows, optional columns, measure, filters on any dimension, a date range) is
validated against the registry (``pivot_registry``) and compiled to ONE grouped statement:
``GROUP BY GROUPING SETS ((r, c), (r), (c), ())`` on PostgreSQL, the same four groupings as
``UNION ALL`` branches on SQLite, so every cell, row total, column total and the grand total
come out exact even for the distinct count of customers (which cannot be summed). When a
dimension has more values than the limit, the top ones (by their total) are kept and the rest
folded into "others", computed by one more statement of the same shape.

Dimension and measure codes map to fixed SQL fragments; filter values and dates are always
parameters. Every read goes through ``analytics_connection()`` (the replica when configured).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from fregues.core.errors import ErrorCollector
from fregues.core.permissions import require

from .db import analytics_connection
from .pivot_registry import (
    DIMENSIONS,
    FACT_PREFERENCE,
    FACTS,
    MEASURES,
    Dimension,
    Fact,
    Measure,
)

OTHERS = "__others__"
MAX_ROWS = 50
MAX_COLUMNS = 20
MAX_FILTER_VALUES = 200


@dataclass(frozen=True)
class PivotDefinition:
    """A validated pivot request (what a saved report stores, as ``as_dict()``)."""

    rows: str
    measure: str
    columns: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    row_limit: int = MAX_ROWS
    column_limit: int = MAX_COLUMNS

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "columns": self.columns,
            "measure": self.measure,
            "filters": self.filters,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "row_limit": self.row_limit,
            "column_limit": self.column_limit,
        }

    @property
    def dimensions(self) -> list[str]:
        return [d for d in (self.rows, self.columns) if d]


def _date(value: Any, name: str, errors: ErrorCollector) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        errors.add(name, _("Expected a date (YYYY-MM-DD)."))
        return None


def _limit(value: Any, name: str, default: int, errors: ErrorCollector) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= default:
        errors.add(name, _("Between 1 and %(n)s.") % {"n": default})
    return number


def _fact_for(dimensions: list[Dimension], measure: Measure | None, dated: bool) -> str | None:
    candidates = set(FACT_PREFERENCE)
    for dim in dimensions:
        candidates &= dim.facts
    if measure is not None:
        candidates &= set(measure.sql)
    if dated:
        candidates = {c for c in candidates if FACTS[c].month}
    return next((c for c in FACT_PREFERENCE if c in candidates), None)


def pivot_definition_clean(data: dict[str, Any]) -> PivotDefinition:
    """A ``PivotDefinition`` from request data, or ``Invalid`` (422) naming every faulty
    field: an unknown dimension or measure, the same dimension twice, dimensions and a
    measure that no fact holds together, a filter on an unknown dimension, a bad date."""
    errors = ErrorCollector()
    rows = str(data.get("rows") or "")
    columns = str(data.get("columns") or "")
    measure_code = str(data.get("measure") or "")
    if not rows:
        errors.add("rows", _("Choose the dimension of the rows."))
    elif rows not in DIMENSIONS:
        errors.add("rows", _("Unknown dimension: %(code)s.") % {"code": rows})
    if columns and columns not in DIMENSIONS:
        errors.add("columns", _("Unknown dimension: %(code)s.") % {"code": columns})
    elif columns and columns == rows:
        errors.add("columns", _("Choose a dimension other than the rows'."))
    measure = MEASURES.get(measure_code)
    if measure is None:
        errors.add("measure", _("Unknown measure: %(code)s.") % {"code": measure_code})
    raw_filters = data.get("filters") or {}
    filters: dict[str, list[str]] = {}
    if not isinstance(raw_filters, dict):
        errors.add("filters", _("Expected an object of dimension: [values]."))
        raw_filters = {}
    for code, values in raw_filters.items():
        if code not in DIMENSIONS:
            errors.add(f"filters.{code}", _("Unknown dimension: %(code)s.") % {"code": code})
            continue
        if isinstance(values, str | int):
            values = [values]
        if not isinstance(values, list) or not values:
            errors.add(f"filters.{code}", _("Expected a list of values."))
            continue
        if len(values) > MAX_FILTER_VALUES:
            errors.add(f"filters.{code}", _("At most %(n)s values.") % {"n": MAX_FILTER_VALUES})
            continue
        filters[code] = [str(v) for v in values]
    date_from = _date(data.get("date_from"), "date_from", errors)
    date_to = _date(data.get("date_to"), "date_to", errors)
    if date_from and date_to and date_from > date_to:
        errors.add("date_to", _("The end comes before the start."))
    row_limit = _limit(data.get("row_limit"), "row_limit", MAX_ROWS, errors)
    column_limit = _limit(data.get("column_limit"), "column_limit", MAX_COLUMNS, errors)
    errors.raise_if_any(_("The pivot is not valid."))
    used = [DIMENSIONS[c] for c in [rows, columns, *filters] if c]
    dated = bool(date_from or date_to)
    if _fact_for(used, measure, dated) is None:
        # name the field that breaks the combination: the first one past which none is left
        for index, code in enumerate(["rows", "columns", *[f"filters.{c}" for c in filters]]):
            if _fact_for(used[: index + 1], measure, dated) is None:
                errors.add(
                    code,
                    _("%(dimension)s cannot be combined with %(measure)s and the rest.")
                    % {"dimension": used[index].label, "measure": measure.label},  # type: ignore[union-attr]
                )
                break
        else:
            errors.add("measure", _("This measure cannot be combined with these dimensions."))
        errors.raise_if_any(_("The pivot is not valid."))
    return PivotDefinition(
        rows=rows,
        columns=columns,
        measure=measure_code,
        filters=filters,
        date_from=date_from,
        date_to=date_to,
        row_limit=row_limit,
        column_limit=column_limit,
    )


# ---- compiling ------------------------------------------------------------------------------


@dataclass
class Compiled:
    """The FROM/WHERE of a definition and the SQL of its row, column and measure."""

    fact: Fact
    vendor: str
    row: str
    column: str
    measure: str
    from_sql: str
    where: list[str]
    params: list[Any]


def compile_definition(definition: PivotDefinition) -> Compiled:
    connection = analytics_connection()
    vendor = connection.vendor
    dims = [DIMENSIONS[c] for c in [*definition.dimensions, *definition.filters]]
    measure = MEASURES[definition.measure]
    dated = bool(definition.date_from or definition.date_to)
    fact = FACTS[_fact_for(dims, measure, dated) or ""]
    customer_table = connection.ops.quote_name("analytics_customerfact")
    if fact.table:
        table = connection.ops.quote_name(fact.table)
        from_sql = f"{table} f JOIN {customer_table} c ON c.party_id = f.party_id"
    else:
        from_sql = f"{customer_table} c"
    where: list[str] = []
    params: list[Any] = []
    for code, values in definition.filters.items():
        marks = ", ".join(["%s"] * len(values))
        where.append(f"{DIMENSIONS[code].sql(vendor)} IN ({marks})")
        params.extend(values)
    if definition.date_from:
        where.append(f"{fact.month} >= %s")
        params.append(definition.date_from.replace(day=1))
    if definition.date_to:
        where.append(f"{fact.month} <= %s")
        params.append(definition.date_to)
    return Compiled(
        fact=fact,
        vendor=vendor,
        row=DIMENSIONS[definition.rows].sql(vendor),
        column=DIMENSIONS[definition.columns].sql(vendor) if definition.columns else "",
        measure=measure.sql[fact.code],
        from_sql=from_sql,
        where=where,
        params=params,
    )


def _grouped(
    compiled: Compiled, sets: list[tuple[bool, bool]], extra: list[str], extra_params: list[Any]
) -> list[tuple[str | None, str | None, Any]]:
    """Run one grouped statement: for each (by row, by column) set, the measure per group,
    as (row value or None, column value or None, measure)."""
    where = compiled.where + extra
    where_sql = f" WHERE {' AND '.join(where)}" if where else ""
    params = compiled.params + extra_params
    if compiled.vendor == "postgresql":
        sql = _grouping_sets_sql(compiled, sets, where_sql)
    else:
        sql = _union_sql(compiled, sets, where_sql)
        params = params * len(sets)
    with analytics_connection().cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    out: list[tuple[str | None, str | None, Any]] = []
    for g_r, g_c, row, col, value in fetched:
        out.append((None if g_r else row, None if g_c else col, value))
    return out


def _grouping_sets_sql(compiled: Compiled, sets: list[tuple[bool, bool]], where_sql: str) -> str:
    """PostgreSQL: one scan computes every grouping (``GROUPING()`` tells them apart)."""
    r, c = compiled.row, compiled.column
    by_r = any(on for on, _c in sets)
    by_c = bool(c) and any(on for _r, on in sets)
    groups = ", ".join(
        "(" + ", ".join(x for x, on in ((r, sr), (c, sc)) if on and x) + ")" for sr, sc in sets
    )
    return (
        f"SELECT {f'GROUPING({r})' if by_r else '1'}, {f'GROUPING({c})' if by_c else '1'}, "
        f"{r if by_r else 'NULL'}, {c if by_c else 'NULL'}, {compiled.measure} "
        f"FROM {compiled.from_sql}{where_sql} GROUP BY GROUPING SETS ({groups})"
    )


def _union_sql(compiled: Compiled, sets: list[tuple[bool, bool]], where_sql: str) -> str:
    r, c = compiled.row, compiled.column or "''"
    branches = []
    for by_r, by_c in sets:
        keys = [x for x, on in ((r, by_r), (c, by_c)) if on]
        group = f" GROUP BY {', '.join(keys)}" if keys else ""
        branches.append(
            f"SELECT {0 if by_r else 1}, {0 if by_c else 1}, "
            f"{r if by_r else 'NULL'}, {c if by_c else 'NULL'}, {compiled.measure} "
            f"FROM {compiled.from_sql}{where_sql}{group}"
        )
    return " UNION ALL ".join(branches)


# ---- running --------------------------------------------------------------------------------


def measure_value(measure: Measure, value: Any) -> Decimal | int | None:
    """A measure's raw SQL value in its unit: money to the cent, counts as integers."""
    if value is None:
        return None if measure.kind != "count" else 0
    if measure.kind == "count":
        return int(value)
    quantum = Decimal(1).scaleb(-measure.places)
    return Decimal(str(value)).quantize(quantum)


def _ordered(dim: Dimension, totals: dict[str, Any], limit: int) -> tuple[list[str], bool]:
    """The values kept (the top ``limit`` by total, shown in value order for ordered
    dimensions), and whether some were folded into "others"."""
    by_total = sorted(totals, key=lambda v: (-(totals[v] or 0), v))
    kept = by_total[:limit]
    if dim.natural_order:
        kept.sort(key=lambda v: (v == "", v))
    return kept, len(by_total) > limit


def _labels(dim: Dimension, values: list[str]) -> dict[str, str]:
    labels = dim.labeler([v for v in values if v not in ("", OTHERS)]) if dim.labeler else {}
    labels[""] = _("unknown")
    labels[OTHERS] = _("Others")
    return {v: labels.get(v, v) for v in [*values, "", OTHERS]}


def pivot_run(*, actor: Any, definition: PivotDefinition | dict[str, Any]) -> dict[str, Any]:
    """The pivot's result: row and column headers (value and label), the cells (a row per
    row value, None where there is nothing), row, column and grand totals. Needs
    ``analytics.view``; only aggregates are returned, so marketing may read it."""
    require(actor, "analytics.view")
    if isinstance(definition, dict):
        definition = pivot_definition_clean(definition)
    return pivot_present(pivot_grid(definition))


def _stored(value: Decimal | int | None) -> str | int | None:
    return str(value) if isinstance(value, Decimal) else value


def pivot_grid(definition: PivotDefinition) -> dict[str, Any]:
    """The pivot's figures without their labels, as JSON (money as text): the same in every
    language, so the dashboard's stored summaries (``PivotSummary``) keep exactly this and
    :func:`pivot_present` labels it for the reader."""
    compiled = compile_definition(definition)
    measure = MEASURES[definition.measure]
    two = bool(definition.columns)
    row_dim = DIMENSIONS[definition.rows]
    col_dim = DIMENSIONS[definition.columns] if two else None
    parts = measure.parts.get(compiled.fact.code) if measure.combine else None
    if parts:
        rows, cols, cells, row_totals, col_totals, total = _additive(
            compiled, parts, measure, definition, row_dim, col_dim
        )
    else:
        rows, cols, cells, row_totals, col_totals, total = _distinct(
            compiled, definition, row_dim, col_dim
        )
    return {
        "definition": definition.as_dict(),
        "fact": compiled.fact.code,
        "rows": rows,
        "columns": cols if two else None,
        "cells": [
            [
                _stored(measure_value(measure, cells.get((r, c)))) if (r, c) in cells else None
                for c in cols
            ]
            for r in rows
        ]
        if two
        else [],
        "row_totals": [_stored(measure_value(measure, row_totals.get(r))) for r in rows],
        "column_totals": [_stored(measure_value(measure, col_totals.get(c))) for c in cols],
        "total": _stored(measure_value(measure, total)),
    }


def pivot_present(grid: dict[str, Any]) -> dict[str, Any]:
    """A :func:`pivot_grid` as the reader sees it: labels in the reader's language, money as
    ``Decimal`` to the cent (the figures untouched)."""
    definition = grid["definition"]
    measure = MEASURES[definition["measure"]]
    row_dim = DIMENSIONS[definition["rows"]]
    col_dim = DIMENSIONS[definition["columns"]] if definition["columns"] else None
    rows, cols = grid["rows"], grid["columns"] or []

    def figure(value: Any) -> Decimal | int | None:
        return None if value is None else measure_value(measure, value)

    row_labels = _labels(row_dim, rows)
    col_labels = _labels(col_dim, cols) if col_dim else {}
    return {
        "definition": definition,
        "fact": grid["fact"],
        "measure": {"code": measure.code, "label": str(measure.label), "kind": measure.kind},
        "rows": {
            "dimension": row_dim.code,
            "label": str(row_dim.label),
            "values": [{"value": v, "label": row_labels[v]} for v in rows],
        },
        "columns": {
            "dimension": col_dim.code,
            "label": str(col_dim.label),
            "values": [{"value": v, "label": col_labels[v]} for v in cols],
        }
        if col_dim
        else None,
        "cells": [[figure(v) for v in row] for row in grid["cells"]],
        "row_totals": [figure(v) for v in grid["row_totals"]],
        "column_totals": [figure(v) for v in grid["column_totals"]],
        "total": figure(grid["total"]),
    }


Grid = tuple[list[str], list[str], dict[tuple[str, str], Any], dict[str, Any], dict[str, Any], Any]


def _distinct(
    compiled: Compiled,
    definition: PivotDefinition,
    row_dim: Dimension,
    col_dim: Dimension | None,
) -> Grid:
    """Measures that do not add up (distinct customers): every grouping computed by the
    database (GROUPING SETS / UNION ALL), "others" by one more statement of the same shape."""
    two = col_dim is not None
    sets = (
        [(True, True), (True, False), (False, True), (False, False)]
        if two
        else [
            (True, False),
            (False, False),
        ]
    )
    cells: dict[tuple[str, str], Any] = {}
    row_totals: dict[str, Any] = {}
    col_totals: dict[str, Any] = {}
    total: Any = None
    for r, c, v in _grouped(compiled, sets, [], []):
        if r is not None and c is not None:
            cells[(r, c)] = v
        elif r is not None:
            row_totals[r] = v
        elif c is not None:
            col_totals[c] = v
        else:
            total = v
    rows, more_rows = _ordered(row_dim, row_totals, definition.row_limit)
    cols, more_cols = (
        _ordered(col_dim, col_totals, definition.column_limit) if col_dim else ([], False)
    )
    if more_rows or more_cols:
        _fold_others(compiled, rows, cols, more_rows, more_cols, cells, row_totals, col_totals)
    if more_rows:
        rows.append(OTHERS)
    if more_cols:
        cols.append(OTHERS)
    return rows, cols, cells, row_totals, col_totals, total


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _add(into: dict[Any, list[Decimal | None]], key: Any, parts: list[Decimal | None]) -> None:
    have = into.get(key)
    if have is None:
        into[key] = list(parts)
        return
    into[key] = [
        b if a is None else a if b is None else a + b for a, b in zip(have, parts, strict=True)
    ]


def _additive(
    compiled: Compiled,
    parts: tuple[str, ...],
    measure: Measure,
    definition: PivotDefinition,
    row_dim: Dimension,
    col_dim: Dimension | None,
) -> Grid:
    """Measures made of sums: one ``GROUP BY row, column`` (parallel on PostgreSQL), the
    totals and "others" added up here from the sums, then combined (revenue / orders...)."""
    keys = [compiled.row, *([compiled.column] if compiled.column else [])]
    where_sql = f" WHERE {' AND '.join(compiled.where)}" if compiled.where else ""
    sql = (
        f"SELECT {', '.join(keys)}, {', '.join(parts)} FROM {compiled.from_sql}{where_sql} "
        f"GROUP BY {', '.join(keys)}"
    )
    with analytics_connection().cursor() as cursor:
        cursor.execute(sql, compiled.params)
        fetched = cursor.fetchall()
    combine = measure.combine
    assert combine is not None
    width = len(keys)
    raw_cells: dict[tuple[str, str], list[Decimal | None]] = {}
    for line in fetched:
        key = (line[0], line[1] if width == 2 else "")
        raw_cells[key] = [_decimal(v) for v in line[width:]]
    raw_rows: dict[str, list[Decimal | None]] = {}
    raw_cols: dict[str, list[Decimal | None]] = {}
    raw_total: list[Decimal | None] = [None] * len(parts)
    for (r, c), sums in raw_cells.items():
        _add(raw_rows, r, sums)
        _add(raw_cols, c, sums)
        raw_total = [
            b if a is None else a if b is None else a + b
            for a, b in zip(raw_total, sums, strict=True)
        ]
    rows, more_rows = _ordered(
        row_dim, {r: combine(v) for r, v in raw_rows.items()}, definition.row_limit
    )
    cols, more_cols = (
        _ordered(col_dim, {c: combine(v) for c, v in raw_cols.items()}, definition.column_limit)
        if col_dim
        else ([], False)
    )
    kept_rows, kept_cols = set(rows), set(cols)
    folded_cells: dict[tuple[str, str], list[Decimal | None]] = {}
    folded_rows: dict[str, list[Decimal | None]] = {}
    folded_cols: dict[str, list[Decimal | None]] = {}
    for (r, c), sums in raw_cells.items():
        r2 = r if r in kept_rows else OTHERS
        c2 = c if (not col_dim or c in kept_cols) else OTHERS
        _add(folded_cells, (r2, c2), sums)
        _add(folded_rows, r2, sums)
        _add(folded_cols, c2, sums)
    if more_rows:
        rows.append(OTHERS)
    if more_cols:
        cols.append(OTHERS)
    cells = {k: combine(v) for k, v in folded_cells.items()} if col_dim else {}
    return (
        rows,
        cols,
        cells,
        {r: combine(v) for r, v in folded_rows.items()},
        {c: combine(v) for c, v in folded_cols.items()} if col_dim else {},
        combine(raw_total) if raw_cells else None,
    )


def _not_in(expression: str, values: list[str]) -> tuple[list[str], list[Any]]:
    if not values:
        return [], []
    return [f"{expression} NOT IN ({', '.join(['%s'] * len(values))})"], list(values)


def _fold_others(
    compiled: Compiled,
    rows: list[str],
    cols: list[str],
    more_rows: bool,
    more_cols: bool,
    cells: dict[tuple[str, str], Any],
    row_totals: dict[str, Any],
    col_totals: dict[str, Any],
) -> None:
    """Compute the "others" row and column with the same grouped statement, restricted to
    the values left out (exact for every measure, distinct counts included)."""
    if more_rows:
        where, params = _not_in(compiled.row, rows)
        sets = [(False, True), (False, False)] if compiled.column else [(False, False)]
        for _r, c, v in _grouped(compiled, sets, where, params):
            if c is None:
                row_totals[OTHERS] = v
            else:
                cells[(OTHERS, c)] = v
    if more_cols:
        where, params = _not_in(compiled.column, cols)
        for r, _c, v in _grouped(compiled, [(True, False), (False, False)], where, params):
            if r is None:
                col_totals[OTHERS] = v
            else:
                cells[(r, OTHERS)] = v
    if more_rows and more_cols:
        w1, p1 = _not_in(compiled.row, rows)
        w2, p2 = _not_in(compiled.column, cols)
        for _r, _c, v in _grouped(compiled, [(False, False)], w1 + w2, p1 + p2):
            cells[(OTHERS, OTHERS)] = v
