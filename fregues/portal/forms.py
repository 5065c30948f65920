"""Forms of the portal's screens: they read what the browser sends; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from fregues.core.forms import ServiceForm
from fregues.service.forms import SurveyForm

from .selectors.requests import portal_case_types, type_name
from .services.requests import accepted_extensions

__all__ = ["ReplyForm", "RequestOpenForm", "SurveyForm"]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several files in one input; which ones are accepted, the portal's service says."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        return [f for f in (data if isinstance(data, list | tuple) else [data]) if f]


def attachments_hint() -> str:
    return str(
        _("Up to %(n)s files of up to %(mb)s MB each: %(types)s.")
        % {
            "n": settings.PORTAL_ATTACHMENT_MAX_FILES,
            "mb": settings.PORTAL_ATTACHMENT_MAX_MB,
            "types": ", ".join(sorted(accepted_extensions())),
        }
    )


def _attachments_field() -> AttachmentsField:
    field = AttachmentsField(label=_("Files (optional)"), required=False)
    field.widget.attrs["accept"] = ",".join(sorted(accepted_extensions()))
    return field


class RequestOpenForm(ServiceForm):
    case_type = forms.ChoiceField(label=_("What do you need?"), required=False)
    subject = forms.CharField(
        label=_("In a line, what is it about?"), required=False, max_length=300
    )
    description = forms.CharField(
        label=_("Tell us more (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    attachments = _attachments_field()

    def __init__(self, *args: Any, language: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attachments"] = _attachments_field()
        choices = [("", _("Choose…"))] + [
            (t.code, type_name(t, language)) for t in portal_case_types()
        ]
        self.fields["case_type"].choices = choices  # type: ignore[attr-defined]
        self.fields["description"].widget.attrs.setdefault("class", "input")


class ReplyForm(ServiceForm):
    body = forms.CharField(
        label=_("Your message"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    attachments = _attachments_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attachments"] = _attachments_field()
