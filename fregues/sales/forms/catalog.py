"""Forms of the catalogue screens (products, taxes, price lists). They parse what the browser
sends; the services decide what is valid and their errors show next to the fields."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fregues.core.forms import ServiceForm

from ..services.product_options import options_from_text


def plain_number(value: Any) -> str:
    """A decimal as one types it in an input: ``2`` for 2.000, ``10.5`` for 10.5000."""
    if value is None or value == "":
        return ""
    number = Decimal(value)
    if number == number.to_integral():
        return str(number.quantize(Decimal(1)))
    return str(number.normalize())


def _choices(field: forms.Field, choices: list[tuple[str, Any]]) -> None:
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class ProductForm(ServiceForm):
    reload_url = ""
    sku = forms.CharField(label=_("SKU"), max_length=60)
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    unit = forms.CharField(
        label=_("Unit"), max_length=20, initial="un", help_text=_("un, kg, h, m², box…")
    )
    category = forms.CharField(label=_("Category"), max_length=80, required=False)
    tax_rate_id = forms.ChoiceField(label=_("Tax"), required=False)
    cost = forms.CharField(
        label=_("Unit cost"),
        required=False,
        help_text=_("What one unit costs the company: gives margins per order and customer."),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    cost_currency = forms.CharField(label=_("Cost currency"), max_length=3, required=False)
    attributes = forms.CharField(
        label=_("Attributes"),
        required=False,
        help_text=_("One per line, as name: value (colour: blue)."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    customisation_options = forms.CharField(
        label=_("Customisation options"),
        required=False,
        help_text=_(
            "What customers may ask to customise in the portal, one per line: "
            "“Colour: Blue | Red” offers choices, “Engraving” asks for a text; "
            "end the label with * to make it required."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    is_active = forms.BooleanField(label=_("On sale"), required=False, initial=True)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, taxes: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(
            self.fields["tax_rate_id"],
            [("", _("No tax"))] + [(str(t.pk), str(t)) for t in taxes],
        )
        self.fields["category"].widget.attrs["list"] = "product-categories"
        self.fields["cost_currency"].widget.attrs.update({"class": "input narrow"})

    @staticmethod
    def attributes_text(attributes: dict[str, Any]) -> str:
        return "\n".join(f"{k}: {v}" for k, v in (attributes or {}).items())

    def clean_attributes(self) -> dict[str, Any]:
        text = self.cleaned_data.get("attributes") or ""
        if text.strip().startswith("{"):
            try:
                data = json.loads(text)
            except ValueError as exc:
                raise forms.ValidationError(_("This is not valid JSON.")) from exc
            if not isinstance(data, dict):
                raise forms.ValidationError(_("Write one attribute per line."))
            return data
        out: dict[str, Any] = {}
        for line in text.splitlines():
            if not line.strip():
                continue
            name, sep, value = line.partition(":")
            if not sep or not name.strip():
                raise forms.ValidationError(
                    _("Write each attribute as name: value (“%(line)s”).") % {"line": line.strip()}
                )
            out[name.strip()] = value.strip()
        return out

    def service_data(self) -> dict[str, Any]:
        c = self.cleaned_data
        return {
            "sku": c["sku"],
            "name": c["name"],
            "description": c.get("description") or "",
            "unit": c.get("unit") or "un",
            "category": c.get("category") or "",
            "tax_rate_id": c.get("tax_rate_id") or None,
            "cost": c.get("cost") or None,
            "cost_currency": c.get("cost_currency") or "",
            "attributes": c.get("attributes") or {},
            "customisation_options": options_from_text(c.get("customisation_options") or ""),
            "is_active": bool(c.get("is_active")),
        }

    def map_service_field(self, name: str) -> str | None:
        if name.startswith("customisation_options"):
            return "customisation_options"
        return super().map_service_field(name)


class TaxRateForm(ServiceForm):
    code = forms.CharField(label=_("Code"), max_length=40, help_text=_("e.g. icms-18"))
    name = forms.CharField(label=_("Name"), max_length=120)
    rate = forms.CharField(
        label=_("Rate (%)"), widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    country = forms.CharField(label=_("Country"), max_length=2, required=False)
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    def service_data(self) -> dict[str, Any]:
        c = self.cleaned_data
        return {
            "code": c["code"],
            "name": c["name"],
            "rate": c["rate"],
            "country": c.get("country") or "",
            "is_active": bool(c.get("is_active")),
        }


class PriceListForm(ServiceForm):
    code = forms.CharField(label=_("Code"), max_length=60, help_text=_("e.g. tabela-2026"))
    name = forms.CharField(label=_("Name"), max_length=120)
    currency = forms.CharField(
        label=_("Currency"), max_length=3, help_text=_("ISO 4217: BRL, EUR, USD…")
    )
    is_default = forms.BooleanField(
        label=_("Default list of its currency"), required=False, initial=False
    )
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    def service_data(self) -> dict[str, Any]:
        c = self.cleaned_data
        return {
            "code": c["code"],
            "name": c["name"],
            "currency": c["currency"],
            "is_default": bool(c.get("is_default")),
            "is_active": bool(c.get("is_active")),
        }
