"""Reads of the catalogue: products, taxes, price lists and the prices in them.

Everyone who sees deals (``deal.view``) may read the catalogue: the salesperson picking
products for a quote, the agent answering "how much is it".
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from fregues.core.errors import NotFound
from fregues.core.permissions import require

from ..models import Price, PriceList, Product, TaxRate


def _words(q: str) -> list[str]:
    return [w for w in (q or "").split() if w][:6]


def _matching(qs: QuerySet[Product], q: str) -> QuerySet[Product]:
    for word in _words(q):
        qs = qs.filter(Q(sku__icontains=word) | Q(name__icontains=word))
    return qs


def product_list(
    *, actor: Any, q: str = "", category: str | None = None, active: bool | None = None
) -> QuerySet[Product]:
    """Products by name; ``q``: every word in the SKU or the name."""
    require(actor, "deal.view")
    qs = _matching(Product.objects.select_related("tax_rate"), q)
    if category:
        qs = qs.filter(category=category)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.order_by("name", "id")


def product_get(*, actor: Any, product_id: int) -> Product:
    """One product with its tax and its prices in every list."""
    require(actor, "deal.view")
    product = (
        Product.objects.select_related("tax_rate")
        .prefetch_related(Prefetch("prices", queryset=Price.objects.select_related("price_list")))
        .filter(pk=product_id)
        .first()
    )
    if product is None:
        raise NotFound(_("Product %(id)s does not exist.") % {"id": product_id})
    return product


def product_categories(*, actor: Any) -> list[str]:
    """The categories in use, for the filters and the form's suggestions."""
    require(actor, "deal.view")
    return list(
        Product.objects.exclude(category="")
        .order_by("category")
        .values_list("category", flat=True)
        .distinct()
    )


@dataclass(frozen=True)
class PickedProduct:
    """A product offered by the quote editor's picker, with its price in the chosen list."""

    product: Product
    unit_price: Decimal | None


def product_search(
    *, actor: Any, q: str, price_list_id: int | None = None, limit: int = 8
) -> list[PickedProduct]:
    """Search-as-you-type for the quote editor: products on sale whose SKU or name holds the
    words typed, SKU matches first, each with its price in ``price_list_id``."""
    require(actor, "deal.view")
    if not _words(q):
        return []
    qs = _matching(Product.objects.filter(is_active=True).select_related("tax_rate"), q)
    first = (q or "").split()[0]
    rows = sorted(
        qs.order_by("name", "id")[: limit * 3],
        key=lambda p: (not p.sku.lower().startswith(first.lower()), p.name.lower()),
    )[:limit]
    prices: dict[int, Decimal] = {}
    if price_list_id:
        prices = dict(
            Price.objects.filter(
                price_list_id=price_list_id, product_id__in=[p.pk for p in rows]
            ).values_list("product_id", "unit_price")
        )
    return [PickedProduct(p, prices.get(p.pk)) for p in rows]


def tax_rate_list(*, actor: Any, active: bool | None = None) -> QuerySet[TaxRate]:
    """Taxes by country and code, each with how many products have it (``product_count``)."""
    require(actor, "deal.view")
    qs = TaxRate.objects.annotate(product_count=Count("products"))
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.order_by("-is_active", "country", "code")


def tax_rate_get(*, actor: Any, tax_rate_id: int) -> TaxRate:
    require(actor, "deal.view")
    tax = TaxRate.objects.annotate(product_count=Count("products")).filter(pk=tax_rate_id).first()
    if tax is None:
        raise NotFound(_("Tax %(id)s does not exist.") % {"id": tax_rate_id})
    return tax


def price_list_list(*, actor: Any, active: bool | None = None) -> QuerySet[PriceList]:
    """Price lists by currency and name, each with its number of prices (``price_count``)."""
    require(actor, "deal.view")
    qs = PriceList.objects.annotate(price_count=Count("prices"))
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.order_by("-is_active", "currency", "-is_default", "name")


def price_list_get(*, actor: Any, price_list_id: int) -> PriceList:
    require(actor, "deal.view")
    price_list = (
        PriceList.objects.annotate(price_count=Count("prices")).filter(pk=price_list_id).first()
    )
    if price_list is None:
        raise NotFound(_("Price list %(id)s does not exist.") % {"id": price_list_id})
    return price_list


def price_list_prices(*, actor: Any, price_list_id: int) -> list[Price]:
    """Every price of a list, by product name (the API's list with prices)."""
    require(actor, "deal.view")
    return list(
        Price.objects.filter(price_list_id=price_list_id)
        .select_related("product")
        .order_by("product__name", "product_id")
    )


@dataclass(frozen=True)
class PriceRow:
    """A row of a price list's table: a product and its price there (None: not in the list)."""

    product: Product
    unit_price: Decimal | None


def price_list_rows(
    *, actor: Any, price_list_id: int, q: str = "", only_priced: bool = False, limit: int = 200
) -> list[PriceRow]:
    """The products on sale (and those priced in the list), with their price in the list,
    for the list's editable table."""
    require(actor, "deal.view")
    priced = Price.objects.filter(price_list_id=price_list_id).values("product_id")
    qs = _matching(Product.objects.all(), q).filter(Q(is_active=True) | Q(pk__in=priced))
    if only_priced:
        qs = qs.filter(pk__in=priced)
    rows = list(qs.order_by("name", "id")[:limit])
    prices = dict(
        Price.objects.filter(
            price_list_id=price_list_id, product_id__in=[p.pk for p in rows]
        ).values_list("product_id", "unit_price")
    )
    return [PriceRow(p, prices.get(p.pk)) for p in rows]
