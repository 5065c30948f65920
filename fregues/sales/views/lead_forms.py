"""The lead-forms setup (administrators) and the public form page ``/forms/<code>``.

The public page needs no account and no CSRF token — it may sit in an ``<iframe>`` on the
company's site, or a plain HTML form there may post to it — and it may be framed. It and its
JSON twin (``POST /api/v1/forms/{code}/leads``) call the same service, which rate-limits per
client address and answers a filled honeypot as if all went well.
"""

from __future__ import annotations

from typing import Any

from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fregues.core.errors import NotFound, ServiceError
from fregues.core.permissions import require
from fregues.core.views import service_http_errors

from ..forms.leads import LeadFormSetupForm, PublicLeadForm
from ..models import LeadForm
from ..selectors.leads import (
    active_pipelines,
    lead_form_get,
    lead_form_list,
    lead_form_public,
    lead_owner_choices,
)
from ..services.lead_forms import (
    HONEYPOT_FIELD,
    PUBLIC_FIELDS,
    RateLimited,
    consent_text,
    lead_form_create,
    lead_form_set_active,
    lead_form_submit,
    lead_form_update,
    thank_you_text,
)

PUBLIC_PAGE = "sales/leads/public_form.html"
# What the public page's POST carries besides the answers: never stored as "other answers".
_NOT_ANSWERS = {"csrfmiddlewaretoken", "consent", HONEYPOT_FIELD, *PUBLIC_FIELDS}


def _published(request: HttpRequest, path_: str) -> str:
    """``path_`` under PUBLIC_BASE_URL, as the links sent to customers are."""
    base = (getattr(settings, "PUBLIC_BASE_URL", "") or "").rstrip("/")
    return f"{base}{path_}" if base else request.build_absolute_uri(path_)


def public_url(request: HttpRequest, form: LeadForm) -> str:
    """The form's address to publish."""
    return _published(request, reverse("sales:lead_form_public", args=[form.code]))


# ---------------------------------------------------------------- setup


@login_required
@require_GET
@service_http_errors
def lead_forms_view(request: HttpRequest) -> HttpResponse:
    """Every public form: its address to copy, its owner and pipeline, how many leads."""
    forms = lead_form_list(actor=request.user)
    rows = [{"form": f, "url": public_url(request, f)} for f in forms]
    return render(request, "sales/leads/forms_setup.html", {"rows": rows})


def _choices() -> dict[str, Any]:
    return {
        "owners": lead_owner_choices(),
        "pipelines": active_pipelines(),
    }


def _setup_page(
    request: HttpRequest, form: LeadFormSetupForm, lead_form: LeadForm | None, status: int = 200
) -> HttpResponse:
    context: dict[str, Any] = {"form": form, "lead_form": lead_form}
    if lead_form is not None:
        url = public_url(request, lead_form)
        context.update(
            public_url=url,
            api_url=_published(
                request, reverse("api:lead_form_submit", kwargs={"code": lead_form.code})
            ),
            honeypot=HONEYPOT_FIELD,
            rate=settings.LEAD_FORM_RATE_PER_HOUR,
        )
    return render(request, "sales/leads/form_setup.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@service_http_errors
def lead_form_new(request: HttpRequest) -> HttpResponse:
    require(request.user, "sales.configure")
    if request.method == "POST":
        form = LeadFormSetupForm(request.POST, **_choices())
        if form.is_valid():
            try:
                made = lead_form_create(actor=request.user, data=form.service_data())
            except ServiceError as exc:
                if isinstance(exc, NotFound):
                    raise
                form.add_service_error(exc)
            else:
                messages.success(
                    request,
                    _("The form %(name)s is ready: publish its address.") % {"name": made.name},
                )
                return redirect("sales:lead_form_edit", made.pk)
        return _setup_page(request, form, None, status=form.status if form.status != 200 else 422)
    form = LeadFormSetupForm(initial={"is_active": True}, **_choices())
    return _setup_page(request, form, None)


@login_required
@require_http_methods(["GET", "POST"])
@service_http_errors
def lead_form_edit(request: HttpRequest, form_id: int) -> HttpResponse:
    lead_form = lead_form_get(actor=request.user, form_id=form_id)
    if request.method == "POST":
        form = LeadFormSetupForm(request.POST, **_choices())
        if form.is_valid():
            try:
                lead_form = lead_form_update(
                    actor=request.user, form_id=form_id, data=form.service_data()
                )
            except ServiceError as exc:
                if isinstance(exc, NotFound):
                    raise
                form.add_service_error(exc)
            else:
                messages.success(request, _("Form %(name)s saved.") % {"name": lead_form.name})
                return redirect("sales:lead_form_edit", lead_form.pk)
        status = form.status if form.status != 200 else 422
        return _setup_page(request, form, lead_form, status=status)
    form = LeadFormSetupForm(
        initial={
            "name": lead_form.name,
            "code": lead_form.code,
            "title": lead_form.title,
            "intro": lead_form.intro,
            "thank_you": lead_form.thank_you,
            "owner": str(lead_form.owner_id or ""),
            "pipeline": str(lead_form.pipeline_id or ""),
            "is_active": lead_form.is_active,
        },
        **_choices(),
    )
    return _setup_page(request, form, lead_form)


@login_required
@require_POST
@service_http_errors
def lead_form_active(request: HttpRequest, form_id: int) -> HttpResponse:
    """Deactivate a form (its address then answers "no longer takes answers"), or reactivate."""
    active = request.POST.get("active") == "1"
    try:
        lead_form = lead_form_set_active(actor=request.user, form_id=form_id, active=active)
    except ServiceError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, exc.message)
        return redirect("sales:lead_forms")
    if active:
        messages.success(request, _("%(name)s takes answers again.") % {"name": lead_form.name})
    else:
        messages.success(request, _("%(name)s no longer takes answers.") % {"name": lead_form.name})
    return redirect("sales:lead_forms")


# ---------------------------------------------------------------- the public page


def _client_address(request: HttpRequest) -> str | None:
    """The sender's address as the server saw it (a proxy in front sets REMOTE_ADDR)."""
    return request.META.get("REMOTE_ADDR") or None


@csrf_exempt
@xframe_options_exempt
@csp_replace({"frame-ancestors": settings.LEAD_FORM_FRAME_ANCESTORS})  # type: ignore[arg-type]
@require_http_methods(["GET", "POST"])
def lead_form_public_view(request: HttpRequest, code: str) -> HttpResponse:
    """The public form: no account. 404 when unknown or inactive, 429 past the hourly limit,
    422 with the problems next to the fields, the thank-you text when sent."""
    try:
        lead_form = lead_form_public(code=code)
    except NotFound as exc:
        return render(
            request,
            "sales/leads/public_missing.html",
            {"message": exc.message},
            status=404,
        )
    consent = consent_text(lead_form)
    context: dict[str, Any] = {
        "lead_form": lead_form,
        "honeypot": HONEYPOT_FIELD,
        "company_name": settings.COMPANY_NAME,
    }
    if request.method != "POST":
        form = PublicLeadForm(consent_label=consent)
        return render(request, PUBLIC_PAGE, {**context, "form": form})
    form = PublicLeadForm(request.POST, consent_label=consent)
    status = 422
    if form.is_valid():
        answers = {
            key: request.POST.get(key, "").strip()
            for key in request.POST
            if key not in _NOT_ANSWERS and request.POST.get(key, "").strip()
        }
        try:
            lead_form_submit(
                code=code,
                data={**form.service_data(), HONEYPOT_FIELD: request.POST.get(HONEYPOT_FIELD, "")},
                ip_address=_client_address(request),
                answers=answers,
                consent=bool(form.cleaned_data.get("consent")),
            )
        except RateLimited as exc:
            form.top_messages.append(exc.message)
            status = 429
        except NotFound as exc:
            return render(
                request, "sales/leads/public_missing.html", {"message": exc.message}, status=404
            )
        except ServiceError as exc:
            form.add_service_error(exc)
            status = form.status if form.status != 200 else 422
        else:
            return render(
                request,
                "sales/leads/public_thanks.html",
                {**context, "thank_you": thank_you_text(lead_form)},
            )
    return render(request, PUBLIC_PAGE, {**context, "form": form}, status=status)


urlpatterns: list[URLPattern] = [
    path("sales/setup/lead-forms/", lead_forms_view, name="lead_forms"),
    path("sales/setup/lead-forms/new/", lead_form_new, name="lead_form_new"),
    path("sales/setup/lead-forms/<int:form_id>/", lead_form_edit, name="lead_form_edit"),
    path("sales/setup/lead-forms/<int:form_id>/active/", lead_form_active, name="lead_form_active"),
    path("forms/<slug:code>", lead_form_public_view, name="lead_form_public"),
]
