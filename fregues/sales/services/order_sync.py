"""The ERP's idempotent upserts of orders and invoices, by its own id (``source`` +
``external_id``), lines included.

The payload is cleaned first (no database), and its fingerprint (``content_hash``) compared
with the stored one: **a repeat changes nothing** — no version, no audit entry, no lifecycle
run, the same answer. A changed payload updates the document and replaces its lines, with the
difference in the audit trail. The customer is found by the ERP's code, tax id or e-mail
(``order_customers``); an order for a customer Freguês does not know is refused (422
``unknown_customer``, saying what was tried). Products are found by the ERP's external id or
SKU. An invoice may name its order by the order's external id (same source); the order's
payment then follows its invoices.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record, diff
from fregues.core.errors import ErrorCollector, Invalid
from fregues.core.permissions import require
from fregues.parties.models import Party

from ..models import Invoice, Order, OrderLine
from .common import INVOICE_REGARDING, ORDER_REGARDING, sales_event
from .invoices import (
    invoice_currency,
    invoice_head,
    invoice_order_follow,
    invoice_snapshot,
    invoice_summary,
    invoice_write,
    order_lines_as_input,
)
from .lifecycle_rules import lifecycle_rules_apply
from .order_customers import CustomerKeys, customer_keys, customer_resolve
from .order_fields import (
    document_fingerprint,
)
from .order_lines import (
    catalog_for,
    clean_lines,
    lines_price,
    lines_write,
    products_resolve,
    totals_apply,
)
from .orders import (
    order_head,
    order_payment_refresh,
    order_snapshot,
    order_summary,
    payment_fields,
)

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


@dataclass
class Upserted:
    """What an upsert did: ``result`` is created, updated or unchanged."""

    document: Any
    result: str


def _ids(source: Any, external_id: Any, errors: ErrorCollector) -> tuple[str, str]:
    source_text = str(source or "erp").strip().lower()[:40]
    code = str(external_id or "").strip()
    if not code:
        errors.add("external_id", _("Say the ERP's id of the document."))
    elif len(code) > 120:
        errors.add("external_id", _("The external id is longer than 120 characters."))
    return source_text, code


def _refuse(errors: ErrorCollector, keys: CustomerKeys, source: str) -> None:
    if not errors:
        return
    if "customer" in errors.errors:
        raise Invalid(
            _("The customer is unknown: %(why)s") % {"why": errors.errors["customer"][0]},
            code="unknown_customer",
            errors=errors.errors,
            details={"tried": keys.tried(source)},
        )
    errors.raise_if_any()


def _lines_text(lines: Any) -> list[str]:
    return [
        f"{line['quantity']} × {line['sku'] or line['description']} @ {line['unit_price']}"
        for line in lines
    ]


def _resolve_lines(
    lines: list[dict[str, Any]], currency: str, source: str, errors: ErrorCollector
) -> Any:
    if not lines:
        return None
    catalog = catalog_for(lines, source, [currency] if currency else [])
    products_resolve(lines, catalog, currency, errors)
    return lines_price(lines, currency, errors) if not errors else None


def order_upsert_external(
    *, actor: Any, source: str, external_id: str, data: dict[str, Any]
) -> Upserted:
    """Create or update the order the ERP knows as ``external_id`` (see the module's
    docstring). ``data``: ``customer`` (``external_id``, ``tax_id``, ``email``), ``number``,
    ``currency``, ``ordered_at``, ``status``, ``payment_state``, ``amount_paid``, ``paid_at``,
    ``notes`` and ``lines`` (as ``order_create``'s, products by ``product_external_id`` or
    ``sku``)."""
    require(actor, "erp.sync")
    errors = ErrorCollector()
    source, code = _ids(source, external_id, errors)
    head = order_head(data, errors)
    keys = customer_keys(data.get("customer"))
    lines = clean_lines(data.get("lines"), errors)
    fingerprint = document_fingerprint({**head, "customer": keys.fingerprint()}, lines)
    existing = Order.objects.filter(source=source, external_id=code).first() if code else None
    if not errors and existing is not None and existing.content_hash == fingerprint:
        return Upserted(existing, UNCHANGED)
    party = customer_resolve(keys, source, errors)
    priced = _resolve_lines(lines, head["currency"], source, errors)
    _refuse(errors, keys, source)
    assert party is not None and priced is not None
    try:
        with transaction.atomic():
            return _order_write(actor, source, code, head, party, lines, priced, fingerprint)
    except IntegrityError:
        # The same order arrived twice at once: the other request created it; this one is
        # now a repeat or an update of it.
        if existing is not None:
            raise
        return order_upsert_external(actor=actor, source=source, external_id=code, data=data)


def _order_write(
    actor: Any,
    source: str,
    code: str,
    head: dict[str, Any],
    party: Party,
    lines: list[dict[str, Any]],
    priced: Any,
    fingerprint: str,
) -> Upserted:
    order = Order.objects.select_for_update().filter(source=source, external_id=code).first()
    if order is not None and order.content_hash == fingerprint:
        return Upserted(order, UNCHANGED)
    created = order is None
    errors = ErrorCollector()
    if order is None:
        order = Order(source=source, external_id=code)
        before: dict[str, Any] = {}
        old_lines: list[str] = []
        old_party = None
    else:
        before = order_snapshot(order)
        old_lines = _lines_text(order.lines.values("quantity", "sku", "description", "unit_price"))
        old_party = order.party_id
    ordered_at = head["ordered_at"] or order.ordered_at or timezone.now()
    state, amount_paid, paid_at = payment_fields(head, priced.totals.total, ordered_at, errors)
    errors.raise_if_any()
    order.number = head["number"] or order.number or code[:60]
    order.party = party
    order.currency = head["currency"]
    order.ordered_at = ordered_at
    order.status = head["status"]
    order.payment_state, order.amount_paid, order.paid_at = state, amount_paid, paid_at
    order.notes = head["notes"]
    order.cost_total = priced.cost_total
    order.content_hash = fingerprint
    totals_apply(order, priced)
    if created:
        order.save()
    else:
        order.version += 1
        order.save()
        OrderLine.objects.filter(order=order).delete()
    lines_write(OrderLine, "order_id", order.pk, lines)
    if order.invoices.exists():
        order_payment_refresh(order, actor=actor, audit=False)
    changes: dict[str, Any] = (
        diff(before, order_snapshot(order)) if not created else {"lines": len(lines)}
    )
    new_lines = _lines_text(lines)
    if not created and new_lines != old_lines:
        changes["lines"] = [old_lines, new_lines]
    audit_record(
        actor=actor,
        action="create" if created else "update",
        instance=order,
        party_id=party.pk,
        summary=(_("From %(source)s: ") % {"source": source}) + order_summary(order),
        changes=changes,
    )
    parties = [party.pk] + ([old_party] if old_party and old_party != party.pk else [])
    lifecycle_rules_apply(party_ids=parties, cause_type=ORDER_REGARDING, cause_id=order.pk)
    sales_event(
        "order.created" if created else "order.updated",
        order_id=order.pk,
        party_id=party.pk,
        source=source,
    )
    return Upserted(order, CREATED if created else UPDATED)


def invoice_upsert_external(
    *, actor: Any, source: str, external_id: str, data: dict[str, Any]
) -> Upserted:
    """Create or update the invoice the ERP knows as ``external_id``. ``data`` as an order's,
    with ``issued_at``, ``due_date``, ``status`` (issued or void) and ``order_external_id``
    (the ERP's id of the order it bills: its customer and currency are the invoice's unless
    said; without ``lines`` the invoice bills the whole order)."""
    require(actor, "erp.sync")
    errors = ErrorCollector()
    source, code = _ids(source, external_id, errors)
    head = invoice_head(data, errors)
    keys = customer_keys(data.get("customer"))
    order_code = str(data.get("order_external_id") or "").strip()[:120]
    raw_lines = data.get("lines") or []
    lines = clean_lines(raw_lines, errors, required=not order_code)
    fingerprint = document_fingerprint(
        {**head, "customer": keys.fingerprint(), "order": order_code}, lines
    )
    existing = Invoice.objects.filter(source=source, external_id=code).first() if code else None
    if not errors and existing is not None and existing.content_hash == fingerprint:
        return Upserted(existing, UNCHANGED)
    order = None
    if order_code:
        order = Order.objects.filter(source=source, external_id=order_code).first()
        if order is None:
            errors.add(
                "order_external_id",
                _("There is no order '%(code)s' from %(source)s: send the order first.")
                % {"code": order_code, "source": source},
            )
    party: Party | None = None
    if keys or order is None:
        party = customer_resolve(keys, source, errors)
        if party is not None and order is not None and order.party_id != party.pk:
            errors.add(
                "customer",
                _("The invoice's customer is not the customer of order %(number)s.")
                % {"number": order.number},
            )
    elif order is not None:
        party = order.party
    currency = invoice_currency(head, order, errors)
    if not lines and order is not None:
        lines = clean_lines(order_lines_as_input(order), errors)
    priced = _resolve_lines(lines, currency, source, errors)
    _refuse(errors, keys, source)
    assert party is not None and priced is not None
    try:
        with transaction.atomic():
            invoice = (
                Invoice.objects.select_for_update().filter(source=source, external_id=code).first()
            )
            if invoice is not None and invoice.content_hash == fingerprint:
                return Upserted(invoice, UNCHANGED)
            created = invoice is None
            before = invoice_snapshot(invoice) if invoice is not None else {}
            if invoice is None:
                invoice = Invoice(source=source, external_id=code, issued_at=timezone.now())
            else:
                invoice.version += 1
            old_order = invoice.order_id
            invoice.number = head["number"] or invoice.number or code[:60]
            invoice.party, invoice.order, invoice.currency = party, order, currency
            invoice.content_hash = fingerprint
            invoice_write(actor, invoice, head, lines, priced, ErrorCollector())
            audit_record(
                actor=actor,
                action="create" if created else "update",
                instance=invoice,
                party_id=party.pk,
                summary=(_("From %(source)s: ") % {"source": source}) + invoice_summary(invoice),
                changes={"lines": len(lines)}
                if created
                else diff(before, invoice_snapshot(invoice)),
            )
            parties = invoice_order_follow(actor, invoice)
            if old_order and old_order != invoice.order_id:
                previous = Order.objects.select_for_update().get(pk=old_order)
                order_payment_refresh(previous, actor=actor)
                parties.append(previous.party_id)
            lifecycle_rules_apply(
                party_ids=sorted(set(parties)), cause_type=INVOICE_REGARDING, cause_id=invoice.pk
            )
            sales_event(
                "invoice.created" if created else "invoice.updated",
                invoice_id=invoice.pk,
                party_id=party.pk,
                source=source,
            )
            return Upserted(invoice, CREATED if created else UPDATED)
    except IntegrityError:
        if existing is not None:
            raise
        return invoice_upsert_external(actor=actor, source=source, external_id=code, data=data)
