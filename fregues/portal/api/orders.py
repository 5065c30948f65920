"""/api/v1/portal/orders, /invoices, /quotes (answering a quote), /customisations: the
signed-in customer's own documents only (another customer's number is a 404)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Status

from fregues.core.schemas import ERROR_RESPONSES, ErrorOut

from ..auth import portal_auth
from ..schemas.orders import (
    CustomisableProductOut,
    CustomisationIn,
    CustomisationOut,
    PortalInvoiceOut,
    PortalOrderOut,
    PortalQuoteOut,
    QuoteAcceptIn,
    QuoteDeclineIn,
)
from ..selectors import orders as selectors
from ..services.feedback import customisation_request_create
from ..services.orders import portal_quote_accept, portal_quote_decline

router = Router(tags=["portal"], auth=portal_auth)
WRITE_RESPONSES: dict[int, Any] = {**ERROR_RESPONSES, 429: ErrorOut}


def _party(request: HttpRequest) -> Any:
    return request.auth.party  # type: ignore[attr-defined]


def _actor(request: HttpRequest) -> str:
    return f"portal:{_party(request).pk}"


def _quote_out(quote: Any, *, detail: bool = False) -> PortalQuoteOut:
    return PortalQuoteOut.build(
        quote,
        waiting=selectors.quote_is_waiting(quote),
        pdf_url=reverse("portal:quote_pdf", args=[quote.number]),
        detail=detail,
    )


@router.get("/orders", response={200: list[PortalOrderOut], **ERROR_RESPONSES}, summary="My orders")
def list_orders(request: HttpRequest) -> list[PortalOrderOut]:
    """Your orders, newest first, with their lines, status and payment state."""
    return [PortalOrderOut.build(o) for o in selectors.portal_orders(party=_party(request))]


@router.get(
    "/orders/{number}",
    response={200: PortalOrderOut, **ERROR_RESPONSES},
    summary="One of my orders",
)
def get_order(request: HttpRequest, number: str) -> PortalOrderOut:
    order = selectors.portal_order_get(party=_party(request), number=number)
    rows = [selectors.InvoiceRow(i, selectors.invoice_state(i)) for i in order.invoices.all()]
    return PortalOrderOut.build(order, invoices=rows)


@router.get(
    "/invoices", response={200: list[PortalInvoiceOut], **ERROR_RESPONSES}, summary="My invoices"
)
def list_invoices(request: HttpRequest) -> list[PortalInvoiceOut]:
    """Your invoices, newest first: due, overdue, partly paid, paid."""
    return [PortalInvoiceOut.build(row) for row in selectors.portal_invoices(party=_party(request))]


@router.get("/quotes", response={200: list[PortalQuoteOut], **ERROR_RESPONSES}, summary="My quotes")
def list_quotes(request: HttpRequest) -> list[PortalQuoteOut]:
    """The quotes we sent you, those waiting for your answer first."""
    return [_quote_out(q) for q in selectors.portal_quotes(party=_party(request))]


@router.get(
    "/quotes/{number}",
    response={200: PortalQuoteOut, **ERROR_RESPONSES},
    summary="One of my quotes",
)
def get_quote(request: HttpRequest, number: str) -> PortalQuoteOut:
    quote = selectors.portal_quote_get(party=_party(request), number=number)
    return _quote_out(quote, detail=True)


@router.post(
    "/quotes/{number}/accept",
    response={200: PortalQuoteOut, **ERROR_RESPONSES},
    summary="Accept a quote",
)
def accept_quote(request: HttpRequest, number: str, payload: QuoteAcceptIn) -> PortalQuoteOut:
    """Accept the quote as it is: the order is made at once. 409 when it was already
    answered, expired or withdrawn."""
    portal_quote_accept(
        actor=_actor(request),
        party=_party(request),
        number=number,
        name=payload.name,
        ip=request.META.get("REMOTE_ADDR"),
    )
    return _quote_out(selectors.portal_quote_get(party=_party(request), number=number))


@router.post(
    "/quotes/{number}/decline",
    response={200: PortalQuoteOut, **ERROR_RESPONSES},
    summary="Decline a quote",
)
def decline_quote(request: HttpRequest, number: str, payload: QuoteDeclineIn) -> PortalQuoteOut:
    portal_quote_decline(
        actor=_actor(request), party=_party(request), number=number, reason=payload.reason
    )
    return _quote_out(selectors.portal_quote_get(party=_party(request), number=number))


@router.get(
    "/customisable-products",
    response={200: list[CustomisableProductOut], **ERROR_RESPONSES},
    summary="Products I may ask to customise",
)
def list_customisable(request: HttpRequest) -> list[CustomisableProductOut]:
    return [
        CustomisableProductOut(
            id=p.pk, sku=p.sku, name=p.name, customisation_options=p.customisation_options
        )
        for p in selectors.customisable_products(party=_party(request))
    ]


@router.post(
    "/customisations",
    response={201: CustomisationOut, **WRITE_RESPONSES},
    summary="Ask for a customisation",
)
def create_customisation(
    request: HttpRequest, payload: CustomisationIn
) -> Status[CustomisationOut]:
    """Ask for a product made your way: ``answers`` maps the product's option labels to what
    you want (a choice must be one of the option's choices). 429 past the hourly limit."""
    created = customisation_request_create(
        actor=_actor(request),
        party=_party(request),
        product_id=payload.product_id,
        answers=payload.answers,
        note=payload.note,
        order_number=payload.order_number,
    )
    return Status(201, CustomisationOut.build(created))
