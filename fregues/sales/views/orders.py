"""Orders and invoices on screen: the lists (shared filters, totals per currency, overdue
invoices highlighted), an order's page (lines, totals, margin, payment, invoices, payments, the
quote it came from) with its actions (record a payment, delivered, invoice it, cancel), an
invoice's page, a new order taken by hand, and the deal page's orders panel.

Reading needs ``deal.view``; every action goes through a service that checks
``order.change`` (buttons are hidden from the roles that lack it).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fregues.core.errors import Forbidden, Invalid, NotFound, ServiceError
from fregues.core.htmx import is_htmx, slot_register
from fregues.core.permissions import can
from fregues.core.views import service_http_errors

from ..filters.orders import InvoiceFilters, OrderFilters
from ..forms.orders import (
    CancelForm,
    OrderForm,
    PaymentForm,
    StatusForm,
    line_input,
    order_lines_from,
)
from ..models import InvoiceStatus, OrderStatus, PaymentState
from ..money import currencies
from ..selectors.orders import (
    invoice_get,
    invoice_is_overdue,
    invoice_list,
    order_get,
    order_list,
    order_margin,
    order_totals,
    orders_for_opportunity,
    party_brief,
)
from ..services.invoices import invoice_create, invoice_payment_record, invoice_void
from ..services.orders import order_cancel, order_create, order_payment_record, order_update

LIST_PAGE = 30
CSS = "sales/orders.css"


def _page_of(
    request: HttpRequest, reader: Any, filters: Any
) -> tuple[list[Any], str | None, str | None]:
    cursor = request.GET.get("cursor") or None
    try:
        rows, next_cursor = reader(
            actor=request.user, filters=filters, cursor=cursor, limit=LIST_PAGE
        )
    except Invalid:  # a stale or mangled cursor: start over
        rows, next_cursor = reader(actor=request.user, filters=filters, limit=LIST_PAGE)
        cursor = None
    return rows, next_cursor, cursor


def _forms_of(document: Any, given: dict[str, Any]) -> dict[str, Any]:
    """The payment and cancel forms of a page (the posted one, with its problems, if any)."""
    return {
        "payment_form": given.get("payment_form")
        or PaymentForm(initial={"version": document.version}),
        "cancel_form": given.get("cancel_form")
        or CancelForm(initial={"version": document.version}),
        "open_form": given.get("open_form", ""),
    }


# ---------------------------------------------------------------- orders
@login_required
@require_GET
@service_http_errors
def orders(request: HttpRequest) -> HttpResponse:
    """Every order, newest first, filtered, with the totals per currency of all it selects."""
    filters = OrderFilters.from_querydict(request.GET)
    rows, next_cursor, cursor = _page_of(request, order_list, filters)
    context: dict[str, Any] = {
        "orders": rows,
        "next_cursor": next_cursor,
        "cursor": cursor,
        "filters": filters,
        "filtered": filters.is_filtered(),
    }
    if is_htmx(request) and request.GET.get("fragment") == "rows":
        return render(request, "sales/orders/partials/order_rows.html", context)
    context.update(
        totals=order_totals(actor=request.user, filters=filters),
        statuses=OrderStatus.choices,
        payment_states=PaymentState.choices,
        party=party_brief(filters.party_id),
    )
    return render(request, "sales/orders/list.html", context)


def _order_page(
    request: HttpRequest, order_id: int, status: int = 200, **forms_: Any
) -> HttpResponse:
    order = order_get(actor=request.user, order_id=order_id)
    may_change = can(request.user, "order.change") and order.status != OrderStatus.CANCELLED
    invoices = [(invoice, invoice_is_overdue(invoice)) for invoice in order.invoices.all()]
    context = {
        "order": order,
        "lines": list(order.lines.all()),
        "invoices": invoices,
        "payments": list(order.payments.all()),
        "margin": order_margin(order),
        "balance": order.total - order.amount_paid,
        "may_change": may_change,
        **_forms_of(order, forms_),
    }
    return render(request, "sales/orders/detail.html", context, status=status)


@login_required
@require_GET
@service_http_errors
def order(request: HttpRequest, order_id: int) -> HttpResponse:
    return _order_page(request, order_id)


@login_required
@require_POST
@service_http_errors
def order_payment(request: HttpRequest, order_id: int) -> HttpResponse:
    """Record money received for the order (or its open invoices)."""
    return _payment(request, order_payment_record, "order_id", order_id, _order_page, "sales:order")


def _payment(
    request: HttpRequest, record: Any, key: str, doc_id: int, page: Any, detail: str
) -> HttpResponse:
    """A payment form posted for an order or an invoice: saved (back to the page with a
    toast), or the page again with the form's problems."""
    form = PaymentForm(request.POST)
    if form.is_valid():
        try:
            record(actor=request.user, **{key: doc_id}, **form.service_data())
        except (Forbidden, NotFound):
            raise
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Payment recorded."))
            return redirect(detail, doc_id)
    status = form.status if form.status != 200 else 422
    return page(request, doc_id, status=status, payment_form=form, open_form="payment")


@login_required
@require_POST
@service_http_errors
def order_status(request: HttpRequest, order_id: int) -> HttpResponse:
    """Mark the order delivered (or back to confirmed)."""
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            order_update(
                actor=request.user,
                order_id=order_id,
                data={"status": form.cleaned_data["move_to"]},
                version=form.cleaned_data["version"],
            )
        except (Forbidden, NotFound):
            raise
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Order updated."))
    return redirect("sales:order", order_id)


@login_required
@require_POST
@service_http_errors
def order_cancel_view(request: HttpRequest, order_id: int) -> HttpResponse:
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            order_cancel(
                actor=request.user,
                order_id=order_id,
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
            )
        except (Forbidden, NotFound):
            raise
        except ServiceError as exc:
            form.add_service_error(exc)
            return _order_page(
                request, order_id, status=exc.status, cancel_form=form, open_form="cancel"
            )
        messages.success(request, _("Order cancelled."))
    return redirect("sales:order", order_id)


@login_required
@require_POST
@service_http_errors
def order_invoice(request: HttpRequest, order_id: int) -> HttpResponse:
    """Invoice the whole order."""
    try:
        invoice = invoice_create(actor=request.user, data={"order_id": order_id})
    except (Forbidden, NotFound):
        raise
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("sales:order", order_id)
    messages.success(request, _("Invoice %(number)s issued.") % {"number": invoice.number})
    return redirect("sales:invoice", invoice.pk)


@login_required
@require_http_methods(["GET", "POST"])
@service_http_errors
def order_new(request: HttpRequest) -> HttpResponse:
    """An order taken by hand for a customer (``?party_id=``, and ``opportunity_id`` when it
    comes from a deal); "Add a line" adds a row without losing what was typed."""
    source = request.POST if request.method == "POST" else request.GET
    party = party_brief(source.get("party_id"))
    if party is None:
        raise NotFound(_("Choose the customer first: open the order list from their page."))
    if not can(request.user, "order.change"):
        raise Forbidden(_("Your role does not allow this action."))
    opportunity_id = source.get("opportunity_id") or ""
    if request.method != "POST":
        form = OrderForm()
        rows = order_lines_from({}, extra=3)
        return _new_page(request, form, rows, party, opportunity_id, {})
    form = OrderForm(request.POST)
    adding = "add_line" in request.POST
    rows = order_lines_from(request.POST, extra=1 if adding else 0)
    if adding or not form.is_valid():
        return _new_page(request, form, rows or order_lines_from({}, 1), party, opportunity_id, {})
    data = {
        "party_id": party.pk,
        "opportunity_id": opportunity_id or None,
        "currency": form.cleaned_data["currency"],
        "ordered_at": form.cleaned_data["ordered_at"],
        "number": form.cleaned_data["number"],
        "notes": form.cleaned_data["notes"],
        "lines": [line_input(row) for row in rows],
    }
    try:
        created = order_create(actor=request.user, data=data)
    except (Forbidden, NotFound):
        raise
    except ServiceError as exc:
        form.add_service_error(exc)
        line_errors: dict[int, list[str]] = {}
        for key, problems in exc.errors.items():
            parts = key.split(".")
            if parts[0] == "lines" and len(parts) > 1 and parts[1].isdigit():
                line_errors.setdefault(int(parts[1]), []).extend(problems)
            elif key == "lines":
                form.top_messages.extend(problems)
        return _new_page(
            request,
            form,
            rows or order_lines_from({}, 1),
            party,
            opportunity_id,
            line_errors,
            status=exc.status,
        )
    messages.success(request, _("Order %(number)s recorded.") % {"number": created.number})
    return redirect("sales:order", created.pk)


def _new_page(
    request: HttpRequest,
    form: OrderForm,
    rows: list[dict[str, str]],
    party: Any,
    opportunity_id: str,
    line_errors: dict[int, list[str]],
    status: int = 200,
) -> HttpResponse:
    context = {
        "form": form,
        "rows": [(n, row, line_errors.get(n, [])) for n, row in enumerate(rows)],
        "count": len(rows),
        "party": party,
        "opportunity_id": opportunity_id,
        "currencies": sorted(currencies()),
    }
    return render(request, "sales/orders/new.html", context, status=status)


# ---------------------------------------------------------------- invoices
@login_required
@require_GET
@service_http_errors
def invoices(request: HttpRequest) -> HttpResponse:
    """Every invoice, newest first; the overdue ones (due and not paid) stand out."""
    filters = InvoiceFilters.from_querydict(request.GET)
    rows, next_cursor, cursor = _page_of(request, invoice_list, filters)
    context: dict[str, Any] = {
        "invoices": [(invoice, invoice_is_overdue(invoice)) for invoice in rows],
        "next_cursor": next_cursor,
        "cursor": cursor,
        "filters": filters,
        "filtered": filters.is_filtered(),
    }
    if is_htmx(request) and request.GET.get("fragment") == "rows":
        return render(request, "sales/orders/partials/invoice_rows.html", context)
    context.update(
        statuses=InvoiceStatus.choices,
        payment_states=PaymentState.choices,
        party=party_brief(filters.party_id),
    )
    return render(request, "sales/orders/invoices.html", context)


def _invoice_page(
    request: HttpRequest, invoice_id: int, status: int = 200, **forms_: Any
) -> HttpResponse:
    invoice = invoice_get(actor=request.user, invoice_id=invoice_id)
    may_change = can(request.user, "order.change") and invoice.status == InvoiceStatus.ISSUED
    context = {
        "invoice": invoice,
        "lines": list(invoice.lines.all()),
        "payments": list(invoice.payments.all()),
        "overdue": invoice_is_overdue(invoice),
        "balance": invoice.total - invoice.amount_paid,
        "may_change": may_change,
        **_forms_of(invoice, forms_),
    }
    return render(request, "sales/orders/invoice.html", context, status=status)


@login_required
@require_GET
@service_http_errors
def invoice(request: HttpRequest, invoice_id: int) -> HttpResponse:
    return _invoice_page(request, invoice_id)


@login_required
@require_POST
@service_http_errors
def invoice_payment(request: HttpRequest, invoice_id: int) -> HttpResponse:
    return _payment(
        request, invoice_payment_record, "invoice_id", invoice_id, _invoice_page, "sales:invoice"
    )


@login_required
@require_POST
@service_http_errors
def invoice_void_view(request: HttpRequest, invoice_id: int) -> HttpResponse:
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            invoice_void(
                actor=request.user,
                invoice_id=invoice_id,
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
            )
        except (Forbidden, NotFound):
            raise
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Invoice voided."))
    return redirect("sales:invoice", invoice_id)


# ---------------------------------------------------------------- the deal page's panel
def opportunity_orders_panel(request: HttpRequest, deal: Any) -> str | None:
    """The orders of a deal (made from it or from its quotes), on the deal's page."""
    if deal is None or not can(request.user, "deal.view"):
        return None
    rows = orders_for_opportunity(actor=request.user, opportunity_id=deal.pk, limit=10)
    context = {
        "orders": rows,
        "deal": deal,
        "may_change": can(request.user, "order.change"),
    }
    return render_to_string("sales/orders/panel.html", context, request=request)


slot_register("opportunity.side", "sales.orders", opportunity_orders_panel, order=30)


urlpatterns: list[URLPattern] = [
    path("sales/orders/", orders, name="orders"),
    path("sales/orders/new/", order_new, name="order_new"),
    path("sales/orders/<int:order_id>/", order, name="order"),
    path("sales/orders/<int:order_id>/payment", order_payment, name="order_payment"),
    path("sales/orders/<int:order_id>/status", order_status, name="order_status"),
    path("sales/orders/<int:order_id>/cancel", order_cancel_view, name="order_cancel"),
    path("sales/orders/<int:order_id>/invoice", order_invoice, name="order_invoice"),
    path("sales/orders/invoices/", invoices, name="invoices"),
    path("sales/orders/invoices/<int:invoice_id>/", invoice, name="invoice"),
    path("sales/orders/invoices/<int:invoice_id>/payment", invoice_payment, name="invoice_payment"),
    path("sales/orders/invoices/<int:invoice_id>/void", invoice_void_view, name="invoice_void"),
]
