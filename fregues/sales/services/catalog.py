"""The catalogue: taxes as data, price lists per currency and the prices in them; products
are in ``products`` (re-exported here, so ``services.catalog`` is the one place to call).

Everyone who sees deals may read the catalogue; only administrators (``sales.configure``)
change it, and the ERP (``erp.sync``) upserts products by their external id. Quote and order
lines copy what they need from here (SKU, name, unit, price, tax rate), so a later change of
the catalogue never rewrites a document.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record, diff, snapshot
from fregues.core.errors import Conflict, ErrorCollector, NotFound
from fregues.core.permissions import require

from ..models import Price, PriceList, Product, TaxRate
from ..money import HUNDRED, ZERO, clean_currency, to_decimal
from .catalog_fields import (
    clean_amount,
    clean_bool,
    clean_code,
    clean_text,
    countries,
    int_or_none,
)
from .common import locked, sales_event
from .products import (
    Upserted,
    product_create,
    product_deactivate,
    product_update,
    product_upsert_external,
)

__all__ = [
    "Upserted",
    "default_price_list",
    "price_for",
    "price_list_create",
    "price_list_update",
    "price_set",
    "prices_set",
    "product_create",
    "product_deactivate",
    "product_update",
    "product_upsert_external",
    "tax_rate_create",
    "tax_rate_deactivate",
    "tax_rate_delete",
    "tax_rate_update",
]

TAX_FIELDS = ("code", "name", "rate", "country", "is_active")
PRICE_LIST_FIELDS = ("code", "name", "currency", "is_default", "is_active")


# ---------------------------------------------------------------- taxes


def _clean_tax(
    data: dict[str, Any], errors: ErrorCollector, current: TaxRate | None
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if current is None or "code" in data:
        out["code"] = clean_code(data, "code", 40, errors)
    if current is None or "name" in data:
        out["name"] = clean_text(data, "name", 120, errors, required=True, label=_("The name"))
    if current is None or "rate" in data:
        rate = to_decimal(data.get("rate"))
        if rate is None:
            errors.add("rate", _("Give the rate as a percentage (e.g. 18 or 5.5)."))
        elif not ZERO <= rate <= HUNDRED:
            errors.add("rate", _("The rate is a percentage from 0 to 100."))
        elif rate.as_tuple().exponent < -3:  # type: ignore[operator]
            errors.add("rate", _("The rate has at most 3 decimal places."))
        else:
            out["rate"] = rate.quantize(Decimal("0.001"))
    if "country" in data:
        country = str(data.get("country") or "").strip().upper()
        if country and country not in countries():
            errors.add(
                "country",
                _("Unknown country '%(v)s'. Use a two-letter ISO code such as BR or PT.")
                % {"v": country},
            )
        out["country"] = country
    if "is_active" in data:
        out["is_active"] = clean_bool(data, "is_active", errors)
    code = out.get("code")
    if code and TaxRate.objects.filter(code=code).exclude(pk=current.pk if current else 0).exists():
        raise Conflict(
            _("The tax code '%(code)s' is taken: choose another.") % {"code": code},
            code="code_taken",
            errors={"code": [_("This code is taken.")]},
        )
    return out


def tax_rate_create(*, actor: Any, data: dict[str, Any]) -> TaxRate:
    """Add a tax ("ICMS 18 %"): a code, a name, a rate in % and (optionally) its country."""
    require(actor, "sales.configure")
    errors = ErrorCollector()
    fields = _clean_tax(data, errors, None)
    errors.raise_if_any()
    with transaction.atomic():
        tax = TaxRate.objects.create(**fields)
        audit_record(
            actor=actor,
            action="create",
            instance=tax,
            summary=f"{tax.code}: {tax.rate}%",
            changes=snapshot(tax, TAX_FIELDS),
        )
        sales_event("tax_rate.created", tax_rate_id=tax.pk)
    return tax


def tax_rate_update(*, actor: Any, tax_rate_id: int, data: dict[str, Any]) -> TaxRate:
    """Change a tax. Documents already written keep the rate they copied."""
    require(actor, "sales.configure")
    current = TaxRate.objects.filter(pk=tax_rate_id).first()
    if current is None:
        raise NotFound(_("Tax %(id)s does not exist.") % {"id": tax_rate_id})
    errors = ErrorCollector()
    fields = _clean_tax(data, errors, current)
    errors.raise_if_any()
    with transaction.atomic():
        tax = locked(TaxRate, tax_rate_id, _("Tax"))
        before = snapshot(tax, TAX_FIELDS)
        for name, value in fields.items():
            setattr(tax, name, value)
        changes = diff(before, snapshot(tax, TAX_FIELDS))
        if not changes:
            return tax
        tax.save()
        audit_record(actor=actor, action="update", instance=tax, summary=tax.code, changes=changes)
        sales_event("tax_rate.updated", tax_rate_id=tax.pk)
    return tax


def tax_rate_deactivate(*, actor: Any, tax_rate_id: int) -> TaxRate:
    """Stop offering a tax for new products (those that have it keep it)."""
    return tax_rate_update(actor=actor, tax_rate_id=tax_rate_id, data={"is_active": False})


def tax_rate_delete(*, actor: Any, tax_rate_id: int) -> None:
    """Remove a tax typed by mistake. One that a product uses is kept (409): deactivate it."""
    require(actor, "sales.configure")
    with transaction.atomic():
        tax = locked(TaxRate, tax_rate_id, _("Tax"))
        used = tax.products.count()
        if used:
            raise Conflict(
                _("%(name)s is the tax of %(n)s product(s): deactivate it instead.")
                % {"name": tax.name, "n": used},
                code="tax_in_use",
            )
        before = snapshot(tax, TAX_FIELDS)
        tax.delete()
        audit_record(
            actor=actor,
            action="delete",
            entity_type="sales.taxrate",
            entity_id=tax_rate_id,
            summary=str(before["code"]),
            changes=before,
        )
        sales_event("tax_rate.deleted", tax_rate_id=tax_rate_id)


# ---------------------------------------------------------------- price lists


def _clean_price_list(
    data: dict[str, Any], errors: ErrorCollector, current: PriceList | None
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if current is None or "code" in data:
        out["code"] = clean_code(data, "code", 60, errors)
    if current is None or "name" in data:
        out["name"] = clean_text(data, "name", 120, errors, required=True, label=_("The name"))
    if current is None or "currency" in data:
        given = data.get("currency")
        if given in (None, "") and current is None:
            out["currency"] = settings.DEFAULT_CURRENCY
        else:
            code = clean_currency(given)
            if code is None:
                errors.add(
                    "currency",
                    _("Unknown currency '%(v)s'. Use an ISO 4217 code such as BRL, EUR or USD.")
                    % {"v": given},
                )
            elif current is not None and code != current.currency and current.prices.exists():
                errors.add(
                    "currency",
                    _("This list has prices in %(c)s: make a new list for another currency.")
                    % {"c": current.currency},
                )
            out["currency"] = code or ""
    for name in ("is_default", "is_active"):
        if name in data:
            out[name] = clean_bool(data, name, errors)
    code = out.get("code")
    if (
        code
        and PriceList.objects.filter(code=code).exclude(pk=current.pk if current else 0).exists()
    ):
        raise Conflict(
            _("The price list code '%(code)s' is taken: choose another.") % {"code": code},
            code="code_taken",
            errors={"code": [_("This code is taken.")]},
        )
    return out


def _one_default(price_list: PriceList) -> None:
    """Make ``price_list`` the only default of its currency (or no list, when it is not)."""
    if price_list.is_default:
        PriceList.objects.filter(currency=price_list.currency, is_default=True).exclude(
            pk=price_list.pk
        ).update(is_default=False)


def price_list_create(*, actor: Any, data: dict[str, Any]) -> PriceList:
    """Add a price list in one currency (ISO 4217; unknown → 422). ``is_default`` makes it the
    list quotes in that currency use when they name none (the previous default stops being
    one)."""
    require(actor, "sales.configure")
    errors = ErrorCollector()
    fields = _clean_price_list(data, errors, None)
    errors.raise_if_any()
    if fields.get("is_active") is False:
        fields["is_default"] = False
    with transaction.atomic():
        price_list = PriceList(**fields)
        if price_list.is_default:
            PriceList.objects.filter(currency=price_list.currency, is_default=True).update(
                is_default=False
            )
        price_list.save()
        audit_record(
            actor=actor,
            action="create",
            instance=price_list,
            summary=f"{price_list.code} ({price_list.currency})",
            changes=snapshot(price_list, PRICE_LIST_FIELDS),
        )
        sales_event("price_list.created", price_list_id=price_list.pk)
    return price_list


def price_list_update(*, actor: Any, price_list_id: int, data: dict[str, Any]) -> PriceList:
    """Change a price list's code, name, currency (only while it has no prices), default or
    active flag. A deactivated list is no longer a default."""
    require(actor, "sales.configure")
    current = PriceList.objects.filter(pk=price_list_id).first()
    if current is None:
        raise NotFound(_("Price list %(id)s does not exist.") % {"id": price_list_id})
    errors = ErrorCollector()
    fields = _clean_price_list(data, errors, current)
    errors.raise_if_any()
    with transaction.atomic():
        price_list = locked(PriceList, price_list_id, _("Price list"))
        before = snapshot(price_list, PRICE_LIST_FIELDS)
        for name, value in fields.items():
            setattr(price_list, name, value)
        if not price_list.is_active:
            price_list.is_default = False
        changes = diff(before, snapshot(price_list, PRICE_LIST_FIELDS))
        if not changes:
            return price_list
        _one_default(price_list)
        price_list.save()
        audit_record(
            actor=actor,
            action="update",
            instance=price_list,
            summary=price_list.code,
            changes=changes,
        )
        sales_event("price_list.updated", price_list_id=price_list.pk)
    return price_list


def _price_value(value: Any, errors: ErrorCollector, field: str) -> Decimal | None:
    holder = ErrorCollector()
    price = clean_amount({"unit_price": value}, "unit_price", holder, label=_("The unit price"))
    for messages in holder.errors.values():
        for message in messages:
            errors.add(field, message)
    return price


def prices_set(*, actor: Any, price_list_id: int, prices: list[dict[str, Any]]) -> int:
    """Set many prices of one list at once (``[{product_id, unit_price}, ...]``), all checked
    before any is written; ``unit_price`` null removes the product from the list. Returns how
    many prices changed."""
    require(actor, "sales.configure")
    price_list = PriceList.objects.filter(pk=price_list_id).first()
    if price_list is None:
        raise NotFound(_("Price list %(id)s does not exist.") % {"id": price_list_id})
    errors = ErrorCollector()
    items = [
        {**item, "product_id": int_or_none(item.get("product_id"))}
        if isinstance(item, dict)
        else None
        for item in prices
    ]
    products = Product.objects.in_bulk(
        [item["product_id"] for item in items if item and item["product_id"] is not None]
    )
    wanted: dict[int, Decimal | None] = {}
    for i, item in enumerate(items):
        if item is None:
            errors.add(f"prices.{i}", _("Give product_id and unit_price."))
            continue
        product_id = item["product_id"]
        if product_id is None or product_id not in products:
            errors.add(
                f"prices.{i}.product_id",
                _("Product %(id)s does not exist.") % {"id": product_id},
            )
            continue
        value = item.get("unit_price")
        price = (
            None if value in (None, "") else _price_value(value, errors, f"prices.{i}.unit_price")
        )
        if value not in (None, "") and price is None:
            continue
        wanted[product_id] = price
    errors.raise_if_any()
    changed = 0
    with transaction.atomic():
        price_list = locked(PriceList, price_list_id, _("Price list"))
        existing = {
            p.product_id: p
            for p in Price.objects.select_for_update().filter(
                price_list=price_list, product_id__in=list(wanted)
            )
        }
        changes: dict[str, list[Any]] = {}
        for product_id, unit_price in wanted.items():
            row = existing.get(product_id)
            before = row.unit_price if row else None
            if before == unit_price:
                continue
            if unit_price is None:
                assert row is not None
                row.delete()
            elif row is None:
                Price.objects.create(
                    price_list=price_list, product_id=product_id, unit_price=unit_price
                )
            else:
                row.unit_price = unit_price
                row.save(update_fields=["unit_price"])
            sku = products[product_id].sku
            changes[sku] = [
                None if before is None else str(before),
                None if unit_price is None else str(unit_price),
            ]
            changed += 1
        if changes:
            audit_record(
                actor=actor,
                action="update",
                instance=price_list,
                summary=_("%(n)s price(s) of %(code)s") % {"n": changed, "code": price_list.code},
                changes=changes,
            )
            sales_event("price_list.prices_set", price_list_id=price_list.pk, count=changed)
    return changed


def price_set(*, actor: Any, price_list_id: int, product_id: int, unit_price: Any) -> Price | None:
    """A product's unit price (≥ 0) in a list; ``None`` takes it out of the list."""
    require(actor, "sales.configure")
    if not Product.objects.filter(pk=product_id).exists():
        raise NotFound(_("Product %(id)s does not exist.") % {"id": product_id})
    errors = ErrorCollector()
    if unit_price not in (None, ""):
        _price_value(unit_price, errors, "unit_price")
        errors.raise_if_any()
    prices_set(
        actor=actor,
        price_list_id=price_list_id,
        prices=[{"product_id": product_id, "unit_price": unit_price}],
    )
    return Price.objects.filter(price_list_id=price_list_id, product_id=product_id).first()


def default_price_list(currency: str) -> PriceList | None:
    """The active default list of ``currency`` (None when that currency has none)."""
    return PriceList.objects.filter(currency=currency, is_default=True, is_active=True).first()


def price_for(
    product: Product | int,
    *,
    price_list: PriceList | int | None = None,
    currency: str | None = None,
) -> Decimal | None:
    """The product's unit price in ``price_list`` (or in the default list of ``currency``),
    or None when it has none there."""
    if price_list is None:
        found = default_price_list(clean_currency(currency or settings.DEFAULT_CURRENCY) or "")
        if found is None:
            return None
        price_list = found
    list_id = price_list if isinstance(price_list, int) else price_list.pk
    product_id = product if isinstance(product, int) else product.pk
    return (
        Price.objects.filter(price_list_id=list_id, product_id=product_id)
        .values_list("unit_price", flat=True)
        .first()
    )
