"""The customer's quote page, reached by the signed link in the e-mail (``/q/<key>``): no
account. It shows the quote in the quote's language, offers the PDF, and lets the customer
accept it (typing their name) or decline it (saying why). Expired, answered, withdrawn and
unknown links each get a clear page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import translation
from django.views.decorators.http import require_GET, require_POST

from fregues.core.errors import Conflict, NotFound, ServiceError

from ..forms.quotes import AcceptForm, DeclineForm
from ..models import Quote
from ..pdf import pdf_response
from ..selectors import quotes as selectors
from ..services import quotes as services

PROBLEM = "sales/quotes/public/link_problem.html"


def _problem(request: HttpRequest, exc: NotFound) -> HttpResponse:
    return render(
        request, PROBLEM, {"message": exc.message, "company": settings.COMPANY_NAME}, status=404
    )


def _page(
    request: HttpRequest,
    key: str,
    quote: Quote,
    *,
    form: AcceptForm | DeclineForm | None = None,
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    quote = selectors.quote_for_document(quote_id=quote.pk)
    context: dict[str, Any] = {
        "key": key,
        "quote": quote,
        "lines": list(quote.lines.all()),
        "company": settings.COMPANY_NAME,
        "company_details": settings.COMPANY_DETAILS,
        "accept_form": form if isinstance(form, AcceptForm) else AcceptForm(),
        "decline_form": form if isinstance(form, DeclineForm) else DeclineForm(),
        "decline_open": isinstance(form, DeclineForm),
        "notice": notice,
    }
    with translation.override(quote.language or settings.LANGUAGE_CODE):
        return render(request, "sales/quotes/public/quote.html", context, status=status)


@require_GET
def quote_public(request: HttpRequest, key: str) -> HttpResponse:
    """The quote as the customer sees it, with Accept and Decline while it is open."""
    try:
        quote = services.quote_open_by_key(key=key)
    except NotFound as exc:
        return _problem(request, exc)
    return _page(request, key, quote)


def _answer(
    request: HttpRequest,
    key: str,
    form: AcceptForm | DeclineForm,
    answer: Callable[[], Any],
) -> HttpResponse:
    """The customer's answer (accept or decline) sent from the page: the page again with
    the problem, or the page showing the answer."""
    try:
        quote = services.quote_open_by_key(key=key)
    except NotFound as exc:
        return _problem(request, exc)
    if not form.is_valid():
        return _page(request, key, quote, form=form, status=422)
    try:
        answer()
    except NotFound as exc:
        return _problem(request, exc)
    except Conflict as exc:
        return _page(request, key, quote, notice=exc.message, status=409)
    except ServiceError as exc:
        form.add_service_error(exc)
        return _page(request, key, quote, form=form, status=exc.status)
    return redirect("sales:quote_public", key)


@require_POST
def quote_public_accept(request: HttpRequest, key: str) -> HttpResponse:
    """Accept: the name typed is the signature, the box ticked says yes."""
    form = AcceptForm(request.POST)
    return _answer(
        request,
        key,
        form,
        lambda: services.quote_accept(
            key=key, name=form.cleaned_data["name"], ip=request.META.get("REMOTE_ADDR")
        ),
    )


@require_POST
def quote_public_decline(request: HttpRequest, key: str) -> HttpResponse:
    """Decline, saying why (optional)."""
    form = DeclineForm(request.POST)
    return _answer(
        request,
        key,
        form,
        lambda: services.quote_decline(key=key, reason=form.cleaned_data.get("reason") or ""),
    )


@require_GET
def quote_public_pdf(request: HttpRequest, key: str) -> HttpResponse:
    """The PDF, as attached to the e-mail."""
    try:
        quote = services.quote_open_by_key(key=key)
    except NotFound as exc:
        return _problem(request, exc)
    quote = selectors.quote_for_document(quote_id=quote.pk)
    return pdf_response(quote, services.quote_public_url(quote))


urlpatterns = [
    path("q/<str:key>", quote_public, name="quote_public"),
    path("q/<str:key>/pdf", quote_public_pdf, name="quote_public_pdf"),
    path("q/<str:key>/accept", quote_public_accept, name="quote_public_accept"),
    path("q/<str:key>/decline", quote_public_decline, name="quote_public_decline"),
]
