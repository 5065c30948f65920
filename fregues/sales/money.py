"""Money: currency codes, decimal rounding, line and document totals, display.

One set of rules for quotes, orders and invoices, whether they come from the screen, the API,
the ERP or an import file. Amounts are ``Decimal`` (never float), rounded half-up to the
currency's minor unit (cents) at the line, so a document's total is the sum of its lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from typing import Any

from babel.numbers import format_currency, get_currency_precision, list_currencies

CENT = Decimal("0.01")
ZERO = Decimal("0")
HUNDRED = Decimal("100")
MAX_AMOUNT = Decimal("999999999999.99")  # what a DecimalField(14, 2) holds
MAX_QUANTITY = Decimal("99999999999.999")

# Currencies that were replaced or are funds/metals: refused even though CLDR knows them.
_NOT_FOR_TRADE = {"XAU", "XAG", "XPT", "XPD", "XDR", "XTS", "XXX", "XBA", "XBB", "XBC", "XBD"}


@cache
def currencies() -> frozenset[str]:
    """ISO 4217 codes a document may be in (BRL, EUR, USD, ...)."""
    return frozenset(c for c in list_currencies() if len(c) == 3 and c not in _NOT_FOR_TRADE)


def clean_currency(value: Any) -> str | None:
    """The upper-case ISO 4217 code, or None when ``value`` is not a known currency."""
    code = str(value or "").strip().upper()
    return code if code in currencies() else None


def to_decimal(value: Any) -> Decimal | None:
    """``value`` (int, str with '.' or a Brazilian '1.234,56', Decimal) as a Decimal, or None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = str(value).strip().replace(" ", "").replace("\u00a0", "")
    if not text:
        return None
    if "," in text:  # 1.234,56 or 1234,56 → 1234.56
        text = text.replace(".", "").replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def quantize(amount: Decimal, currency: str = "") -> Decimal:
    """Round half-up to the currency's minor unit (2 places unless the currency says else)."""
    places = get_currency_precision(currency) if currency else 2
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LineAmounts:
    """What a line comes to: ``net`` (after discount), ``tax`` and ``total``."""

    gross: Decimal
    discount: Decimal
    net: Decimal
    tax: Decimal
    total: Decimal


def line_amounts(
    *,
    quantity: Decimal,
    unit_price: Decimal,
    discount_percent: Decimal = ZERO,
    discount: Decimal | None = None,
    tax_rate: Decimal = ZERO,
    currency: str = "",
) -> LineAmounts:
    """A line's amounts: gross = quantity × unit price; the discount is a percentage of it or
    an amount; tax = net × rate %. Each rounded to the currency's cents."""
    gross = quantize(quantity * unit_price, currency)
    if discount is None:
        discount = quantize(gross * discount_percent / HUNDRED, currency)
    else:
        discount = quantize(discount, currency)
    net = gross - discount
    tax = quantize(net * tax_rate / HUNDRED, currency)
    return LineAmounts(gross=gross, discount=discount, net=net, tax=tax, total=net + tax)


@dataclass(frozen=True)
class DocumentTotals:
    subtotal: Decimal
    discount_total: Decimal
    tax_total: Decimal
    total: Decimal


def document_totals(lines: list[LineAmounts]) -> DocumentTotals:
    """The sums a quote, order or invoice stores: subtotal (gross), discounts, taxes, total."""
    subtotal = sum((line.gross for line in lines), ZERO)
    discount = sum((line.discount for line in lines), ZERO)
    tax = sum((line.tax for line in lines), ZERO)
    return DocumentTotals(
        subtotal=subtotal, discount_total=discount, tax_total=tax, total=subtotal - discount + tax
    )


_LOCALES = {"pt-br": "pt_BR", "pt-pt": "pt_PT", "en": "en"}


def money(amount: Any, currency: str, language: str = "pt-br") -> str:
    """``R$ 1.234,50`` / ``1234,50 €`` / ``$1,234.50``: an amount as the reader writes it."""
    if amount is None or amount == "":
        return ""
    locale = _LOCALES.get((language or "pt-br").lower(), "pt_BR")
    try:
        return format_currency(Decimal(amount), currency or "BRL", locale=locale)
    except (ValueError, InvalidOperation):
        return f"{amount} {currency}"
