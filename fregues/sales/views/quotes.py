"""Quote screens: the list, the quote page (send, PDF, duplicate, cancel, its order), the
panels on the deal and customer pages. The editor is in ``quote_editor``, the customer's
public page in ``quote_public``; their URLs are collected here."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fregues.core.errors import Invalid, NotFound, ServiceError
from fregues.core.htmx import is_htmx, slot_register
from fregues.core.permissions import can
from fregues.core.views import service_http_errors

from ..filters.quotes import QuoteFilters
from ..forms.quotes import SendForm
from ..models import Quote, QuoteStatus
from ..pdf import pdf_response
from ..selectors import quotes as selectors
from ..services import quotes as services
from ..services.quotes import EDITABLE
from . import quote_editor, quote_public

LIST_PAGE = 30


def first_url(names: tuple[str, ...], *args: Any) -> str:
    """The first of ``names`` that resolves (another area's page that may not exist yet)."""
    for name in names:
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return ""


def deal_url(deal_id: int | None) -> str:
    if not deal_id:
        return ""
    return first_url(("sales:opportunity", "sales:opportunity_detail", "sales:deal"), deal_id)


def order_url(order: Any) -> str:
    if order is None:
        return ""
    return first_url(("sales:order", "sales:order_detail"), order.pk) or (
        reverse("sales:orders") + f"?q={order.number}"
    )


# ---------------------------------------------------------------- the list


@login_required
@require_GET
@service_http_errors
def quote_list(request: HttpRequest) -> HttpResponse:
    """Quotes, newest first, with the filters and the totals per currency."""
    filters = QuoteFilters.from_querydict(request.GET)
    qs = selectors.quote_list(actor=request.user, **filters.as_kwargs(request.user))
    cursor = request.GET.get("cursor") or None
    try:
        rows, next_cursor = selectors.quote_page(qs, cursor, LIST_PAGE)
    except Invalid:
        rows, next_cursor = selectors.quote_page(qs, None, LIST_PAGE)
        cursor = None
    context: dict[str, Any] = {
        "quotes": rows,
        "next_cursor": next_cursor,
        "cursor": cursor,
        "filters": filters,
        "filtered": filters.filtered,
    }
    if is_htmx(request) and request.GET.get("fragment") == "rows":
        return render(request, "sales/quotes/partials/rows.html", context)
    party = (
        selectors.party_for_quote(actor=request.user, party_id=filters.party_id)
        if filters.party_id
        else None
    )
    deal = (
        selectors.opportunity_for_quote(actor=request.user, opportunity_id=filters.opportunity_id)
        if filters.opportunity_id
        else None
    )
    context.update(
        totals=selectors.quote_totals(qs),
        statuses=QuoteStatus.choices,
        party=party,
        deal=deal,
        deal_url=deal_url(deal.pk if deal else None),
        new_url=_new_url(party.pk if party else None, deal.pk if deal else None),
    )
    return render(request, "sales/quotes/list.html", context)


def _new_url(party_id: int | None = None, deal_id: int | None = None) -> str:
    url = reverse("sales:quote_new")
    if deal_id:
        return f"{url}?opportunity={deal_id}"
    if party_id:
        return f"{url}?party={party_id}"
    return url


# ---------------------------------------------------------------- the quote page


def _page_context(request: HttpRequest, quote: Quote, **forms: Any) -> dict[str, Any]:
    user = request.user
    may_change = can(user, "deal.change")
    order = selectors.quote_order(quote)
    return {
        "quote": quote,
        "lines": list(quote.lines.all()),
        "order": order,
        "order_url": order_url(order),
        "deal_url": deal_url(quote.opportunity_id),
        "public_url": services.quote_public_url(quote),
        "may_change": may_change,
        "can_edit": may_change and quote.status in EDITABLE,
        "can_send": may_change and quote.status in EDITABLE,
        "can_cancel": may_change
        and quote.status not in (QuoteStatus.ACCEPTED, QuoteStatus.DECLINED, QuoteStatus.CANCELLED),
        "send_form": forms.get("send_form")
        or SendForm(
            initial={
                "to": quote.sent_to or services.quote_recipient(quote),
                "version": quote.version,
            }
        ),
        "send_open": "send_form" in forms,
    }


@login_required
@require_GET
@service_http_errors
def quote_detail(request: HttpRequest, quote_id: int) -> HttpResponse:
    """One quote: status, lines, totals; send, PDF, duplicate, cancel; its order once
    accepted."""
    quote = selectors.quote_get(actor=request.user, quote_id=quote_id)
    return render(request, "sales/quotes/detail.html", _page_context(request, quote))


@login_required
@require_POST
@service_http_errors
def quote_send(request: HttpRequest, quote_id: int) -> HttpResponse:
    """The send dialog: e-mail the PDF and the signed link."""
    form = SendForm(request.POST)
    if form.is_valid():
        try:
            quote = services.quote_send(
                actor=request.user,
                quote_id=quote_id,
                to=form.cleaned_data.get("to") or None,
                version=form.cleaned_data.get("version"),
            )
        except ServiceError as exc:
            if isinstance(exc, NotFound):
                raise
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                _("Quote %(number)s sent to %(to)s.")
                % {"number": quote.number, "to": quote.sent_to},
            )
            return redirect("sales:quote", quote.pk)
    quote = selectors.quote_get(actor=request.user, quote_id=quote_id)
    form.reload_url = reverse("sales:quote", args=[quote_id])
    status = form.status if form.status != 200 else 422
    return render(
        request,
        "sales/quotes/detail.html",
        _page_context(request, quote, send_form=form),
        status=status,
    )


def _version(request: HttpRequest) -> int | None:
    value = (request.POST.get("version") or "").strip()
    return int(value) if value.isdigit() else None


@login_required
@require_POST
@service_http_errors
def quote_cancel(request: HttpRequest, quote_id: int) -> HttpResponse:
    try:
        quote = services.quote_cancel(
            actor=request.user, quote_id=quote_id, version=_version(request)
        )
    except ServiceError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, _refusal(exc))
    else:
        messages.success(request, _("Quote %(number)s withdrawn.") % {"number": quote.number})
    return redirect("sales:quote", quote_id)


@login_required
@require_POST
@service_http_errors
def quote_duplicate(request: HttpRequest, quote_id: int) -> HttpResponse:
    try:
        quote = services.quote_duplicate(actor=request.user, quote_id=quote_id)
    except ServiceError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, _refusal(exc))
        return redirect("sales:quote", quote_id)
    messages.success(
        request,
        _("New draft %(number)s, a copy: change it and send it.") % {"number": quote.number},
    )
    return redirect("sales:quote_edit", quote.pk)


def _refusal(exc: ServiceError) -> str:
    if exc.code == "version_conflict":
        return _("Someone else changed this quote meanwhile. Look at it again and retry.")
    if exc.code == "forbidden":
        return _("Your role does not allow this action.")
    return exc.message


@login_required
@require_GET
@service_http_errors
def quote_pdf(request: HttpRequest, quote_id: int) -> HttpResponse:
    """The quote's PDF, as the customer receives it."""
    selectors.quote_get(actor=request.user, quote_id=quote_id)
    quote = selectors.quote_for_document(quote_id=quote_id)
    return pdf_response(quote, services.quote_public_url(quote), inline=False)


# ---------------------------------------------------------------- panels on other pages


def deal_quotes_panel(request: HttpRequest, deal: Any) -> str | None:
    """The deal page's quotes (slot "opportunity.side"), with "New quote"."""
    if deal is None or not can(request.user, "deal.view"):
        return None
    quotes = selectors.quotes_for_opportunity(actor=request.user, opportunity_id=deal.pk)
    return render_to_string(
        "sales/quotes/partials/deal_panel.html",
        {"deal": deal, "quotes": quotes, "new_url": _new_url(deal_id=deal.pk)},
        request=request,
    )


def party_quotes_panel(request: HttpRequest, party: Any) -> str | None:
    """The customer page's open quotes (slot "party.open_work"), with "New quote"."""
    if party is None or not can(request.user, "deal.view"):
        return None
    quotes = selectors.open_quotes_for_party(actor=request.user, party_id=party.pk)
    if not quotes and not can(request.user, "deal.change"):
        return None
    return render_to_string(
        "sales/quotes/partials/party_panel.html",
        {
            "party": party,
            "quotes": quotes,
            "new_url": _new_url(party_id=party.pk),
            "all_url": reverse("sales:quotes") + f"?party_id={party.pk}",
        },
        request=request,
    )


slot_register("opportunity.side", "sales.quotes", deal_quotes_panel, order=20)
slot_register("party.open_work", "sales.quotes", party_quotes_panel, order=40)


urlpatterns = [
    path("sales/quotes/", quote_list, name="quotes"),
    path("sales/quotes/<int:quote_id>/", quote_detail, name="quote"),
    path("sales/quotes/<int:quote_id>/send/", quote_send, name="quote_send"),
    path("sales/quotes/<int:quote_id>/cancel/", quote_cancel, name="quote_cancel"),
    path("sales/quotes/<int:quote_id>/duplicate/", quote_duplicate, name="quote_duplicate"),
    path("sales/quotes/<int:quote_id>/pdf/", quote_pdf, name="quote_pdf"),
    *quote_editor.urlpatterns,
    *quote_public.urlpatterns,
]
