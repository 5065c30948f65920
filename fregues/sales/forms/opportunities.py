"""Forms of the deal screens and the pipelines setup: they parse what the browser sends into
what the services take and show the services' errors (``fregues.core.forms.ServiceForm``).

The rules (a stage of the chosen pipeline, a known currency, a non-negative amount, a contact
linked to the customer) are the services' business: fields here are mostly text, so the
message a user reads is the one the API gives.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from fregues.core.forms import ServiceForm

from ..models import CloseKind, CloseReason, LeadSource, Pipeline

NONE = [("", "—")]


def _choices(form: forms.Form, name: str, choices: list[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def id_or_none(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


def stage_choices(pipelines: list[Pipeline]) -> list[Any]:
    """Stages grouped by pipeline, in the reader's language."""
    language = get_language()
    return [
        (p.label(language), [(str(s.pk), s.label(language)) for s in p.stages.all()])
        for p in pipelines
    ]


class SalesForm(ServiceForm):
    """A service form that knows where "Reload" goes after a version conflict."""

    reload_url: str = ""


def _text(label: Any, **kwargs: Any) -> forms.CharField:
    kwargs.setdefault("required", False)
    return forms.CharField(label=label, **kwargs)


class OpportunityForm(SalesForm):
    """A new deal: for whom, how much, by when, in which stage, whose."""

    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("What may the customer buy?")}),
    )
    party = forms.IntegerField(required=False, widget=forms.HiddenInput)
    contact = forms.ChoiceField(label=_("Contact person"), required=False)
    pipeline = forms.ChoiceField(label=_("Pipeline"), required=False)
    stage = forms.ChoiceField(label=_("Stage"), required=False)
    amount = _text(
        _("Amount"), widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "0,00"})
    )
    currency = _text(
        _("Currency"),
        max_length=3,
        widget=forms.TextInput(
            attrs={"list": "currencies", "size": 4, "autocapitalize": "characters"}
        ),
    )
    expected_close_date = _text(
        _("Expected close date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    probability = _text(
        _("Probability (%)"),
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": 1}),
        help_text=_("Leave empty to use the stage's."),
    )
    source = _text(_("Source"), max_length=40, widget=forms.TextInput(attrs={"list": "sources"}))
    description = _text(_("Description"), widget=forms.Textarea(attrs={"rows": 3}))

    service_fields = {
        "party_id": "party",
        "contact_id": "contact",
        "pipeline_id": "pipeline",
        "stage_id": "stage",
        "owner_id": "owner",
    }
    sources = LeadSource.choices

    def __init__(
        self,
        *args: Any,
        pipelines: list[Pipeline],
        owners: list[Any],
        contacts: list[Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        language = get_language()
        _choices(self, "pipeline", [(str(p.pk), p.label(language)) for p in pipelines])
        _choices(self, "stage", [("", _("The pipeline's first stage")), *stage_choices(pipelines)])
        _choices(self, "owner", [(str(u.pk), u.display_name) for u in owners])
        _choices(self, "contact", NONE + [(str(p.pk), p.name) for p in contacts])

    def service_data(self) -> dict[str, Any]:
        c = self.cleaned_data
        return {
            "title": c.get("title") or "",
            "party_id": c.get("party"),
            "contact_id": id_or_none(c.get("contact")),
            "pipeline_id": id_or_none(c.get("pipeline")),
            "stage_id": id_or_none(c.get("stage")),
            "amount": c.get("amount") or "",
            "currency": c.get("currency") or "",
            "expected_close_date": c.get("expected_close_date") or None,
            "owner_id": id_or_none(c.get("owner")),
            "probability": c.get("probability"),
            "source": c.get("source") or "",
            "description": c.get("description") or "",
        }


class OpportunityEditForm(OpportunityForm):
    """A deal's details (its stage and status change by moving, winning, losing)."""

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["pipeline"]
        del self.fields["stage"]
        del self.fields["party"]

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        for key in ("pipeline_id", "stage_id", "party_id"):
            data.pop(key)
        return data


class CloseForm(SalesForm):
    """Win or lose a deal: a reason (of the right kind) and a note."""

    close_reason = forms.ChoiceField(label=_("Reason"), required=False)
    note = _text(
        _("Note"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("What happened?")}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    service_fields = {"close_reason_id": "close_reason"}

    def __init__(self, *args: Any, reasons: list[CloseReason], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = get_language()
        _choices(self, "close_reason", NONE + [(str(r.pk), r.label(language)) for r in reasons])


class PipelineForm(SalesForm):
    """A pipeline's name (pt and en), currency and whether it is the default; a new one also
    gets its first stage."""

    name = forms.CharField(label=_("Name"), max_length=120)
    name_en = _text(_("Name (English)"), max_length=120)
    currency = _text(
        _("Currency"), max_length=3, widget=forms.TextInput(attrs={"list": "currencies"})
    )
    is_default = forms.BooleanField(label=_("Default for new deals"), required=False)
    first_stage = _text(_("First stage"), max_length=120)
    first_probability = _text(
        _("Its probability (%)"), widget=forms.NumberInput(attrs={"min": 0, "max": 100})
    )

    service_fields = {"stages.0.name": "first_stage", "stages.0.probability": "first_probability"}

    def __init__(self, *args: Any, creating: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not creating:
            del self.fields["first_stage"]
            del self.fields["first_probability"]

    def map_service_field(self, name: str) -> str | None:
        if name == "stages":
            return "first_stage" if "first_stage" in self.fields else None
        return super().map_service_field(name)

    def service_data(self) -> dict[str, Any]:
        c = self.cleaned_data
        data: dict[str, Any] = {
            "name": c.get("name") or "",
            "name_en": c.get("name_en") or "",
            "currency": c.get("currency") or "",
            "is_default": bool(c.get("is_default")),
        }
        if "first_stage" in self.fields:
            stage = {"name": c.get("first_stage") or "", "probability": c.get("first_probability")}
            data["stages"] = [stage] if stage["name"] or stage["probability"] else []
        return data


class StageForm(SalesForm):
    """One stage: its names, probability, rotting days and whether it is in use."""

    name = forms.CharField(label=_("Name"), max_length=120)
    name_en = _text(_("Name (English)"), max_length=120)
    probability = _text(
        _("Probability (%)"), widget=forms.NumberInput(attrs={"min": 0, "max": 100})
    )
    rotting_days = _text(
        _("Rotting after (days)"),
        widget=forms.NumberInput(attrs={"min": 0, "placeholder": _("never")}),
    )
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    def service_data(self, creating: bool = False) -> dict[str, Any]:
        c = self.cleaned_data
        data = {
            "name": c.get("name") or "",
            "name_en": c.get("name_en") or "",
            "probability": c.get("probability"),
            "rotting_days": c.get("rotting_days"),
        }
        if not creating:
            data["is_active"] = bool(c.get("is_active"))
        return data


class ReasonForm(SalesForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=CloseKind.choices)
    name = forms.CharField(label=_("Name"), max_length=120)
    name_en = _text(_("Name (English)"), max_length=120)
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    def service_data(self, creating: bool = False) -> dict[str, Any]:
        c = self.cleaned_data
        data = {"kind": c["kind"], "name": c.get("name") or "", "name_en": c.get("name_en") or ""}
        if not creating:
            data["is_active"] = bool(c.get("is_active"))
        return data
