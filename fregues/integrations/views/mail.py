"""E-mail screens: the admin's mailboxes under /channels/mailboxes/ (list with last poll, last
error and messages today; add and edit; test the connection; poll now), and the reply by
e-mail that the case page offers (``/channels/mail/reply/<protocol>/``, an HTMX form)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from fregues.core.errors import NotFound, ServiceError
from fregues.core.forms import ServiceForm
from fregues.core.views import service_http_errors
from fregues.service.models import CaseType

from ..mail import selectors, services
from ..mail.outbound import mail_reply_send
from ..models.mail import Security

SECURITY = Security.choices


class MailboxForm(ServiceForm):
    """A mailbox's settings; the password fields left empty keep the stored password."""

    service_fields = {"case_type_id": "case_type"}

    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    imap_host = forms.CharField(label=gettext_lazy("IMAP server"), max_length=200)
    imap_port = forms.IntegerField(label=gettext_lazy("IMAP port"), initial=993)
    imap_security = forms.ChoiceField(label=gettext_lazy("IMAP security"), choices=SECURITY)
    username = forms.CharField(label=gettext_lazy("User name"), max_length=200)
    password = forms.CharField(
        label=gettext_lazy("Password"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy("Leave empty to keep the stored password."),
    )
    password_env = forms.CharField(
        label=gettext_lazy("Or the environment variable holding it"),
        required=False,
        max_length=100,
    )
    folder = forms.CharField(label=gettext_lazy("Folder"), initial="INBOX", max_length=200)
    case_type = forms.ChoiceField(label=gettext_lazy("New messages open a case of type"))
    reply_from = forms.EmailField(label=gettext_lazy("Replies are sent from"), required=False)
    smtp_host = forms.CharField(
        label=gettext_lazy("SMTP server"),
        required=False,
        help_text=gettext_lazy("Empty: the server of this installation."),
    )
    smtp_port = forms.IntegerField(label=gettext_lazy("SMTP port"), initial=587)
    smtp_security = forms.ChoiceField(
        label=gettext_lazy("SMTP security"), choices=SECURITY, initial="starttls"
    )
    smtp_username = forms.CharField(label=gettext_lazy("SMTP user name"), required=False)
    smtp_password = forms.CharField(
        label=gettext_lazy("SMTP password"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("None: record the interaction only"))]
        choices += [(str(t.pk), t.name) for t in CaseType.objects.order_by("name")]
        self.fields["case_type"].choices = choices  # type: ignore[attr-defined]
        self.fields["case_type"].required = False

    def data_for_service(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["case_type_id"] = int(data.pop("case_type") or 0) or None
        for secret in ("password", "smtp_password"):
            if not data.get(secret):
                data.pop(secret, None)
        return data


def _initial(mailbox: Any) -> dict[str, Any]:
    fields = [
        name for name in MailboxForm.base_fields if "password" not in name or name[-4:] == "_env"
    ]
    initial = {name: getattr(mailbox, name, None) for name in fields if name != "case_type"}
    initial["case_type"] = str(mailbox.case_type_id or "")
    return initial


@login_required
@require_http_methods(["GET", "POST"])
@service_http_errors
def mailbox_list(request: HttpRequest) -> HttpResponse:
    """The mailboxes, and the form to add one."""
    rows = list(selectors.mailbox_list(actor=request.user))
    form = MailboxForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.mailbox_create(actor=request.user, data=form.data_for_service())
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Mailbox added."))
            return redirect("channels:mailboxes")
    status = 422 if request.method == "POST" else 200
    return render(
        request, "integrations/mail/mailboxes.html", {"rows": rows, "form": form}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
@service_http_errors
def mailbox_edit(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    mailbox = selectors.mailbox_get(actor=request.user, mailbox_id=mailbox_id)
    form = MailboxForm(request.POST or None, initial=_initial(mailbox))
    if request.method == "POST" and form.is_valid():
        try:
            services.mailbox_update(
                actor=request.user,
                mailbox_id=mailbox_id,
                data=form.data_for_service(),
                version=int(request.POST.get("version") or 0) or None,
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Mailbox saved."))
            return redirect("channels:mailboxes")
    recent = selectors.mail_message_list(actor=request.user, mailbox_id=mailbox_id, limit=20)
    return render(
        request,
        "integrations/mail/mailbox.html",
        {"mailbox": mailbox, "form": form, "recent": recent},
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_POST
@service_http_errors
def mailbox_action(request: HttpRequest, mailbox_id: int, action: str) -> HttpResponse:
    """ "Test connection" and "Poll now"."""
    if action == "test":
        error = services.mailbox_test(actor=request.user, mailbox_id=mailbox_id)
        if error:
            messages.error(request, _("The connection failed: %(e)s") % {"e": error})
        else:
            messages.success(request, _("Connected: the server accepted the user and the folder."))
    elif action == "poll":
        services.mailbox_poll_request(actor=request.user, mailbox_id=mailbox_id)
        messages.success(request, _("The mailbox will be read in a moment."))
    else:
        raise NotFound(action)
    return redirect("channels:mailbox", mailbox_id=mailbox_id)


@login_required
@require_POST
@service_http_errors
def case_reply(request: HttpRequest, protocol: str) -> HttpResponse:
    """Send the reply written on the case page; the panel answers with what happened."""
    body = request.POST.get("body", "")
    context: dict[str, Any] = {"case": {"protocol": protocol}, "body": body}
    try:
        mail_reply_send(actor=request.user, protocol=protocol, body=body)
    except NotFound:
        raise
    except ServiceError as exc:
        context["error"] = exc.message
        status = exc.status
    else:
        context["sent"] = True
        context["body"] = ""
        status = 200
    if not request.headers.get("HX-Request"):
        if context.get("sent"):
            messages.success(request, _("Your reply was sent by e-mail."))
        else:
            messages.error(request, str(context["error"]))
        return redirect(reverse("service:detail", args=[protocol]))
    return render(
        request, "integrations/mail/partials/case_reply_form.html", context, status=status
    )


urlpatterns: list[URLPattern] = [
    path("mailboxes/", mailbox_list, name="mailboxes"),
    path("mailboxes/<int:mailbox_id>/", mailbox_edit, name="mailbox"),
    path("mailboxes/<int:mailbox_id>/<str:action>/", mailbox_action, name="mailbox_action"),
    path("mail/reply/<str:protocol>/", case_reply, name="mail_reply"),
]
