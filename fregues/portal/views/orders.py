"""Portal section "My orders": orders, invoices and quotes of the signed-in customer; a quote's
page with its PDF and the customer's answer; a customisation request for a product.

Views are thin: reads through ``selectors.orders``, writes through ``services.orders`` and
``services.feedback``; another customer's number is a 404 like an unknown one.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fregues.core.errors import Conflict, NotFound, ServiceError
from fregues.sales.pdf import pdf_response
from fregues.sales.selectors.quotes import quote_for_document

from ..auth import portal_required
from ..forms_orders import CustomisationForm, QuoteAcceptForm, QuoteDeclineForm
from ..selectors import orders as selectors
from ..services.feedback import customisation_request_create
from ..services.orders import portal_quote_accept, portal_quote_decline


def _party(request: HttpRequest) -> Any:
    return request.portal_party  # type: ignore[attr-defined]


def _actor(request: HttpRequest) -> str:
    return f"portal:{_party(request).pk}"


def _or_404(read: Any, **kwargs: Any) -> Any:
    try:
        return read(**kwargs)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@portal_required
def orders(request: HttpRequest) -> HttpResponse:
    """Everything bought, billed and offered: quotes waiting for an answer first."""
    party = _party(request)
    quotes = selectors.portal_quotes(party=party)
    return render(
        request,
        "portal/orders/index.html",
        {
            "orders": selectors.portal_orders(party=party),
            "invoices": selectors.portal_invoices(party=party),
            "quotes": quotes,
            "waiting": [q for q in quotes if selectors.quote_is_waiting(q)],
            "products": selectors.customisable_products(party=party),
        },
    )


@portal_required
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    party = _party(request)
    order = _or_404(selectors.portal_order_get, party=party, number=number)
    customisable = {p.pk for p in selectors.customisable_products(party=party)}
    return render(
        request,
        "portal/orders/order.html",
        {
            "order": order,
            "lines": list(order.lines.all()),
            "invoices": [
                selectors.InvoiceRow(i, selectors.invoice_state(i)) for i in order.invoices.all()
            ],
            "customisable": customisable,
        },
    )


@portal_required
def invoice_detail(request: HttpRequest, number: str) -> HttpResponse:
    row = _or_404(selectors.portal_invoice_get, party=_party(request), number=number)
    return render(
        request,
        "portal/orders/invoice.html",
        {"row": row, "invoice": row.invoice, "lines": list(row.invoice.lines.all())},
    )


def _quote_page(
    request: HttpRequest,
    number: str,
    *,
    accept_form: QuoteAcceptForm | None = None,
    decline_form: QuoteDeclineForm | None = None,
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    party = _party(request)
    quote = _or_404(selectors.portal_quote_get, party=party, number=number)
    return render(
        request,
        "portal/orders/quote.html",
        {
            "quote": quote,
            "lines": list(quote.lines.all()),
            "waiting": selectors.quote_is_waiting(quote),
            "accept_form": accept_form or QuoteAcceptForm(initial={"name": party.name}),
            "decline_form": decline_form or QuoteDeclineForm(),
            "decline_open": decline_form is not None,
            "notice": notice,
        },
        status=status,
    )


@portal_required
def quote_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _quote_page(request, number)


@portal_required
def quote_pdf(request: HttpRequest, number: str) -> HttpResponse:
    quote = _or_404(selectors.portal_quote_get, party=_party(request), number=number)
    return pdf_response(quote_for_document(quote_id=quote.pk), inline=False)


@require_POST
@portal_required
def quote_accept(request: HttpRequest, number: str) -> HttpResponse:
    form = QuoteAcceptForm(request.POST)
    if not form.is_valid():
        return _quote_page(request, number, accept_form=form, status=422)
    try:
        quote = portal_quote_accept(
            actor=_actor(request),
            party=_party(request),
            number=number,
            name=form.cleaned_data["name"],
            ip=request.META.get("REMOTE_ADDR"),
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except Conflict as exc:
        return _quote_page(request, number, notice=exc.message, status=409)
    except ServiceError as exc:
        form.add_service_error(exc)
        return _quote_page(request, number, accept_form=form, status=exc.status)
    messages.success(
        request,
        _("Thank you: quote %(number)s is accepted and your order is confirmed.")
        % {"number": quote.number},
    )
    return redirect("portal:quote", quote.number)


@require_POST
@portal_required
def quote_decline(request: HttpRequest, number: str) -> HttpResponse:
    form = QuoteDeclineForm(request.POST)
    if not form.is_valid():
        return _quote_page(request, number, decline_form=form, status=422)
    try:
        quote = portal_quote_decline(
            actor=_actor(request),
            party=_party(request),
            number=number,
            reason=form.cleaned_data.get("reason") or "",
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except Conflict as exc:
        return _quote_page(request, number, notice=exc.message, status=409)
    except ServiceError as exc:
        form.add_service_error(exc)
        return _quote_page(request, number, decline_form=form, status=exc.status)
    messages.success(
        request,
        _("Quote %(number)s is declined. Thank you for telling us.") % {"number": quote.number},
    )
    return redirect("portal:quote", quote.number)


@require_http_methods(["GET", "POST"])
@portal_required
def customise(request: HttpRequest, product_id: int) -> HttpResponse:
    """Ask for a product made one's way: one field per option of the product."""
    party = _party(request)
    product = _or_404(selectors.customisable_product_get, party=party, product_id=product_id)
    order_numbers = [
        o.number
        for o in selectors.portal_orders(party=party, limit=50)
        if any(line.product_id == product.pk for line in o.lines.all())
    ]
    form = CustomisationForm(
        request.POST or None,
        options=product.customisation_options,
        orders=order_numbers,
        initial={"order_number": request.GET.get("order", "")},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                customisation_request_create(
                    actor=_actor(request),
                    party=party,
                    product_id=product.pk,
                    answers=form.answers(),
                    note=form.cleaned_data.get("note") or "",
                    order_number=form.cleaned_data.get("order_number") or "",
                )
            except NotFound as exc:
                raise Http404(exc.message) from exc
            except ServiceError as exc:
                form.add_service_error(exc)
            else:
                messages.success(
                    request,
                    _("Thank you: we received your customisation request for %(product)s.")
                    % {"product": product.name},
                )
                return redirect("portal:orders")
        status = form.status if form.status != 200 else 422
    return render(
        request, "portal/orders/customise.html", {"product": product, "form": form}, status=status
    )


urlpatterns: list[URLPattern] = [
    path("orders/", orders, name="orders"),
    path("orders/customise/<int:product_id>/", customise, name="customise"),
    path("orders/invoices/<str:number>/", invoice_detail, name="invoice"),
    path("orders/quotes/<str:number>/", quote_detail, name="quote"),
    path("orders/quotes/<str:number>/pdf", quote_pdf, name="quote_pdf"),
    path("orders/quotes/<str:number>/accept", quote_accept, name="quote_accept"),
    path("orders/quotes/<str:number>/decline", quote_decline, name="quote_decline"),
    path("orders/<str:number>/", order_detail, name="order"),
]
