"""The form of one lifecycle rule on the setup screen: on/off and its one parameter."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fregues.core.forms import ServiceForm

LABELS = {
    "window_days": _("Window (days)"),
    "months": _("Months without an order"),
    "min_score": _("Minimum score (0–10)"),
}
HINTS = {
    "window_days": _("A second order within this many days of the previous one. At least 1."),
    "months": _("From 1 to 120. A month counts as 365.25 / 12 days."),
    "min_score": _("On a 0–10 scale; the service's 1–5 survey answers count double."),
}


class LifecycleRuleForm(ServiceForm):
    """``is_active`` and, when the rule has one, its parameter (checked by the service)."""

    is_active = forms.BooleanField(label=_("Active"), required=False)

    def __init__(self, *args: Any, rule: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"rule-{rule.pk}")
        kwargs.setdefault(
            "initial",
            {"is_active": rule.is_active}
            | ({rule.parameter: getattr(rule, rule.parameter)} if rule.parameter else {}),
        )
        super().__init__(*args, **kwargs)
        self.rule = rule
        if rule.parameter:
            self.fields[rule.parameter] = forms.CharField(
                label=LABELS[rule.parameter],
                required=False,
                help_text=HINTS[rule.parameter],
                widget=forms.NumberInput(attrs={"class": "input input-sm", "inputmode": "numeric"}),
            )

    @property
    def parameter_field(self) -> Any:
        return self[self.rule.parameter] if self.rule.parameter else None

    def service_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"is_active": bool(self.cleaned_data.get("is_active"))}
        if self.rule.parameter:
            data[self.rule.parameter] = (self.cleaned_data.get(self.rule.parameter) or "").strip()
        return data
