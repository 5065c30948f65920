"""Reads of "Help and suggestions": the knowledge base's public articles, in the customer's
language, through the service app's selectors.

Only articles that are both published and public exist here; any other slug is a 404, so a
draft or an internal how-to never reaches a customer.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from fregues.core.errors import NotFound
from fregues.service.models import Article
from fregues.service.selectors.knowledge import (
    LANGUAGES,
    article_get,
    article_list,
    render_markdown,
)

LIMIT = 50


def help_language(language: str | None) -> str:
    """The knowledge base's language for the customer's (``pt`` and unknown: ``pt-br``)."""
    value = (language or "").strip().lower().replace("_", "-")
    if value in LANGUAGES:
        return value
    if value.startswith("en"):
        return "en"
    if value.startswith("pt-pt"):
        return "pt-pt"
    return "pt-br"


def help_articles(*, q: str = "", language: str | None = None, limit: int = LIMIT) -> list[Article]:
    """The public, published articles in the customer's language; ranked by ``q`` when given
    (every word, accents and case ignored), else by title."""
    # The system reads on the customer's behalf: the filters below keep what customers may see.
    qs = article_list(
        actor=None,
        q=q,
        language=help_language(language),
        is_public=True,
        published=True,
    )
    return list(qs[: max(1, min(limit, 100))])


def help_article_get(*, slug: str) -> tuple[Article, Any]:
    """A public, published article by slug and its body as safe HTML (404 otherwise)."""
    try:
        article = article_get(actor=None, slug=str(slug or "").strip()[:200])
    except NotFound:
        article = None
    if article is None or not (article.is_public and article.is_published):
        raise NotFound(_("This article was not found."))
    return article, render_markdown(article.body)
