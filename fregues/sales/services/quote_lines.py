"""A quote's lines, checked together: a product (by id or SKU) or a free description, a
quantity above zero, a unit price from the price list unless typed, a discount, the tax rate
copied from the product. Every problem names its line (``lines.2.quantity``: "Line 3: ...").
The money comes from ``fregues.sales.money``, so the stored totals are the sums of the lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from fregues.core.errors import ErrorCollector

from ..models import Price, PriceList, Product, Quote, QuoteLine
from ..money import (
    HUNDRED,
    MAX_AMOUNT,
    MAX_QUANTITY,
    ZERO,
    LineAmounts,
    document_totals,
    line_amounts,
    to_decimal,
)
from .catalog_fields import int_or_none

MAX_LINES = 300


@dataclass(frozen=True)
class CleanLine:
    """A quote line as it will be stored: what the product gave and what the caller set.
    ``index`` is its place in the list sent."""

    index: int
    product: Product | None
    sku: str
    description: str
    unit: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    tax_rate: Decimal
    tax_code: str
    amounts: LineAmounts


def _places(number: Decimal) -> int:
    exponent = number.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _percent(
    row: dict[str, Any], name: str, places: int, message: str, errors: ErrorCollector
) -> Decimal | None:
    """A percentage 0–100 of a line (None when not given or wrong: ``message`` says why)."""
    if row.get(name) in (None, ""):
        return None
    value = to_decimal(row.get(name))
    if value is None or not ZERO <= value <= HUNDRED or _places(value) > places:
        errors.add(name, message)
        return None
    return value


def _line_products(rows: list[dict[str, Any] | None]) -> dict[int | str, Product]:
    """The products the lines name, by id and by SKU, in one query."""
    ids = {
        int_or_none(r.get("product_id"))
        for r in rows
        if r and r.get("product_id") not in (None, "")
    }
    skus = {
        str(r.get("sku")).strip()
        for r in rows
        if r and r.get("sku") and r.get("product_id") in (None, "")
    }
    found: dict[int | str, Product] = {}
    query = Q(pk__in=[i for i in ids if i is not None]) | Q(sku__in=skus)
    for product in Product.objects.select_related("tax_rate").filter(query):
        found[product.pk] = product
        found[f"sku:{product.sku}"] = product
    return found


def _clean_line(
    index: int,
    row: dict[str, Any],
    product: Product | None,
    list_price: Decimal | None,
    price_list: PriceList | None,
    currency: str,
    kept_product_ids: frozenset[int],
    errors: ErrorCollector,
) -> CleanLine | None:
    """One line checked; its errors go to ``errors`` under the line's own field names."""
    n = index + 1
    if product is not None and not product.is_active and product.pk not in kept_product_ids:
        errors.add(
            "product_id", _("Line %(n)s: %(sku)s is no longer sold.") % {"n": n, "sku": product.sku}
        )
    description = str(row.get("description") or "").strip() or (product.name if product else "")
    if not description:
        errors.add(
            "description", _("Line %(n)s: choose a product or describe what is offered.") % {"n": n}
        )
    elif len(description) > 300:
        errors.add(
            "description", _("Line %(n)s: the description has at most 300 characters.") % {"n": n}
        )
    unit = (str(row.get("unit") or "").strip() or (product.unit if product else "un"))[:20]

    quantity: Decimal | None = None
    if row.get("quantity") in (None, ""):
        errors.add("quantity", _("Line %(n)s: give the quantity.") % {"n": n})
    else:
        quantity = to_decimal(row.get("quantity"))
        if quantity is None:
            errors.add("quantity", _("Line %(n)s: the quantity must be a number.") % {"n": n})
        elif quantity <= 0:
            errors.add("quantity", _("Line %(n)s: the quantity must be more than zero.") % {"n": n})
        elif quantity > MAX_QUANTITY or _places(quantity) > 3:
            errors.add(
                "quantity",
                _("Line %(n)s: the quantity is too large or has more than 3 decimals.") % {"n": n},
            )

    unit_price: Decimal | None
    if row.get("unit_price") in (None, ""):
        unit_price = list_price
        if unit_price is None:
            if product is None:
                message = _("Line %(n)s: give the unit price.") % {"n": n}
            elif price_list is None:
                message = _(
                    "Line %(n)s: there is no price list in %(currency)s: give the unit price of "
                    "%(sku)s."
                ) % {"n": n, "currency": currency, "sku": product.sku}
            else:
                message = _(
                    "Line %(n)s: %(sku)s has no price in %(list)s: give the unit price."
                ) % {"n": n, "sku": product.sku, "list": price_list.name}
            errors.add("unit_price", message)
    else:
        unit_price = to_decimal(row.get("unit_price"))
        if (
            unit_price is None
            or unit_price < 0
            or unit_price > MAX_AMOUNT
            or _places(unit_price) > 4
        ):
            errors.add(
                "unit_price",
                _("Line %(n)s: the unit price is a number, zero or more, with at most 4 decimals.")
                % {"n": n},
            )
    discount = _percent(
        row,
        "discount_percent",
        2,
        _("Line %(n)s: the discount is a percentage from 0 to 100.") % {"n": n},
        errors,
    )
    tax_rate = _percent(
        row,
        "tax_rate",
        3,
        _("Line %(n)s: the tax is a percentage from 0 to 100.") % {"n": n},
        errors,
    )
    tax = product.tax_rate if product is not None else None
    tax_code = ""
    if row.get("tax_rate") in (None, "") and tax is not None:
        tax_rate, tax_code = tax.rate, tax.code
    elif tax is not None and tax_rate == tax.rate:
        tax_code = tax.code
    if errors or quantity is None or unit_price is None:
        return None
    amounts = line_amounts(
        quantity=quantity,
        unit_price=unit_price,
        discount_percent=discount or ZERO,
        tax_rate=tax_rate or ZERO,
        currency=currency,
    )
    if amounts.total > MAX_AMOUNT:
        errors.add("quantity", _("Line %(n)s: the amount is too large.") % {"n": n})
        return None
    return CleanLine(
        index=index,
        product=product,
        sku=product.sku if product else str(row.get("sku") or "").strip()[:60],
        description=description,
        unit=unit,
        quantity=quantity,
        unit_price=unit_price,
        discount_percent=discount or ZERO,
        tax_rate=tax_rate or ZERO,
        tax_code=tax_code,
        amounts=amounts,
    )


def clean_lines(
    lines: Any,
    *,
    price_list: PriceList | None,
    currency: str,
    errors: ErrorCollector,
    kept_product_ids: frozenset[int] = frozenset(),
) -> list[CleanLine]:
    """Check a quote's lines together; each error names its line (``lines.2.quantity``:
    "Line 3: ...") and the good lines are returned.

    Each line is a product (``product_id``, or ``sku``) or a free ``description``; quantity >
    0; unit price ≥ 0, from the price list when not given (a product without a price there
    needs one); discount 0–100 %; the tax rate copied from the product's tax unless given.
    ``kept_product_ids``: products already on the quote, allowed though no longer sold.
    """
    if lines is None:
        return []
    if not isinstance(lines, list):
        errors.add("lines", _("Lines are a list."))
        return []
    if len(lines) > MAX_LINES:
        errors.add("lines", _("A quote has at most %(n)s lines.") % {"n": MAX_LINES})
        return []
    rows = [row if isinstance(row, dict) else None for row in lines]
    products = _line_products(rows)
    prices: dict[int, Decimal] = {}
    if price_list is not None and products:
        prices = dict(
            Price.objects.filter(
                price_list=price_list, product_id__in=[k for k in products if isinstance(k, int)]
            ).values_list("product_id", "unit_price")
        )
    out: list[CleanLine] = []
    for index, row in enumerate(rows):
        n = index + 1
        if row is None:
            errors.add(
                f"lines.{index}", _("Line %(n)s: give a product or a description.") % {"n": n}
            )
            continue
        product: Product | None = None
        if row.get("product_id") not in (None, ""):
            product_id = int_or_none(row.get("product_id"))
            product = products.get(product_id) if product_id is not None else None
            if product is None:
                errors.add(
                    f"lines.{index}.product_id",
                    _("Line %(n)s: product %(id)s does not exist.")
                    % {"n": n, "id": row.get("product_id")},
                )
                continue
        elif row.get("sku"):
            sku = str(row.get("sku")).strip()
            product = products.get(f"sku:{sku}")
            if product is None:
                errors.add(
                    f"lines.{index}.sku",
                    _("Line %(n)s: no product has the SKU %(sku)s.") % {"n": n, "sku": sku},
                )
                continue
        line_errors = ErrorCollector()
        line = _clean_line(
            index,
            row,
            product,
            prices.get(product.pk) if product else None,
            price_list,
            currency,
            kept_product_ids,
            line_errors,
        )
        for name, messages in line_errors.errors.items():
            for message in messages:
                errors.add(f"lines.{index}.{name}", message)
        if line is not None:
            out.append(line)
    if not errors and out and document_totals([x.amounts for x in out]).total > MAX_AMOUNT:
        errors.add("lines", _("The quote's total is too large."))
    return out


def write_lines(quote: Quote, lines: list[CleanLine]) -> None:
    """Replace the quote's lines and store its totals (the caller saves the quote)."""
    QuoteLine.objects.filter(quote=quote).delete()
    QuoteLine.objects.bulk_create(
        [
            QuoteLine(
                quote=quote,
                position=position,
                product=line.product,
                sku=line.sku,
                description=line.description,
                unit=line.unit,
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount_percent=line.discount_percent,
                discount=line.amounts.discount,
                tax_rate=line.tax_rate,
                tax_code=line.tax_code,
                net=line.amounts.net,
                tax=line.amounts.tax,
                total=line.amounts.total,
            )
            for position, line in enumerate(lines)
        ]
    )
    totals = document_totals([line.amounts for line in lines])
    quote.subtotal = totals.subtotal
    quote.discount_total = totals.discount_total
    quote.tax_total = totals.tax_total
    quote.total = totals.total
