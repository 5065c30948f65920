"""/api/v1/quotes and the customer's signed quote link (/api/v1/public/quotes/{key}).

Reading quotes needs ``deal.view`` (every role but marketing); writing them ``deal.change``.
The public endpoints need no account: the signed key is the credential.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from fregues.core.api_utils import actor_of, version_from
from fregues.core.schemas import ERROR_RESPONSES

from ..filters.quotes import QuoteFilters
from ..pdf import pdf_response
from ..schemas.quotes import (
    AcceptIn,
    DeclineIn,
    PublicQuoteOut,
    QuoteIn,
    QuoteLinesIn,
    QuoteOut,
    QuotePage,
    QuotePatch,
    QuoteSendIn,
    QuoteSummary,
    QuoteVersionIn,
)
from ..selectors import quotes as selectors
from ..services import quotes as services

router = Router(tags=["quotes"])
public_router = Router(tags=["public"], auth=None)


def _notice(quote: Any) -> str:
    if not getattr(quote, "link_revoked", False):
        return ""
    return _(
        "The quote had been sent: it is a draft again and the link the customer holds no "
        "longer works. Send it again."
    )


def _out(request: HttpRequest, quote_id: int, notice: str = "") -> QuoteOut:
    quote = selectors.quote_get(actor=actor_of(request), quote_id=quote_id)
    return QuoteOut.build(
        quote,
        order=selectors.quote_order(quote),
        public_url=services.quote_public_url(quote),
        notice=notice,
    )


def _lines(payload: Any) -> list[dict[str, Any]]:
    return [line.dict(exclude_none=True) for line in payload]


@router.get("", response={200: QuotePage, **ERROR_RESPONSES}, summary="List quotes")
def list_quotes(
    request: HttpRequest,
    filters: Query[QuoteFilters],
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=200),
) -> QuotePage:
    """Newest first. ``status=open``: drafts and sent quotes; ``owner=me``: mine."""
    actor = actor_of(request)
    qs = selectors.quote_list(actor=actor, **filters.as_kwargs(actor))
    rows, next_cursor = selectors.quote_page(qs, cursor, limit)
    return QuotePage(items=[QuoteSummary.build(q) for q in rows], next_cursor=next_cursor)


@router.post("", response={201: QuoteOut, **ERROR_RESPONSES}, summary="Write a quote")
def create_quote(request: HttpRequest, payload: QuoteIn) -> Status[QuoteOut]:
    """A draft, with its lines (optional). Unknown currency, a line for a missing product,
    a product without a price in the list, a quantity of zero or less: 422, nothing written."""
    data = payload.dict(exclude_none=True, exclude={"lines"})
    data["lines"] = _lines(payload.lines)
    quote = services.quote_create(actor=actor_of(request), data=data)
    return Status(201, _out(request, quote.pk))


@router.get("/{quote_id}", response={200: QuoteOut, **ERROR_RESPONSES}, summary="One quote")
def get_quote(request: HttpRequest, quote_id: int) -> QuoteOut:
    """With its lines, totals, the order it became and the customer's link."""
    return _out(request, quote_id)


@router.patch("/{quote_id}", response={200: QuoteOut, **ERROR_RESPONSES}, summary="Change a quote")
def update_quote(request: HttpRequest, quote_id: int, payload: QuotePatch) -> QuoteOut:
    """Send the ``version`` you read (or If-Match): a stale one is a 409. Only drafts are
    edited: a sent quote changed goes back to draft and its link dies (``notice`` says so);
    an accepted, declined or cancelled one is a 409."""
    data = payload.dict(exclude_unset=True, exclude={"version", "lines"})
    if payload.lines is not None:
        data["lines"] = _lines(payload.lines)
    quote = services.quote_update(
        actor=actor_of(request),
        quote_id=quote_id,
        data=data,
        version=version_from(request, payload.version),
    )
    return _out(request, quote_id, _notice(quote))


@router.put(
    "/{quote_id}/lines", response={200: QuoteOut, **ERROR_RESPONSES}, summary="Replace the lines"
)
def set_lines(request: HttpRequest, quote_id: int, payload: QuoteLinesIn) -> QuoteOut:
    """All the lines at once, checked together: each error names its line."""
    quote = services.quote_lines_set(
        actor=actor_of(request),
        quote_id=quote_id,
        lines=_lines(payload.lines),
        version=version_from(request, payload.version),
    )
    return _out(request, quote_id, _notice(quote))


@router.post(
    "/{quote_id}/send", response={200: QuoteOut, **ERROR_RESPONSES}, summary="Send to the customer"
)
def send_quote(request: HttpRequest, quote_id: int, payload: QuoteSendIn) -> QuoteOut:
    """E-mail the PDF and a signed link (``to``, or the contact's / customer's e-mail). A
    new link replaces the one sent before."""
    services.quote_send(
        actor=actor_of(request),
        quote_id=quote_id,
        to=payload.to,
        version=version_from(request, payload.version),
    )
    return _out(request, quote_id)


@router.post(
    "/{quote_id}/cancel", response={200: QuoteOut, **ERROR_RESPONSES}, summary="Withdraw a quote"
)
def cancel_quote(request: HttpRequest, quote_id: int, payload: QuoteVersionIn) -> QuoteOut:
    services.quote_cancel(
        actor=actor_of(request),
        quote_id=quote_id,
        version=version_from(request, payload.version),
    )
    return _out(request, quote_id)


@router.post(
    "/{quote_id}/duplicate",
    response={201: QuoteOut, **ERROR_RESPONSES},
    summary="A new draft from a quote",
)
def duplicate_quote(request: HttpRequest, quote_id: int) -> Status[QuoteOut]:
    quote = services.quote_duplicate(actor=actor_of(request), quote_id=quote_id)
    return Status(201, _out(request, quote.pk))


@router.get(
    "/{quote_id}/pdf",
    response={200: None, **ERROR_RESPONSES},
    summary="The quote as a PDF",
    openapi_extra={"responses": {"200": {"content": {"application/pdf": {}}}}},
)
def quote_pdf_download(request: HttpRequest, quote_id: int) -> HttpResponse:
    selectors.quote_get(actor=actor_of(request), quote_id=quote_id)
    quote = selectors.quote_for_document(quote_id=quote_id)
    return pdf_response(quote, services.quote_public_url(quote))


# ---------------------------------------------------------------- the customer's link


def _public(key: str) -> PublicQuoteOut:
    quote = services.quote_open_by_key(key=key)
    quote = selectors.quote_for_document(quote_id=quote.pk)
    return PublicQuoteOut.build(quote, pdf_url=reverse("sales:quote_public_pdf", args=[key]))


def client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


@public_router.get(
    "/{key}", response={200: PublicQuoteOut, **ERROR_RESPONSES}, summary="A quote by its link"
)
def public_quote(request: HttpRequest, key: str) -> PublicQuoteOut:
    """No account: the signed key from the e-mail. A wrong or replaced key is a 404."""
    return _public(key)


@public_router.post(
    "/{key}/accept", response={200: PublicQuoteOut, **ERROR_RESPONSES}, summary="Accept"
)
def public_accept(request: HttpRequest, key: str, payload: AcceptIn) -> PublicQuoteOut:
    """The customer accepts, typing their name: the order is made and the deal won. An
    expired or already answered quote is a 409."""
    services.quote_accept(key=key, name=payload.name, ip=client_ip(request))
    return _public(key)


@public_router.post(
    "/{key}/decline", response={200: PublicQuoteOut, **ERROR_RESPONSES}, summary="Decline"
)
def public_decline(request: HttpRequest, key: str, payload: DeclineIn) -> PublicQuoteOut:
    services.quote_decline(key=key, reason=payload.reason)
    return _public(key)
