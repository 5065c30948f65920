"""/api/v1/orders, /api/v1/invoices and the ERP's upserts of orders and invoices.

Reading needs ``deal.view`` (everyone but marketing); recording an order, an invoice or a
payment needs ``order.change``; the ERP's PUTs need ``erp.sync``. A PUT answers 201 when it
created the document, 200 when it updated it or found it unchanged; ``result`` says which.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Status

from fregues.core.api_utils import actor_of, version_from
from fregues.core.schemas import ERROR_RESPONSES

from ..filters.orders import InvoiceFilters, OrderFilters
from ..schemas.orders import (
    CancelIn,
    CurrencyTotalOut,
    ErpInvoiceIn,
    ErpInvoiceOut,
    ErpOrderIn,
    ErpOrderOut,
    InvoiceIn,
    InvoiceOut,
    InvoicePage,
    OrderIn,
    OrderOut,
    OrderPage,
    OrderPatch,
    PaymentIn,
)
from ..selectors.orders import invoice_get, invoice_list, order_get, order_list, order_totals
from ..services.invoices import invoice_create, invoice_payment_record, invoice_void
from ..services.order_sync import CREATED, invoice_upsert_external, order_upsert_external
from ..services.orders import order_cancel, order_create, order_payment_record, order_update

orders_router = Router(tags=["orders"])
invoices_router = Router(tags=["orders"])
erp_orders_router = Router(tags=["ERP"])
erp_invoices_router = Router(tags=["ERP"])


def _order_out(request: HttpRequest, order_id: int) -> OrderOut:
    return OrderOut.build(order_get(actor=actor_of(request), order_id=order_id), detail=True)


def _invoice_out(request: HttpRequest, invoice_id: int) -> InvoiceOut:
    invoice = invoice_get(actor=actor_of(request), invoice_id=invoice_id)
    return InvoiceOut.build(invoice, detail=True)


@orders_router.get("", response={200: OrderPage, **ERROR_RESPONSES}, summary="List orders")
def list_orders(
    request: HttpRequest,
    filters: Query[OrderFilters],
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=200),
    totals: bool = Query(False, description="Add the totals per currency of all that matches."),
) -> OrderPage:
    """Orders newest first, filtered by customer, status, payment state, date range or number;
    ``next_cursor`` fetches the next page."""
    actor = actor_of(request)
    rows, next_cursor = order_list(actor=actor, filters=filters, cursor=cursor, limit=limit)
    sums = None
    if totals:
        sums = [CurrencyTotalOut(**vars(t)) for t in order_totals(actor=actor, filters=filters)]
    return OrderPage(items=[OrderOut.build(o) for o in rows], next_cursor=next_cursor, totals=sums)


@orders_router.post("", response={201: OrderOut, **ERROR_RESPONSES}, summary="Record an order")
def create_order(request: HttpRequest, payload: OrderIn) -> Status[OrderOut]:
    """Record an order taken by hand (an ERP pushes with ``PUT /erp/orders/{id}``). Unknown
    currency, a line for a missing product or a quantity ≤ 0: 422, nothing written."""
    order = order_create(actor=actor_of(request), data=payload.dict())
    return Status(201, _order_out(request, order.pk))


@orders_router.get("/{int:order_id}", response={200: OrderOut, **ERROR_RESPONSES})
def get_order(request: HttpRequest, order_id: int) -> OrderOut:
    """One order with its lines, invoices and payments."""
    return _order_out(request, order_id)


@orders_router.patch("/{int:order_id}", response={200: OrderOut, **ERROR_RESPONSES})
def update_order(request: HttpRequest, order_id: int, payload: OrderPatch) -> OrderOut:
    """Change the status (confirmed, fulfilled), notes or owner; a stale ``version`` (or
    If-Match) is a 409."""
    order_update(
        actor=actor_of(request),
        order_id=order_id,
        data=payload.dict(exclude_unset=True, exclude={"version"}),
        version=version_from(request, payload.version),
    )
    return _order_out(request, order_id)


@orders_router.post("/{int:order_id}/payments", response={200: OrderOut, **ERROR_RESPONSES})
def record_payment(request: HttpRequest, order_id: int, payload: PaymentIn) -> OrderOut:
    """Record money received: the order becomes partly paid, or paid once the total is
    covered (an order with invoices: the amount goes to its open invoices)."""
    order_payment_record(
        actor=actor_of(request),
        order_id=order_id,
        amount=payload.amount,
        paid_at=payload.paid_at,
        method=payload.method,
        reference=payload.reference,
        version=version_from(request, payload.version),
    )
    return _order_out(request, order_id)


@orders_router.post("/{int:order_id}/cancel", response={200: OrderOut, **ERROR_RESPONSES})
def cancel_order(request: HttpRequest, order_id: int, payload: CancelIn) -> OrderOut:
    order_cancel(
        actor=actor_of(request),
        order_id=order_id,
        reason=payload.reason,
        version=version_from(request, payload.version),
    )
    return _order_out(request, order_id)


@invoices_router.get("", response={200: InvoicePage, **ERROR_RESPONSES}, summary="List invoices")
def list_invoices(
    request: HttpRequest,
    filters: Query[InvoiceFilters],
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=200),
) -> InvoicePage:
    """Invoices newest first; ``overdue=true`` lists those past their due date and unpaid."""
    rows, next_cursor = invoice_list(
        actor=actor_of(request), filters=filters, cursor=cursor, limit=limit
    )
    return InvoicePage(items=[InvoiceOut.build(i) for i in rows], next_cursor=next_cursor)


@invoices_router.post(
    "", response={201: InvoiceOut, **ERROR_RESPONSES}, summary="Record an invoice"
)
def create_invoice(request: HttpRequest, payload: InvoiceIn) -> Status[InvoiceOut]:
    """Invoice an order (without lines: in full) or bill a customer; the order's payment
    follows its invoices."""
    invoice = invoice_create(actor=actor_of(request), data=payload.dict())
    return Status(201, _invoice_out(request, invoice.pk))


@invoices_router.get("/{int:invoice_id}", response={200: InvoiceOut, **ERROR_RESPONSES})
def get_invoice(request: HttpRequest, invoice_id: int) -> InvoiceOut:
    return _invoice_out(request, invoice_id)


@invoices_router.post("/{int:invoice_id}/payments", response={200: InvoiceOut, **ERROR_RESPONSES})
def record_invoice_payment(request: HttpRequest, invoice_id: int, payload: PaymentIn) -> InvoiceOut:
    invoice_payment_record(
        actor=actor_of(request),
        invoice_id=invoice_id,
        amount=payload.amount,
        paid_at=payload.paid_at,
        method=payload.method,
        reference=payload.reference,
        version=version_from(request, payload.version),
    )
    return _invoice_out(request, invoice_id)


@invoices_router.post("/{int:invoice_id}/void", response={200: InvoiceOut, **ERROR_RESPONSES})
def void_invoice(request: HttpRequest, invoice_id: int, payload: CancelIn) -> InvoiceOut:
    invoice_void(
        actor=actor_of(request),
        invoice_id=invoice_id,
        reason=payload.reason,
        version=version_from(request, payload.version),
    )
    return _invoice_out(request, invoice_id)


@erp_orders_router.put(
    "/{external_id}",
    response={200: ErpOrderOut, 201: ErpOrderOut, **ERROR_RESPONSES},
    summary="Upsert an order from the ERP",
)
def put_order(
    request: HttpRequest,
    external_id: str,
    payload: ErpOrderIn,
    source: str = Query("erp", description="The system the ids come from."),
) -> Status[ErpOrderOut]:
    """Create or update the order the ERP knows as ``external_id``, lines included. The
    customer is found by ``customer.external_id`` (same source), ``tax_id`` or ``email``; an
    unknown customer is a 422 ``unknown_customer``. A repeat changes nothing (200,
    ``result: unchanged``, same version)."""
    done = order_upsert_external(
        actor=actor_of(request), source=source, external_id=external_id, data=payload.dict()
    )
    out = _order_out(request, done.document.pk)
    body = ErpOrderOut(**out.dict(), result=done.result)
    return Status(201 if done.result == CREATED else 200, body)


@erp_invoices_router.put(
    "/{external_id}",
    response={200: ErpInvoiceOut, 201: ErpInvoiceOut, **ERROR_RESPONSES},
    summary="Upsert an invoice from the ERP",
)
def put_invoice(
    request: HttpRequest,
    external_id: str,
    payload: ErpInvoiceIn,
    source: str = Query("erp", description="The system the ids come from."),
) -> Status[ErpInvoiceOut]:
    """Create or update the invoice the ERP knows as ``external_id``; ``order_external_id``
    names the order it bills, whose payment state then follows its invoices."""
    data = payload.dict()
    if data.get("customer") is None:
        data.pop("customer", None)
    done = invoice_upsert_external(
        actor=actor_of(request), source=source, external_id=external_id, data=data
    )
    out = _invoice_out(request, done.document.pk)
    body = ErpInvoiceOut(**out.dict(), result=done.result)
    return Status(201 if done.result == CREATED else 200, body)
