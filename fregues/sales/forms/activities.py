"""Forms of the activity screens: plan or edit an activity, mark it done, reschedule it, call
it off. They pass what the browser sends to the services as it came (a date, a time); the
services judge it, and their errors come back next to the fields."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fregues.core.forms import ServiceForm
from fregues.interactions.models import Channel

from ..models import Activity, ActivityKind
from ..services.activities import ACTIVITY_CHANNELS, default_channel

REMIND_CHOICES = [
    ("", _("No reminder")),
    ("0", _("At the time")),
    ("15", _("15 minutes before")),
    ("60", _("1 hour before")),
    ("1440", _("1 day before")),
]
KIND_ICONS = {
    ActivityKind.TASK: "check",
    ActivityKind.CALL: "phone",
    ActivityKind.MEETING: "users",
    ActivityKind.VISIT: "visit",
    ActivityKind.EMAIL: "email",
}


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _int(value: Any) -> int | None:
    return int(value) if value not in (None, "") and str(value).isdigit() else None


def when_value(day: str, time: str) -> str:
    """What the service reads: "2026-12-01" (a whole day) or "2026-12-01T14:30"."""
    day, time = (day or "").strip(), (time or "").strip()
    return f"{day}T{time}" if day and time else day


def when_initial(activity: Activity | None) -> dict[str, str]:
    if activity is None or activity.due_at is None:
        return {}
    local = timezone.localtime(activity.due_at)
    return {
        "due_date": local.date().isoformat(),
        "due_time": "" if activity.all_day else local.strftime("%H:%M"),
    }


class WhenFields(forms.Form):
    due_date = forms.CharField(label=_("Date"), required=False, widget=_date_input())
    due_time = forms.CharField(
        label=_("Time"),
        required=False,
        widget=_time_input(),
        help_text=_("Empty: the whole day."),
    )

    def due_at(self) -> str:
        return when_value(
            self.cleaned_data.get("due_date", ""), self.cleaned_data.get("due_time", "")
        )


class ActivityForm(ServiceForm, WhenFields):
    """Plan an activity, or change a planned one."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=ActivityKind.choices,
        initial=ActivityKind.TASK,
        widget=forms.RadioSelect,
    )
    subject = forms.CharField(
        label=_("Subject"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("What is it about?")}),
    )
    party = forms.CharField(required=False, widget=forms.HiddenInput)
    lead = forms.CharField(required=False, widget=forms.HiddenInput)
    opportunity = forms.ChoiceField(label=_("Deal"), required=False)
    duration_minutes = forms.CharField(
        label=_("Duration (minutes)"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 0, "max": 1440, "step": 5}),
    )
    location = forms.CharField(
        label=_("Where"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": _("The customer's address, if empty")}),
    )
    owner = forms.ChoiceField(label=_("Who does it"), required=False)
    remind = forms.ChoiceField(label=_("Reminder"), required=False, choices=REMIND_CHOICES)
    channel = forms.ChoiceField(label=_("On the timeline as"), required=False)
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("Agenda, what to bring…")}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    service_fields = {
        "party_id": "party",
        "lead_id": "lead",
        "opportunity_id": "opportunity",
        "owner_id": "owner",
        "due_at": "due_date",
        "all_day": "due_date",
        "remind_at": "remind",
        "remind_minutes_before": "remind",
    }

    def __init__(
        self,
        *args: Any,
        owners: list[Any],
        deals: list[Any],
        activity: Activity | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.activity = activity
        owner_field = self.fields["owner"]
        assert isinstance(owner_field, forms.ChoiceField)
        owner_field.choices = [(str(u.pk), u.display_name) for u in owners]
        deal_field = self.fields["opportunity"]
        assert isinstance(deal_field, forms.ChoiceField)
        deal_field.choices = [("", "—")] + [(str(d.pk), d.title) for d in deals]
        labels = dict(Channel.choices)
        channel_field = self.fields["channel"]
        assert isinstance(channel_field, forms.ChoiceField)
        channel_field.choices = [("", _("By kind"))] + [(c, labels[c]) for c in ACTIVITY_CHANNELS]
        remind_field = self.fields["remind"]
        assert isinstance(remind_field, forms.ChoiceField)
        if activity is not None and activity.remind_at and activity.due_at:
            minutes = int((activity.due_at - activity.remind_at).total_seconds() // 60)
            known = {value for value, _label in REMIND_CHOICES}
            if str(minutes) not in known and minutes >= 0:
                remind_field.choices = [
                    *REMIND_CHOICES,
                    (str(minutes), _("%(n)s minutes before") % {"n": minutes}),
                ]

    @classmethod
    def initial_for(cls, activity: Activity) -> dict[str, Any]:
        remind = ""
        if activity.remind_at and activity.due_at:
            remind = str(max(0, int((activity.due_at - activity.remind_at).total_seconds() // 60)))
        channel = activity.channel if activity.channel != default_channel(activity.kind) else ""
        return {
            "kind": activity.kind,
            "subject": activity.subject,
            "party": activity.party_id or "",
            "lead": activity.lead_id or "",
            "opportunity": activity.opportunity_id or "",
            "duration_minutes": activity.duration_minutes,
            "location": activity.location,
            "owner": activity.owner_id,
            "remind": remind,
            "channel": channel,
            "notes": activity.notes,
            "version": activity.version,
            **when_initial(activity),
        }

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "kind": data.get("kind") or "",
            "subject": data.get("subject") or "",
            "party_id": _int(data.get("party")),
            "lead_id": _int(data.get("lead")),
            "opportunity_id": _int(data.get("opportunity")),
            "due_at": self.due_at(),
            "duration_minutes": (data.get("duration_minutes") or "").strip() or None,
            "location": data.get("location") or "",
            "owner_id": _int(data.get("owner")),
            "remind_minutes_before": _int(data.get("remind")),
            "remind_at": None,
            "channel": data.get("channel") or "",
            "notes": data.get("notes") or "",
        }


class CompleteForm(ServiceForm):
    """Mark done: what came of it, the report, how long it took."""

    outcome = forms.CharField(
        label=_("Outcome"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. Will order next month")}),
    )
    notes = forms.CharField(
        label=_("Report"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": _("What was said, what was agreed…")}
        ),
    )
    duration_minutes = forms.CharField(
        label=_("Duration (minutes)"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 0, "max": 1440, "step": 5}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        notes = (data.get("notes") or "").strip()
        return {
            "outcome": data.get("outcome") or "",
            "notes": notes or None,
            "duration_minutes": (data.get("duration_minutes") or "").strip() or None,
            "version": data.get("version"),
        }


class RescheduleForm(ServiceForm, WhenFields):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    service_fields = {"due_at": "due_date", "all_day": "due_date"}

    @staticmethod
    def shortcut(days: int, activity: Activity) -> str:
        """The date ``days`` from today (or from the activity's day when it is later)."""
        base = timezone.localdate()
        return (base + datetime.timedelta(days=days)).isoformat()


class CancelForm(ServiceForm):
    reason = forms.CharField(label=_("Why"), required=False, max_length=300)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
