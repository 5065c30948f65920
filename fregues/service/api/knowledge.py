"""HTTP API of the knowledge base: /api/v1/kb/articles and /api/v1/kb/categories.

An article is addressed by its id or its slug (``/kb/articles/42`` or
``/kb/articles/como-acompanhar-sua-solicitacao``).
"""

from __future__ import annotations

import base64
import json

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status

from fregues.core.api_utils import actor_of
from fregues.core.errors import Invalid
from fregues.core.schemas import ERROR_RESPONSES

from ..models import Article
from ..schemas.knowledge import (
    ArticleIn,
    ArticleOut,
    ArticlePage,
    ArticlePatch,
    ArticleSummary,
    CategoryOut,
)
from ..selectors import knowledge as selectors
from ..services import knowledge as services

router = Router(tags=["knowledge base"])


def _encode(title: str, pk: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([title, pk]).encode()).decode().rstrip("=")


def _page(
    qs: QuerySet[Article], cursor: str | None, limit: int
) -> tuple[list[Article], str | None]:
    """One page of ``qs`` by (title, id) after ``cursor``, and the next cursor."""
    if cursor:
        try:
            title, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
            qs = qs.filter(Q(title__gt=title) | Q(title=title, pk__gt=int(pk)))
        except (ValueError, TypeError) as exc:
            raise Invalid.field(
                "cursor", "This cursor is not valid.", code="invalid_cursor"
            ) from exc
    rows = list(qs.order_by("title", "id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, _encode(rows[-1].title, rows[-1].pk) if more else None


def _article_id(request: HttpRequest, ref: str) -> int:
    return selectors.article_get_by_ref(actor=actor_of(request), ref=ref).pk


def _out(request: HttpRequest, article_id: int) -> ArticleOut:
    return ArticleOut.build(selectors.article_get(actor=actor_of(request), article_id=article_id))


@router.get(
    "/articles", response={200: ArticlePage, **ERROR_RESPONSES}, summary="List and search articles"
)
def list_articles(
    request: HttpRequest,
    q: str = "",
    category: str | None = None,
    language: str | None = None,
    public: bool | None = None,
    published: bool | None = None,
    cursor: str | None = None,
    limit: int = Query(20, ge=1, le=100),
) -> ArticlePage:
    """Articles by title; with ``q``, those holding every word (accents and case ignored,
    "manutencao" finds "Manutenção"), title matches first, and no further pages.

    ``language``: pt-br, pt-pt, en, or pt (both Portuguese). ``public``: true for the articles
    customers may read. ``published``: writers may ask for drafts (false); other roles only
    ever see published articles.
    """
    qs = selectors.article_list(
        actor=actor_of(request),
        q=q,
        category=category or None,
        language=language or None,
        is_public=public,
        published=published,
    )
    if selectors.search_terms(q):
        if cursor:
            raise Invalid.field("cursor", "A search has a single page; raise the limit.")
        rows, next_cursor = list(qs[:limit]), None
    else:
        rows, next_cursor = _page(qs, cursor, limit)
    return ArticlePage(items=[ArticleSummary.build(a) for a in rows], next_cursor=next_cursor)


@router.post("/articles", response={201: ArticleOut, **ERROR_RESPONSES}, summary="Write an article")
def create_article(request: HttpRequest, payload: ArticleIn) -> Status[ArticleOut]:
    """Admins, quality managers and relationship managers write articles (others: 403)."""
    article = services.article_create(actor=actor_of(request), **payload.dict())
    return Status(201, _out(request, article.pk))


@router.get("/articles/{ref}", response={200: ArticleOut, **ERROR_RESPONSES}, summary="One article")
def get_article(request: HttpRequest, ref: str) -> ArticleOut:
    """By id or slug, with ``html``: the body rendered and sanitised. A draft is a 404 to
    those who cannot write articles."""
    return ArticleOut.build(selectors.article_get_by_ref(actor=actor_of(request), ref=ref))


@router.patch(
    "/articles/{ref}", response={200: ArticleOut, **ERROR_RESPONSES}, summary="Change an article"
)
def update_article(request: HttpRequest, ref: str, payload: ArticlePatch) -> ArticleOut:
    """Change the fields sent. The slug stays when the title changes (links keep working)."""
    article_id = _article_id(request, ref)
    services.article_update(
        actor=actor_of(request), article_id=article_id, **payload.dict(exclude_unset=True)
    )
    return _out(request, article_id)


@router.delete("/articles/{ref}", response={204: None, **ERROR_RESPONSES}, summary="Delete")
def delete_article(request: HttpRequest, ref: str) -> Status[None]:
    """Erase the article (the portal stops showing it). To hide it but keep it, unpublish."""
    services.article_delete(actor=actor_of(request), article_id=_article_id(request, ref))
    return Status(204, None)


@router.post("/articles/{ref}/publish", response={200: ArticleOut, **ERROR_RESPONSES})
def publish_article(request: HttpRequest, ref: str) -> ArticleOut:
    """Make the article visible to every role (and, when public, to the portal)."""
    article_id = _article_id(request, ref)
    services.article_publish(actor=actor_of(request), article_id=article_id)
    return _out(request, article_id)


@router.post("/articles/{ref}/unpublish", response={200: ArticleOut, **ERROR_RESPONSES})
def unpublish_article(request: HttpRequest, ref: str) -> ArticleOut:
    """Withdraw the article: a draft again, seen by writers only."""
    article_id = _article_id(request, ref)
    services.article_unpublish(actor=actor_of(request), article_id=article_id)
    return _out(request, article_id)


@router.get("/categories", response={200: list[CategoryOut], **ERROR_RESPONSES})
def list_categories(
    request: HttpRequest, language: str | None = None, public: bool = False
) -> list[CategoryOut]:
    """The categories in use, each with its number of articles (``public=true``: those of
    the articles customers may read)."""
    rows = selectors.article_categories(
        actor=actor_of(request), language=language or None, public_only=public
    )
    return [CategoryOut(**row) for row in rows]
