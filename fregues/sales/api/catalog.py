"""/api/v1/products, /api/v1/price-lists, /api/v1/tax-rates and the ERP's product upsert.

Everyone who sees deals reads the catalogue; administrators change it (``sales.configure``);
the ERP pushes products with ``PUT /api/v1/erp/products/{external_id}`` (``erp.sync``).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status

from fregues.core.api_utils import actor_of, version_from
from fregues.core.errors import Invalid
from fregues.core.schemas import ERROR_RESPONSES

from ..filters.catalog import ProductFilters
from ..models import Product
from ..schemas.catalog import (
    ErpProductIn,
    PriceIn,
    PriceListIn,
    PriceListOut,
    PriceListPatch,
    PriceOut,
    ProductIn,
    ProductOut,
    ProductPage,
    ProductPatch,
    TaxRateIn,
    TaxRateOut,
    TaxRatePatch,
)
from ..selectors import catalog as selectors
from ..services import catalog as services

products_router = Router(tags=["products"])
price_lists_router = Router(tags=["products"])
tax_rates_router = Router(tags=["products"])
erp_router = Router(tags=["ERP"])


def _page(
    qs: QuerySet[Product], cursor: str | None, limit: int
) -> tuple[list[Product], str | None]:
    """One page of products by (name, id) after ``cursor``, and the next cursor."""
    if cursor:
        try:
            name, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
            qs = qs.filter(Q(name__gt=name) | Q(name=name, pk__gt=int(pk)))
        except (ValueError, TypeError) as exc:
            raise Invalid.field(
                "cursor", "This cursor is not valid.", code="invalid_cursor"
            ) from exc
    rows = list(qs.order_by("name", "id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    cursor_out = None
    if more:
        raw = json.dumps([rows[-1].name, rows[-1].pk]).encode()
        cursor_out = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return rows, cursor_out


def _product(request: HttpRequest, product_id: int) -> ProductOut:
    product = selectors.product_get(actor=actor_of(request), product_id=product_id)
    return ProductOut.build(product, with_prices=True)


# ---------------------------------------------------------------- products


@products_router.get("", response={200: ProductPage, **ERROR_RESPONSES}, summary="List products")
def list_products(
    request: HttpRequest,
    filters: Query[ProductFilters],
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=200),
) -> ProductPage:
    """Products by name; ``q``: words of the SKU or the name; ``category``; ``active``."""
    qs = selectors.product_list(actor=actor_of(request), **filters.as_kwargs())
    rows, next_cursor = _page(qs, cursor, limit)
    return ProductPage(items=[ProductOut.build(p) for p in rows], next_cursor=next_cursor)


@products_router.post("", response={201: ProductOut, **ERROR_RESPONSES}, summary="Add a product")
def create_product(request: HttpRequest, payload: ProductIn) -> Status[ProductOut]:
    """Administrators only. A SKU another product has is a 409."""
    data = payload.dict(exclude_unset=True)
    data.setdefault("attributes", {})
    if payload.tax_code is None:
        data.pop("tax_code", None)
    product = services.product_create(actor=actor_of(request), data=data)
    return Status(201, _product(request, product.pk))


@products_router.get(
    "/{product_id}", response={200: ProductOut, **ERROR_RESPONSES}, summary="One product"
)
def get_product(request: HttpRequest, product_id: int) -> ProductOut:
    """With its price in every list."""
    return _product(request, product_id)


@products_router.patch(
    "/{product_id}", response={200: ProductOut, **ERROR_RESPONSES}, summary="Change a product"
)
def update_product(request: HttpRequest, product_id: int, payload: ProductPatch) -> ProductOut:
    """Change the fields sent; send the ``version`` you read (or If-Match): a stale one is a
    409. ``is_active: false`` withdraws the product (quotes and orders keep it)."""
    data = payload.dict(exclude_unset=True, exclude={"version"})
    services.product_update(
        actor=actor_of(request),
        product_id=product_id,
        data=data,
        version=version_from(request, payload.version),
    )
    return _product(request, product_id)


# ---------------------------------------------------------------- the ERP


@erp_router.put(
    "/{external_id}",
    response={200: ProductOut, 201: ProductOut, **ERROR_RESPONSES},
    summary="Create or update a product from the ERP",
)
def upsert_product(
    request: HttpRequest, external_id: str, payload: ErpProductIn, source: str = "erp"
) -> Status[ProductOut]:
    """Idempotent: the product is found by ``source`` + ``external_id``; 201 when created,
    200 otherwise. A repeat with the same content changes nothing (same version, no audit
    entry) and answers the same. A SKU that another product holds is a 409."""
    data: dict[str, Any] = payload.dict(exclude_unset=True)
    done = services.product_upsert_external(
        actor=actor_of(request), source=source, external_id=external_id, data=data
    )
    return Status(201 if done.created else 200, _product(request, done.product.pk))


# ---------------------------------------------------------------- price lists


@price_lists_router.get(
    "", response={200: list[PriceListOut], **ERROR_RESPONSES}, summary="List price lists"
)
def list_price_lists(request: HttpRequest, active: bool | None = None) -> list[PriceListOut]:
    """Every price list with its currency, default flag and number of prices."""
    rows = selectors.price_list_list(actor=actor_of(request), active=active)
    return [PriceListOut.build(p) for p in rows]


@price_lists_router.post(
    "", response={201: PriceListOut, **ERROR_RESPONSES}, summary="Add a price list"
)
def create_price_list(request: HttpRequest, payload: PriceListIn) -> Status[PriceListOut]:
    """An unknown currency is a 422; ``is_default`` replaces the currency's default list."""
    price_list = services.price_list_create(actor=actor_of(request), data=payload.dict())
    return Status(201, _price_list(request, price_list.pk))


def _price_list(request: HttpRequest, price_list_id: int) -> PriceListOut:
    actor = actor_of(request)
    price_list = selectors.price_list_get(actor=actor, price_list_id=price_list_id)
    prices = selectors.price_list_prices(actor=actor, price_list_id=price_list_id)
    return PriceListOut.build(price_list, prices)


@price_lists_router.get(
    "/{price_list_id}",
    response={200: PriceListOut, **ERROR_RESPONSES},
    summary="One price list with its prices",
)
def get_price_list(request: HttpRequest, price_list_id: int) -> PriceListOut:
    return _price_list(request, price_list_id)


@price_lists_router.patch(
    "/{price_list_id}",
    response={200: PriceListOut, **ERROR_RESPONSES},
    summary="Change a price list",
)
def update_price_list(
    request: HttpRequest, price_list_id: int, payload: PriceListPatch
) -> PriceListOut:
    """The currency changes only while the list has no prices."""
    services.price_list_update(
        actor=actor_of(request),
        price_list_id=price_list_id,
        data=payload.dict(exclude_unset=True),
    )
    return _price_list(request, price_list_id)


@price_lists_router.put(
    "/{price_list_id}/prices/{product_id}",
    response={200: PriceOut, 204: None, **ERROR_RESPONSES},
    summary="Set a product's price in a list",
)
def set_price(
    request: HttpRequest, price_list_id: int, product_id: int, payload: PriceIn
) -> Status[PriceOut | None]:
    """``unit_price`` ≥ 0 sets the price (200); null takes the product out of the list (204)."""
    selectors.price_list_get(actor=actor_of(request), price_list_id=price_list_id)
    price = services.price_set(
        actor=actor_of(request),
        price_list_id=price_list_id,
        product_id=product_id,
        unit_price=payload.unit_price,
    )
    if price is None:
        return Status(204, None)
    product = price.product
    return Status(
        200,
        PriceOut(
            product_id=product.pk, sku=product.sku, name=product.name, unit_price=price.unit_price
        ),
    )


# ---------------------------------------------------------------- taxes


@tax_rates_router.get("", response={200: list[TaxRateOut], **ERROR_RESPONSES}, summary="Taxes")
def list_tax_rates(request: HttpRequest, active: bool | None = None) -> list[TaxRateOut]:
    """Every tax with its rate and how many products have it."""
    return [
        TaxRateOut.build(t) for t in selectors.tax_rate_list(actor=actor_of(request), active=active)
    ]


@tax_rates_router.post("", response={201: TaxRateOut, **ERROR_RESPONSES}, summary="Add a tax")
def create_tax_rate(request: HttpRequest, payload: TaxRateIn) -> Status[TaxRateOut]:
    tax = services.tax_rate_create(actor=actor_of(request), data=payload.dict())
    return Status(
        201, TaxRateOut.build(selectors.tax_rate_get(actor=actor_of(request), tax_rate_id=tax.pk))
    )


@tax_rates_router.patch(
    "/{tax_rate_id}", response={200: TaxRateOut, **ERROR_RESPONSES}, summary="Change a tax"
)
def update_tax_rate(request: HttpRequest, tax_rate_id: int, payload: TaxRatePatch) -> TaxRateOut:
    """Documents already written keep the rate they copied. ``is_active: false`` retires
    the tax (a tax in use is never deleted)."""
    services.tax_rate_update(
        actor=actor_of(request), tax_rate_id=tax_rate_id, data=payload.dict(exclude_unset=True)
    )
    return TaxRateOut.build(
        selectors.tax_rate_get(actor=actor_of(request), tax_rate_id=tax_rate_id)
    )
