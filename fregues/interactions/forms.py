"""The "log interaction" form: what the agent types, parsed for interaction_record."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from fregues.core.forms import ServiceForm
from fregues.parties.forms import NETWORK_CHOICES

from .models import Channel, Direction
from .services import NewAttachment

# The names of the records the audit history talks about (their models' verbose names).
MODEL_NAMES = [gettext_noop("interaction"), gettext_noop("attachment")]

_DURATION = re.compile(r"^(?:(\d+):)?(\d{1,3})(?::(\d{1,2}))?$")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


class LogInteractionForm(ServiceForm):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial="phone")
    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=Direction.choices,
        initial=Direction.INBOUND,
        widget=forms.RadioSelect,
    )
    network = forms.ChoiceField(
        label=_("Network"), choices=[("", "—"), *NETWORK_CHOICES], required=False
    )
    subject = forms.CharField(
        label=_("Subject"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": _("What was it about?")}),
    )
    body = forms.CharField(
        label=_("Notes"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": _("What was said, what was agreed…")}
        ),
    )
    occurred_at = forms.CharField(
        label=_("When"),
        required=False,
        help_text=_("Leave empty for now."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    duration = forms.CharField(
        label=_("Duration"),
        required=False,
        help_text=_("Minutes, or mm:ss."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "5:30", "size": 6}),
    )
    outcome = forms.CharField(label=_("Outcome"), required=False, max_length=60)
    via = forms.ChoiceField(label=_("Number or address used"), required=False)
    attachments = MultipleFileField(label=_("Attachments"), required=False)

    service_fields = {"duration_seconds": "duration", "address": "via", "party_id": "subject"}

    def __init__(self, *args: Any, party: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        points = [p for p in party.contact_points.all() if p.kind != "address"] if party else []
        cast(forms.ChoiceField, self.fields["via"]).choices = [
            ("", "—"),
            *((p.value, p.value) for p in points),
        ]

    def map_service_field(self, name: str) -> str | None:
        if name.startswith("attachments"):
            return "attachments"
        return super().map_service_field(name)

    def clean_duration(self) -> int | None:
        raw = (self.cleaned_data.get("duration") or "").strip()
        if not raw:
            return None
        match = _DURATION.match(raw)
        if not match:
            raise ValidationError(_("Write the duration as minutes (5) or mm:ss (5:30)."))
        hours, first, second = match.groups()
        if second is None and hours is None:
            return int(first) * 60
        if hours is not None and second is None:  # "m:ss"
            return int(hours) * 60 + int(first)
        return int(hours or 0) * 3600 + int(first) * 60 + int(second or 0)

    def service_data(self) -> dict[str, Any]:
        c = self.cleaned_data
        return {
            "channel": c["channel"],
            "direction": c["direction"],
            "network": c.get("network", ""),
            "subject": c.get("subject", ""),
            "body": c.get("body", ""),
            "outcome": c.get("outcome", ""),
            "occurred_at": c.get("occurred_at") or None,
            "duration_seconds": c.get("duration"),
        }

    def new_attachments(self) -> list[NewAttachment]:
        return [
            NewAttachment(f.name, f.read(), getattr(f, "content_type", "") or "")
            for f in self.cleaned_data.get("attachments") or []
        ]
