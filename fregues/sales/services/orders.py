"""Orders (placeholder until the orders area lands): only what other areas call.

``order_create`` is called when a customer accepts a quote; its signature stays. ``data``:
``party_id``, ``currency``, ``ordered_at`` (optional), ``lines`` (each ``product_id`` or
``sku``, ``description``, ``quantity``, ``unit_price``, ``discount_percent``, ``tax_rate``,
``unit_cost``), and optionally ``number``, ``source``, ``external_id``, ``quote_id``,
``opportunity_id``, ``owner_id``, ``status``, ``payment_state``, ``notes``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from fregues.core.audit import audit_record
from fregues.core.errors import ErrorCollector
from fregues.core.permissions import require

from ..models import Order, OrderLine, Product
from ..money import document_totals, line_amounts
from .common import (
    ORDER_REGARDING,
    currency_or_error,
    live_party,
    next_number,
    now_or,
    sales_event,
)
from .lifecycle_rules import lifecycle_rules_apply


def order_create(*, actor: Any, data: dict[str, Any]) -> Order:
    """Record an order with its lines and totals; the customer's lifecycle rules run on it."""
    require(actor, "order.change")
    errors = ErrorCollector()
    party = live_party(data.get("party_id"), errors)
    currency = currency_or_error(data.get("currency"), errors)
    errors.raise_if_any()
    assert party is not None
    with transaction.atomic():
        order = Order.objects.create(
            number=data.get("number") or next_number("order"),
            source=data.get("source", ""),
            external_id=data.get("external_id", ""),
            party=party,
            quote_id=data.get("quote_id"),
            opportunity_id=data.get("opportunity_id"),
            owner_id=data.get("owner_id"),
            status=data.get("status", "confirmed"),
            payment_state=data.get("payment_state", "unpaid"),
            ordered_at=now_or(data.get("ordered_at")),
            currency=currency,
            notes=data.get("notes", ""),
        )
        amounts = []
        for position, line in enumerate(data.get("lines", [])):
            product = (
                Product.objects.filter(pk=line["product_id"]).first()
                if line.get("product_id")
                else None
            )
            quantity, price = Decimal(line["quantity"]), Decimal(line["unit_price"])
            amount = line_amounts(
                quantity=quantity,
                unit_price=price,
                discount_percent=Decimal(line.get("discount_percent") or 0),
                tax_rate=Decimal(line.get("tax_rate") or 0),
                currency=currency,
            )
            amounts.append(amount)
            OrderLine.objects.create(
                order=order,
                position=position,
                product=product,
                sku=line.get("sku") or (product.sku if product else ""),
                description=line.get("description") or (product.name if product else ""),
                unit=line.get("unit") or (product.unit if product else ""),
                quantity=quantity,
                unit_price=price,
                discount_percent=Decimal(line.get("discount_percent") or 0),
                discount=amount.discount,
                tax_rate=Decimal(line.get("tax_rate") or 0),
                net=amount.net,
                tax=amount.tax,
                total=amount.total,
                unit_cost=line.get("unit_cost"),
            )
        totals = document_totals(amounts)
        for name in ("subtotal", "discount_total", "tax_total", "total"):
            setattr(order, name, getattr(totals, name))
        order.save()
        audit_record(
            actor=actor,
            action="create",
            instance=order,
            party_id=party.pk,
            summary=f"{order.number}: {order.total} {order.currency}",
        )
        lifecycle_rules_apply(party_ids=[party.pk], cause_type=ORDER_REGARDING, cause_id=order.pk)
        sales_event("order.created", order_id=order.pk, party_id=party.pk)
    return order
