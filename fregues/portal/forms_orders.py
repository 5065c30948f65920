"""Forms of the portal's screens. They parse what the browser sends; the portal's services
decide what is valid and their errors show next to the fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fregues.core.forms import ServiceForm


class QuoteAcceptForm(ServiceForm):
    name = forms.CharField(
        label=_("Your full name"),
        max_length=200,
        help_text=_("Typing your name is your signature: it accepts the quote as it is."),
    )


class QuoteDeclineForm(ServiceForm):
    reason = forms.CharField(
        label=_("Why are you declining? (optional)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SuggestionForm(ServiceForm):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(
        label=_("Your suggestion"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )


class CustomisationForm(ServiceForm):
    """One field per customisation option of the product, the order it is about, a note."""

    order_number = forms.ChoiceField(label=_("About which order?"), required=False)
    note = forms.CharField(
        label=_("Anything else we should know? (optional)"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self, *args: Any, options: list[dict[str, Any]], orders: list[str], **kwargs: Any
    ) -> None:
        self.options = options
        super().__init__(*args, **kwargs)
        order_field = self.fields["order_number"]
        assert isinstance(order_field, forms.ChoiceField)
        order_field.choices = [("", _("None in particular"))] + [(n, n) for n in orders]
        for i, option in enumerate(options):
            name = f"option_{i}"
            required = bool(option.get("required"))
            if option.get("kind") == "choice":
                field: forms.Field = forms.ChoiceField(
                    label=option["label"],
                    required=required,
                    choices=[("", "—")] + [(c, c) for c in option.get("choices") or []],
                )
            else:
                field = forms.CharField(label=option["label"], required=required, max_length=500)
            field.widget.attrs.setdefault("class", "input")
            self.fields[name] = field
            self.service_fields = {**self.service_fields, f"answers.{option['label']}": name}
        # the option fields first, then the order and the note
        order = [f"option_{i}" for i in range(len(options))] + ["order_number", "note"]
        self.order_fields(order)

    def option_fields(self) -> list[Any]:
        return [self[f"option_{i}"] for i in range(len(self.options))]

    def answers(self) -> dict[str, str]:
        return {
            option["label"]: self.cleaned_data.get(f"option_{i}") or ""
            for i, option in enumerate(self.options)
        }
