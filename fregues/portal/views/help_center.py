"""Portal section "Help and suggestions": the public knowledge base in the customer's
language (search, article page) and the suggestions box."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fregues.core.errors import NotFound, ServiceError

from ..auth import portal_required
from ..forms_orders import SuggestionForm
from ..selectors.help import help_article_get, help_articles
from ..services.feedback import suggestion_create


def _party(request: HttpRequest) -> Any:
    return request.portal_party  # type: ignore[attr-defined]


@require_http_methods(["GET", "POST"])
@portal_required
def help(request: HttpRequest) -> HttpResponse:
    """The articles (searched with ``q``) and the suggestions box (posted here)."""
    q = (request.GET.get("q") or "").strip()[:200]
    form = SuggestionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            party = _party(request)
            try:
                suggestion_create(
                    actor=f"portal:{party.pk}",
                    party=party,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                )
            except ServiceError as exc:
                form.add_service_error(exc)
            else:
                messages.success(request, _("Thank you! We received your suggestion."))
                return redirect("portal:help")
        status = form.status if form.status != 200 else 422
    articles = help_articles(q=q, language=translation.get_language())
    return render(
        request,
        "portal/help/index.html",
        {"q": q, "articles": articles, "form": form},
        status=status,
    )


@portal_required
def article(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        found, body = help_article_get(slug=slug)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return render(request, "portal/help/article.html", {"article": found, "body": body})


urlpatterns: list[URLPattern] = [
    path("help/", help, name="help"),
    path("help/<slug:slug>/", article, name="article"),
]
