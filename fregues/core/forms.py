"""Form plumbing shared by every app: showing a service's errors in the form that caused them.

Forms stay thin: they parse what the browser sends and hand it to a service. The service
decides what is valid; when it says no, :meth:`ServiceForm.add_service_error` puts each field
error next to its field and the message on top, so the UI and the API say the same thing.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import ErrorDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import Conflict, Forbidden, Invalid, NotFound, ServiceError, VersionConflict

GENERIC_INVALID = gettext_lazy("Some fields need your attention: see the messages below.")


class ServiceForm(forms.Form):
    """A form that can show a :class:`ServiceError` from the service it feeds.

    ``service_fields`` maps a service's field names (``owner_id``, ``contact_points.0.value``)
    to this form's field names when they differ.
    """

    # Set by Django's BaseForm (django-stubs does not declare it); we add errors to it directly.
    _errors: ErrorDict | None
    service_fields: dict[str, str] = {}
    # The URL name (taking the holder's id) of the page of whoever holds a contested value.
    holder_url_name = "parties:detail"
    required_css_class = "required"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.top_messages: list[str] = []
        self.holder: dict[str, Any] | None = None
        self.version_conflict = False
        self.status = 200
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput | forms.RadioSelect):
                continue
            field.widget.attrs.setdefault("class", "input")

    def map_service_field(self, name: str) -> str | None:
        if name in self.service_fields:
            return self.service_fields[name]
        if name in self.fields:
            return name
        return None

    def add_service_error(self, exc: ServiceError, *, field: str | None = None) -> None:
        """Show ``exc``: field errors next to their fields, the message on top.

        ``field`` names the form field a conflict (409) belongs to, when the view knows it.
        """
        self.status = exc.status
        if self._errors is None:
            self._errors = ErrorDict()
        placed: list[str] = []
        for name, messages in exc.errors.items():
            target = self.map_service_field(name)
            for message in messages:
                if target is not None:
                    self._errors.setdefault(target, self.error_class()).append(message)
                    placed.append(message)
                else:
                    self.top_messages.append(message)
        if isinstance(exc, VersionConflict):
            self.version_conflict = True
            self.top_messages.append(
                _(
                    "Someone else changed this record while you were editing it. "
                    "Reload the page to see their changes, then try again."
                )
            )
        elif isinstance(exc, Conflict):
            self.holder = exc.details.get("holder")
            self.top_messages.append(exc.message)
            if field and field in self.fields:
                self._errors.setdefault(field, self.error_class()).append(exc.message)
        elif isinstance(exc, Forbidden):
            self.top_messages.append(_("Your role does not allow this action."))
        elif isinstance(exc, NotFound):
            self.top_messages.append(exc.message)
        elif isinstance(exc, Invalid):
            if exc.message and exc.message not in placed and exc.code != "invalid":
                self.top_messages.insert(0, exc.message)
            if not self.top_messages:
                self.top_messages.append(str(GENERIC_INVALID))
        else:
            self.top_messages.append(exc.message)

    @property
    def has_problems(self) -> bool:
        return bool(self.top_messages or self.errors)
