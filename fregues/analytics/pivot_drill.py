"""The customers behind a pivot cell: a paged list, every id (for a segment), and the
segment itself (``pivot_segment_create``, through the marketing app's service).

The cell is the pivot's own FROM/WHERE (``pivot.compile_definition``) plus
``<row expression> = %s`` (and the column's), grouped per customer: the list shows exactly the
customers counted in the cell, with the cell's measure for each.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from fregues.core.errors import Invalid
from fregues.core.permissions import can, require

from .db import analytics_connection, analytics_db
from .pivot import (
    OTHERS,
    PivotDefinition,
    compile_definition,
    measure_value,
    pivot_definition_clean,
)
from .pivot_registry import DIMENSIONS, MEASURES

PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
SEGMENT_MAX = 50_000


def _cell_sql(
    definition: PivotDefinition, row: str | None, column: str | None
) -> tuple[str, str, list[Any]]:
    """(FROM ... WHERE ..., the measure's SQL, params) of one cell (None: the whole row or
    column, i.e. a total)."""
    compiled = compile_definition(definition)
    where = list(compiled.where)
    params = list(compiled.params)
    for value, expression, field in (
        (row, compiled.row, "row"),
        (column, compiled.column, "column"),
    ):
        if value is None:
            continue
        if value == OTHERS:
            raise Invalid.field(field, _("Choose a named value, not the others."))
        if field == "column" and not expression:
            raise Invalid.field("column", _("This pivot has no columns."))
        where.append(f"{expression} = %s")
        params.append(value)
    where_sql = f" WHERE {' AND '.join(where)}" if where else ""
    return f"FROM {compiled.from_sql}{where_sql}", compiled.measure, params


def _clean(definition: PivotDefinition | dict[str, Any]) -> PivotDefinition:
    return pivot_definition_clean(definition) if isinstance(definition, dict) else definition


def pivot_drill(
    *,
    actor: Any,
    definition: PivotDefinition | dict[str, Any],
    row: str | None,
    column: str | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> dict[str, Any]:
    """The customers behind a cell, the largest measure first: id, name, lifecycle stage and
    the cell's measure for each (None for roles that see amounts only in aggregate, i.e.
    without ``analytics.customer_value``). Needs ``analytics.drill``."""
    require(actor, "analytics.drill")
    definition = _clean(definition)
    if page < 1:
        raise Invalid.field("page", _("Pages start at 1."))
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise Invalid.field("page_size", _("Between 1 and %(n)s.") % {"n": MAX_PAGE_SIZE})
    from_where, measure_sql, params = _cell_sql(definition, row, column)
    measure = MEASURES[definition.measure]
    amounts = can(actor, "analytics.customer_value") and measure.per_customer
    with analytics_connection().cursor() as cursor:
        cursor.execute(f"SELECT COUNT(DISTINCT c.party_id) {from_where}", params)
        count = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT c.party_id, c.lifecycle_stage, {measure_sql} {from_where} "
            "GROUP BY c.party_id, c.lifecycle_stage ORDER BY 3 DESC, 1 LIMIT %s OFFSET %s",
            [*params, page_size, (page - 1) * page_size],
        )
        fetched = cursor.fetchall()
    names = _names([r[0] for r in fetched])
    stage_labels = DIMENSIONS["lifecycle_stage"].labeler
    stages = stage_labels([r[1] or "" for r in fetched]) if stage_labels else {}
    return {
        "count": count,
        "page": page,
        "page_size": page_size,
        "amounts": amounts,
        "measure": {"code": measure.code, "label": str(measure.label), "kind": measure.kind},
        "results": [
            {
                "party_id": party_id,
                "name": names.get(party_id, ""),
                "lifecycle_stage": stage or "",
                "lifecycle_label": stages.get(stage or "", stage or ""),
                "value": measure_value(measure, value) if amounts else None,
            }
            for party_id, stage, value in fetched
        ],
    }


def _names(ids: list[int]) -> dict[int, str]:
    from fregues.parties.models import Party

    rows = Party.objects.using(analytics_db()).filter(pk__in=ids).values_list("pk", "name")
    return dict(rows)


def pivot_cell_party_ids(
    *,
    actor: Any,
    definition: PivotDefinition | dict[str, Any],
    row: str | None,
    column: str | None = None,
    limit: int = SEGMENT_MAX,
) -> list[int]:
    """Every customer id behind a cell (at most ``limit``, else ``Invalid``: a segment of
    more customers is better built from rules in the marketing screens)."""
    require(actor, "analytics.drill")
    definition = _clean(definition)
    from_where, _m, params = _cell_sql(definition, row, column)
    with analytics_connection().cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT c.party_id {from_where} ORDER BY 1 LIMIT %s", [*params, limit + 1]
        )
        ids = [r[0] for r in cursor.fetchall()]
    if len(ids) > limit:
        raise Invalid.field(
            "row",
            _("The cell holds more than %(n)s customers: narrow it with filters.") % {"n": limit},
        )
    return ids
