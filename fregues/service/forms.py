"""Forms of the customer-service screens: they parse what the browser sends into what the
services take, and show the services' errors (fregues.core.forms.ServiceForm).

The rules (which transitions are allowed, what a valid score is, who may be assigned) are the
services' business; the choices offered here only spare the user a round trip.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fregues.core.forms import ServiceForm
from fregues.interactions.forms import LogInteractionForm
from fregues.interactions.models import Channel

from .models import CasePriority, WorkOrder

NONE = [("", "—")]


def set_choices(form: forms.Form, name: str, choices: list[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _id_or_none(value: Any) -> int | None:
    return int(value) if value not in (None, "") and str(value).isdigit() else None


class CaseOpenForm(ServiceForm):
    """A new case for a customer (the party comes from the URL)."""

    case_type = forms.ChoiceField(label=_("Type"))
    category = forms.CharField(label=_("Category"), required=False, max_length=80)
    priority = forms.ChoiceField(
        label=_("Priority"), choices=CasePriority.choices, initial=CasePriority.NORMAL
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial="phone")
    subject = forms.CharField(
        label=_("Subject"),
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": _("What is the request about?")}),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": _("What the customer told us…")}),
    )
    reporter = forms.ChoiceField(label=_("Reported by"), required=False)
    queue = forms.ChoiceField(label=_("Queue"), required=False)
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    force_new = forms.BooleanField(required=False, widget=forms.HiddenInput)

    service_fields = {
        "reporter_id": "reporter",
        "queue_id": "queue",
        "assignee_id": "assignee",
    }

    def __init__(
        self,
        *args: Any,
        case_types: list[Any],
        reporters: list[Any],
        queues: list[Any],
        agents: list[Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.case_types = case_types
        set_choices(self, "case_type", [(t.code, t.name) for t in case_types])
        set_choices(self, "reporter", NONE + [(str(p.pk), p.name) for p in reporters])
        set_choices(
            self,
            "queue",
            [("", _("The type's default queue"))] + [(str(q.pk), q.name) for q in queues],
        )
        set_choices(
            self,
            "assignee",
            [("", _("By the queue's rule"))] + [(str(u.pk), u.display_name) for u in agents],
        )
        if not reporters:
            del self.fields["reporter"]

    def categories(self) -> list[str]:
        """The categories of the chosen (or first) case type."""
        chosen = self.data.get("case_type") if self.is_bound else self.initial.get("case_type")
        for kind in self.case_types:
            if kind.code == chosen:
                return list(kind.categories or [])
        return list(self.case_types[0].categories or []) if self.case_types else []

    def service_kwargs(self) -> dict[str, Any]:
        c = self.cleaned_data
        return {
            "case_type": c["case_type"],
            "category": c.get("category") or "",
            "priority": c["priority"],
            "channel": c["channel"],
            "subject": c["subject"],
            "description": c.get("description") or "",
            "reporter_id": _id_or_none(c.get("reporter")),
            "queue_id": _id_or_none(c.get("queue")),
            "assignee_id": _id_or_none(c.get("assignee")),
            "force_new": bool(c.get("force_new")),
        }


class TransitionForm(ServiceForm):
    to_status = forms.CharField(max_length=60)
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("Why, what happens next…")}),
        help_text=_("A move that tells the customer sends this comment with the notice."),
    )
    version = forms.IntegerField(
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_status"].error_messages["required"] = _(
            "Choose the status to move the case to."
        )


class AssignForm(ServiceForm):
    assignee = forms.ChoiceField(label=_("Assign to"), required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    service_fields = {"assignee_id": "assignee", "auto": "assignee"}

    def __init__(self, *args: Any, agents: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(
            self, "assignee", [("", _("Nobody"))] + [(str(u.pk), u.display_name) for u in agents]
        )


class CaseEditForm(ServiceForm):
    """The details of a case an agent may change."""

    subject = forms.CharField(label=_("Subject"), max_length=300)
    priority = forms.ChoiceField(label=_("Priority"), choices=CasePriority.choices)
    category = forms.ChoiceField(label=_("Category"), required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    parent = forms.CharField(
        label=_("Part of case"),
        required=False,
        max_length=40,
        help_text=_("The protocol of a larger case this one belongs to."),
    )
    duplicate_of = forms.CharField(
        label=_("Duplicate of"),
        required=False,
        max_length=40,
        help_text=_("The protocol of the case this one repeats."),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    service_fields = {"parent_id": "parent", "duplicate_of_id": "duplicate_of"}

    def __init__(self, *args: Any, categories: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = (self.initial.get("category") or "") if not self.is_bound else ""
        options = list(categories)
        if current and current not in options:
            options.append(current)
        set_choices(self, "category", NONE + [(c, c) for c in options])


class CaseContactForm(LogInteractionForm):
    """A contact about this case: the log-interaction form plus "it was a status inquiry"."""

    status_inquiry = forms.BooleanField(
        label=_("Status inquiry (the customer asked how the case is going)"), required=False
    )
    who = forms.ChoiceField(label=_("Who"), required=False)

    def __init__(self, *args: Any, people: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "who", [(str(p.pk), p.name) for p in people])
        if len(people) < 2:
            del self.fields["who"]
        self.fields["subject"].widget.attrs["placeholder"] = _("What did they ask?")

    def map_service_field(self, name: str) -> str | None:
        if name == "interaction_id":
            return None
        return super().map_service_field(name)


class AttachContactForm(ServiceForm):
    interaction_id = forms.IntegerField(widget=forms.HiddenInput)
    status_inquiry = forms.BooleanField(label=_("Status inquiry"), required=False)


class DispatchForm(ServiceForm):
    partner = forms.ChoiceField(label=_("Partner"))
    instructions = forms.CharField(
        label=_("Instructions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("What to do, when to visit…")}),
    )
    transition_to = forms.ChoiceField(label=_("Also move the case to"), required=False)

    service_fields = {"partner_id": "partner"}

    def __init__(
        self, *args: Any, partners: list[Any], moves: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(
            self,
            "partner",
            [
                (str(p.pk), f"{p.party.name} — {p.skills}" if p.skills else p.party.name)
                for p in partners
            ],
        )
        set_choices(self, "transition_to", [("", _("Keep the status")), *moves])
        if not self.is_bound and any(code == "dispatched" for code, _label in moves):
            self.initial.setdefault("transition_to", "dispatched")


class ReassignForm(ServiceForm):
    """Who gets the ticked cases: an agent, or "none" (back to the queue, unassigned)."""

    assignee = forms.ChoiceField(
        label=_("Give the selected cases to"),
        error_messages={"required": _("Choose who gets the selected cases.")},
    )

    service_fields = {"assignee_id": "assignee"}

    def __init__(self, *args: Any, agents: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(
            self,
            "assignee",
            [
                ("", _("Choose an agent…")),
                *((str(u.pk), u.display_name) for u in agents),
                ("none", _("Nobody (back to the queue)")),
            ],
        )

    def assignee_id(self) -> int | None:
        value = self.cleaned_data.get("assignee")
        return int(value) if value and value.isdigit() else None


class TrackForm(ServiceForm):
    code = forms.CharField(
        label=_("Tracking code"),
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "placeholder": "ABCD2345",
            }
        ),
        help_text=_("It is printed on your receipt and in the messages we sent you."),
    )


SCORES = [(str(n), str(n)) for n in range(1, 6)]


class SurveyForm(ServiceForm):
    # what a valid score is, the service says (with its own message)
    score = forms.CharField(
        label=_("How satisfied are you with how we handled your request?"),
        required=False,
        widget=forms.RadioSelect(choices=SCORES),
    )
    comment = forms.CharField(
        label=_("Anything to add? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PartnerUpdateForm(ServiceForm):
    # not "status": that is the form's HTTP status (ServiceForm)
    new_status = forms.ChoiceField(
        label=_("Status"),
        choices=[(c, label) for c, label in WorkOrder.Status.choices if c != "sent"],
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(
        label=_("Notes for the company"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": _("Visit booked for Tuesday, part ordered…")}
        ),
    )

    service_fields = {"status": "new_status"}


class ReviewForm(ServiceForm):
    """Score each item of a checklist from 0 to 100; the service weighs the total."""

    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, checklist: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checklist = checklist
        self.items = list(checklist.items if checklist else [])
        for item in self.items:
            name = f"score_{item['code']}"
            self.fields[name] = forms.CharField(
                label=item.get("label") or item["code"],
                required=False,
                widget=forms.NumberInput(
                    attrs={
                        "min": 0,
                        "max": 100,
                        "step": 5,
                        "inputmode": "numeric",
                        "data-weight": item.get("weight", 1),
                    }
                ),
            )
        self.fields["comment"] = self.fields.pop("comment")  # last

    def map_service_field(self, name: str) -> str | None:
        if name.startswith("scores."):
            return f"score_{name.removeprefix('scores.')}"
        return super().map_service_field(name)

    def item_fields(self) -> list[tuple[Any, Any]]:
        """(bound field, weight) for each item of the checklist."""
        return [(self[f"score_{item['code']}"], item.get("weight", 1)) for item in self.items]

    def scores(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for item in self.items:
            raw = (self.cleaned_data.get(f"score_{item['code']}") or "").strip()
            out[item["code"]] = raw.replace(",", ".") if raw else None
        return out
