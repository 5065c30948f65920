"""The quote editor: the header and the lines of a draft, with rows added from a product
picker (search as you type by SKU or name) or as free lines, removed, reordered, and the
totals recomputed by the server as the salesperson types. Saving writes it all at once
(``quote_create`` / ``quote_update``), so a problem on any line leaves nothing written."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fregues.core.errors import NotFound, ServiceError
from fregues.core.htmx import hx_trigger
from fregues.core.permissions import require
from fregues.core.views import service_http_errors
from fregues.parties.models import Party
from fregues.parties.selectors import party_search

from ..forms.catalog import plain_number
from ..forms.quotes import LINE_FIELDS, QuoteHeaderForm, posted_lines
from ..models import PriceList, Product, Quote, QuoteStatus
from ..selectors import catalog as catalog_selectors
from ..selectors import quotes as selectors
from ..services import quotes as services
from ..services.catalog import default_price_list, price_for

LINES_CHANGED = "quote-lines-changed"


def _key() -> str:
    return secrets.token_hex(4)


def _row_of_line(line: Any) -> dict[str, Any]:
    return {
        "key": _key(),
        "product_id": line.product_id or "",
        "sku": line.sku,
        "description": line.description,
        "quantity": plain_number(line.quantity),
        "unit": line.unit,
        "unit_price": plain_number(line.unit_price),
        "discount_percent": plain_number(line.discount_percent) if line.discount_percent else "",
        "tax_rate": plain_number(line.tax_rate),
        "total": line.total,
        "errors": [],
    }


def _rows_of_post(
    keys: list[str], lines: list[dict[str, Any]], preview: selectors.LinesPreview | None
) -> list[dict[str, Any]]:
    rows = []
    for index, (key, line) in enumerate(zip(keys, lines, strict=True)):
        clean = preview.lines.get(index) if preview else None
        rows.append(
            {
                "key": key,
                **{name: line.get(name, "") for name in LINE_FIELDS},
                "total": clean.amounts.total if clean else None,
                "errors": preview.line_errors(index) if preview else [],
            }
        )
    return rows


def _choices_for(request: HttpRequest, party: Party, quote: Quote | None) -> dict[str, Any]:
    choices = selectors.quote_editor_choices(
        actor=request.user,
        party=party,
        keep_deal_id=quote.opportunity_id if quote else None,
    )
    return {
        "contacts": choices.contacts,
        "deals": choices.deals,
        "price_lists": choices.price_lists,
        "owners": choices.owners,
    }


def _editor(
    request: HttpRequest,
    *,
    party: Party,
    form: QuoteHeaderForm,
    rows: list[dict[str, Any]],
    quote: Quote | None,
    preview: selectors.LinesPreview | None = None,
    status: int = 200,
) -> HttpResponse:
    price_list_id = form["price_list_id"].value() or ""
    price_list = next((p for p in form.price_lists if str(p.pk) == str(price_list_id)), None)
    currency = price_list.currency if price_list else (form["currency"].value() or "")
    if preview is None:
        preview = selectors.quote_lines_preview(
            actor=request.user,
            lines=[_line_of_row(r) for r in rows],
            price_list_id=price_list.pk if price_list else None,
            currency=currency,
            kept_product_ids=_kept(quote),
        )
    context = {
        "party": party,
        "quote": quote,
        "form": form,
        "rows": rows,
        "preview": preview,
        "currency": preview.currency or currency,
        "action": reverse("sales:quote_edit", args=[quote.pk])
        if quote
        else reverse("sales:quote_new"),
        "back_url": reverse("sales:quote", args=[quote.pk])
        if quote
        else reverse("parties:detail", args=[party.pk]),
        "was_sent": quote is not None and quote.status != QuoteStatus.DRAFT,
    }
    return render(request, "sales/quotes/editor.html", context, status=status)


def _line_of_row(row: dict[str, Any]) -> dict[str, Any]:
    return {name: row[name] for name in LINE_FIELDS if row.get(name) not in (None, "")}


def _kept(quote: Quote | None) -> frozenset[int]:
    if quote is None:
        return frozenset()
    return frozenset(line.product_id for line in quote.lines.all() if line.product_id)


def _refused(
    request: HttpRequest,
    exc: ServiceError,
    *,
    party: Party,
    form: QuoteHeaderForm,
    keys: list[str],
    lines: list[dict[str, Any]],
    quote: Quote | None,
) -> HttpResponse:
    """The editor again, as posted, with the service's refusal: header errors on the form,
    line errors on their rows."""
    line_errors = {k: v for k, v in exc.errors.items() if k.startswith("lines.")}
    header = {k: v for k, v in exc.errors.items() if not k.startswith("lines.")}
    exc.errors = header
    form.add_service_error(exc)
    if line_errors and not header and exc.code == "invalid":
        form.top_messages = [
            m
            for m in form.top_messages
            if m != str(_("Some fields need your attention: see the messages below."))
        ] or [_("Some lines need your attention: see the messages on them.")]
    form.reload_url = request.path
    preview = selectors.quote_lines_preview(
        actor=request.user,
        lines=lines,
        price_list_id=_int(form.data.get("price_list_id")),
        currency=form.data.get("currency"),
        kept_product_ids=_kept(quote),
    )
    for name, messages_ in line_errors.items():
        preview.errors.setdefault(name, [])
        for message in messages_:
            if message not in preview.errors[name]:
                preview.errors[name].append(message)
    rows = _rows_of_post(keys, lines, preview)
    status = form.status if form.status != 200 else 422
    return _editor(
        request, party=party, form=form, rows=rows, quote=quote, preview=preview, status=status
    )


def _int(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


@login_required
@require_http_methods(["GET", "POST"])
@service_http_errors
def quote_new(request: HttpRequest) -> HttpResponse:
    """A new quote for a customer (``?party=``) or for a deal (``?opportunity=``); without
    either, the salesperson first picks the customer."""
    require(request.user, "deal.change")
    source = request.POST if request.method == "POST" else request.GET
    deal_id = _int(source.get("opportunity") or source.get("opportunity_id"))
    party_id = _int(source.get("party") or source.get("party_id"))
    deal = (
        selectors.opportunity_for_quote(actor=request.user, opportunity_id=deal_id)
        if deal_id
        else None
    )
    if deal is not None and party_id is None:
        party_id = deal.party_id
    if party_id is None:
        return render(request, "sales/quotes/choose_customer.html", {})
    party = selectors.party_for_quote(actor=request.user, party_id=party_id)
    choices = _choices_for(request, party, None)
    if request.method == "GET":
        currency = deal.currency if deal else ""
        price_list = default_price_list(currency) if currency else None
        if price_list is None and not currency:
            price_list = next((p for p in choices["price_lists"] if p.is_default), None)
        form = QuoteHeaderForm(
            initial={
                "title": deal.title if deal else "",
                "opportunity_id": str(deal.pk) if deal else "",
                "price_list_id": str(price_list.pk) if price_list else "",
                "currency": price_list.currency if price_list else currency,
                "valid_until": timezone.localdate()
                + datetime.timedelta(days=settings.QUOTE_VALID_DAYS),
                "language": services.quote_language(party.language) or _language(),
                "owner_id": str(request.user.pk),
            },
            **choices,
        )
        return _editor(request, party=party, form=form, rows=[], quote=None)
    form = QuoteHeaderForm(request.POST, **choices)
    keys, lines = posted_lines(request.POST)
    if not form.is_valid():
        return _editor(
            request,
            party=party,
            form=form,
            rows=_rows_of_post(keys, lines, None),
            quote=None,
            status=422,
        )
    data = {**form.service_data(), "party_id": party.pk, "lines": lines}
    try:
        quote = services.quote_create(actor=request.user, data=data)
    except ServiceError as exc:
        return _refused(request, exc, party=party, form=form, keys=keys, lines=lines, quote=None)
    messages.success(request, _("Quote %(number)s saved as a draft.") % {"number": quote.number})
    return redirect("sales:quote", quote.pk)


def _language() -> str:
    return services.quote_language(get_language()) or "pt-br"


@login_required
@require_http_methods(["GET", "POST"])
@service_http_errors
def quote_edit(request: HttpRequest, quote_id: int) -> HttpResponse:
    """Change a quote (its header and all its lines). A sent quote saved becomes a draft
    again, and the link the customer holds stops working: the page says so before and
    after."""
    require(request.user, "deal.change")
    quote = selectors.quote_get(actor=request.user, quote_id=quote_id)
    if quote.status not in services.EDITABLE:
        messages.warning(
            request,
            _("Quote %(number)s is %(status)s and can no longer change: duplicate it instead.")
            % {"number": quote.number, "status": quote.get_status_display().lower()},
        )
        return redirect("sales:quote", quote.pk)
    party = quote.party
    choices = _choices_for(request, party, quote)
    if request.method == "GET":
        form = QuoteHeaderForm(
            initial={
                "title": quote.title,
                "contact_id": str(quote.contact_id or ""),
                "opportunity_id": str(quote.opportunity_id or ""),
                "price_list_id": str(quote.price_list_id or ""),
                "currency": quote.currency,
                "valid_until": quote.valid_until,
                "language": quote.language,
                "owner_id": str(quote.owner_id or ""),
                "terms": quote.terms,
                "version": quote.version,
            },
            **choices,
        )
        rows = [_row_of_line(line) for line in quote.lines.all()]
        return _editor(request, party=party, form=form, rows=rows, quote=quote)
    form = QuoteHeaderForm(request.POST, **choices)
    keys, lines = posted_lines(request.POST)
    if not form.is_valid():
        return _editor(
            request,
            party=party,
            form=form,
            rows=_rows_of_post(keys, lines, None),
            quote=quote,
            status=422,
        )
    data = {**form.service_data(), "lines": lines}
    try:
        saved = services.quote_update(
            actor=request.user,
            quote_id=quote.pk,
            data=data,
            version=form.cleaned_data.get("version"),
        )
    except ServiceError as exc:
        if isinstance(exc, NotFound):
            raise
        return _refused(request, exc, party=party, form=form, keys=keys, lines=lines, quote=quote)
    if getattr(saved, "link_revoked", False):
        messages.warning(
            request,
            _(
                "Quote %(number)s is a draft again: the link sent to the customer no longer "
                "works. Send it again when it is ready."
            )
            % {"number": saved.number},
        )
    else:
        messages.success(request, _("Quote %(number)s saved.") % {"number": saved.number})
    return redirect("sales:quote", saved.pk)


# ---------------------------------------------------------------- the editor's helpers (htmx)


def _editor_basis(request: HttpRequest) -> tuple[PriceList | None, str]:
    source = request.POST if request.method == "POST" else request.GET
    price_list_id = _int(source.get("price_list_id"))
    price_list = PriceList.objects.filter(pk=price_list_id).first() if price_list_id else None
    currency = price_list.currency if price_list else (source.get("currency") or "").upper()
    return price_list, currency


@login_required
@require_POST
@service_http_errors
def quote_preview(request: HttpRequest) -> HttpResponse:
    """The editor's live totals: the lines posted, computed (nothing is saved). With
    ``reprice``, product lines take their price from the (new) price list and the rows come
    back whole; otherwise only the totals and each row's total and problems."""
    require(request.user, "deal.view")
    price_list, currency = _editor_basis(request)
    keys, lines = posted_lines(request.POST)
    reprice = request.GET.get("reprice") == "1" or request.POST.get("reprice") == "1"
    if reprice:
        for line in lines:
            if line.get("product_id"):
                line.pop("unit_price", None)
    quote_id = _int(request.POST.get("quote_id"))
    quote = Quote.objects.filter(pk=quote_id).first() if quote_id else None
    preview = selectors.quote_lines_preview(
        actor=request.user,
        lines=lines,
        price_list_id=price_list.pk if price_list else None,
        currency=currency,
        kept_product_ids=_kept(quote),
    )
    rows = _rows_of_post(keys, lines, preview)
    if reprice:
        for row, index in zip(rows, range(len(rows)), strict=True):
            clean = preview.lines.get(index)
            if clean is not None:
                row["unit_price"] = plain_number(clean.unit_price)
    context = {
        "rows": rows,
        "preview": preview,
        "currency": preview.currency or currency,
        "oob": True,
    }
    template = (
        "sales/quotes/partials/editor_reprice.html"
        if reprice
        else ("sales/quotes/partials/editor_preview.html")
    )
    return render(request, template, context)


@login_required
@require_GET
@service_http_errors
def quote_line_row(request: HttpRequest) -> HttpResponse:
    """A new row for the editor: a product's (its name, unit, tax and price in the list) or
    a free line."""
    require(request.user, "deal.view")
    price_list, currency = _editor_basis(request)
    product_id = _int(request.GET.get("product"))
    row: dict[str, Any] = {
        "key": _key(),
        "product_id": "",
        "sku": "",
        "description": "",
        "quantity": "1",
        "unit": "un",
        "unit_price": "",
        "discount_percent": "",
        "tax_rate": "",
        "total": None,
        "errors": [],
    }
    if product_id:
        product = Product.objects.select_related("tax_rate").filter(pk=product_id).first()
        if product is None:
            raise NotFound(_("Product %(id)s does not exist.") % {"id": product_id})
        unit_price = price_for(product, price_list=price_list) if price_list else None
        row.update(
            product_id=product.pk,
            sku=product.sku,
            description=product.name,
            unit=product.unit,
            unit_price=plain_number(unit_price) if unit_price is not None else "",
            tax_rate=plain_number(product.tax_rate.rate) if product.tax_rate else "0",
        )
    response = render(
        request,
        "sales/quotes/partials/editor_row.html",
        {"row": row, "currency": currency, "focus": True},
    )
    return hx_trigger(response, LINES_CHANGED)


@login_required
@require_GET
@service_http_errors
def quote_products(request: HttpRequest) -> HttpResponse:
    """The product picker's results: products on sale matching the SKU or name typed."""
    price_list, currency = _editor_basis(request)
    q = (request.GET.get("product_q") or request.GET.get("q") or "").strip()[:100]
    found = catalog_selectors.product_search(
        actor=request.user, q=q, price_list_id=price_list.pk if price_list else None
    )
    return render(
        request,
        "sales/quotes/partials/product_results.html",
        {"found": found, "q": q, "currency": currency, "price_list": price_list},
    )


@login_required
@require_GET
@service_http_errors
def quote_customers(request: HttpRequest) -> HttpResponse:
    """The customer picker of a new quote (search as you type)."""
    require(request.user, "deal.change")
    q = (request.GET.get("q") or "").strip()[:100]
    parties = party_search(actor=request.user, q=q, limit=10) if q else []
    return render(
        request, "sales/quotes/partials/customer_results.html", {"parties": parties, "q": q}
    )


urlpatterns = [
    path("sales/quotes/new/", quote_new, name="quote_new"),
    path("sales/quotes/<int:quote_id>/edit/", quote_edit, name="quote_edit"),
    path("sales/quotes/editor/preview/", quote_preview, name="quote_preview"),
    path("sales/quotes/editor/row/", quote_line_row, name="quote_line_row"),
    path("sales/quotes/editor/products/", quote_products, name="quote_products"),
    path("sales/quotes/editor/customers/", quote_customers, name="quote_customers"),
]
