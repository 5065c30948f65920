"""Orders: what a customer bought, from an accepted quote, a salesperson or the ERP.

``order_create`` records an order with its lines (called by the quotes area when a customer
accepts a quote: its signature and ``data`` keys stay), ``order_update`` changes its status,
notes or owner, ``order_cancel`` cancels it, ``order_payment_record`` records money received
(on the order, or spread over its open invoices). The ERP's idempotent upsert is in
``order_sync``; the bulk import in ``order_imports``.

``data`` of ``order_create``: ``party_id``, ``currency``, ``ordered_at`` (optional), ``lines``
(each ``product_id`` or ``sku`` or ``product_external_id``, ``description``, ``quantity``,
``unit_price``, ``discount_percent`` or ``discount`` (an amount), ``tax_rate`` or
``tax_code``, ``unit_cost``, ``unit``), and optionally ``number``, ``source``,
``external_id``, ``quote_id``, ``opportunity_id``, ``owner_id``, ``status``,
``payment_state``, ``amount_paid``, ``paid_at``, ``notes``.

Every write runs the customer's lifecycle rules (``lifecycle_rules_apply``) inside its
transaction with the order as the cause.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fregues.core.audit import audit_record, diff, snapshot
from fregues.core.errors import Conflict, ErrorCollector, Invalid
from fregues.core.permissions import require

from ..models import (
    Invoice,
    Opportunity,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentMethod,
    Quote,
)
from ..money import ZERO, to_decimal
from .common import (
    ORDER_REGARDING,
    bump,
    check_version,
    currency_or_error,
    live_party,
    locked,
    next_number,
    now_or,
    sales_event,
    user_or_none,
)
from .lifecycle_rules import lifecycle_rules_apply
from .order_fields import (
    PAID,
    PAYMENT_WORDS,
    REFUNDED,
    STATUS_WORDS,
    choice,
    moment,
    payment_state_for,
)
from .order_lines import (
    Priced,
    catalog_for,
    clean_lines,
    lines_price,
    lines_write,
    products_resolve,
    totals_apply,
)

# What the audit trail compares when an order changes.
ORDER_AUDIT_FIELDS = (
    "number",
    "party",
    "status",
    "payment_state",
    "currency",
    "ordered_at",
    "total",
    "amount_paid",
    "paid_at",
    "cost_total",
    "owner",
    "notes",
)


ORDER_DATE = gettext_lazy("the order date")
PAYMENT_DATE = gettext_lazy("the payment date")


def order_head(data: dict[str, Any], errors: ErrorCollector) -> dict[str, Any]:
    """The order's own fields as sent, checked without the database; absent ones are None
    (a default is chosen when writing, so a repeat of the same data gives the same hash)."""
    head: dict[str, Any] = {
        "number": str(data.get("number") or "").strip()[:60],
        "currency": currency_or_error(data.get("currency"), errors),
        "ordered_at": moment(data.get("ordered_at"), errors, "ordered_at", ORDER_DATE),
        "status": choice(data.get("status"), STATUS_WORDS, errors, "status", "confirmed"),
        "payment_state": choice(
            data.get("payment_state"), PAYMENT_WORDS, errors, "payment_state", ""
        )
        or None,
        "amount_paid": None,
        "paid_at": moment(data.get("paid_at"), errors, "paid_at", PAYMENT_DATE),
        "notes": str(data.get("notes") or "").strip()[:5000],
    }
    paid = data.get("amount_paid")
    if paid not in (None, ""):
        amount = to_decimal(paid)
        if amount is None or amount < ZERO:
            errors.add("amount_paid", _("The amount paid must be a number, zero or more."))
        else:
            head["amount_paid"] = amount.quantize(Decimal("0.01"))
    return head


def payment_fields(
    head: dict[str, Any], total: Decimal, when: datetime.datetime, errors: ErrorCollector
) -> tuple[str, Decimal, datetime.datetime | None]:
    """State, amount paid and payment date of a document from what was sent: a state alone
    ("paid") implies the amount; an amount alone implies the state."""
    state, amount = head["payment_state"], head["amount_paid"]
    if amount is None:
        amount = total if state == PAID else ZERO
    if amount > total:
        errors.add(
            "amount_paid",
            _("The amount paid (%(paid)s) is more than the total (%(total)s).")
            % {"paid": amount, "total": total},
        )
    if state is None:
        state = payment_state_for(total, amount)
    paid_at = head["paid_at"] or (when if state == PAID else None)
    return state, amount, paid_at


def priced_lines(
    raws: Any, currency: str, errors: ErrorCollector, source: str = ""
) -> tuple[list[dict[str, Any]], Priced | None]:
    """Clean, resolve and price a document's lines (``order_lines``), all errors collected."""
    lines = clean_lines(raws, errors)
    if not lines:
        return lines, None
    catalog = catalog_for(lines, source, [currency] if currency else [])
    products_resolve(lines, catalog, currency, errors)
    if errors:
        return lines, None
    return lines, lines_price(lines, currency, errors)


def _related(data: dict[str, Any], errors: ErrorCollector, party_id: int | None) -> dict[str, Any]:
    """The quote, deal and owner an order may name; each must exist."""
    out: dict[str, Any] = {}
    for key, model, label in (
        ("quote_id", Quote, _("quote")),
        ("opportunity_id", Opportunity, _("deal")),
        ("owner_id", get_user_model(), _("user")),
    ):
        value = data.get(key)
        if value in (None, ""):
            out[key] = None
            continue
        if not str(value).isdigit() or not model._default_manager.filter(pk=value).exists():
            errors.add(key, _("There is no %(what)s %(id)s.") % {"what": label, "id": value})
            out[key] = None
        else:
            out[key] = int(value)
    if out.get("quote_id") and Order.objects.filter(quote_id=out["quote_id"]).exists():
        errors.add("quote_id", _("This quote has already become an order."))
    return out


def order_create(*, actor: Any, data: dict[str, Any]) -> Order:
    """Record an order with its lines and totals (see the module's docstring for ``data``);
    the customer's lifecycle rules run on it. Bad input is a 422 with every problem and nothing
    written: unknown currency, a line for a missing product, a quantity ≤ 0, ..."""
    require(actor, "order.change")
    errors = ErrorCollector()
    party = live_party(data.get("party_id"), errors)
    head = order_head(data, errors)
    source = str(data.get("source") or "").strip().lower()[:40]
    external_id = str(data.get("external_id") or "").strip()[:120]
    related = _related(data, errors, party.pk if party else None)
    lines, priced = priced_lines(data.get("lines"), head["currency"], errors, source)
    if external_id and Order.objects.filter(source=source, external_id=external_id).exists():
        raise Conflict(
            _("An order with external id '%(id)s' from '%(source)s' exists already.")
            % {"id": external_id, "source": source or "-"},
            code="duplicate_external_id",
        )
    errors.raise_if_any()
    assert party is not None and priced is not None
    ordered_at = head["ordered_at"] or timezone.now()
    state, amount_paid, paid_at = payment_fields(head, priced.totals.total, ordered_at, errors)
    errors.raise_if_any()
    with transaction.atomic():
        order = Order(
            number=head["number"] or next_number("order"),
            source=source,
            external_id=external_id,
            party=party,
            quote_id=related["quote_id"],
            opportunity_id=related["opportunity_id"],
            owner_id=related["owner_id"] or getattr(user_or_none(actor), "pk", None),
            status=head["status"],
            payment_state=state,
            ordered_at=ordered_at,
            amount_paid=amount_paid,
            paid_at=paid_at,
            currency=head["currency"],
            cost_total=priced.cost_total,
            notes=head["notes"],
        )
        totals_apply(order, priced)
        order.save()
        lines_write(OrderLine, "order_id", order.pk, lines)
        audit_record(
            actor=actor,
            action="create",
            instance=order,
            party_id=party.pk,
            summary=order_summary(order),
            changes={"lines": len(lines)},
        )
        lifecycle_rules_apply(party_ids=[party.pk], cause_type=ORDER_REGARDING, cause_id=order.pk)
        sales_event("order.created", order_id=order.pk, party_id=party.pk)
    return order


def order_summary(order: Order) -> str:
    return f"{order.number}: {order.total} {order.currency} ({order.get_payment_state_display()})"


def order_snapshot(order: Order) -> dict[str, Any]:
    return snapshot(order, ORDER_AUDIT_FIELDS)


def order_update(
    *, actor: Any, order_id: int, data: dict[str, Any], version: int | None = None
) -> Order:
    """Change an order's status (confirmed ↔ delivered), notes or owner. Cancelling has its
    own service (``order_cancel``); a cancelled order no longer changes."""
    require(actor, "order.change")
    errors = ErrorCollector()
    changes: dict[str, Any] = {}
    if "status" in data and data["status"] is not None:
        status = choice(data["status"], STATUS_WORDS, errors, "status", "")
        if status == OrderStatus.CANCELLED:
            errors.add("status", _("Use cancel to cancel an order."))
        elif status:
            changes["status"] = status
    if "notes" in data and data["notes"] is not None:
        changes["notes"] = str(data["notes"]).strip()[:5000]
    if "owner_id" in data:
        owner = data["owner_id"]
        if owner in (None, ""):
            changes["owner_id"] = None
        elif not get_user_model()._default_manager.filter(pk=owner).exists():
            errors.add("owner_id", _("There is no user %(id)s.") % {"id": owner})
        else:
            changes["owner_id"] = int(owner)
    errors.raise_if_any()
    with transaction.atomic():
        order = locked(Order, order_id, _("Order"))
        check_version(order, version)
        if order.status == OrderStatus.CANCELLED:
            raise Invalid.field("status", _("This order is cancelled."), code="order_cancelled")
        before = order_snapshot(order)
        for name, value in changes.items():
            setattr(order, name, value)
        after = order_snapshot(order)
        changed = diff(before, after)
        if not changed:
            return order
        bump(order, list(changes))
        audit_record(
            actor=actor,
            action="update",
            instance=order,
            party_id=order.party_id,
            summary=order_summary(order),
            changes=changed,
        )
        lifecycle_rules_apply(
            party_ids=[order.party_id], cause_type=ORDER_REGARDING, cause_id=order.pk
        )
        sales_event("order.updated", order_id=order.pk, party_id=order.party_id)
    return order


def order_cancel(
    *, actor: Any, order_id: int, reason: str = "", version: int | None = None
) -> Order:
    """Cancel an order (it stays, marked cancelled, out of the revenue); cancelling twice
    changes nothing."""
    require(actor, "order.change")
    with transaction.atomic():
        order = locked(Order, order_id, _("Order"))
        check_version(order, version)
        if order.status == OrderStatus.CANCELLED:
            return order
        before = order_snapshot(order)
        order.status = OrderStatus.CANCELLED
        note = (reason or "").strip()[:500]
        if note:
            order.notes = f"{order.notes}\n{_('Cancelled')}: {note}".strip()
        bump(order, ["status", "notes"])
        audit_record(
            actor=actor,
            action="update",
            instance=order,
            party_id=order.party_id,
            summary=_("%(number)s cancelled") % {"number": order.number},
            changes={**diff(before, order_snapshot(order)), "reason": note},
        )
        lifecycle_rules_apply(
            party_ids=[order.party_id], cause_type=ORDER_REGARDING, cause_id=order.pk
        )
        sales_event("order.cancelled", order_id=order.pk, party_id=order.party_id)
    return order


def clean_payment(
    amount: Any, paid_at: Any, method: str, errors: ErrorCollector
) -> tuple[Decimal, datetime.datetime]:
    """An amount received (> 0) and when (default: now; not in the future)."""
    value = to_decimal(amount)
    if value is None or value <= ZERO:
        errors.add("amount", _("The amount must be a number greater than zero."))
        value = ZERO
    when = moment(paid_at, errors, "paid_at", _("the payment date")) or timezone.now()
    if when > timezone.now() + datetime.timedelta(days=1):
        errors.add("paid_at", _("A payment cannot be in the future."))
    if method and method not in PaymentMethod.values:
        errors.add(
            "method",
            _("Choose one of: %(c)s.") % {"c": ", ".join(PaymentMethod.values)},
        )
    return value.quantize(Decimal("0.01")), when


def order_payment_record(
    *,
    actor: Any,
    order_id: int,
    amount: Any,
    paid_at: Any = None,
    method: str = "",
    reference: str = "",
    version: int | None = None,
) -> Order:
    """Record money received for an order: partly paid, or paid once it covers the total.
    An order with invoices is paid through them: the amount goes to its open invoices, the
    oldest due first, and the order follows its invoices."""
    require(actor, "order.change")
    errors = ErrorCollector()
    value, when = clean_payment(amount, paid_at, method, errors)
    errors.raise_if_any()
    with transaction.atomic():
        order = locked(Order, order_id, _("Order"))
        check_version(order, version)
        if order.status == OrderStatus.CANCELLED:
            raise Invalid.field("amount", _("This order is cancelled."), code="order_cancelled")
        invoices = list(
            Invoice.objects.select_for_update()
            .filter(order=order)
            .exclude(status="void")
            .order_by("due_date", "issued_at", "id")
        )
        before = order_snapshot(order)
        if invoices:
            from .invoices import invoice_payment_apply

            open_amount = sum(
                (i.total - i.amount_paid for i in invoices if i.payment_state != REFUNDED), ZERO
            )
            if value > open_amount:
                raise Invalid.field(
                    "amount",
                    _("The open invoices of this order come to %(open)s %(cur)s.")
                    % {"open": open_amount, "cur": order.currency},
                    code="overpayment",
                )
            left = value
            for invoice in invoices:
                due = invoice.total - invoice.amount_paid
                if left <= ZERO or due <= ZERO or invoice.payment_state == REFUNDED:
                    continue
                part = min(due, left)
                invoice_payment_apply(actor, invoice, part, when, method, reference)
                left -= part
            order_payment_refresh(order, actor=actor, audit=False)
        else:
            outstanding = order.total - order.amount_paid
            if value > outstanding:
                raise Invalid.field(
                    "amount",
                    _("Only %(left)s %(cur)s is still to be paid on this order.")
                    % {"left": outstanding, "cur": order.currency},
                    code="overpayment",
                )
            Payment.objects.create(
                party_id=order.party_id,
                order=order,
                amount=value,
                currency=order.currency,
                paid_at=when,
                method=method,
                reference=(reference or "").strip()[:120],
                recorded_by=user_or_none(actor),
            )
            order.amount_paid += value
            order.payment_state = payment_state_for(order.total, order.amount_paid)
            if order.payment_state == PAID:
                order.paid_at = when
            bump(order, ["amount_paid", "payment_state", "paid_at"])
        audit_record(
            actor=actor,
            action="update",
            instance=order,
            party_id=order.party_id,
            summary=_("%(number)s: payment of %(amount)s %(cur)s")
            % {"number": order.number, "amount": value, "cur": order.currency},
            changes={
                **diff(before, order_snapshot(order)),
                "payment": {"amount": str(value), "method": method, "reference": reference},
            },
        )
        lifecycle_rules_apply(
            party_ids=[order.party_id], cause_type=ORDER_REGARDING, cause_id=order.pk
        )
        sales_event(
            "order.payment_recorded",
            order_id=order.pk,
            party_id=order.party_id,
            amount=str(value),
            payment_state=order.payment_state,
        )
    return order


def order_payment_refresh(order: Order, *, actor: Any, audit: bool = True) -> bool:
    """Make a locked order's payment follow its invoices: paid when the non-void invoices
    cover its total, partly paid when they cover some, refunded when every one was refunded.
    Returns whether the order changed (its version is raised). Call inside the transaction."""
    invoices = list(
        Invoice.objects.filter(order=order)
        .exclude(status="void")
        .values_list("payment_state", "amount_paid", "paid_at")
    )
    if not invoices:
        return False
    before = order_snapshot(order)
    paid = sum((amount for state, amount, _at in invoices if state != REFUNDED), ZERO)
    if all(state == REFUNDED for state, _a, _at in invoices):
        state = REFUNDED
    else:
        state = payment_state_for(order.total, paid)
    order.amount_paid = paid
    order.payment_state = state
    dates = [at for _s, _a, at in invoices if at is not None]
    order.paid_at = (max(dates) if dates else now_or(None)) if state == PAID else None
    changed = diff(before, order_snapshot(order))
    if not changed:
        return False
    bump(order, ["amount_paid", "payment_state", "paid_at"])
    if audit:
        audit_record(
            actor=actor,
            action="update",
            instance=order,
            party_id=order.party_id,
            summary=_("%(number)s: payment follows its invoices (%(state)s)")
            % {"number": order.number, "state": order.get_payment_state_display()},
            changes=changed,
        )
    return True
