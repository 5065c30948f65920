"""Forms of the orders screens: a payment, a cancellation, a new order with its lines.

Thin, as everywhere: they read what the browser sends; the services decide what is valid and
their errors come back next to the fields (``ServiceForm.add_service_error``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fregues.core.forms import ServiceForm

from ..models import OrderStatus, PaymentMethod


class PaymentForm(ServiceForm):
    """Money received for an order or an invoice."""

    amount = forms.CharField(
        label=_("Amount"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    paid_at = forms.DateField(
        label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}), required=False
    )
    method = forms.ChoiceField(
        label=_("Method"), choices=[("", "—"), *PaymentMethod.choices], required=False
    )
    reference = forms.CharField(label=_("Reference"), max_length=120, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["paid_at"].initial = timezone.localdate()

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "amount": data["amount"],
            "paid_at": data["paid_at"],
            "method": data["method"],
            "reference": data["reference"],
            "version": data["version"],
        }


class CancelForm(ServiceForm):
    reason = forms.CharField(
        label=_("Why"), max_length=500, required=False, widget=forms.TextInput()
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class StatusForm(ServiceForm):
    move_to = forms.ChoiceField(
        choices=[(c, label) for c, label in OrderStatus.choices if c != OrderStatus.CANCELLED]
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class OrderForm(ServiceForm):
    """The order's own fields; its lines are read by ``order_lines_from``."""

    currency = forms.CharField(label=_("Currency"), max_length=3, initial=settings.DEFAULT_CURRENCY)
    ordered_at = forms.DateField(
        label=_("Order date"), widget=forms.DateInput(attrs={"type": "date"}), required=False
    )
    number = forms.CharField(
        label=_("Number"),
        max_length=60,
        required=False,
        help_text=_("Leave empty for the next number."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ordered_at"].initial = timezone.localdate()
        self.fields["currency"].widget.attrs.update({"list": "currencies", "class": "input"})


LINE_FIELDS = ("sku", "description", "quantity", "unit_price", "discount_percent", "tax_rate")
MAX_LINES = 50


def order_lines_from(data: Any, extra: int = 0) -> list[dict[str, str]]:
    """The line rows of the new-order form (``line-<n>-<field>``), blank ones left out unless
    they are the last ``extra`` rows asked for with "Add a line"."""
    count = min(
        int(data.get("lines") or 0) if str(data.get("lines") or "").isdigit() else 0, MAX_LINES
    )
    rows = []
    for n in range(count):
        row = {name: (data.get(f"line-{n}-{name}") or "").strip() for name in LINE_FIELDS}
        if any(row.values()):
            rows.append(row)
    rows += [dict.fromkeys(LINE_FIELDS, "") for _ in range(extra)]
    return rows


def line_input(row: dict[str, str]) -> dict[str, Any]:
    """A form row as ``order_create`` reads a line."""
    return {
        "sku": row["sku"],
        "description": row["description"],
        "quantity": row["quantity"],
        "unit_price": row["unit_price"] or None,
        "discount_percent": row["discount_percent"] or None,
        "tax_rate": row["tax_rate"] or None,
    }
