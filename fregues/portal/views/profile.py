"""Portal section "My data": the customer's profile, contact points, addresses, preferred
channel, contact hours and language. Thin: the rules live in ``services.profile``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fregues.core.errors import ServiceError
from fregues.parties.contact_hours import weekdays_of
from fregues.parties.forms import PARTY_LANGUAGES, WEEKDAYS
from fregues.parties.models import Party

from ..auth import portal_required
from ..selectors.profile import portal_my_data
from ..services.common import portal_actor
from ..services.profile import (
    portal_address_add,
    portal_contact_point_make_primary,
    portal_contact_point_remove,
    portal_contact_point_start,
    portal_contact_point_verify_code,
    portal_contact_point_verify_link,
    portal_pending_cancel,
    portal_profile_update,
)
from ..services.sign_in import link_login_get
from .sign_in import client_ip, with_party_language

_ADDRESS_FIELDS = ("label", "street", "number", "complement", "district", "city", "region",
                   "postal_code", "country")  # fmt: skip


def _party(request: HttpRequest) -> Party:
    party: Party = request.portal_party  # type: ignore[attr-defined]
    return party


def _page(
    request: HttpRequest,
    *,
    errors: dict[str, dict[str, list[str]]] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    data = portal_my_data(_party(request))
    party = data.party
    profile = {
        "given_name": party.given_name,
        "family_name": party.family_name,
        "name": party.name,
        "language": party.language,
        "preferred_channel": party.preferred_channel,
        "contact_hours_start": (
            f"{party.contact_hours_start:%H:%M}" if party.contact_hours_start else ""
        ),
        "contact_hours_end": f"{party.contact_hours_end:%H:%M}" if party.contact_hours_end else "",
        "contact_weekdays": [str(d) for d in weekdays_of(party.contact_weekdays)],
        "version": party.version,
    }
    values = values or {}
    if "profile" in values:
        profile.update(values["profile"])
    channels = Party._meta.get_field("preferred_channel").choices or ()
    context = {
        "data": data,
        "party": party,
        "profile": profile,
        "errors": errors or {},
        "values": values,
        "languages": [(c, label) for c, label in PARTY_LANGUAGES if c],
        "channels": [("", _("No preference")), *channels],
        "weekdays": WEEKDAYS,
    }
    return render(request, "portal/profile.html", context, status=status)


def _failed(request: HttpRequest, form: str, exc: ServiceError, values: dict) -> HttpResponse:
    errors = exc.errors or {"form": [exc.message]}
    if exc.status == 409 and exc.code == "version_conflict":
        errors = {"form": [_("Your data was changed meanwhile (by us or in another window). "
                               "Check it below and save again.")]}  # fmt: skip
    return _page(request, errors={form: errors}, values={form: values}, status=exc.status)


@portal_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """See and change one's own data (GET); save the profile part (POST)."""
    if request.method == "GET":
        return _page(request)
    party = _party(request)
    values: dict[str, Any] = {name: request.POST.get(name, "") for name in (
        "given_name", "family_name", "language", "preferred_channel", "contact_hours_start",
        "contact_hours_end",
    )}  # fmt: skip
    values["contact_weekdays"] = request.POST.getlist("contact_weekdays")
    data: dict[str, Any] = dict(values)
    if party.is_person:
        data["name"] = ""  # built from the given and family names
    else:
        data["name"] = request.POST.get("name", "")
        values["name"] = data["name"]
    version = request.POST.get("version")
    try:
        updated = portal_profile_update(
            actor=portal_actor(party),
            party=party,
            data=data,
            version=int(version) if version and version.isdigit() else None,
        )
    except ServiceError as exc:
        return _failed(request, "profile", exc, values)
    language = updated.language
    if language in {code for code, _label in settings.LANGUAGES}:
        translation.activate(language)
    messages.success(request, _("Your data was saved."))
    return with_party_language(redirect("portal:profile"), language)


@portal_required
@require_POST
def contact_point_add(request: HttpRequest) -> HttpResponse:
    party = _party(request)
    values = {k: request.POST.get(k, "") for k in ("kind", "value", "label")}
    try:
        portal_contact_point_start(
            actor=portal_actor(party),
            party=party,
            kind=values["kind"],
            value=values["value"],
            label=values["label"],
            ip=client_ip(request),
        )
    except ServiceError as exc:
        return _failed(request, "add", exc, values)
    if values["kind"] == "email":
        messages.success(request, _("We sent a link to %(v)s: open it to confirm the address.")
                         % {"v": values["value"].strip()})  # fmt: skip
    else:
        messages.success(request, _("We sent a code by SMS to %(v)s: type it below.")
                         % {"v": values["value"].strip()})  # fmt: skip
    return redirect("portal:profile")


@portal_required
@require_POST
def pending_verify(request: HttpRequest, pending_id: int) -> HttpResponse:
    party = _party(request)
    try:
        point = portal_contact_point_verify_code(
            actor=portal_actor(party),
            party=party,
            pending_id=pending_id,
            code=request.POST.get("code", ""),
        )
    except ServiceError as exc:
        return _failed(request, f"pending-{pending_id}", exc, {})
    messages.success(request, _("%(v)s is confirmed.") % {"v": point.value})
    return redirect("portal:profile")


@portal_required
@require_POST
def pending_cancel(request: HttpRequest, pending_id: int) -> HttpResponse:
    party = _party(request)
    try:
        portal_pending_cancel(actor=portal_actor(party), party=party, pending_id=pending_id)
    except ServiceError as exc:
        return _failed(request, f"pending-{pending_id}", exc, {})
    return redirect("portal:profile")


@portal_required
@require_POST
def address_add(request: HttpRequest) -> HttpResponse:
    party = _party(request)
    values = {k: request.POST.get(k, "") for k in _ADDRESS_FIELDS}
    try:
        portal_address_add(actor=portal_actor(party), party=party, data=values)
    except ServiceError as exc:
        return _failed(request, "address", exc, values)
    messages.success(request, _("The address was added."))
    return redirect("portal:profile")


@portal_required
@require_POST
def point_remove(request: HttpRequest, point_id: int) -> HttpResponse:
    party = _party(request)
    try:
        portal_contact_point_remove(actor=portal_actor(party), party=party, point_id=point_id)
    except ServiceError as exc:
        return _failed(request, f"point-{point_id}", exc, {})
    messages.success(request, _("Removed."))
    return redirect("portal:profile")


@portal_required
@require_POST
def point_primary(request: HttpRequest, point_id: int) -> HttpResponse:
    party = _party(request)
    try:
        portal_contact_point_make_primary(actor=portal_actor(party), party=party, point_id=point_id)
    except ServiceError as exc:
        return _failed(request, f"point-{point_id}", exc, {})
    messages.success(request, _("Saved."))
    return redirect("portal:profile")


@require_http_methods(["GET", "POST"])
def verify_link(request: HttpRequest, token: str) -> HttpResponse:
    """The link sent to a new e-mail: GET shows a button (scanners don't use it up), POST
    confirms. No sign-in needed: holding the link proves the address."""
    if request.method == "POST":
        try:
            point = portal_contact_point_verify_link(raw=token)
        except ServiceError as exc:
            context = {"valid": False, "message": exc.message}
            return render(request, "portal/profile_verify.html", context, status=400)
        return render(request, "portal/profile_verify.html", {"done": True, "point": point})
    login = link_login_get(token, purpose="verify_contact_point")
    context = {"valid": login is not None, "address": login.address if login else ""}
    return render(request, "portal/profile_verify.html", context, status=200 if login else 400)


urlpatterns: list[URLPattern] = [
    path("profile/", profile, name="profile"),
    path("profile/contact-points", contact_point_add, name="profile_contact_point_add"),
    path("profile/addresses", address_add, name="profile_address_add"),
    path("profile/pending/<int:pending_id>/verify", pending_verify, name="profile_verify_code"),
    path("profile/pending/<int:pending_id>/cancel", pending_cancel, name="profile_pending_cancel"),
    path("profile/points/<int:point_id>/remove", point_remove, name="profile_point_remove"),
    path("profile/points/<int:point_id>/primary", point_primary, name="profile_point_primary"),
    path("profile/verify/<str:token>", verify_link, name="profile_verify_link"),
]
