"""The admin's screen for SMS/WhatsApp providers under /channels/providers/: the providers
with their webhook URLs, and a form to connect one (secrets are typed in, never shown)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from fregues.core.errors import ServiceError
from fregues.core.forms import ServiceForm
from fregues.core.views import service_http_errors

from ..messaging.providers import message_provider_create
from ..messaging.schemas import ProviderOut
from ..messaging.selectors import provider_list
from ..models import MessageProvider


class ProviderForm(ServiceForm):
    """Connect a provider; the service checks what each kind needs."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    kind = forms.ChoiceField(label=gettext_lazy("Provider"), choices=MessageProvider.Kind.choices)
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"), choices=MessageProvider.Channel.choices
    )
    phone_number = forms.CharField(label=gettext_lazy("Phone number"), required=False)
    phone_number_id = forms.CharField(
        label=gettext_lazy("WhatsApp phone-number id"), required=False
    )
    account_sid = forms.CharField(label=gettext_lazy("Twilio account SID"), required=False)
    auth_token = forms.CharField(
        label=gettext_lazy("Twilio auth token"), required=False, widget=forms.PasswordInput
    )
    access_token = forms.CharField(
        label=gettext_lazy("WhatsApp access token"), required=False, widget=forms.PasswordInput
    )
    app_secret = forms.CharField(
        label=gettext_lazy("Meta app secret"), required=False, widget=forms.PasswordInput
    )
    verify_token = forms.CharField(
        label=gettext_lazy("Webhook verify token"), required=False, widget=forms.PasswordInput
    )


@login_required
@require_http_methods(["GET", "POST"])
@service_http_errors
def providers(request: HttpRequest) -> HttpResponse:
    rows = provider_list(actor=request.user)  # admins only: the service refuses the others
    form = ProviderForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            message_provider_create(actor=request.user, data=form.cleaned_data)
        except ServiceError as exc:
            if exc.status == 403:
                raise
            form.add_service_error(exc)
            status = 422
        else:
            messages.success(request, _("Provider connected."))
            return redirect("channels:providers")
    elif request.method == "POST":
        status = 422
    base = (settings.WEBHOOK_PUBLIC_BASE_URL or request.build_absolute_uri("/")).rstrip("/")
    return render(
        request,
        "integrations/messaging/providers.html",
        {"providers": [ProviderOut.build(p) for p in rows], "form": form, "base": base},
        status=status,
    )


urlpatterns: list[URLPattern] = [path("providers/", providers, name="providers")]
