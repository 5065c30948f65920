"""Staff screens for customers' data rights: the requests with their deadlines, a request with
its legal holds and actions, a customer's data export, and the panel on the customer page
(registered in the "party.side" slot so parties need not know the portal)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fregues.core.errors import ServiceError
from fregues.core.htmx import slot_register
from fregues.core.permissions import can
from fregues.core.views import service_http_errors

from ..models import PrivacyKind, PrivacyState
from ..selectors.privacy import (
    privacy_holds,
    privacy_party_get,
    privacy_request_get,
    privacy_request_list,
    privacy_requests_of,
)
from ..services.privacy import (
    privacy_export_build,
    privacy_request_file,
    privacy_request_legal_hold,
    privacy_request_transition,
)


@login_required
@service_http_errors
def request_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "open")
    overdue = request.GET.get("overdue") == "1"
    kind = request.GET.get("kind", "")
    rows = privacy_request_list(actor=request.user, state=state, overdue=overdue, kind=kind)
    context = {
        "rows": rows[:200],
        "state": state,
        "overdue": overdue,
        "kind": kind,
        "states": [("open", _("Open")), *PrivacyState.choices, ("", _("All"))],
        "kinds": PrivacyKind.choices,
    }
    return render(request, "portal/staff/privacy_list.html", context)


@login_required
@service_http_errors
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    item = privacy_request_get(actor=request.user, request_id=request_id)
    error = ""
    if request.method == "POST":
        try:
            if "legal_obligation" in request.POST:
                privacy_request_legal_hold(
                    actor=request.user,
                    request_id=item.pk,
                    legal_obligation=request.POST["legal_obligation"] == "1",
                )
            else:
                privacy_request_transition(
                    actor=request.user,
                    request_id=item.pk,
                    to=request.POST.get("to", ""),
                    reason=request.POST.get("reason", ""),
                    justification=request.POST.get("justification", ""),
                )
        except ServiceError as exc:
            error = exc.message + "".join(f" {m}" for ms in exc.errors.values() for m in ms)
        else:
            messages.success(request, _("Request updated."))
            return redirect("privacy:request", request_id=item.pk)
        item = privacy_request_get(actor=request.user, request_id=request_id)
    context: dict[str, Any] = {
        "item": item,
        "holds": privacy_holds(item.party),
        "error": error,
        "can_manage": can(request.user, "privacy.manage"),
    }
    return render(
        request, "portal/staff/privacy_detail.html", context, status=409 if error else 200
    )


@login_required
@require_POST
@service_http_errors
def party_export(request: HttpRequest, party_id: int) -> HttpResponse:
    party = privacy_party_get(actor=request.user, party_id=party_id)
    filename, content = privacy_export_build(actor=request.user, party=party)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_POST
@service_http_errors
def party_request_file(request: HttpRequest, party_id: int) -> HttpResponse:
    """Staff file a request the customer made by phone, letter or at the counter; its page
    then carries the deadline, the holds and the actions (erasure included)."""
    party = privacy_party_get(actor=request.user, party_id=party_id)
    try:
        filed = privacy_request_file(
            actor=request.user,
            party=party,
            kind=request.POST.get("kind", ""),
            details=request.POST.get("details", ""),
        )
    except ServiceError as error:
        messages.error(request, error.field_text())
        return redirect("parties:detail", party_id)
    messages.success(request, _("Request recorded; answer it by its deadline."))
    return redirect("privacy:request", filed.pk)


def party_privacy_panel(request: HttpRequest, party: Any) -> str | None:
    """The customer page's privacy card: export, requests, erasure state (privacy.view)."""
    if not can(request.user, "privacy.view"):
        return None
    context = {
        "party": party,
        "requests": list(privacy_requests_of(party)[:5]),
        "kinds": PrivacyKind.choices,
        "may_file": can(request.user, "privacy.manage") and not party.anonymised_at,
    }
    return render_to_string("portal/staff/party_privacy_panel.html", context, request=request)


slot_register("party.side", "portal.privacy", party_privacy_panel, order=90)

urlpatterns: list[URLPattern] = [
    path("requests/", request_list, name="requests"),
    path("requests/<int:request_id>/", request_detail, name="request"),
    path("customers/<int:party_id>/export", party_export, name="party_export"),
    path("customers/<int:party_id>/requests", party_request_file, name="party_request_file"),
]
