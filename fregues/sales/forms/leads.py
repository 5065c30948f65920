"""Forms of the lead screens, the lead-forms setup and the public web form.

They parse what the browser sends into what the services take and show the services' errors
(``ServiceForm``); the rules themselves (an e-mail or a phone, a valid CPF, a known currency)
are the services'.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fregues.core.forms import ServiceForm

from ..models import LeadSource
from ..money import currencies

NONE = [("", "—")]
COMMON_CURRENCIES = ["BRL", "EUR", "USD"]


def _set_choices(form: forms.Form, name: str, choices: list[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _id(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


def currency_choices() -> list[tuple[str, str]]:
    """BRL, EUR and USD first, then every other ISO 4217 code."""
    rest = sorted(c for c in currencies() if c not in COMMON_CURRENCIES)
    return [(c, c) for c in COMMON_CURRENCIES + rest]


class LeadEditForm(ServiceForm):
    """A lead typed in, or edited: who, how to reach them, what they want, whose it is."""

    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    company = forms.CharField(label=_("Company"), max_length=200, required=False)
    job_title = forms.CharField(label=_("Job title"), max_length=120, required=False)
    email = forms.CharField(
        label=_("E-mail"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "placeholder": "(11) 98765-4321"}),
    )
    tax_id = forms.CharField(label=_("CPF / CNPJ / NIF"), max_length=40, required=False)
    country = forms.CharField(
        label=_("Country"),
        max_length=2,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "BR", "size": 3}),
    )
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    interest = forms.CharField(label=_("Interested in"), max_length=200, required=False)
    message = forms.CharField(
        label=_("Message"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    estimated_amount = forms.CharField(
        label=_("Estimated amount"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "1.500,00"}),
    )
    currency = forms.ChoiceField(label=_("Currency"), required=False)
    source = forms.ChoiceField(label=_("Source"), choices=LeadSource.choices)
    source_detail = forms.CharField(
        label=_("Source detail"),
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Campaign, fair, landing page…")}),
    )
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    referred_by = forms.CharField(required=False, widget=forms.HiddenInput)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    service_fields = {"owner_id": "owner", "referred_by_id": "referred_by"}
    reload_url = ""
    # the fields that hold plain text, the same on the lead and in the form
    TEXT_FIELDS = (
        "name",
        "company",
        "job_title",
        "email",
        "phone",
        "tax_id",
        "country",
        "city",
        "interest",
        "message",
        "source",
        "source_detail",
    )

    def __init__(self, *args: Any, owners: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(
            self,
            "owner",
            [("", _("Nobody yet"))] + [(str(u.pk), u.display_name) for u in owners],
        )
        _set_choices(self, "currency", currency_choices())
        self.fields["name"].widget.attrs["autofocus"] = True

    def service_data(self) -> dict[str, Any]:
        """What ``lead_create`` / ``lead_update`` take."""
        data = self.cleaned_data
        out = {name: data.get(name) or "" for name in (*self.TEXT_FIELDS, "estimated_amount")}
        out["currency"] = (data.get("currency") or "") if data.get("estimated_amount") else ""
        out["owner_id"] = _id(data.get("owner"))
        out["referred_by_id"] = _id(data.get("referred_by"))
        return out


class DisqualifyForm(ServiceForm):
    reason = forms.CharField(
        label=_("Why is this lead disqualified?"),
        max_length=300,
        required=False,
        widget=forms.TextInput(
            attrs={"placeholder": _("No budget, a student, spam, already a customer…")}
        ),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ConvertForm(ServiceForm):
    pipeline = forms.ChoiceField(label=_("Pipeline"), required=False)
    title = forms.CharField(label=_("Deal title"), max_length=200, required=False)
    amount = forms.CharField(
        label=_("Amount"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    currency = forms.ChoiceField(label=_("Currency"), required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    service_fields = {"pipeline_id": "pipeline"}

    def __init__(self, *args: Any, pipelines: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "pipeline", [(str(p.pk), str(p)) for p in pipelines])
        _set_choices(self, "currency", currency_choices())


class AssignForm(ServiceForm):
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    service_fields = {"owner_id": "owner"}

    def __init__(self, *args: Any, owners: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(
            self,
            "owner",
            [("", _("Nobody yet"))] + [(str(u.pk), u.display_name) for u in owners],
        )

    def owner_id(self) -> int | None:
        return _id(self.cleaned_data.get("owner"))


class LeadFormSetupForm(ServiceForm):
    """A public web form: its address code, texts, and where its leads go."""

    name = forms.CharField(label=_("Name"), max_length=120, required=False)
    code = forms.CharField(
        label=_("Address code"),
        max_length=60,
        required=False,
        help_text=_("The end of the form's address: /forms/<code>. Empty: made from the name."),
    )
    title = forms.CharField(label=_("Title shown"), max_length=200, required=False)
    intro = forms.CharField(
        label=_("Text above the form"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    thank_you = forms.CharField(
        label=_("Text after sending"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    owner = forms.ChoiceField(label=_("Owner of new leads"), required=False)
    pipeline = forms.ChoiceField(label=_("Pipeline of their deals"), required=False)
    is_active = forms.BooleanField(label=_("Takes answers"), required=False, initial=True)

    service_fields = {"owner_id": "owner", "pipeline_id": "pipeline"}

    def __init__(self, *args: Any, owners: list[Any], pipelines: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _set_choices(
            self,
            "owner",
            [("", _("Nobody: someone picks them up"))]
            + [(str(u.pk), u.display_name) for u in owners],
        )
        _set_choices(
            self,
            "pipeline",
            [("", _("The default pipeline"))] + [(str(p.pk), str(p)) for p in pipelines],
        )

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data.get("name") or "",
            "code": data.get("code") or "",
            "title": data.get("title") or "",
            "intro": data.get("intro") or "",
            "thank_you": data.get("thank_you") or "",
            "owner_id": _id(data.get("owner")),
            "pipeline_id": _id(data.get("pipeline")),
            "is_active": bool(data.get("is_active")),
        }


class PublicLeadForm(ServiceForm):
    """The public form: what a visitor fills in (the honeypot is drawn by the template)."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.CharField(
        label=_("E-mail"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    company = forms.CharField(
        label=_("Company"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    message = forms.CharField(
        label=_("How can we help?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    consent = forms.BooleanField(required=False)

    def __init__(self, *args: Any, consent_label: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consent"].label = consent_label
        self.fields["name"].widget.attrs["required"] = True
        self.required_note = _("Give an e-mail or a phone.")

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            name: data.get(name) or "" for name in ("name", "email", "phone", "company", "message")
        }
