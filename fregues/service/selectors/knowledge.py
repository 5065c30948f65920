"""Reads on the knowledge base: one article, lists with filters, the agents' search.

Every signed-in role may read published articles ("party.view"); drafts (unpublished
articles) exist only for those who may write articles — to anyone else they are 404.
The search matches folded text (accents and case ignored: "manutencao" finds "Manutenção")
and ranks articles whose title holds the words first. It runs the same on SQLite and
PostgreSQL (plain ``LIKE`` on the folded ``search_text``).
"""

from __future__ import annotations

import functools
import operator
from typing import Any

from django.db.models import Case, Count, IntegerField, QuerySet, Value, When
from django.db.models.functions import Left, StrIndex
from django.utils.translation import gettext as _

from fregues.core.errors import Forbidden, Invalid, NotFound
from fregues.core.permissions import ADMIN, QUALITY_MANAGER, RELATIONSHIP_MANAGER, require, role_of
from fregues.core.text import fold

from ..markup import render_markdown
from ..models import Article

__all__ = [
    "LANGUAGES",
    "WRITER_ROLES",
    "article_can_write",
    "article_categories",
    "article_get",
    "article_get_by_ref",
    "article_list",
    "article_require_write",
    "article_search",
    "language_filter",
    "render_markdown",
    "search_terms",
]

LANGUAGES = ("pt-br", "pt-pt", "en")
# Who may write articles. Kept here, not in the core permission map, on purpose (see brief).
WRITER_ROLES = frozenset({ADMIN, QUALITY_MANAGER, RELATIONSHIP_MANAGER})
MAX_TERMS = 12
_PUNCTUATION = "!\"'()*,.:;<=>?[]{}«»“”‘’¿¡…"


def article_can_write(actor: Any) -> bool:
    """Whether ``actor`` may create, change, publish and delete articles (None: the system)."""
    if actor is None:
        return True
    if not getattr(actor, "is_active", True):
        return False
    return role_of(actor) in WRITER_ROLES


def article_require_write(actor: Any) -> None:
    if not article_can_write(actor):
        raise Forbidden(
            _("Your role does not allow writing knowledge-base articles."),
            details={"permission": "article.write"},
        )


def normalize_language(value: str | None) -> str:
    return (value or "").strip().lower().replace("_", "-")


def language_filter(language: str | None) -> list[str] | None:
    """The languages a filter value stands for: ``"pt"`` is both Portuguese variants;
    empty is no filter; an unknown language is a 422."""
    value = normalize_language(language)
    if not value:
        return None
    if value == "pt":
        return ["pt-br", "pt-pt"]
    if value not in LANGUAGES:
        raise Invalid.field(
            "language",
            _("Unknown language '%(value)s'. Choose one of: %(choices)s.")
            % {"value": value, "choices": ", ".join((*LANGUAGES, "pt"))},
        )
    return [value]


def search_terms(q: str | None) -> list[str]:
    """The folded words of a query, without surrounding punctuation, each once."""
    terms: list[str] = []
    for token in fold(q).split(" "):
        token = token.strip(_PUNCTUATION)
        if token and token not in terms:
            terms.append(token)
    return terms[:MAX_TERMS]


def _visible(actor: Any) -> QuerySet[Article]:
    """The articles ``actor`` may read: all for writers, the published ones for the rest."""
    require(actor, "party.view")
    qs = Article.objects.select_related("author")
    if not article_can_write(actor):
        qs = qs.filter(is_published=True)
    return qs


def article_get(*, actor: Any, article_id: int | None = None, slug: str | None = None) -> Article:
    """One article by id or slug, or 404 (a draft is a 404 to those who cannot write)."""
    qs = _visible(actor)
    if article_id is not None:
        article = qs.filter(pk=article_id).first()
        ref: Any = article_id
    elif slug:
        article = qs.filter(slug=slug.strip().lower()).first()
        ref = slug
    else:
        article = None
        ref = ""
    if article is None:
        raise NotFound(
            _("Article %(ref)s does not exist.") % {"ref": ref}, details={"ref": str(ref)}
        )
    return article


def article_get_by_ref(*, actor: Any, ref: str | int) -> Article:
    """By id when ``ref`` is a number, else by slug (slugs are never only digits)."""
    text = str(ref).strip()
    if text.isdigit():
        return article_get(actor=actor, article_id=int(text))
    return article_get(actor=actor, slug=text)


def _ranked(qs: QuerySet[Article], terms: list[str]) -> QuerySet[Article]:
    """Articles holding every term, those with more of the terms in the title first.

    ``search_text`` is ``folded title \\n folded category \\n folded body text``: the title is
    what precedes the first line break.
    """
    for term in terms:
        qs = qs.filter(search_text__contains=term)
    if not terms:
        return qs.order_by("title", "id")
    qs = qs.alias(
        title_part=Left("search_text", StrIndex("search_text", Value("\n"))),
    )
    hits = [
        Case(
            When(title_part__contains=term, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
        for term in terms
    ]
    qs = qs.annotate(title_hits=functools.reduce(operator.add, hits))
    return qs.order_by("-title_hits", "title", "id")


def article_list(
    *,
    actor: Any,
    q: str = "",
    category: str | None = None,
    language: str | None = None,
    is_public: bool | None = None,
    published: bool | None = None,
) -> QuerySet[Article]:
    """Articles matching the filters; ranked by the search when ``q`` is given, else by title.

    ``published``: None is every article the actor may read (drafts too, for writers); True
    only published ones; False only drafts (nothing, for those who cannot write).
    The caller slices or paginates.
    """
    qs = _visible(actor)
    languages = language_filter(language)
    if published is True:
        qs = qs.filter(is_published=True)
    elif published is False:
        qs = qs.filter(is_published=False)
    if languages:
        qs = qs.filter(language__in=languages)
    if category:
        qs = qs.filter(category__iexact=" ".join(category.split()))
    if is_public is not None:
        qs = qs.filter(is_public=is_public)
    return _ranked(qs, search_terms(q))


def article_search(
    *,
    actor: Any,
    q: str,
    language: str | None = None,
    public_only: bool = False,
    limit: int = 20,
) -> list[Article]:
    """The published articles holding every word of ``q`` (accents and case ignored), title
    matches first — what an agent sees when searching from the case screen. ``public_only``
    keeps the articles customers may read (the portal). An empty query finds nothing."""
    require(actor, "party.view")
    terms = search_terms(q)
    languages = language_filter(language)
    if not terms:
        return []
    qs = Article.objects.select_related("author").filter(is_published=True)
    if public_only:
        qs = qs.filter(is_public=True)
    if languages:
        qs = qs.filter(language__in=languages)
    return list(_ranked(qs, terms)[: max(1, min(limit, 100))])


def article_categories(
    *, actor: Any, language: str | None = None, public_only: bool = False
) -> list[dict[str, Any]]:
    """The categories of the articles the actor may read, each with its number of articles."""
    qs = _visible(actor).exclude(category="")
    languages = language_filter(language)
    if public_only:
        qs = qs.filter(is_public=True, is_published=True)
    if languages:
        qs = qs.filter(language__in=languages)
    rows = qs.values("category").annotate(count=Count("id")).order_by("category")
    return [{"name": row["category"], "count": row["count"]} for row in rows]
