"""Loading orders in bulk from a file with one row per order line (an ERP's export).

Rows with the same order id are one order (the import engine never splits them across
batches). Each order is checked with the same rules as ``order_create`` and the ERP's PUT
(``order_lines``: quantity > 0, a known currency, a product that exists, ...); an order with
a bad row is rejected whole, each of its rows with a reason. Customers are matched as the ERP
endpoint matches them — the customer's code of the same source, tax id, e-mail — for a whole
batch at once; an order for an unknown customer is rejected.

Set-based, for speed: ``order_import_validate`` (pure, may run in a worker process) groups and
checks the rows and fingerprints each order; ``order_import_many`` matches a batch's orders,
customers and products with a handful of queries and writes the new orders, their lines and
audit entries with COPY (``fregues.core.bulk``). Re-running a file changes nothing: an order
whose fingerprint (``content_hash``) is stored already is skipped; a changed one is updated
and its lines replaced. The lifecycle rules run once per batch with the batch's customers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.bulk import any_of, fetch_pairs
from fregues.core.errors import ErrorCollector
from fregues.core.permissions import require
from fregues.parties.services.imports import ImportReport, ImportRow

from .order_customers import CustomerKeys, customer_keys, customers_find, unknown_customer_message
from .order_fields import document_fingerprint, line_text
from .order_import_writes import batch_write
from .order_lines import (
    LINE_KEYS,
    catalog_for,
    clean_line,
    cost_total_of,
    fill_from_product,
    line_priced,
    lines_price,
    product_of,
)
from .orders import order_head, payment_fields

_HEAD_FIELDS = (
    "number",
    "currency",
    "ordered_at",
    "status",
    "payment_state",
    "amount_paid",
    "paid_at",
    "notes",
)
_CUSTOMER_FIELDS = ("customer_external_id", "customer_tax_id", "customer_email", "party_id")
_ORDER_LEVEL = (*_HEAD_FIELDS, *_CUSTOMER_FIELDS)


@dataclass
class OrderCandidate:
    """One order of the file: its rows' line numbers, its checked head and lines, how it
    names its customer, its fingerprint, or why it is refused."""

    external_id: str
    lines_at: list[int]
    head: dict[str, Any] = field(default_factory=dict)
    keys: CustomerKeys = field(default_factory=CustomerKeys)
    lines: list[dict[str, Any]] = field(default_factory=list)
    fingerprint: str = ""
    problem: tuple[int, str] | None = None  # (the bad row's line, why)
    priced: bool = False  # amounts computed already (every line gave its price and tax)
    party_id: int | None = None
    order_id: int | None = None


Validated = list[OrderCandidate]


def _reason(errors: ErrorCollector) -> str:
    return "; ".join(" ".join(messages) for messages in errors.errors.values())


# Lines already read, by what the file said: an ERP's export repeats the same product, price
# and quantity on many orders, and a line read (and priced) once is enough. Bounded. (What a
# line says is checked without the database, so a line read before reads the same now.)
_LINES_SEEN: dict[tuple[str | None, ...], dict[str, Any]] = {}
_LINES_SEEN_MAX = 100_000


def _candidate(external_id: str, rows: list[ImportRow]) -> OrderCandidate:
    """Check the rows of one order (no database)."""
    cand = OrderCandidate(external_id, [row.line for row in rows])
    if not external_id:
        cand.problem = (rows[0].line, "order_id: " + _("Say which order the line belongs to."))
        return cand
    # one column per field in an orders file: each value is the first (and only) one
    values = [{k: v[0].strip() for k, v in row.values.items()} for row in rows]
    head_raw: dict[str, str] = {}
    agreed: tuple[str | None, ...] = ()
    for line_at, given in zip(cand.lines_at, values, strict=True):
        said = tuple(map(given.get, _ORDER_LEVEL))
        if said == agreed:
            continue  # the usual export: every line repeats its order's fields
        for name, value in zip(_ORDER_LEVEL, said, strict=True):
            if not value:
                continue
            held = head_raw.setdefault(name, value)
            if held != value:
                cand.problem = (
                    line_at,
                    _("%(field)s: '%(v)s' here, '%(held)s' on an earlier line of order %(order)s.")
                    % {"field": name, "v": value, "held": held, "order": external_id},
                )
                return cand
        agreed = said
    errors = ErrorCollector()
    head = order_head(head_raw, errors)
    if errors:
        cand.problem = (cand.lines_at[0], _reason(errors))
        return cand
    cand.head = head
    cand.keys = customer_keys(
        {
            "external_id": head_raw.get("customer_external_id"),
            "tax_id": head_raw.get("customer_tax_id"),
            "email": head_raw.get("customer_email"),
            "party_id": head_raw.get("party_id"),
        }
    )
    if not cand.keys:
        cand.problem = (
            cand.lines_at[0],
            "customer: " + _("Say who the customer is (code, tax id or e-mail)."),
        )
        return cand
    currency = head["currency"]
    for index, (line_at, given) in enumerate(zip(cand.lines_at, values, strict=True)):
        key = (currency, *map(given.get, LINE_KEYS))
        hit = _LINES_SEEN.get(key)
        if hit is not None:
            cand.lines.append(dict(hit))
            continue
        line = clean_line(given, index, errors, "line", lambda: _order_label(external_id))
        if errors:
            cand.problem = (line_at, _reason(errors))
            return cand
        line_priced(line, currency)
        line["_text"] = line_text(line)
        if len(_LINES_SEEN) > _LINES_SEEN_MAX:
            _LINES_SEEN.clear()
        _LINES_SEEN[key] = line
        cand.lines.append(dict(line))
    cand.fingerprint = document_fingerprint(
        {**head, "customer": cand.keys.fingerprint()}, cand.lines
    )
    if all(line["unit_price"] is not None and line["tax_rate"] is not None for line in cand.lines):
        # nothing to take from the catalogue for the amounts: price here, in the worker
        problem = _price(cand, errors)
        if problem:
            cand.problem = (cand.lines_at[0], problem)
        cand.priced = True
    return cand


def _price(cand: OrderCandidate, errors: ErrorCollector) -> str:
    """The order's amounts and payment state (``head["_totals"]``, ``head["_state"]``), or why
    they cannot be."""
    head = cand.head
    priced = lines_price(cand.lines, head["currency"], errors)
    state = payment_fields(head, priced.totals.total, head["ordered_at"] or timezone.now(), errors)
    if errors:
        return _reason(errors)
    head["_totals"], head["_state"] = priced.totals, state
    return ""


def _order_label(external_id: str) -> str:
    return _("Order %(order)s") % {"order": external_id}


def order_import_validate(rows: Sequence[ImportRow]) -> Validated:
    """Group rows into orders (by order id, in the order met) and check each with the API's
    rules; writes nothing, so it may run in another process."""
    groups: dict[str, list[ImportRow]] = {}
    for row in rows:
        groups.setdefault(row.first("order_id")[:120], []).append(row)
    return [_candidate(code, group) for code, group in groups.items()]


def _reject(report: ImportReport, cand: OrderCandidate, line_at: int, reason: str) -> None:
    """Refuse an order whole: its bad row with the reason, the others pointing at it."""
    other = _("Order %(order)s was not imported: see line %(line)s.") % {
        "order": cand.external_id or "?",
        "line": line_at,
    }
    for at in cand.lines_at:
        report.rejected.append((at, reason if at == line_at else other))


def order_import_many(
    *,
    actor: Any,
    rows: Sequence[ImportRow],
    source: str = "import",
    label: str = "",
    job_id: int | None = None,
    validated: Validated | None = None,
) -> ImportReport:
    """Create, update or skip the orders of a batch of rows, in one transaction (see the
    module's docstring). ``created``/``updated``/``skipped`` count orders; ``rejected`` lists
    rows. ``validated`` is ``order_import_validate(rows)`` when a worker ran it already."""
    require(actor, "data.import")
    require(actor, "order.change")
    source = (source or "import").strip().lower()[:40]
    candidates = validated if validated is not None else order_import_validate(rows)
    try:
        with transaction.atomic():
            report, creates, updates = _plan(candidates, source)
            batch_write(actor, creates, updates, source, label, job_id)
            return report
    except IntegrityError:
        # Someone else (the ERP's PUT) created one of these orders since we looked: go order
        # by order, so only the one that collides is rejected.
        if len(candidates) == 1:
            report = ImportReport()
            cand = candidates[0]
            _reject(
                report,
                cand,
                cand.lines_at[0],
                _("Saved by someone else meanwhile; run the file again."),
            )
            return report
        report = ImportReport()
        for cand in candidates:
            report.add(
                order_import_many(
                    actor=actor,
                    rows=[],
                    source=source,
                    label=label,
                    job_id=job_id,
                    validated=[cand],
                )
            )
        return report


def _existing(source: str, codes: list[str]) -> dict[str, tuple[int, str, int]]:
    """The stored orders of these external ids: ``{code: (id, content_hash, party_id)}``
    (``external_id <> ''`` repeats the unique index's condition so SQLite uses it)."""
    if not codes:
        return {}
    where, params = any_of("external_id", codes)
    rows = fetch_pairs(
        "SELECT external_id, id, content_hash, party_id FROM sales_order "
        f"WHERE external_id <> '' AND source = %s AND {where}",
        [source, *params],
    )
    return {row[0]: (row[1], row[2], row[3]) for row in rows}  # type: ignore[misc]


def _plan(candidates: Validated, source: str) -> tuple[ImportReport, list[Any], list[Any]]:
    """Everything but the writing, reads only: the orders refused with their reasons, the
    unchanged ones skipped, and the new and changed ones matched to their customers and
    products and priced (``creates``, ``updates``)."""
    report = ImportReport()
    live: list[OrderCandidate] = []
    for cand in candidates:
        if cand.problem is not None:
            _reject(report, cand, *cand.problem)
        else:
            live.append(cand)
    existing = _existing(source, [c.external_id for c in live])
    fresh: list[OrderCandidate] = []
    for cand in live:
        found = existing.get(cand.external_id)
        if found is not None and found[1] == cand.fingerprint:
            report.skipped += 1
            continue
        # (set again on a retry: ids reserved by a rolled-back write are no one's)
        cand.order_id = found[0] if found is not None else None
        fresh.append(cand)
    parties = customers_find(source, [c.keys for c in fresh])
    currencies = {c.head["currency"] for c in fresh}
    catalog = catalog_for((line for c in fresh for line in c.lines), source, currencies)
    ready: list[OrderCandidate] = []
    for cand in fresh:
        cand.party_id = parties.get(cand.keys)
        if cand.party_id is None:
            message = "customer: " + unknown_customer_message(cand.keys, source)
            _reject(report, cand, cand.lines_at[0], message)
            continue
        if _priced(cand, catalog, report):
            ready.append(cand)
    creates = [c for c in ready if c.order_id is None]
    updates = [c for c in ready if c.order_id is not None]
    report.created, report.updated = len(creates), len(updates)
    return report, creates, updates


def _priced(cand: OrderCandidate, catalog: Any, report: ImportReport) -> bool:
    """Tie the order's lines to their products and price them; False (rejected) on a line
    naming a missing product."""
    currency = cand.head["currency"]
    errors = ErrorCollector()
    for index, line in enumerate(cand.lines):
        product, missing = product_of(line, catalog)
        if missing:
            named = line[missing]
            _reject(
                report,
                cand,
                cand.lines_at[index],
                f"{missing}: " + _("There is no product '%(p)s'.") % {"p": named},
            )
            return False
        fill_from_product(line, product, catalog, currency, errors, "", "")
        if errors:
            _reject(report, cand, cand.lines_at[index], _reason(errors))
            return False
    if not cand.priced:
        problem = _price(cand, errors)
        if problem:
            _reject(report, cand, cand.lines_at[0], problem)
            return False
    cand.head["_cost"] = cost_total_of(cand.lines)  # the catalogue may have given the costs
    return True
