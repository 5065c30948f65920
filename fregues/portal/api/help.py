"""/api/v1/portal/help/articles and /portal/suggestions (the customer), and the staff's
/api/v1/feedback/suggestions and /feedback/customisations (staff token or session)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation
from ninja import Query, Router, Status

from fregues.core.api_utils import actor_of
from fregues.core.schemas import ERROR_RESPONSES, ErrorOut

from ..auth import portal_auth
from ..schemas.help import HelpArticleOut, SuggestionIn, SuggestionOut
from ..schemas.orders import CustomisationOut
from ..selectors.feedback import customisation_list, suggestion_list
from ..selectors.help import help_articles
from ..services.feedback import suggestion_create

router = Router(tags=["portal"], auth=portal_auth)
staff_router = Router(tags=["feedback"])


@router.get(
    "/help/articles",
    response={200: list[HelpArticleOut], **ERROR_RESPONSES},
    summary="Help articles",
)
def list_articles(request: HttpRequest, q: str = "") -> list[HelpArticleOut]:
    """The public help articles in your language; ``q`` searches them (every word)."""
    articles = help_articles(q=q[:200], language=translation.get_language())
    return [HelpArticleOut.build(a, reverse("portal:article", args=[a.slug])) for a in articles]


@router.post(
    "/suggestions",
    response={201: SuggestionOut, **ERROR_RESPONSES, 429: ErrorOut},
    summary="Send a suggestion",
)
def create_suggestion(request: HttpRequest, payload: SuggestionIn) -> Status[SuggestionOut]:
    party: Any = request.auth.party  # type: ignore[attr-defined]
    suggestion = suggestion_create(
        actor=f"portal:{party.pk}", party=party, subject=payload.subject, body=payload.body
    )
    return Status(201, SuggestionOut.build(suggestion))


@staff_router.get(
    "/suggestions",
    response={200: list[SuggestionOut], **ERROR_RESPONSES},
    summary="Customers' suggestions",
)
def staff_suggestions(
    request: HttpRequest, q: str = "", limit: int = Query(100, ge=1, le=500)
) -> list[SuggestionOut]:
    rows = suggestion_list(actor=actor_of(request), q=q)[:limit]
    return [SuggestionOut.build(s) for s in rows]


@staff_router.get(
    "/customisations",
    response={200: list[CustomisationOut], **ERROR_RESPONSES},
    summary="Customers' customisation requests",
)
def staff_customisations(
    request: HttpRequest, product_id: int | None = None, limit: int = Query(100, ge=1, le=500)
) -> list[CustomisationOut]:
    rows = customisation_list(actor=actor_of(request), product_id=product_id)[:limit]
    return [CustomisationOut.build(c) for c in rows]
