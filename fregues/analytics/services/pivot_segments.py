"""A marketing segment from a pivot cell: exactly the customers behind it.

The marketing rule language cannot say "bought product X in a month while in age band Y
as the reporting store saw it", so the segment holds the cell's customers as a static list
(``{"party_ids": [...]}``, which the marketing compiler turns into one ``IN`` over a single
parameter), created through the marketing app's own service (its validation, permission
``segment.change``, audit and events).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from fregues.core.permissions import require
from fregues.marketing.models import Segment
from fregues.marketing.services.segments import segment_create

from ..pivot import pivot_definition_clean
from ..pivot_drill import pivot_cell_party_ids
from ..pivot_registry import DIMENSIONS, MEASURES


def pivot_segment_create(
    *,
    actor: Any,
    definition: dict[str, Any],
    row: str | None,
    column: str | None = None,
    name: str = "",
) -> Segment:
    """Create a segment of the cell's customers. Needs ``analytics.drill`` (to see who they
    are) and marketing's ``segment.change``."""
    require(actor, "analytics.drill")
    require(actor, "segment.change")
    clean = pivot_definition_clean(definition)
    ids = pivot_cell_party_ids(actor=actor, definition=clean, row=row, column=column)
    where = [
        f"{DIMENSIONS[code].label} = {value or _('unknown')}"
        for code, value in ((clean.rows, row), (clean.columns, column))
        if code and value is not None
    ]
    where += [f"{DIMENSIONS[c].label} ∈ {', '.join(v)}" for c, v in clean.filters.items()]
    if clean.date_from or clean.date_to:
        where.append(f"{clean.date_from or '…'} – {clean.date_to or '…'}")
    description = _(
        "From the analytics pivot (%(measure)s): %(cell)s. A fixed list of customers."
    ) % {
        "measure": MEASURES[clean.measure].label,
        "cell": "; ".join(where) or _("every customer"),
    }
    return segment_create(
        actor=actor,
        data={
            "name": (name or "").strip() or _("Pivot: %(cell)s") % {"cell": "; ".join(where)[:100]},
            "description": description,
            "rules": {"party_ids": ids},
        },
    )
