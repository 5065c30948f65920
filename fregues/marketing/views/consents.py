"""Marketing screens: the suppression list, the sending rules, and the customer page's panels
"Reach" (why a customer gets nothing) and "Next best offer".

Thin views: parse, call the parties/service services and the marketing selectors, render.
A refused change comes back in its form with the service's messages (422, 409), as the API
says them.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fregues.core.errors import Forbidden, NotFound, ServiceError
from fregues.core.forms import ServiceForm
from fregues.core.htmx import slot_register
from fregues.core.permissions import can, require
from fregues.core.views import service_http_errors
from fregues.parties.models import Party, SuppressionReason
from fregues.parties.selectors import suppression_list
from fregues.parties.services import suppression_add, suppression_lift
from fregues.service.models import CasePriority, CaseType, SendingPolicy
from fregues.service.services.sending_policy import sending_policy_update

from ..selectors.offers import next_best_offers
from ..selectors.reach import party_lookup, party_reach

PAGE = 100
KINDS = [("email", gettext_lazy("E-mail")), ("phone", gettext_lazy("Phone"))]


# ---------------------------------------------------------------- suppression list


class SuppressionForm(ServiceForm):
    """An address to put on the list, and why."""

    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=KINDS, initial="email")
    address = forms.CharField(label=gettext_lazy("Address"), max_length=300)
    reason = forms.ChoiceField(
        label=gettext_lazy("Reason"),
        choices=SuppressionReason.choices,
        initial=SuppressionReason.MANUAL,
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)


def _suppressions_page(
    request: HttpRequest, form: SuppressionForm | None = None, status: int = 200
) -> HttpResponse:
    params = request.GET
    filters: dict[str, Any] = {
        "q": params.get("q", "").strip()[:100],
        "reason": params.get("reason", "") if params.get("reason") in SuppressionReason else "",
        "kind": params.get("kind", "") if params.get("kind") in ("email", "phone") else "",
        "include_lifted": params.get("lifted") == "1",
    }
    rows = list(suppression_list(actor=request.user, **filters)[: PAGE + 1])
    may_change = can(request.user, "suppression.change")
    return render(
        request,
        "marketing/consents/suppressions.html",
        {
            "entries": rows[:PAGE],
            "more": len(rows) > PAGE,
            "filters": filters,
            "filtered": any(filters.values()),
            "reasons": SuppressionReason.choices,
            "kinds": KINDS,
            "form": form or (SuppressionForm() if may_change else None),
            "may_change": may_change,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
@service_http_errors
def suppressions(request: HttpRequest) -> HttpResponse:
    """The list (filters: address, reason, kind, lifted too) and the form to add an address."""
    require(request.user, "suppression.view")
    if request.method != "POST":
        return _suppressions_page(request)
    require(request.user, "suppression.change")
    form = SuppressionForm(request.POST)
    if not form.is_valid():
        return _suppressions_page(request, form, status=422)
    try:
        entry = suppression_add(actor=request.user, source="staff", **form.cleaned_data)
    except (Forbidden, NotFound):
        raise
    except ServiceError as exc:
        form.add_service_error(exc)
        return _suppressions_page(request, form, status=exc.status)
    messages.success(
        request, _("%(address)s is on the suppression list.") % {"address": entry.address}
    )
    return redirect("marketing:suppressions")


@login_required
@require_POST
@service_http_errors
def suppression_lift_view(request: HttpRequest, suppression_id: int) -> HttpResponse:
    """Take an address off the list (the entry stays, marked lifted)."""
    entry = suppression_lift(
        actor=request.user, suppression_id=suppression_id, note=request.POST.get("note", "")
    )
    messages.success(request, _("%(address)s may be contacted again.") % {"address": entry.address})
    return redirect("marketing:suppressions")


# ---------------------------------------------------------------- sending rules


class PolicyForm(ServiceForm):
    """The open-complaint rule and the frequency cap."""

    complaint_rule_enabled = forms.BooleanField(
        label=gettext_lazy("Hold marketing back while the customer has an open case"),
        required=False,
    )
    complaint_case_types = forms.MultipleChoiceField(
        label=gettext_lazy("Case types that count"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None chosen: any open case counts."),
    )
    complaint_priorities = forms.MultipleChoiceField(
        label=gettext_lazy("Priorities that count"),
        required=False,
        choices=CasePriority.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None chosen: any priority."),
    )
    frequency_cap_count = forms.IntegerField(
        label=gettext_lazy("At most (messages)"),
        min_value=0,
        help_text=gettext_lazy("0: no cap."),
    )
    frequency_cap_days = forms.IntegerField(label=gettext_lazy("In (days)"), min_value=0)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = get_language() or ""
        self.fields["complaint_case_types"].choices = [  # type: ignore[attr-defined]
            (t.code, t.name_en if language.startswith("en") and t.name_en else t.name)
            for t in CaseType.objects.order_by("name")
        ]

    @staticmethod
    def initial_of(policy: SendingPolicy) -> dict[str, Any]:
        return {
            "complaint_rule_enabled": policy.complaint_rule_enabled,
            "complaint_case_types": list(
                policy.complaint_case_types.values_list("code", flat=True)
            ),
            "complaint_priorities": list(policy.complaint_priorities or []),
            "frequency_cap_count": policy.frequency_cap_count,
            "frequency_cap_days": policy.frequency_cap_days,
            "version": policy.version,
        }


@login_required
@require_http_methods(["GET", "POST"])
@service_http_errors
def policy(request: HttpRequest) -> HttpResponse:
    """The sending rules every marketing sender obeys."""
    require(request.user, "marketing.configure")
    current = SendingPolicy.current()
    if request.method != "POST":
        form = PolicyForm(initial=PolicyForm.initial_of(current))
        return _policy_page(request, form, current)
    form = PolicyForm(request.POST)
    if not form.is_valid():
        return _policy_page(request, form, current, status=422)
    data = dict(form.cleaned_data)
    version = data.pop("version")
    try:
        sending_policy_update(actor=request.user, version=version, **data)
    except (Forbidden, NotFound):
        raise
    except ServiceError as exc:
        form.add_service_error(exc)
        return _policy_page(request, form, current, status=exc.status)
    messages.success(request, _("The sending rules are saved."))
    return redirect("marketing:policy")


def _policy_page(
    request: HttpRequest, form: PolicyForm, current: SendingPolicy, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "marketing/consents/policy.html",
        {"form": form, "policy": current},
        status=status,
    )


# ---------------------------------------------------------------- the customer page's panels
# The customer page keeps its query budget: each panel is a placeholder that loads its
# fragment once the page is shown (the reach runs the one check per purpose and channel; the
# offers read the order history).


def _lazy(request: HttpRequest, party: Party, name: str, label: str) -> str:
    return render_to_string(
        "marketing/partials/party_lazy.html",
        {"url": reverse(f"marketing:{name}", args=[party.pk]), "name": name, "label": label},
        request=request,
    )


def party_reach_panel(request: HttpRequest, party: Party) -> str | None:
    if party.merged_into_id or not can(request.user, "consent.view"):
        return None
    return _lazy(request, party, "party_reach", _("Marketing reach"))


def party_offers_panel(request: HttpRequest, party: Party) -> str | None:
    if party.merged_into_id or not can(request.user, "party.view"):
        return None
    return _lazy(request, party, "party_offers", _("Next best offer"))


@login_required
@require_GET
@service_http_errors
def party_reach_fragment(request: HttpRequest, party_id: int) -> HttpResponse:
    """Would marketing reach this customer now, on each purpose and channel, and why not;
    their last campaigns."""
    reach = party_reach(actor=request.user, party_id=party_id, language=get_language())
    if not reach.lines and not reach.campaigns:
        return HttpResponse("")
    return render(request, "marketing/partials/party_reach.html", {"reach": reach})


@login_required
@require_GET
@service_http_errors
def party_offers_fragment(request: HttpRequest, party_id: int) -> HttpResponse:
    """The products to offer this customer next (nothing when there is nothing to offer)."""
    party = party_lookup(actor=request.user, party_id=party_id)
    offers = next_best_offers(party.pk)
    if not offers:
        return HttpResponse("")
    return render(request, "marketing/partials/party_offers.html", {"offers": offers})


slot_register("party.open_work", "marketing.reach", party_reach_panel, order=60)
slot_register("party.open_work", "marketing.offers", party_offers_panel, order=65)


urlpatterns: list[URLPattern] = [
    path("marketing/suppressions/", suppressions, name="suppressions"),
    path(
        "marketing/suppressions/<int:suppression_id>/lift/",
        suppression_lift_view,
        name="suppression_lift",
    ),
    path("marketing/sending-rules/", policy, name="policy"),
    path("marketing/customers/<int:party_id>/reach/", party_reach_fragment, name="party_reach"),
    path("marketing/customers/<int:party_id>/offers/", party_offers_fragment, name="party_offers"),
]
