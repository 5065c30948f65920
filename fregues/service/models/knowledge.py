"""The knowledge base agents search from the case screen (public articles: the portal)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fregues.core.models import TimeStamped


class Article(TimeStamped):
    """A how-to or an answer, written in Markdown (rendered safely), in one language."""

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    body = models.TextField(_("body (Markdown)"))
    category = models.CharField(_("category"), max_length=80, blank=True)
    language = models.CharField(_("language"), max_length=10, default="pt-br")
    is_public = models.BooleanField(_("public (portal)"), default=False)
    is_published = models.BooleanField(_("published"), default=True)
    search_text = models.TextField(blank=True, editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title
