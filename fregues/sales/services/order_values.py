"""What each distinct value of an orders file reads as, for the set-based import on PostgreSQL
(``order_staging``).

A file of millions of order lines holds few distinct values per column: a few thousand prices,
a few dozen quantities, one currency, a handful of status words. Each distinct value is read
once here by the very functions the row-by-row path uses (``clean_line``'s number reader,
``order_head``'s dates, words and currency, ``customer_keys``), so the staged import cannot
read a value differently; SQL then joins every row to its value's reading. A value that reads
as a problem is marked not ``ok``: its order goes through the row-by-row path, which says why
in the same words as always.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from fregues.core.errors import ErrorCollector
from fregues.parties.normalize import normalize_email

from ..money import ZERO, to_decimal
from .common import currency_or_error
from .order_customers import tax_id_keys
from .order_fields import PAYMENT_WORDS, STATUS_WORDS, _text, choice, moment
from .order_lines import _clean_number, _discount, _rounding_currency, _Say

# One reading: (ok, number, text, moment, number 2, text 2, key 1, key 2). ``text`` is what
# the fingerprint (``content_hash``) reads, exactly as ``order_fields._text`` writes it.
Reading = tuple[
    bool,
    Decimal | None,
    str,
    datetime.datetime | None,
    Decimal | None,
    str,
    str,
    str,
]
_BAD: Reading = (False, None, "", None, None, "", "", "")


def _plain(ok: bool, number: Decimal | None = None, text: str = "") -> Reading:
    return (ok, number, text, None, None, "", "", "")


def _number_of(field: str) -> Callable[[str], Reading]:
    def read(raw: str) -> Reading:
        errors = ErrorCollector()
        value = _clean_number(field, raw, _Say(errors, 0, "line", lambda: ""))
        if errors or value is None:
            return _BAD
        return _plain(True, value, str(value))

    return read


def _discount_of(raw: str) -> Reading:
    percent_raw, _sep, amount_raw = raw.partition("\x1f")
    errors = ErrorCollector()
    given = {"discount_percent": percent_raw or None, "discount": amount_raw or None}
    percent, amount = _discount(given, _Say(errors, 0, "line", lambda: ""))
    if errors:
        return _BAD
    return (
        True,
        percent,
        str(percent),
        None,
        amount,
        "" if amount is None else str(amount),
        "",
        "",
    )


def _currency_of(raw: str) -> Reading:
    errors = ErrorCollector()
    code = currency_or_error(raw or None, errors)
    # currencies without cents round differently: their orders take the row-by-row path
    if errors or not code or _rounding_currency(code):
        return _BAD
    return _plain(True, None, code)


def _moment_of(raw: str) -> Reading:
    errors = ErrorCollector()
    found = moment(raw, errors, "moment", "")
    if errors or found is None:
        return _BAD
    return (True, None, _text(found), found, None, "", "", "")


def _words_of(words: dict[str, str], default: str) -> Callable[[str], Reading]:
    def read(raw: str) -> Reading:
        errors = ErrorCollector()
        found = choice(raw or None, words, errors, "word", default)
        return _BAD if errors else _plain(True, None, found or "")

    return read


def _amount_paid_of(raw: str) -> Reading:
    amount = to_decimal(raw)
    if amount is None or amount < ZERO:
        return _BAD
    amount = amount.quantize(Decimal("0.01"))  # as order_head does (the context's rounding)
    return _plain(True, amount, str(amount))


def _tax_id_of(raw: str) -> Reading:
    keys = tax_id_keys(raw)
    if len(keys) > 2:
        return _BAD
    first, second = ((*keys, "", "")[:2]) if keys else ("", "")
    return (True, None, ",".join(keys), None, None, "", first, second)


def _email_of(raw: str) -> Reading:
    try:
        return _plain(True, None, normalize_email(raw))
    except Exception:  # a malformed e-mail matches nobody, as customer_keys reads it
        return _plain(True, None, "")


def _description_of(raw: str) -> Reading:
    return _plain(True, None, " ".join(raw.split())[:300])


# The fields read through a dictionary, and how each distinct value is read.
READERS: dict[str, Callable[[str], Reading]] = {
    "quantity": _number_of("quantity"),
    "unit_price": _number_of("unit_price"),
    "tax_rate": _number_of("tax_rate"),
    "unit_cost": _number_of("unit_cost"),
    "discount": _discount_of,  # the pair "percent\x1famount"
    "currency": _currency_of,
    "ordered_at": _moment_of,
    "paid_at": _moment_of,
    "status": _words_of(STATUS_WORDS, "confirmed"),
    "payment_state": _words_of(PAYMENT_WORDS, ""),
    "amount_paid": _amount_paid_of,
    "customer_tax_id": _tax_id_of,
    "customer_email": _email_of,
    "description": _description_of,
}


def readings(field: str, raws: Iterable[str]) -> Iterable[tuple[Any, ...]]:
    """``(field, raw, *reading)`` rows for the dictionary table."""
    read = READERS[field]
    for raw in raws:
        try:
            reading = read(raw)
        except Exception:  # anything unexpected: the row-by-row path decides
            reading = _BAD
        yield (field, raw, *reading)
