"""What the company sells: products with their SKU and unit, taxes as data, price lists per
currency."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fregues.core.models import TimeStamped, Versioned


class TaxRate(TimeStamped):
    """A tax as data ("ICMS 18 %", "IVA 23 %", "isento"): a percentage added to a line's net
    amount. Quote and order lines copy the rate, so changing it later does not rewrite them."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    rate = models.DecimalField(_("rate (%)"), max_digits=6, decimal_places=3)
    country = models.CharField(_("country"), max_length=2, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["country", "code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.rate}%)"


class Product(Versioned):
    """Something sold: a good or a service, with its SKU, unit, tax and (optional) unit cost.

    ``source`` + ``external_id`` tie it to the ERP's record for idempotent upserts. The cost,
    when known, gives margins per order and per customer.
    """

    sku = models.CharField(_("SKU"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unit"), max_length=20, default="un")
    category = models.CharField(_("category"), max_length=80, blank=True)
    tax_rate = models.ForeignKey(
        TaxRate,
        verbose_name=_("tax"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="products",
    )
    cost = models.DecimalField(
        _("unit cost"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    cost_currency = models.CharField(_("cost currency"), max_length=3, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    source = models.CharField(max_length=40, blank=True)
    external_id = models.CharField(_("external id"), max_length=120, blank=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    # What a customer may ask to have changed on it (the portal's customisation requests):
    # ``[{"label": "Colour", "kind": "choice", "choices": ["Blue", "Red"]},
    #    {"label": "Engraving", "kind": "text", "choices": []}]``, checked by
    # ``services.product_options``.
    customisation_options = models.JSONField(_("customisation options"), default=list, blank=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="product_external_id_once",
            )
        ]
        indexes = [models.Index(fields=["category", "name"], name="product_category")]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class PriceList(TimeStamped):
    """Prices in one currency ("Tabela Brasil 2026", "Lista Portugal"); one default per
    currency is used when a quote names none."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    currency = models.CharField(_("currency"), max_length=3)
    is_default = models.BooleanField(_("default for its currency"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["currency", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["currency"], condition=Q(is_default=True), name="one_default_price_list"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.currency})"


class Price(models.Model):
    """A product's unit price in a price list."""

    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="prices")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="prices")
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=4)

    class Meta:
        ordering = ["price_list", "product"]
        constraints = [
            models.UniqueConstraint(fields=["price_list", "product"], name="one_price_per_list")
        ]

    def __str__(self) -> str:
        return f"{self.product_id} @ {self.unit_price}"
