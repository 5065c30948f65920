"""API shapes of "Help and suggestions" and of the staff's feedback lists."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Field, Schema


class HelpArticleOut(Schema):
    slug: str
    title: str
    category: str
    language: str
    url: str

    @staticmethod
    def build(article: Any, url: str) -> HelpArticleOut:
        return HelpArticleOut(
            slug=article.slug,
            title=article.title,
            category=article.category,
            language=article.language,
            url=url,
        )


class SuggestionIn(Schema):
    subject: str = Field(..., description="At most 200 characters.")
    body: str = Field(..., description="The suggestion (at most 5000 characters).")


class SuggestionOut(Schema):
    id: int
    party_id: int
    party_name: str
    subject: str
    body: str
    created_at: datetime.datetime

    @staticmethod
    def build(suggestion: Any) -> SuggestionOut:
        return SuggestionOut(
            id=suggestion.pk,
            party_id=suggestion.party_id,
            party_name=suggestion.party.name,
            subject=suggestion.subject,
            body=suggestion.body,
            created_at=suggestion.created_at,
        )
