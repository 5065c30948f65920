"""Template helpers of the catalogue and quote screens: numbers as typed in inputs, unit
prices with their decimals, quote status badges."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from ..forms.catalog import plain_number
from ..models import QuoteStatus
from ..pdf import percent_text, quantity_text
from ..pdf import unit_money as _unit_money

register = template.Library()


@register.filter
def plain(value: Any) -> str:
    """``{{ line.quantity|plain }}``: 2 for 2.000, 10.5 for 10.5000 (for inputs)."""
    return plain_number(value)


@register.simple_tag
def unit_money(amount: Any, currency: str = "BRL") -> str:
    """A unit price in the reader's language, with up to 4 decimals when it has them."""
    return _unit_money(amount, currency, get_language() or "pt-br")


@register.filter
def quantity(value: Any) -> str:
    return quantity_text(value, get_language() or "pt-br")


@register.filter
def percent(value: Any) -> str:
    return percent_text(value, get_language() or "pt-br")


@register.simple_tag
def quote_status(status: str) -> SafeString:
    """The quote's status as a coloured badge ("Enviado")."""
    try:
        label = str(QuoteStatus(status).label)
    except ValueError:
        label = status
    return format_html('<span class="badge q-status-{}">{}</span>', status, label)
