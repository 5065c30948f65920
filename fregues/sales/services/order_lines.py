"""The lines of orders and invoices, read the same way from the screen, the API, the ERP and
an import file.

Reading happens in three steps so a bulk import can run the first in a worker process:

1. ``clean_line`` (pure, no database): the numbers, the rules (quantity > 0, unit price ≥ 0,
   discount 0–100 % or an amount, tax rate), which product the line names (id, SKU or the ERP's
   external id) — every problem an error naming the line;
2. ``products_resolve`` (a few queries for any number of lines): the named products exist,
   and fill what the line left out (description, unit, tax rate, unit cost, the price-list
   price);
3. ``lines_price``: each line's amounts and the document's totals with ``fregues.sales.money``,
   and the cost total when every line has a unit cost.

The other fields of a document (payment states, status words, dates, the fingerprint that
makes a repeated push change nothing) are read by ``order_fields``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from babel.numbers import get_currency_precision
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fregues.core.bulk import any_of, bulk_insert, fetch_pairs, one_of
from fregues.core.errors import ErrorCollector

from ..models import Price, TaxRate
from ..money import (
    HUNDRED,
    MAX_AMOUNT,
    MAX_QUANTITY,
    ZERO,
    DocumentTotals,
    LineAmounts,
    document_totals,
    line_amounts,
    to_decimal,
)

Q3 = Decimal("0.001")
Q4 = Decimal("0.0001")
Q2 = Decimal("0.01")
MAX_TAX = Decimal("999.999")

# What a line may say about itself (everything else is ignored).
LINE_KEYS = (
    "product_id",
    "sku",
    "product_external_id",
    "description",
    "unit",
    "quantity",
    "unit_price",
    "discount_percent",
    "discount",
    "tax_rate",
    "tax_code",
    "unit_cost",
)

# The columns both line tables share, in the order ``line_rows`` writes them.
LINE_COLUMNS = (
    "position",
    "product_id",
    "sku",
    "description",
    "unit",
    "quantity",
    "unit_price",
    "discount_percent",
    "discount",
    "tax_rate",
    "tax_code",
    "net",
    "tax",
    "total",
)


def _q(value: Decimal, places: Decimal) -> Decimal:
    return value.quantize(places, rounding=ROUND_HALF_UP)


class _Say:
    """Where a line's errors go, naming the line ("Line 2: ...") — translated only when a
    problem is found (a bulk import checks millions of good lines)."""

    __slots__ = ("at", "errors", "index", "label")

    def __init__(
        self, errors: ErrorCollector, index: int, prefix: str, label: Callable[[], str] | None
    ) -> None:
        self.errors, self.index, self.at, self.label = errors, index, f"{prefix}.{index}.", label

    def __call__(self, field: str, message: str, **params: Any) -> None:
        label = self.label() if self.label else line_label(self.index)
        self.errors.add(self.at + field, message % {"line": label, **params})


WHAT = {
    "quantity": gettext_lazy("quantity"),
    "unit_price": gettext_lazy("unit price"),
    "discount_percent": gettext_lazy("discount"),
    "discount": gettext_lazy("discount"),
    "tax_rate": gettext_lazy("tax rate"),
    "unit_cost": gettext_lazy("unit cost"),
}


def _decimal(raw: Any) -> Decimal | None:
    """``money.to_decimal`` with a fast path for the plain "40.00" and "40,00" of files."""
    if type(raw) is str and raw.isascii() and " " not in raw:
        text = raw.replace(",", ".") if "," in raw and "." not in raw else raw
        try:
            value = Decimal(text)
        except InvalidOperation:
            return to_decimal(raw)
        return value if value.is_finite() else None
    return to_decimal(raw)


def _number(raw: Any, say: _Say, field: str) -> Decimal | None:
    """``raw`` as a Decimal (None when empty), or an error "Line 2: the quantity 'x' is not a
    number"."""
    if raw is None or raw == "":
        return None
    value = _decimal(raw)
    if value is None:
        say(
            field,
            _("%(line)s: the %(what)s '%(value)s' is not a number."),
            what=WHAT[field],
            value=raw,
        )
    return value


def line_label(index: int) -> str:
    return _("Line %(n)s") % {"n": index + 1}


def _text_of(value: Any) -> str:
    if type(value) is str:
        return value.strip()
    return str(value).strip() if value else ""


def clean_line(
    raw: Mapping[str, Any],
    index: int,
    errors: ErrorCollector,
    prefix: str = "lines",
    label: Callable[[], str] | None = None,
) -> dict[str, Any]:
    """One line as sent, checked without the database (see the module's docstring).

    Returns the cleaned line (also when it has errors, so the caller can go on checking the
    others); errors go to ``<prefix>.<index>.<field>`` and name the line ("Line 2: ...", or
    what ``label()`` says)."""
    say = _Say(errors, index, prefix, label)
    get = raw.get
    product_id = get("product_id")
    if product_id in ("", None):
        product_id = None
    elif not str(product_id).isdigit():
        say("product_id", _("%(line)s: there is no product %(id)s."), id=product_id)
        product_id = None
    else:
        product_id = int(product_id)
    sku = _text_of(get("sku"))[:60]
    external = _text_of(get("product_external_id"))[:120]
    given = get("description")
    description = " ".join(str(given).split())[:300] if given else ""
    if product_id is None and not sku and not external and not description:
        say("description", _("%(line)s: name the product (id or SKU) or describe what was sold."))
    quantity = _clean_number("quantity", get("quantity"), say)
    price = _clean_number("unit_price", get("unit_price"), say)
    percent, discount = _discount(raw, say)
    tax = _clean_number("tax_rate", get("tax_rate"), say)
    cost = _clean_number("unit_cost", get("unit_cost"), say)
    return {
        "product_id": product_id,
        "sku": sku,
        "product_external_id": external,
        "description": description,
        "unit": _text_of(get("unit"))[:20],
        "quantity": quantity,
        "unit_price": price,
        "discount_percent": percent,
        "discount": discount,
        "tax_rate": tax,
        "tax_code": _text_of(get("tax_code"))[:40],
        "unit_cost": cost,
    }


# Good values already read, per field: a file repeats its prices, taxes and quantities, and
# reading "40,00" once is enough (bounded: cleared when it grows past _SEEN_MAX).
_SEEN: dict[str, dict[str, Decimal]] = {
    "quantity": {},
    "unit_price": {},
    "tax_rate": {},
    "unit_cost": {},
}
_SEEN_MAX = 50_000


def _clean_number(field: str, raw: Any, say: _Say) -> Decimal | None:
    """A line's quantity, unit price, tax rate or unit cost, checked and rounded to its
    column's places; None (with an error when it is wrong) when not given or not valid."""
    seen = _SEEN[field]
    if type(raw) is str:
        hit = seen.get(raw)
        if hit is not None:
            return hit
    value = _number(raw, say, field)
    if value is None:
        if field == "quantity" and raw in (None, ""):
            say("quantity", _("%(line)s: say the quantity."))
        return None
    if field == "quantity":
        if value <= ZERO:
            say(
                "quantity", _("%(line)s: the quantity must be more than zero (it is %(v)s)."), v=raw
            )
            return None
        if value > MAX_QUANTITY:
            say("quantity", _("%(line)s: the quantity is too large."))
            return None
        value = value.quantize(Q3, rounding=ROUND_HALF_UP)
    elif field == "tax_rate":
        if value < ZERO or value > MAX_TAX:
            say("tax_rate", _("%(line)s: the tax rate must be between 0 and 999 %%."))
            return None
        value = value.quantize(Q3, rounding=ROUND_HALF_UP)
    elif value < ZERO:
        if field == "unit_price":
            say("unit_price", _("%(line)s: the unit price cannot be negative."))
        else:
            say("unit_cost", _("%(line)s: the unit cost cannot be negative."))
        return None
    elif value > MAX_AMOUNT:
        say(field, _("%(line)s: the %(what)s is too large."), what=WHAT[field])
        return None
    else:
        value = value.quantize(Q4, rounding=ROUND_HALF_UP)
    if type(raw) is str:
        if len(seen) > _SEEN_MAX:
            seen.clear()
        seen[raw] = value
    return value


def _discount(raw: Mapping[str, Any], say: _Say) -> tuple[Decimal, Decimal | None]:
    """The discount as a percentage (``discount_percent``, or ``discount`` written "10%") or
    an amount (``discount``)."""
    percent_raw = raw.get("discount_percent")
    amount_raw = raw.get("discount")
    if not percent_raw and not amount_raw:
        return ZERO, None
    if isinstance(amount_raw, str) and amount_raw.strip().endswith("%"):
        percent_raw, amount_raw = amount_raw.strip()[:-1], None
    percent = _number(percent_raw, say, "discount_percent")
    if percent is not None and not (ZERO <= percent <= HUNDRED):
        say("discount_percent", _("%(line)s: the discount must be between 0 and 100 %%."))
        percent = None
    amount = _number(amount_raw, say, "discount")
    if amount is not None and amount < ZERO:
        say("discount", _("%(line)s: the discount cannot be negative."))
        amount = None
    if amount is not None and amount == ZERO:
        amount = None
    return _q(percent, Q2) if percent is not None else ZERO, (
        _q(amount, Q2) if amount is not None else None
    )


def clean_lines(
    raws: Any, errors: ErrorCollector, prefix: str = "lines", required: bool = True
) -> list[dict[str, Any]]:
    """Every line of a document (``clean_line`` each); at least one when ``required``."""
    if raws in (None, ""):
        raws = []
    if not isinstance(raws, list | tuple):
        errors.add(prefix, _("Send the lines as a list."))
        return []
    if required and not raws:
        errors.add(prefix, _("Add at least one line."))
    lines = []
    for index, raw in enumerate(raws):
        if not isinstance(raw, Mapping):
            errors.add(
                f"{prefix}.{index}", _("%(line)s: not a line.") % {"line": line_label(index)}
            )
            continue
        lines.append(clean_line(raw, index, errors, prefix))
    return lines


@dataclass
class Catalog:
    """The products, taxes and prices a set of lines refers to (read once per batch)."""

    by_id: dict[int, dict[str, Any]]
    by_sku: dict[str, dict[str, Any]]
    by_external: dict[str, dict[str, Any]]
    taxes: dict[str, Decimal]
    prices: dict[tuple[int, str], Decimal]


_PRODUCT_SQL = (
    "SELECT p.id, p.sku, p.name, p.unit, p.cost, p.cost_currency, p.source, p.external_id, "
    "t.rate, t.code FROM sales_product p LEFT JOIN sales_taxrate t ON t.id = p.tax_rate_id "
    "WHERE "
)
_PRODUCT_KEYS = (
    "id",
    "sku",
    "name",
    "unit",
    "cost",
    "cost_currency",
    "source",
    "external_id",
    "tax_rate",
    "tax_code",
)


def catalog_for(
    lines: Iterable[Mapping[str, Any]], source: str = "", currencies: Iterable[str] = ()
) -> Catalog:
    """Read the products the lines name (by id, SKU, or external id of ``source``), the tax
    rates they use and their price-list prices in ``currencies``: at most five queries, each
    with one array parameter however many lines (an import batch names thousands)."""
    ids, skus, externals, codes = set(), set(), set(), set()
    for line in lines:
        if line.get("product_id"):
            ids.add(line["product_id"])
        if line.get("sku"):
            skus.add(line["sku"])
        if line.get("product_external_id"):
            externals.add(line["product_external_id"])
        if line.get("tax_code"):
            codes.add(line["tax_code"])
    found: dict[int, dict[str, Any]] = {}
    wanted: list[tuple[str, list[Any]]] = []
    if ids:
        wanted.append(any_of("p.id", ids))
    if skus:
        wanted.append(any_of("p.sku", skus))
    if externals:
        where, params = any_of("p.external_id", externals)
        wanted.append((f"p.source = %s AND p.external_id <> '' AND {where}", [source, *params]))
    for where, params in wanted:
        for row in fetch_pairs(_PRODUCT_SQL + where, params):
            product = dict(zip(_PRODUCT_KEYS, row, strict=True))
            product["tax_code"] = product["tax_code"] or ""
            # a raw SQLite cursor gives numbers as int or float: back to exact decimals
            product["cost"] = to_decimal(product["cost"])
            product["tax_rate"] = to_decimal(product["tax_rate"])
            found[product["id"]] = product
    by_sku = {p["sku"]: p for p in found.values()}
    by_external = {
        p["external_id"]: p for p in found.values() if p["external_id"] and p["source"] == source
    }
    taxes = (
        dict(TaxRate.objects.filter(code__in=codes).values_list("code", "rate")) if codes else {}
    )
    prices: dict[tuple[int, str], Decimal] = {}
    currencies = set(currencies)
    if found and currencies:
        for product_id, currency, price in Price.objects.filter(
            product_id__in=one_of(found),
            price_list__currency__in=currencies,
            price_list__is_default=True,
        ).values_list("product_id", "price_list__currency", "unit_price"):
            prices[(product_id, currency)] = price
    return Catalog(found, by_sku, by_external, taxes, prices)


def product_of(line: Mapping[str, Any], catalog: Catalog) -> tuple[dict[str, Any] | None, str]:
    """The product a line names (by id, else the ERP's external id — or its SKU when the
    external id is unknown —, else SKU), and the field naming a product that does not exist
    ("" when none is missing or the line names none)."""
    if line["product_id"] is not None:
        product = catalog.by_id.get(line["product_id"])
        return product, "" if product else "product_id"
    if line["product_external_id"]:
        product = catalog.by_external.get(line["product_external_id"])
        if product is None and line["sku"]:
            product = catalog.by_sku.get(line["sku"])
        return product, "" if product else "product_external_id"
    if line["sku"]:
        product = catalog.by_sku.get(line["sku"])
        return product, "" if product else "sku"
    return None, ""


def products_resolve(
    lines: list[dict[str, Any]],
    catalog: Catalog,
    currency: str,
    errors: ErrorCollector,
    prefix: str = "lines",
) -> None:
    """Tie each line to its product (a product named but missing is an error naming the line)
    and fill what the line left out from the product: description, unit, tax rate and code,
    unit cost (when the product's cost is in the document's currency) and the unit price of
    the currency's default price list."""
    messages = {
        "product_id": _("%(line)s: there is no product %(named)s."),
        "product_external_id": _("%(line)s: there is no product with external id '%(named)s'."),
        "sku": _("%(line)s: there is no product with SKU '%(named)s'."),
    }
    for index, line in enumerate(lines):
        label = line_label(index)
        at = f"{prefix}.{index}."
        product, missing = product_of(line, catalog)
        if missing:
            errors.add(at + missing, messages[missing] % {"line": label, "named": line[missing]})
        fill_from_product(line, product, catalog, currency, errors, at, label)


def fill_from_product(
    line: dict[str, Any],
    product: Mapping[str, Any] | None,
    catalog: Catalog,
    currency: str,
    errors: ErrorCollector,
    at: str,
    label: str,
) -> None:
    """Complete one line from its product (or leave a free line as it is)."""
    line["product_id"] = product["id"] if product else None
    if product:
        line["sku"] = line["sku"] or product["sku"]
        line["description"] = line["description"] or product["name"][:300]
        line["unit"] = line["unit"] or product["unit"]
        if (
            line["unit_cost"] is None
            and product["cost"] is not None
            and product["cost_currency"] in ("", currency)
        ):
            line["unit_cost"] = _q(product["cost"], Q4)
    if line["tax_rate"] is None:
        if line["tax_code"]:
            rate = catalog.taxes.get(line["tax_code"])
            if rate is None:
                errors.add(
                    at + "tax_code",
                    _("%(line)s: there is no tax '%(code)s'.")
                    % {"line": label, "code": line["tax_code"]},
                )
            line["tax_rate"] = rate
        elif product and product["tax_rate"] is not None:
            line["tax_rate"] = product["tax_rate"]
            line["tax_code"] = product["tax_code"]
    if line["unit_price"] is None:
        price = catalog.prices.get((product["id"], currency)) if product else None
        if price is None:
            errors.add(at + "unit_price", _("%(line)s: say the unit price.") % {"line": label})
        line["unit_price"] = price


@dataclass
class Priced:
    """A document's lines with their amounts, its totals and its cost (None: not every line
    has a unit cost)."""

    lines: list[dict[str, Any]]
    totals: DocumentTotals
    cost_total: Decimal | None


@lru_cache(maxsize=64)
def _rounding_currency(currency: str) -> str:
    """The currency ``money.line_amounts`` must be told about: none when it has cents (the
    default rounding), so the hot path skips a CLDR lookup per amount."""
    return "" if not currency or get_currency_precision(currency) == 2 else currency


def line_priced(line: dict[str, Any], currency: str) -> None:
    """Work out a line's amounts ahead (``_amounts``), when it gives its price and tax, so a
    line read again (a bulk import repeats its lines) is priced once."""
    if (
        line["quantity"] is not None
        and line["unit_price"] is not None
        and line["tax_rate"] is not None
    ):
        line["_amounts"] = line_amounts(
            quantity=line["quantity"],
            unit_price=line["unit_price"],
            discount_percent=line["discount_percent"],
            discount=line["discount"],
            tax_rate=line["tax_rate"],
            currency=_rounding_currency(currency),
        )


def lines_price(
    lines: Sequence[dict[str, Any]], currency: str, errors: ErrorCollector, prefix: str = "lines"
) -> Priced:
    """Each line's amounts (``fregues.sales.money.line_amounts``: gross, discount, net, tax,
    total; or the ``_amounts`` worked out ahead) and the document's totals; a discount larger
    than the line is an error."""
    amounts: list[LineAmounts] = []
    rounding = _rounding_currency(currency)
    for index, line in enumerate(lines):
        if line["quantity"] is None or line["unit_price"] is None:
            continue
        amount = line.get("_amounts") or line_amounts(
            quantity=line["quantity"],
            unit_price=line["unit_price"],
            discount_percent=line["discount_percent"],
            discount=line["discount"],
            tax_rate=line["tax_rate"] or ZERO,
            currency=rounding,
        )
        if amount.net < ZERO:
            errors.add(
                f"{prefix}.{index}.discount",
                _("%(line)s: the discount is larger than the line.") % {"line": line_label(index)},
            )
        if amount.total > MAX_AMOUNT:
            errors.add(
                f"{prefix}.{index}.quantity",
                _("%(line)s: the amount is too large.") % {"line": line_label(index)},
            )
        line["discount_amount"] = amount.discount
        line["net"], line["tax"], line["total"] = amount.net, amount.tax, amount.total
        amounts.append(amount)
    totals = document_totals(amounts)
    if totals.total > MAX_AMOUNT:
        errors.add(prefix, _("The total is too large."))
    return Priced(list(lines), totals, cost_total_of(lines))


def cost_total_of(lines: Sequence[Mapping[str, Any]]) -> Decimal | None:
    """What the lines cost (quantity × unit cost), when every line has a unit cost."""
    cost = ZERO
    for line in lines:
        unit_cost = line.get("unit_cost")
        if unit_cost is None or line["quantity"] is None:
            return None
        cost += line["quantity"] * unit_cost
    return _q(cost, Q2) if lines else None


def line_rows(
    document_id: int, lines: Sequence[Mapping[str, Any]], with_cost: bool
) -> list[tuple[Any, ...]]:
    """Rows for ``bulk_insert`` in the order ``(<document>_id, *LINE_COLUMNS[, unit_cost])``."""
    rows = []
    for position, line in enumerate(lines):
        row: tuple[Any, ...] = (
            document_id,
            position,
            line["product_id"],
            line["sku"],
            line["description"] or line["sku"],
            line["unit"],
            line["quantity"],
            line["unit_price"],
            line["discount_percent"],
            line["discount_amount"],
            line["tax_rate"] or ZERO,
            line["tax_code"],
            line["net"],
            line["tax"],
            line["total"],
        )
        if with_cost:
            row += (line.get("unit_cost"),)
        rows.append(row)
    return rows


def lines_write(model: Any, key: str, document_id: int, lines: Sequence[Mapping[str, Any]]) -> None:
    """Insert a document's lines (``key``: ``order_id`` or ``invoice_id``)."""
    with_cost = key == "order_id"
    fields = (key, *LINE_COLUMNS, *(("unit_cost",) if with_cost else ()))
    bulk_insert(model, fields, line_rows(document_id, lines, with_cost))


def totals_apply(document: Any, priced: Priced) -> None:
    for name in ("subtotal", "discount_total", "tax_total", "total"):
        setattr(document, name, getattr(priced.totals, name))
