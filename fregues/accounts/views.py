"""Signing in and out, and the second step of signing in (a code from an authenticator app)."""

from __future__ import annotations

import base64
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fregues.core.errors import Invalid

from . import two_step
from .forms import CodeForm, LoginForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        if self.request.session.get(two_step.SESSION_HAS_DEVICE):
            query = urlencode({"next": self.get_success_url()})
            return HttpResponseRedirect(f"{reverse('accounts:two_step_verify')}?{query}")
        return response


class LogoutView(auth_views.LogoutView):
    """Sign out (POST only, with CSRF) and go back to the sign-in page."""


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe else settings.LOGIN_REDIRECT_URL


@login_required
@require_http_methods(["GET", "POST"])
def two_step_view(request: HttpRequest) -> HttpResponse:
    """Turn two-step sign-in on (scan the QR code, type a first code) or off."""
    user: Any = request.user
    device = two_step.confirmed_device(user)
    if device is not None and not user.is_verified():
        return redirect("accounts:two_step_verify")  # a password alone cannot enrol anew
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action = two_step.two_step_disable if device else two_step.two_step_enrol
        try:
            action(actor=user, request=request, code=form.cleaned_data["code"])
        except Invalid as exc:
            form.add_error("code", _(str(exc)))
        else:
            if device:
                messages.success(request, _("Two-step sign-in is off."))
                return redirect("accounts:two_step")
            messages.success(request, _("Two-step sign-in is on."))
            return redirect(_next(request))
    context: dict[str, Any] = {
        "form": form,
        "enrolled": device is not None,
        "required": two_step.required(),
        "next": request.GET.get("next", ""),
    }
    if device is None:
        pending = two_step.pending_device(user)
        context["qr"] = two_step.qr_svg(pending)
        context["secret"] = base64.b32encode(pending.bin_key).decode()
    return render(request, "accounts/two_step.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def two_step_verify_view(request: HttpRequest) -> HttpResponse:
    """After the password: the code from the app, once per session."""
    user: Any = request.user
    if user.is_verified() or two_step.confirmed_device(user) is None:
        return redirect(_next(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            two_step.two_step_verify(actor=user, request=request, code=form.cleaned_data["code"])
        except Invalid as exc:
            form.add_error("code", _(str(exc)))
        else:
            return redirect(_next(request))
    context = {"form": form, "next": request.GET.get("next") or request.POST.get("next", "")}
    return render(request, "accounts/two_step_verify.html", context)
