"""Forms of the quote screens: the editor's header, the lines as the editor posts them, the
send dialog, and the customer's answer on the public page."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from fregues.core.forms import ServiceForm

LINE_FIELDS = (
    "product_id",
    "sku",
    "description",
    "quantity",
    "unit",
    "unit_price",
    "discount_percent",
    "tax_rate",
)
_KEY = re.compile(r"^[A-Za-z0-9]{1,16}$")


def _choices(field: forms.Field, choices: list[tuple[str, Any]]) -> None:
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def posted_lines(data: Any) -> tuple[list[str], list[dict[str, Any]]]:
    """The editor's rows, in their order on the page: each row posts ``line_key`` and its
    fields as ``l-<key>-<field>``. Returns the keys and the lines as the services take them."""
    keys: list[str] = []
    lines: list[dict[str, Any]] = []
    for key in data.getlist("line_key"):
        if not _KEY.match(key) or key in keys:
            continue
        keys.append(key)
        lines.append(
            {
                name: (data.get(f"l-{key}-{name}") or "").strip()
                for name in LINE_FIELDS
                if (data.get(f"l-{key}-{name}") or "").strip()
            }
        )
    return keys, lines


class QuoteHeaderForm(ServiceForm):
    """The header of a quote in the editor; the customer is fixed (it comes from the URL)."""

    reload_url = ""

    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("What is offered, in a few words")}),
    )
    contact_id = forms.ChoiceField(label=_("To the attention of"), required=False)
    opportunity_id = forms.ChoiceField(label=_("Deal"), required=False)
    price_list_id = forms.ChoiceField(label=_("Price list"), required=False)
    currency = forms.CharField(label=_("Currency"), max_length=3, required=False)
    valid_until = forms.DateField(
        label=_("Valid until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    language = forms.ChoiceField(label=_("Language of the quote"), choices=settings.LANGUAGES)
    owner_id = forms.ChoiceField(label=_("Salesperson"), required=False)
    terms = forms.CharField(
        label=_("Terms and notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("Payment, delivery, warranty…")}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        contacts: list[Any],
        deals: list[Any],
        price_lists: list[Any],
        owners: list[Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choices(
            self.fields["contact_id"],
            [("", "—")] + [(str(p.pk), p.name) for p in contacts],
        )
        _choices(
            self.fields["opportunity_id"],
            [("", _("No deal"))] + [(str(d.pk), d.title) for d in deals],
        )
        _choices(
            self.fields["price_list_id"],
            [("", _("No price list (type the prices)"))]
            + [(str(p.pk), f"{p.name} ({p.currency})") for p in price_lists],
        )
        _choices(
            self.fields["owner_id"],
            [("", "—")] + [(str(u.pk), u.display_name) for u in owners],
        )
        self.fields["currency"].widget.attrs.update(
            {"class": "input narrow", "autocapitalize": "characters"}
        )
        self.price_lists = price_lists
        if not contacts:
            self.fields["contact_id"].widget = forms.HiddenInput()

    def service_data(self) -> dict[str, Any]:
        c = self.cleaned_data
        data: dict[str, Any] = {
            "title": c.get("title") or "",
            "contact_id": c.get("contact_id") or None,
            "opportunity_id": c.get("opportunity_id") or None,
            "price_list_id": c.get("price_list_id") or None,
            "language": c.get("language") or "",
            "terms": c.get("terms") or "",
            "owner_id": c.get("owner_id") or None,
        }
        if c.get("valid_until"):
            data["valid_until"] = c["valid_until"]
        if not data["price_list_id"]:
            data["currency"] = c.get("currency") or ""
        return data


class SendForm(ServiceForm):
    reload_url = ""
    to = forms.CharField(
        label=_("Send to"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class AcceptForm(ServiceForm):
    name = forms.CharField(
        label=_("Your full name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    agree = forms.BooleanField(
        label=_("I accept this quote, its prices and its terms."),
        error_messages={"required": _("Tick the box to accept the quote.")},
    )


class DeclineForm(ServiceForm):
    reason = forms.CharField(
        label=_("Why? (optional)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
