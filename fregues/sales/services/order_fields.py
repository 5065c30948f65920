"""The fields of orders and invoices other than their lines, read the same way from every
door: payment states, the words people and ERPs use for statuses ("pago", "Entregue"),
moments written as Brazil and Portugal write them, and the fingerprint (``content_hash``) that
makes a repeated push or import change nothing."""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from fregues.core.errors import ErrorCollector
from fregues.core.text import fold

from ..money import ZERO
from .order_lines import LINE_KEYS

# -- payment state -------------------------------------------------------------------------
UNPAID, PARTIAL, PAID, REFUNDED = "unpaid", "partial", "paid", "refunded"


def payment_state_for(total: Decimal, amount_paid: Decimal) -> str:
    """Unpaid, partly paid or paid, from what was received against the total."""
    if amount_paid <= ZERO:
        return UNPAID
    if amount_paid >= total:
        return PAID
    return PARTIAL


# -- words a person or an ERP uses -----------------------------------------------------------
STATUS_WORDS = {
    "confirmed": "confirmed",
    "confirmado": "confirmed",
    "aberto": "confirmed",
    "em aberto": "confirmed",
    "open": "confirmed",
    "novo": "confirmed",
    "aprovado": "confirmed",
    "fulfilled": "fulfilled",
    "delivered": "fulfilled",
    "entregue": "fulfilled",
    "faturado": "fulfilled",
    "concluido": "fulfilled",
    "enviado": "fulfilled",
    "shipped": "fulfilled",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "cancelado": "cancelled",
    "anulado": "cancelled",
}
PAYMENT_WORDS = {
    "unpaid": "unpaid",
    "not paid": "unpaid",
    "nao pago": "unpaid",
    "pendente": "unpaid",
    "em aberto": "unpaid",
    "aberto": "unpaid",
    "a pagar": "unpaid",
    "por pagar": "unpaid",
    "partial": "partial",
    "partly paid": "partial",
    "parcial": "partial",
    "pago parcialmente": "partial",
    "parcialmente pago": "partial",
    "paid": "paid",
    "pago": "paid",
    "quitado": "paid",
    "liquidado": "paid",
    "refunded": "refunded",
    "reembolsado": "refunded",
    "estornado": "refunded",
    "devolvido": "refunded",
}
INVOICE_STATUS_WORDS = {
    "issued": "issued",
    "emitida": "issued",
    "emitido": "issued",
    "valid": "issued",
    "autorizada": "issued",
    "void": "void",
    "cancelled": "void",
    "canceled": "void",
    "cancelada": "void",
    "anulada": "void",
}


@lru_cache(maxsize=256)
def word(value: str) -> str:
    return fold(value).replace("_", " ").replace("-", " ")


def choice(
    value: Any, words: Mapping[str, str], errors: ErrorCollector, field: str, default: str
) -> str:
    """A status or payment state from the code or a word for it ("pago", "Entregue")."""
    if value in (None, ""):
        return default
    found = words.get(word(str(value)))
    if found is None:
        allowed = sorted(set(words.values()))
        errors.add(
            field,
            _("'%(v)s' is not one of: %(allowed)s.") % {"v": value, "allowed": ", ".join(allowed)},
        )
        return default
    return found


# -- moments ---------------------------------------------------------------------------------
_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")


@lru_cache(maxsize=4096)
def _moment(text: str) -> datetime.datetime | None:
    match = _DMY.fullmatch(text)
    if match:
        day, month, year, hour, minute, second = (int(g) if g else 0 for g in match.groups())
        try:
            naive = datetime.datetime(year, month, day, hour, minute, second)
        except ValueError:
            return None
        return timezone.make_aware(naive)
    try:
        found = parse_datetime(text)
    except ValueError:
        return None
    if found is None:
        try:
            day_only = parse_date(text)
        except ValueError:
            return None
        if day_only is None:
            return None
        found = datetime.datetime.combine(day_only, datetime.time())
    if timezone.is_naive(found):
        found = timezone.make_aware(found)
    return found


def moment(value: Any, errors: ErrorCollector, field: str, label: Any) -> datetime.datetime | None:
    """A date and time from ISO 8601, "31/12/2025 14:30" or a plain date (midnight, local
    time); None when empty."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if isinstance(value, datetime.date):
        return timezone.make_aware(datetime.datetime.combine(value, datetime.time()))
    found = _moment(str(value).strip())
    if found is None:
        errors.add(
            field,
            _("'%(v)s' is not a date %(what)s can be read from (use 2025-12-31 or 31/12/2025).")
            % {"v": value, "what": label},
        )
    return found


def day(value: Any, errors: ErrorCollector, field: str) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    found = moment(value, errors, field, _("due date"))
    return timezone.localdate(found) if found else None


# -- what makes a document the same ------------------------------------------------------------
def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    return str(value)  # decimals are quantized when cleaned: one text per amount


def line_text(line: Mapping[str, Any]) -> str:
    """A cleaned line as the fingerprint reads it (kept with the line when it is read again)."""
    return "|".join(["" if v is None else str(v) for v in map(line.get, LINE_KEYS)])


def document_fingerprint(head: Mapping[str, Any], lines: Sequence[Mapping[str, Any]]) -> str:
    """The ``content_hash`` of a document as sent, once cleaned: the same order from the API or
    from a file, written either way, has the same fingerprint; any change gives another."""
    parts = [f"{key}={_text(head[key])}" for key in sorted(head)]
    for line in lines:
        parts.append(line.get("_text") or line_text(line))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
