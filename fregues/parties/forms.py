"""Forms for parties: they parse the browser's input into what the services take.

Validation (e-mails, phones, tax ids, names, lifecycle rules) is the services' job; the forms
only read the fields, and show the services' errors (fregues.core.forms.ServiceForm).
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from fregues.core.forms import ServiceForm

from .models import ContactPointKind, LifecycleStage, Party, PartyKind
from .normalize import SOCIAL_NETWORKS
from .services.lifecycle import allowed_moves

PARTY_LANGUAGES = [
    ("", _("Not known")),
    ("pt-br", "Português (Brasil)"),
    ("pt-pt", "Português (Portugal)"),
    ("en", "English"),
    ("es", "Español"),
    ("fr", "Français"),
]
WEEKDAYS = [
    ("1", _("Monday")),
    ("2", _("Tuesday")),
    ("3", _("Wednesday")),
    ("4", _("Thursday")),
    ("5", _("Friday")),
    ("6", _("Saturday")),
    ("7", _("Sunday")),
]
NETWORK_CHOICES = [
    ("facebook", "Facebook"),
    ("x", "X (Twitter)"),
    ("linkedin", "LinkedIn"),
    ("instagram", "Instagram"),
    ("whatsapp", "WhatsApp"),
    ("telegram", "Telegram"),
]
assert {code for code, _label in NETWORK_CHOICES} == set(SOCIAL_NETWORKS)


def _text(label: Any, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=label, required=False, **kwargs)


class PartyForm(ServiceForm):
    """The profile of a person or an organisation (create and edit)."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=PartyKind.choices,
        initial=PartyKind.PERSON,
        widget=forms.RadioSelect(attrs={"class": "segmented-input"}),
    )
    given_name = _text(_("Given name"), max_length=100)
    family_name = _text(_("Family name"), max_length=100)
    name = _text(_("Name"), max_length=200)
    legal_name = _text(_("Legal name"), max_length=200)
    tax_id = _text(_("Tax id (CPF, CNPJ, NIF)"), max_length=40)
    country = _text(
        _("Country"),
        max_length=2,
        widget=forms.TextInput(
            attrs={"list": "country-codes", "autocapitalize": "characters", "size": 3}
        ),
    )
    language = forms.ChoiceField(
        label=_("Preferred language"), choices=PARTY_LANGUAGES, required=False
    )
    birth_date = _text(_("Birth date"), widget=forms.DateInput(attrs={"type": "date"}))
    preferred_channel = forms.ChoiceField(
        label=_("Preferred channel for notices"),
        choices=[
            ("", _("No preference")),
            *(Party._meta.get_field("preferred_channel").choices or ()),
        ],
        required=False,
    )
    tier = _text(
        _("Customer tier"), max_length=20, help_text=_("e.g. gold: SLA policies may depend on it.")
    )
    contact_hours_start = forms.TimeField(
        label=_("Contact from"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    contact_hours_end = forms.TimeField(
        label=_("Contact until"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    contact_weekdays = forms.MultipleChoiceField(
        label=_("Contact days"),
        choices=WEEKDAYS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any day."),
    )
    owner = forms.ChoiceField(label=_("Relationship manager"), required=False)
    tags = _text(
        _("Tags"),
        help_text=_("Separate tags with commas."),
        widget=forms.TextInput(attrs={"list": "tag-names", "autocomplete": "off"}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    service_fields = {"owner_id": "owner"}

    def __init__(
        self,
        *args: Any,
        owner_choices: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["owner"]).choices = [
            ("", _("Nobody")),
            *(owner_choices or []),
        ]
        self.fields["country"].initial = settings.DEFAULT_COUNTRY
        self.service_fields = dict(self.service_fields)
        if self.kind_value() == PartyKind.PERSON:
            self.service_fields["name"] = "given_name"

    def kind_value(self) -> str:
        if self.is_bound:
            return self.data.get(self.add_prefix("kind")) or PartyKind.PERSON
        return self.initial.get("kind") or PartyKind.PERSON

    def profile_data(self) -> dict[str, Any]:
        """The ``data`` argument of party_create/party_update."""
        c = self.cleaned_data
        kind = c.get("kind") or PartyKind.PERSON
        data: dict[str, Any] = {
            "kind": kind,
            "name": c.get("name", ""),
            "tax_id": c.get("tax_id", ""),
            "country": c.get("country", ""),
            "language": c.get("language", ""),
            "preferred_channel": c.get("preferred_channel", ""),
            "tier": c.get("tier", ""),
            "contact_hours_start": c.get("contact_hours_start"),
            "contact_hours_end": c.get("contact_hours_end"),
            "contact_weekdays": c.get("contact_weekdays") or [],
            "owner_id": int(c["owner"]) if c.get("owner") else None,
        }
        if kind == PartyKind.PERSON:
            data.update(
                given_name=c.get("given_name", ""),
                family_name=c.get("family_name", ""),
                birth_date=c.get("birth_date") or None,
                legal_name="",
            )
        else:
            data.update(legal_name=c.get("legal_name", ""), birth_date=None)
        return data

    def tag_list(self) -> list[str]:
        raw = self.cleaned_data.get("tags") or ""
        return [t.strip() for t in raw.split(",") if t.strip()]


class PartyCreateForm(PartyForm):
    """A new party with its first e-mail, phone and social handle."""

    email = _text(
        _("E-mail"),
        max_length=300,
        widget=forms.TextInput(attrs={"inputmode": "email", "autocomplete": "off"}),
    )
    phone = _text(
        _("Phone"),
        max_length=60,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    social_network = forms.ChoiceField(
        label=_("Social network"),
        choices=[("", "—"), *NETWORK_CHOICES],
        required=False,
    )
    social_handle = _text(_("Handle"), max_length=300)
    lifecycle_stage = forms.ChoiceField(
        label=_("Lifecycle stage"),
        choices=LifecycleStage.choices,
        initial=LifecycleStage.SUSPECT,
    )

    def contact_points(self) -> list[dict[str, Any]]:
        """The contact points to create, remembering which form field each came from."""
        c = self.cleaned_data
        points: list[dict[str, Any]] = []
        if c.get("email"):
            points.append({"kind": "email", "value": c["email"], "_field": "email"})
        if c.get("phone"):
            points.append({"kind": "phone", "value": c["phone"], "_field": "phone"})
        if c.get("social_handle") or c.get("social_network"):
            points.append(
                {
                    "kind": "social",
                    "network": c.get("social_network", ""),
                    "value": c.get("social_handle", ""),
                    "_field": "social_handle",
                }
            )
        self.service_fields = dict(self.service_fields)
        for i, point in enumerate(points):
            field = point.pop("_field")
            self.service_fields[f"contact_points.{i}.value"] = field
            self.service_fields[f"contact_points.{i}.kind"] = field
            self.service_fields[f"contact_points.{i}.network"] = (
                "social_network" if field == "social_handle" else field
            )
        return points


class ContactPointForm(ServiceForm):
    """An e-mail, phone, social handle or postal address of a party."""

    kind = forms.ChoiceField(label=_("Kind"), choices=ContactPointKind.choices)
    network = forms.ChoiceField(
        label=_("Network"), choices=[("", "—"), *NETWORK_CHOICES], required=False
    )
    value = _text(_("E-mail, number or handle"), max_length=300)
    label = forms.ChoiceField(
        label=_("Label"),
        required=False,
        choices=[
            ("", "—"),
            ("mobile", _("mobile")),
            ("home", _("home")),
            ("work", _("work")),
            ("other", _("other")),
        ],
    )
    is_primary = forms.BooleanField(label=_("Primary"), required=False)
    is_verified = forms.BooleanField(label=_("Verified"), required=False)
    street = _text(_("Street"), max_length=200)
    number = _text(_("Number"), max_length=20)
    complement = _text(_("Complement"), max_length=100)
    district = _text(_("District"), max_length=100)
    city = _text(_("City"), max_length=100)
    region = _text(_("State / region"), max_length=100)
    postal_code = _text(_("Postal code"), max_length=20)
    country = _text(_("Country"), max_length=2, widget=forms.TextInput(attrs={"size": 3}))

    ADDRESS_PARTS = (
        "street",
        "number",
        "complement",
        "district",
        "city",
        "region",
        "postal_code",
        "country",
    )

    def __init__(self, *args: Any, point: Any = None, **kwargs: Any) -> None:
        self.point = point
        if point is not None:
            kwargs.setdefault("prefix", f"cp{point.pk}")
            kwargs.setdefault(
                "initial",
                {
                    "kind": point.kind,
                    "network": point.network,
                    "value": "" if point.kind == "address" else point.value,
                    "label": point.label,
                    "is_primary": point.is_primary,
                    "is_verified": point.is_verified,
                    **{name: getattr(point, name) for name in self.ADDRESS_PARTS},
                },
            )
        super().__init__(*args, **kwargs)
        if point is not None:  # the kind of a contact point never changes
            self.fields["kind"].disabled = True
            self.fields["network"].disabled = True
        label_field = cast(forms.ChoiceField, self.fields["label"])
        label_choices = cast(list[tuple[str, str]], label_field.choices)  # a plain list
        if point is not None and point.label and point.label not in dict(label_choices):
            label_field.choices = [*label_choices, (point.label, point.label)]

    def service_data(self) -> dict[str, Any]:
        c = self.cleaned_data
        data: dict[str, Any] = {
            "label": c.get("label", ""),
            "is_primary": bool(c.get("is_primary")),
            "is_verified": bool(c.get("is_verified")),
        }
        kind = self.point.kind if self.point is not None else c.get("kind")
        if self.point is None:
            data["kind"] = kind
            data["network"] = c.get("network", "")
        if kind == "address":
            data.update({name: c.get(name, "") for name in self.ADDRESS_PARTS})
            data["value"] = ""
        else:
            data["value"] = c.get("value", "")
        return data


class NoteForm(ServiceForm):
    body = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("Write a note…")}),
    )
    before_visit = forms.BooleanField(label=_("Read before a visit"), required=False)


class LifecycleForm(ServiceForm):
    """A move to another stage. Any stage is accepted here: the service judges the move (a
    stale page may offer one that is no longer allowed); the page offers ``allowed_choices``."""

    to_stage = forms.ChoiceField(label=_("Move to"), choices=LifecycleStage.choices)
    reason = _text(
        _("Reason"),
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": _("Why? (required to go inactive or lost)")}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, stage: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(LifecycleStage.choices)
        self.allowed_choices = [(s, labels[s]) for s in allowed_moves(stage)]


class AffiliationForm(ServiceForm):
    """Link a person to an organisation (from either page), with the person's role there."""

    link_q = _text(
        _("Search"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "type": "search"}),
    )
    other_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    role = _text(_("Role there"), max_length=120)
    is_primary = forms.BooleanField(label=_("Main organisation"), required=False)

    service_fields = {"person_id": "link_q", "organization_id": "link_q"}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        if not data.get("other_id"):
            self.add_error("link_q", _("Search, then pick one from the list."))
        return data


class MergeForm(forms.Form):
    survivor = forms.TypedChoiceField(coerce=int, widget=forms.RadioSelect)

    def __init__(self, *args: Any, ids: tuple[int, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["survivor"]).choices = [(i, str(i)) for i in ids]
