"""Cleaning the catalogue's input: texts, flags, codes, amounts and ids, each problem added to
the caller's ``ErrorCollector`` under the field's name (shared by taxes, products, price lists
and quote lines)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel import Locale
from django.utils.text import slugify
from django.utils.translation import gettext as _

from fregues.core.errors import ErrorCollector

from ..money import MAX_AMOUNT, to_decimal


def countries() -> frozenset[str]:
    """ISO 3166 two-letter country codes."""
    return frozenset(
        code for code in Locale("en").territories if isinstance(code, str) and len(code) == 2
    )


def clean_text(
    data: dict[str, Any],
    name: str,
    size: int,
    errors: ErrorCollector,
    *,
    required: bool = False,
    label: str = "",
) -> str:
    value = data.get(name)
    text = "" if value is None else str(value).strip()
    if required and not text:
        errors.add(name, _("%(label)s is required.") % {"label": label or name})
    elif len(text) > size:
        errors.add(name, _("At most %(n)s characters.") % {"n": size})
    return text


def clean_bool(data: dict[str, Any], name: str, errors: ErrorCollector) -> bool:
    value = data.get(name)
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on", "sim"):
        return True
    if text in ("0", "false", "no", "off", "não", "nao", ""):
        return False
    errors.add(name, _("Say true or false."))
    return False


def clean_code(data: dict[str, Any], name: str, size: int, errors: ErrorCollector) -> str:
    """A slug code ("icms-18", "tabela-2026"): lower case letters, digits and dashes."""
    raw = clean_text(data, name, size, errors, required=True, label=_("The code"))
    if raw and slugify(raw) != raw:
        errors.add(
            name,
            _("Use lower-case letters, digits and dashes only (e.g. '%(s)s').")
            % {"s": slugify(raw)},
        )
    return raw


def clean_amount(
    data: dict[str, Any], name: str, errors: ErrorCollector, *, label: str, places: int = 4
) -> Decimal | None:
    """A money amount ≥ 0 (None when not given)."""
    value = data.get(name)
    if value is None or value == "":
        return None
    number = to_decimal(value)
    if number is None:
        errors.add(name, _("%(label)s must be a number.") % {"label": label})
        return None
    if number < 0:
        errors.add(name, _("%(label)s cannot be negative.") % {"label": label})
        return None
    if number > MAX_AMOUNT:
        errors.add(name, _("%(label)s is too large.") % {"label": label})
        return None
    if number.as_tuple().exponent < -places:  # type: ignore[operator]
        errors.add(
            name, _("%(label)s has at most %(n)s decimal places.") % {"label": label, "n": places}
        )
        return None
    # as stored (DecimalField(places)): a repeat of the same value compares equal
    return number.quantize(Decimal(1).scaleb(-places))


def int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None
