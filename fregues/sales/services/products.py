"""Products: what the company sells, typed by an administrator or pushed by the ERP.

A product has a unique SKU (a taken one is a 409), a name, a unit, a category, a tax, an
optional unit cost (for margins) and free attributes. The ERP upserts by (source, external
id) and a repeat of the same content writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record, diff, snapshot
from fregues.core.errors import Conflict, ErrorCollector, NotFound
from fregues.core.permissions import require

from ..models import Price, PriceList, Product, TaxRate
from ..money import clean_currency
from .catalog_fields import clean_amount, clean_bool, clean_text
from .common import bump, check_version, locked, sales_event
from .product_options import clean_customisation_options

PRODUCT_FIELDS = (
    "sku",
    "name",
    "description",
    "unit",
    "category",
    "tax_rate",
    "cost",
    "cost_currency",
    "is_active",
    "attributes",
    "customisation_options",
)
MAX_ATTRIBUTES = 50


def _tax_of(data: dict[str, Any], errors: ErrorCollector) -> tuple[bool, TaxRate | None]:
    """The tax named by ``tax_rate_id`` or ``tax_code`` (whether one of them was sent)."""
    if "tax_rate_id" in data:
        value = data.get("tax_rate_id")
        if value in (None, ""):
            return True, None
        tax = TaxRate.objects.filter(pk=value).first() if str(value).isdigit() else None
        if tax is None:
            errors.add("tax_rate_id", _("Tax %(id)s does not exist.") % {"id": value})
            return True, None
    elif "tax_code" in data:
        code = str(data.get("tax_code") or "").strip()
        if not code:
            return True, None
        tax = TaxRate.objects.filter(code=code).first()
        if tax is None:
            errors.add("tax_code", _("No tax has the code '%(code)s'.") % {"code": code})
            return True, None
    else:
        return False, None
    if not tax.is_active:
        field = "tax_rate_id" if "tax_rate_id" in data else "tax_code"
        errors.add(
            field, _("%(name)s is no longer in use: choose another tax.") % {"name": tax.name}
        )
    return True, tax


def _clean_attributes(value: Any, errors: ErrorCollector) -> dict[str, Any]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        errors.add("attributes", _("Attributes are an object of names and values."))
        return {}
    if len(value) > MAX_ATTRIBUTES:
        errors.add("attributes", _("At most %(n)s attributes.") % {"n": MAX_ATTRIBUTES})
    out: dict[str, Any] = {}
    for key, item in value.items():
        name = str(key).strip()[:60]
        if not name:
            errors.add("attributes", _("An attribute needs a name."))
            continue
        if not (item is None or isinstance(item, str | int | float | bool)):
            errors.add(
                f"attributes.{name}", _("An attribute's value is a text, a number or true/false.")
            )
            continue
        out[name] = item
    return out


def _clean_product(
    data: dict[str, Any], errors: ErrorCollector, current: Product | None
) -> dict[str, Any]:
    """The product fields sent in ``data``, checked (all of them when creating)."""
    creating = current is None
    out: dict[str, Any] = {}
    if creating or "sku" in data:
        sku = clean_text(data, "sku", 60, errors, required=True, label=_("The SKU"))
        if sku and any(ch.isspace() for ch in sku):
            errors.add("sku", _("A SKU has no spaces."))
        out["sku"] = sku
    if creating or "name" in data:
        out["name"] = clean_text(data, "name", 200, errors, required=True, label=_("The name"))
    for name, size in (("description", 5000), ("category", 80)):
        if creating or name in data:
            out[name] = clean_text(data, name, size, errors)
    if creating or "unit" in data:
        out["unit"] = clean_text(data, "unit", 20, errors) or "un"
    sent, tax = _tax_of(data, errors)
    if sent:
        out["tax_rate"] = tax
    if creating or "cost" in data:
        out["cost"] = clean_amount(data, "cost", errors, label=_("The cost"))
    if creating or "cost_currency" in data or "cost" in data:
        given = data.get("cost_currency")
        if given in (None, ""):
            given = current.cost_currency if current and current.cost_currency else ""
        cost = out.get("cost", current.cost if current else None)
        if given:
            code = clean_currency(given)
            if code is None:
                errors.add(
                    "cost_currency",
                    _("Unknown currency '%(v)s'. Use an ISO 4217 code such as BRL, EUR or USD.")
                    % {"v": given},
                )
            out["cost_currency"] = code or ""
        else:
            out["cost_currency"] = settings.DEFAULT_CURRENCY if cost is not None else ""
    if "is_active" in data:
        out["is_active"] = clean_bool(data, "is_active", errors)
    if creating or "attributes" in data:
        out["attributes"] = _clean_attributes(data.get("attributes"), errors)
    if creating or "customisation_options" in data:
        out["customisation_options"] = clean_customisation_options(
            data.get("customisation_options"), errors
        )
    return out


def _sku_conflict(sku: str, product_id: int | None) -> Conflict | None:
    holder = Product.objects.filter(sku=sku).exclude(pk=product_id or 0).first() if sku else None
    if holder is None:
        return None
    return Conflict(
        _("The SKU %(sku)s belongs to %(name)s.") % {"sku": sku, "name": holder.name},
        code="sku_taken",
        errors={"sku": [_("This SKU belongs to another product.")]},
        details={"product": {"id": holder.pk, "sku": holder.sku, "name": holder.name}},
    )


def _product_summary(product: Product) -> str:
    return f"{product.sku} {product.name}"[:300]


def product_create(*, actor: Any, data: dict[str, Any]) -> Product:
    """Add a product: unique SKU (409 when taken), name, unit, category, tax, cost."""
    require(actor, "sales.configure")
    errors = ErrorCollector()
    fields = _clean_product(data, errors, None)
    errors.raise_if_any()
    conflict = _sku_conflict(fields["sku"], None)
    if conflict:
        raise conflict
    with transaction.atomic():
        try:
            with transaction.atomic():
                product = Product.objects.create(**fields)
        except IntegrityError as exc:  # the SKU was taken a moment ago
            raise _sku_conflict(fields["sku"], None) or exc from exc
        audit_record(
            actor=actor,
            action="create",
            instance=product,
            summary=_product_summary(product),
            changes=snapshot(product, PRODUCT_FIELDS),
        )
        sales_event("product.created", product_id=product.pk)
    return product


def _apply_product(actor: Any, product: Product, fields: dict[str, Any]) -> bool:
    """Write ``fields`` on the locked ``product``: version, audit and event when anything
    changed; nothing at all when everything was already so."""
    before = snapshot(product, PRODUCT_FIELDS)
    for name, value in fields.items():
        setattr(product, name, value)
    changes = diff(before, snapshot(product, PRODUCT_FIELDS))
    if not changes:
        return False
    conflict = _sku_conflict(product.sku, product.pk) if "sku" in changes else None
    if conflict:
        raise conflict
    product.version += 1
    product.save()
    audit_record(
        actor=actor,
        action="update",
        instance=product,
        summary=_product_summary(product),
        changes=changes,
    )
    sales_event("product.updated", product_id=product.pk)
    return True


def product_update(
    *, actor: Any, product_id: int, data: dict[str, Any], version: int | None = None
) -> Product:
    """Change the fields sent; a stale ``version`` is a 409 and a taken SKU too."""
    require(actor, "sales.configure")
    current = Product.objects.filter(pk=product_id).first()
    if current is None:
        raise NotFound(_("Product %(id)s does not exist.") % {"id": product_id})
    errors = ErrorCollector()
    fields = _clean_product(data, errors, current)
    errors.raise_if_any()
    with transaction.atomic():
        product = locked(Product, product_id, _("Product"))
        check_version(product, version)
        _apply_product(actor, product, fields)
    return product


def product_deactivate(*, actor: Any, product_id: int, version: int | None = None) -> Product:
    """Stop selling a product: it leaves the pickers; quotes and orders that have it keep it."""
    return product_update(
        actor=actor, product_id=product_id, data={"is_active": False}, version=version
    )


@dataclass(frozen=True)
class Upserted:
    """What an ERP upsert did: the product, whether it was created, whether anything changed."""

    product: Product
    created: bool
    changed: bool


def _clean_erp_prices(value: Any, errors: ErrorCollector) -> list[tuple[PriceList, Decimal]]:
    """``prices`` of an ERP product: ``[{"price_list": code, "unit_price": n}, ...]``."""
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        errors.add("prices", _("Prices are a list of {price_list, unit_price}."))
        return []
    codes = {str(item.get("price_list") or "") for item in value if isinstance(item, dict)}
    lists = {pl.code: pl for pl in PriceList.objects.filter(code__in=codes)}
    out: list[tuple[PriceList, Decimal]] = []
    seen: set[str] = set()
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            errors.add(f"prices.{i}", _("Give price_list and unit_price."))
            continue
        code = str(item.get("price_list") or "").strip()
        price_list = lists.get(code)
        if price_list is None:
            errors.add(
                f"prices.{i}.price_list",
                _("No price list has the code '%(code)s'.") % {"code": code},
            )
        elif code in seen:
            errors.add(f"prices.{i}.price_list", _("This price list appears twice."))
        seen.add(code)
        row_errors = ErrorCollector()
        price = clean_amount(item, "unit_price", row_errors, label=_("The unit price"))
        if price is None and not row_errors:
            row_errors.add("unit_price", _("Give the unit price."))
        for name, messages in row_errors.errors.items():
            for message in messages:
                errors.add(f"prices.{i}.{name}", message)
        if price_list is not None and price is not None:
            out.append((price_list, price))
    return out


def _apply_prices(actor: Any, product: Product, prices: list[tuple[PriceList, Decimal]]) -> bool:
    changed = False
    for price_list, unit_price in prices:
        price = Price.objects.filter(price_list=price_list, product=product).first()
        if price is not None and price.unit_price == unit_price:
            continue
        before = str(price.unit_price) if price else None
        if price is None:
            Price.objects.create(price_list=price_list, product=product, unit_price=unit_price)
        else:
            price.unit_price = unit_price
            price.save(update_fields=["unit_price"])
        audit_record(
            actor=actor,
            action="update",
            instance=price_list,
            summary=f"{product.sku}: {unit_price} {price_list.currency}"[:300],
            changes={"price": [before, str(unit_price)], "product": product.pk},
        )
        changed = True
    return changed


def product_upsert_external(
    *, actor: Any, source: str, external_id: str, data: dict[str, Any]
) -> Upserted:
    """The ERP's product push: find the product by (source, external id), create or update it.

    Idempotent: a repeat with the same content changes nothing (same version, no audit entry,
    no event). A SKU held by another product is a 409. ``data`` holds the product fields
    (``sku``, ``name``, ``unit``, ``category``, ``tax_code`` or ``tax_rate_id``, ``cost``,
    ``cost_currency``, ``is_active``, ``attributes``) and optionally ``prices`` per price list
    code; fields left out keep their value.
    """
    require(actor, "erp.sync")
    errors = ErrorCollector()
    source = (source or "").strip()
    external_id = (external_id or "").strip()
    if not source or len(source) > 40:
        errors.add("source", _("Name the source system (at most 40 characters)."))
    if not external_id or len(external_id) > 120:
        errors.add("external_id", _("Give the external id (at most 120 characters)."))
    current = (
        Product.objects.filter(source=source, external_id=external_id).first()
        if source and external_id
        else None
    )
    fields = _clean_product(data, errors, current)
    prices = _clean_erp_prices(data.get("prices"), errors)
    errors.raise_if_any()
    with transaction.atomic():
        if current is None:
            conflict = _sku_conflict(fields["sku"], None)
            if conflict:
                raise conflict
            try:
                with transaction.atomic():
                    product = Product.objects.create(
                        source=source, external_id=external_id, **fields
                    )
            except IntegrityError:  # the same push twice at once: the other one created it
                found = Product.objects.filter(source=source, external_id=external_id).first()
                if found is None:
                    raise _sku_conflict(fields["sku"], None) or Conflict(
                        _("The product could not be saved: try again."), code="retry"
                    ) from None
                return product_upsert_external(
                    actor=actor, source=source, external_id=external_id, data=data
                )
            audit_record(
                actor=actor,
                action="create",
                instance=product,
                summary=_product_summary(product),
                changes={
                    **snapshot(product, PRODUCT_FIELDS),
                    "source": source,
                    "external_id": external_id,
                },
            )
            _apply_prices(actor, product, prices)
            sales_event("product.created", product_id=product.pk, source=source)
            return Upserted(product, created=True, changed=True)
        product = locked(Product, current.pk, _("Product"))
        changed = _apply_product(actor, product, fields)
        prices_changed = _apply_prices(actor, product, prices)
        if prices_changed and not changed:
            bump(product)
        return Upserted(product, created=False, changed=changed or prices_changed)
