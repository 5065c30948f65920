"""Test data for customer service: knowledge-base articles.

``ArticleFactory`` writes rows directly (fast) and fills ``search_text`` the way the services
do; to exercise the rules (validation, slugs, audit, events), call the services.
"""

from __future__ import annotations

from typing import cast

import factory
from factory.django import DjangoModelFactory

from fregues.service.models import Article
from fregues.service.services.knowledge import search_document


class ArticleFactory(DjangoModelFactory):
    class Meta:
        model = Article
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Artigo de ajuda {n}")
    slug = factory.Sequence(lambda n: f"artigo-de-ajuda-{n}")
    body = factory.Faker("paragraph", nb_sentences=4, locale="pt_BR")
    category = "Geral"
    language = "pt-br"
    is_public = False
    is_published = True

    @factory.post_generation
    def index(self, create: bool, extracted: object, **kwargs: object) -> None:
        article = cast(Article, self)  # factory_boy passes the built article
        article.search_text = search_document(article)
        if create:
            article.save(update_fields=["search_text"])
