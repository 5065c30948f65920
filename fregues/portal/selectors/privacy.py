"""Reads about customers' data rights: their requests, deadlines, and what holds an erasure.

Customer reads take the signed-in party; staff reads check ``privacy.view``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fregues.core.errors import NotFound
from fregues.core.permissions import require
from fregues.parties.models import Party
from fregues.sales.models import Invoice, Order
from fregues.service.models import Case

from ..models import PrivacyRequest, PrivacyState

OPEN_STATES = (PrivacyState.RECEIVED, PrivacyState.IN_PROGRESS)
UNPAID = ("unpaid", "partial")


@dataclass(frozen=True)
class Hold:
    """A reason to keep a customer's data for now: erasure waits until it is lifted or
    staff justify going ahead."""

    code: str
    label: str
    count: int


def privacy_holds(party: Party) -> list[Hold]:
    """The legal holds on the customer's data: open invoices, unpaid orders, open cases and
    a legal obligation recorded on any of their requests."""
    holds = []
    invoices = (
        Invoice.objects.filter(party=party, payment_state__in=UNPAID).exclude(status="void").count()
    )
    if invoices:
        holds.append(Hold("open_invoices", str(_("Invoices not paid")), invoices))
    orders = (
        Order.objects.filter(party=party, payment_state__in=UNPAID)
        .exclude(status="cancelled")
        .count()
    )
    if orders:
        holds.append(Hold("unpaid_orders", str(_("Orders not paid")), orders))
    cases = Case.objects.filter(Q(party=party) | Q(reporter=party), is_open=True).count()
    if cases:
        holds.append(Hold("open_cases", str(_("Open cases")), cases))
    if PrivacyRequest.objects.filter(party=party, legal_obligation=True).exists():
        holds.append(Hold("legal_obligation", str(_("A legal obligation to keep the data")), 1))
    return holds


def privacy_requests_of(party: Party) -> QuerySet[PrivacyRequest]:
    """The customer's own requests, newest first."""
    return PrivacyRequest.objects.filter(party=party).order_by("-created_at", "-id")


def privacy_request_list(
    *, actor: Any, state: str = "", overdue: bool | None = None, kind: str = ""
) -> QuerySet[PrivacyRequest]:
    """Every customer's requests for staff, nearest deadline first; ``state="open"`` means
    received or in progress; ``overdue`` keeps the open ones past their deadline."""
    require(actor, "privacy.view")
    rows = PrivacyRequest.objects.select_related("party", "handled_by")
    if state == "open":
        rows = rows.filter(state__in=OPEN_STATES)
    elif state:
        rows = rows.filter(state=state)
    if kind:
        rows = rows.filter(kind=kind)
    if overdue:
        rows = rows.filter(state__in=OPEN_STATES, due_at__lt=timezone.now())
    return rows.order_by("due_at", "id")


def privacy_request_get(*, actor: Any, request_id: int) -> PrivacyRequest:
    require(actor, "privacy.view")
    found = (
        PrivacyRequest.objects.select_related("party", "handled_by").filter(pk=request_id).first()
    )
    if found is None:
        raise NotFound(str(_("No such privacy request.")))
    return found


def privacy_party_get(*, actor: Any, party_id: int) -> Party:
    """The customer a staff privacy operation is about."""
    require(actor, "privacy.view")
    party = Party.objects.filter(pk=party_id).first()
    if party is None:
        raise NotFound(str(_("No such customer.")))
    return party
