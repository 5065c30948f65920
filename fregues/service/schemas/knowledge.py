"""API shapes for knowledge-base articles."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Field, Schema

from fregues.parties.schemas import UserRef

from ..markup import excerpt, render_markdown


class ArticleIn(Schema):
    """A new article. Only ``title`` and ``body`` are required; every problem is reported at
    once (422)."""

    title: str = Field("", description="1 to 200 characters.")
    body: str = Field("", description="Markdown (tables, fenced code, footnotes...).")
    category: str = ""
    language: str = Field("pt-br", description="pt-br, pt-pt or en.")
    is_public: bool = Field(False, description="Readable by customers on the portal.")
    is_published: bool = Field(True, description="False keeps it a draft, seen by writers only.")
    slug: str | None = Field(
        None, description="Made from the title when left out (-2, -3... when taken)."
    )


class ArticlePatch(Schema):
    """The fields to change; those left out stay as they are."""

    title: str | None = None
    body: str | None = None
    category: str | None = None
    language: str | None = None
    is_public: bool | None = None
    is_published: bool | None = None
    slug: str | None = None


class ArticleSummary(Schema):
    id: int
    title: str
    slug: str
    category: str
    language: str
    is_public: bool
    is_published: bool
    excerpt: str
    updated_at: datetime.datetime

    @staticmethod
    def build(article: Any) -> ArticleSummary:
        return ArticleSummary(
            id=article.pk,
            title=article.title,
            slug=article.slug,
            category=article.category,
            language=article.language,
            is_public=article.is_public,
            is_published=article.is_published,
            excerpt=excerpt(article.body),
            updated_at=article.updated_at,
        )


class ArticleOut(Schema):
    id: int
    title: str
    slug: str
    body: str = Field(description="The Markdown source.")
    html: str = Field(description="The body rendered to sanitised HTML, safe to display.")
    category: str
    language: str
    is_public: bool
    is_published: bool
    author: UserRef | None = None
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def build(article: Any) -> ArticleOut:
        return ArticleOut(
            id=article.pk,
            title=article.title,
            slug=article.slug,
            body=article.body,
            html=render_markdown(article.body),
            category=article.category,
            language=article.language,
            is_public=article.is_public,
            is_published=article.is_published,
            author=UserRef.from_user(article.author),
            created_at=article.created_at,
            updated_at=article.updated_at,
        )


class ArticlePage(Schema):
    items: list[ArticleSummary]
    next_cursor: str | None = Field(
        None, description="Pass as ``cursor`` for the next page (lists without ``q`` only)."
    )


class CategoryOut(Schema):
    name: str
    count: int
