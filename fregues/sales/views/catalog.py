"""Catalogue screens: products (list, form), price lists (a list's prices edited in place)
and taxes. Everyone who sees deals reads them; administrators change them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fregues.core.errors import NotFound, ServiceError
from fregues.core.permissions import can, require
from fregues.core.views import service_http_errors

from ..filters.catalog import ProductFilters
from ..forms.catalog import PriceListForm, ProductForm, TaxRateForm, plain_number
from ..selectors import catalog as selectors
from ..services import catalog as services
from ..services.product_options import options_as_text

PRODUCT_PAGE = 100


# ---------------------------------------------------------------- products


@login_required
@require_http_methods(["GET"])
@service_http_errors
def product_list(request: HttpRequest) -> HttpResponse:
    """The catalogue: search by SKU or name, by category, on sale or withdrawn."""
    filters = ProductFilters.from_querydict(request.GET)
    qs = selectors.product_list(actor=request.user, **filters.as_kwargs())
    products = list(qs[: PRODUCT_PAGE + 1])
    raw_active = request.GET.get("active", "1")
    return render(
        request,
        "sales/catalog/products.html",
        {
            "products": products[:PRODUCT_PAGE],
            "more": len(products) > PRODUCT_PAGE,
            "filters": filters,
            "active": raw_active,
            "filtered": bool(filters.q or filters.category or raw_active != "1"),
            "categories": selectors.product_categories(actor=request.user),
            "may_configure": can(request.user, "sales.configure"),
        },
    )


def _taxes(request: HttpRequest, keep_id: int | None = None) -> list[Any]:
    return [
        t for t in selectors.tax_rate_list(actor=request.user) if t.is_active or t.pk == keep_id
    ]


def _product_page(
    request: HttpRequest, form: ProductForm, product: Any = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "sales/catalog/product_form.html",
        {
            "form": form,
            "product": product,
            "categories": selectors.product_categories(actor=request.user),
            "may_configure": can(request.user, "sales.configure"),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
@service_http_errors
def product_new(request: HttpRequest) -> HttpResponse:
    require(request.user, "sales.configure")
    form = ProductForm(request.POST or None, taxes=_taxes(request))
    if request.method == "POST" and form.is_valid():
        try:
            product = services.product_create(actor=request.user, data=form.service_data())
        except ServiceError as exc:
            form.add_service_error(exc, field="sku")
        else:
            messages.success(request, _("Product %(sku)s added.") % {"sku": product.sku})
            return redirect("sales:products")
    status = 200 if not form.is_bound else (form.status if form.status != 200 else 422)
    return _product_page(request, form, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@service_http_errors
def product_detail(request: HttpRequest, product_id: int) -> HttpResponse:
    """A product: its form for administrators, its facts for others; its prices per list."""
    product = selectors.product_get(actor=request.user, product_id=product_id)
    taxes = _taxes(request, keep_id=product.tax_rate_id)
    if request.method == "POST":
        require(request.user, "sales.configure")
        form = ProductForm(request.POST, taxes=taxes)
        if form.is_valid():
            try:
                services.product_update(
                    actor=request.user,
                    product_id=product.pk,
                    data=form.service_data(),
                    version=form.cleaned_data.get("version"),
                )
            except ServiceError as exc:
                if isinstance(exc, NotFound):
                    raise
                form.add_service_error(exc, field="sku")
                form.reload_url = request.path
            else:
                messages.success(request, _("Product %(sku)s saved.") % {"sku": product.sku})
                return redirect("sales:products")
        status = form.status if form.status != 200 else 422
        return _product_page(request, form, product, status=status)
    form = ProductForm(
        initial={
            "sku": product.sku,
            "name": product.name,
            "description": product.description,
            "unit": product.unit,
            "category": product.category,
            "tax_rate_id": str(product.tax_rate_id or ""),
            "cost": plain_number(product.cost),
            "cost_currency": product.cost_currency,
            "attributes": ProductForm.attributes_text(product.attributes),
            "customisation_options": options_as_text(product.customisation_options),
            "is_active": product.is_active,
            "version": product.version,
        },
        taxes=taxes,
    )
    return _product_page(request, form, product)


def _list_with_form(
    request: HttpRequest,
    form: Any,
    create: Callable[[dict[str, Any]], Any],
    done: Callable[[Any], HttpResponse],
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    """A setup list with its "new" form: on a valid POST the record is created (``done``
    answers), else the list again with the form and the service's refusal."""
    if request.method == "POST":
        require(request.user, "sales.configure")
        if form.is_valid():
            try:
                created = create(form.service_data())
            except ServiceError as exc:
                form.add_service_error(exc, field="code")
            else:
                return done(created)
    status = 200 if not form.is_bound else (form.status if form.status != 200 else 422)
    context.update(
        form=form, form_open=form.is_bound, may_configure=can(request.user, "sales.configure")
    )
    return render(request, template, context, status=status)


# ---------------------------------------------------------------- price lists


@login_required
@require_http_methods(["GET", "POST"])
@service_http_errors
def price_list_list(request: HttpRequest) -> HttpResponse:
    """The price lists (one default per currency) and a form for a new one."""
    form = PriceListForm(request.POST or None, initial={"currency": "BRL"})

    def done(created: Any) -> HttpResponse:
        messages.success(request, _("Price list %(name)s added.") % {"name": created.name})
        return redirect("sales:price_list", created.pk)

    return _list_with_form(
        request,
        form,
        lambda data: services.price_list_create(actor=request.user, data=data),
        done,
        "sales/catalog/price_lists.html",
        {"price_lists": selectors.price_list_list(actor=request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
@service_http_errors
def price_list_detail(request: HttpRequest, price_list_id: int) -> HttpResponse:
    """A price list: its settings and its prices, edited in place row by row."""
    price_list = selectors.price_list_get(actor=request.user, price_list_id=price_list_id)
    initial = {
        "code": price_list.code,
        "name": price_list.name,
        "currency": price_list.currency,
        "is_default": price_list.is_default,
        "is_active": price_list.is_active,
    }
    form = PriceListForm(request.POST or None, initial=initial)
    if request.method == "POST":
        require(request.user, "sales.configure")
        if form.is_valid():
            try:
                services.price_list_update(
                    actor=request.user, price_list_id=price_list.pk, data=form.service_data()
                )
            except ServiceError as exc:
                if isinstance(exc, NotFound):
                    raise
                form.add_service_error(exc, field="code")
            else:
                messages.success(request, _("Price list saved."))
                return redirect("sales:price_list", price_list.pk)
    q = (request.GET.get("q") or "").strip()[:100]
    only_priced = request.GET.get("priced") == "1"
    rows = selectors.price_list_rows(
        actor=request.user, price_list_id=price_list.pk, q=q, only_priced=only_priced
    )
    status = 200 if not form.is_bound else (form.status if form.status != 200 else 422)
    return render(
        request,
        "sales/catalog/price_list.html",
        {
            "price_list": price_list,
            "form": form,
            "form_open": form.is_bound,
            "rows": [{"product": r.product, "unit_price": r.unit_price} for r in rows],
            "q": q,
            "only_priced": only_priced,
            "may_configure": can(request.user, "sales.configure"),
        },
        status=status,
    )


@login_required
@require_POST
@service_http_errors
def price_set(request: HttpRequest, price_list_id: int, product_id: int) -> HttpResponse:
    """One price typed in the list's table (htmx): the row comes back saved, or with the
    problem. An empty price takes the product out of the list."""
    price_list = selectors.price_list_get(actor=request.user, price_list_id=price_list_id)
    product = selectors.product_get(actor=request.user, product_id=product_id)
    typed = (request.POST.get("unit_price") or "").strip()
    row: dict[str, Any] = {"product": product, "unit_price": typed or None}
    status = 200
    try:
        price = services.price_set(
            actor=request.user,
            price_list_id=price_list.pk,
            product_id=product.pk,
            unit_price=typed or None,
        )
    except ServiceError as exc:
        if isinstance(exc, NotFound):
            raise
        row["error"] = (
            " ".join(m for ms in exc.errors.values() for m in ms) or exc.message
            if exc.code != "forbidden"
            else _("Your role does not allow this action.")
        )
        row["typed"] = typed
        status = exc.status
    else:
        row["unit_price"] = price.unit_price if price else None
        row["saved"] = True
    return render(
        request,
        "sales/catalog/partials/price_row.html",
        {"row": row, "price_list": price_list, "may_configure": True},
        status=status,
    )


# ---------------------------------------------------------------- taxes


@login_required
@require_http_methods(["GET", "POST"])
@service_http_errors
def tax_rate_list(request: HttpRequest) -> HttpResponse:
    """The taxes as data, and a form for a new one."""
    form = TaxRateForm(request.POST or None)

    def done(tax: Any) -> HttpResponse:
        messages.success(request, _("Tax %(name)s added.") % {"name": tax.name})
        return redirect("sales:tax_rates")

    return _list_with_form(
        request,
        form,
        lambda data: services.tax_rate_create(actor=request.user, data=data),
        done,
        "sales/catalog/tax_rates.html",
        {"taxes": selectors.tax_rate_list(actor=request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
@service_http_errors
def tax_rate_detail(request: HttpRequest, tax_rate_id: int) -> HttpResponse:
    require(request.user, "sales.configure")
    tax = selectors.tax_rate_get(actor=request.user, tax_rate_id=tax_rate_id)
    form = TaxRateForm(
        request.POST or None,
        initial={
            "code": tax.code,
            "name": tax.name,
            "rate": plain_number(tax.rate),
            "country": tax.country,
            "is_active": tax.is_active,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.tax_rate_update(
                actor=request.user, tax_rate_id=tax.pk, data=form.service_data()
            )
        except ServiceError as exc:
            if isinstance(exc, NotFound):
                raise
            form.add_service_error(exc, field="code")
        else:
            messages.success(request, _("Tax %(name)s saved.") % {"name": tax.name})
            return redirect("sales:tax_rates")
    status = 200 if not form.is_bound else (form.status if form.status != 200 else 422)
    return render(
        request, "sales/catalog/tax_rate_form.html", {"form": form, "tax": tax}, status=status
    )


@login_required
@require_POST
@service_http_errors
def tax_rate_delete(request: HttpRequest, tax_rate_id: int) -> HttpResponse:
    """Remove a tax typed by mistake; one in use is kept (deactivate it instead)."""
    try:
        services.tax_rate_delete(actor=request.user, tax_rate_id=tax_rate_id)
    except ServiceError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, exc.message)
        return redirect("sales:tax_rate", tax_rate_id)
    messages.success(request, _("Tax removed."))
    return redirect("sales:tax_rates")


urlpatterns = [
    path("sales/products/", product_list, name="products"),
    path("sales/products/new/", product_new, name="product_new"),
    path("sales/products/<int:product_id>/", product_detail, name="product"),
    path("sales/price-lists/", price_list_list, name="price_lists"),
    path("sales/price-lists/<int:price_list_id>/", price_list_detail, name="price_list"),
    path(
        "sales/price-lists/<int:price_list_id>/prices/<int:product_id>/",
        price_set,
        name="price_set",
    ),
    path("sales/taxes/", tax_rate_list, name="tax_rates"),
    path("sales/taxes/<int:tax_rate_id>/", tax_rate_detail, name="tax_rate"),
    path("sales/taxes/<int:tax_rate_id>/delete/", tax_rate_delete, name="tax_rate_delete"),
]
