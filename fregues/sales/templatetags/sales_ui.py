"""Template helpers of the sales screens: money in the reader's language."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from ..money import money as format_money

register = template.Library()


@register.simple_tag
def money(amount: Any, currency: str = "BRL") -> str:
    """``{% money deal.amount deal.currency %}`` → ``R$ 12.500,00``."""
    return format_money(amount, currency, get_language() or "pt-br")


@register.filter
def label_in(obj: Any, language: str | None = None) -> str:
    """A stage, pipeline or reason name in the reader's language."""
    label = getattr(obj, "label", None)
    return label(language or get_language()) if callable(label) else str(obj)
