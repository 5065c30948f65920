"""Portal section 'privacy': download my data, and my requests about it (correction, erasure)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fregues.core.errors import ServiceError

from ..auth import portal_required
from ..models import PrivacyKind
from ..selectors.privacy import privacy_requests_of
from ..services.privacy import privacy_export_build, privacy_request_file

CUSTOMER_KINDS = (PrivacyKind.CORRECTION, PrivacyKind.ERASURE)


@portal_required
def privacy(request: HttpRequest) -> HttpResponse:
    party = request.portal_party  # type: ignore[attr-defined]
    errors: dict[str, list[str]] = {}
    values = {"kind": "", "details": ""}
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip() for k in values}
        if values["kind"] not in CUSTOMER_KINDS:
            errors = {"kind": [_("Choose what you ask for.")]}
        else:
            try:
                privacy_request_file(
                    actor=f"portal:{party.pk}",
                    party=party,
                    kind=values["kind"],
                    details=values["details"],
                )
            except ServiceError as exc:
                errors = exc.errors or {"kind": [exc.message]}
            else:
                messages.success(request, _("We received your request and will answer it."))
                return redirect("portal:privacy")
    context = {
        "party": party,
        "requests": privacy_requests_of(party),
        "kinds": [(k.value, k.label) for k in CUSTOMER_KINDS],
        "values": values,
        "errors": errors,
    }
    return render(request, "portal/privacy.html", context, status=422 if errors else 200)


@require_POST
@portal_required
def privacy_export(request: HttpRequest) -> HttpResponse:
    party = request.portal_party  # type: ignore[attr-defined]
    filename, content = privacy_export_build(actor=f"portal:{party.pk}", party=party)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


urlpatterns: list[URLPattern] = [
    path("privacy/", privacy, name="privacy"),
    path("privacy/export", privacy_export, name="privacy_export"),
]
