"""The visit briefing: everything open with a customer, on one page, before a salesperson
walks in (seed 000, Case A — the salesperson who did not know of the open request).

``party_briefing`` reads it in a bounded number of queries whatever the customer's history:
the header, open cases with their SLA state, the last contacts, open deals and quotes, recent
orders and unpaid invoices, consent, notes to read before a visit, upcoming activities. The
customer page's deals panel reads its deals and quotes here too.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import F
from django.utils import timezone
from django.utils.translation import get_language

from fregues.core.errors import NotFound
from fregues.core.permissions import can, require
from fregues.interactions.models import Interaction
from fregues.parties.models import ContactPoint, Note, Party
from fregues.parties.selectors import ConsentState, consent_state, party_survivor_id
from fregues.service.models import Case
from fregues.service.selectors.cases import case_headline, case_sla_state, open_cases_for_party

from ..models import (
    Activity,
    ActivityStatus,
    Invoice,
    InvoiceStatus,
    Opportunity,
    OpportunityStatus,
    Order,
    PaymentState,
    Quote,
    QuoteStatus,
)
from .activities import activities

LAST_CONTACTS = 10
RECENT_ORDERS = 5
OPEN_QUOTE_STATUSES = (QuoteStatus.DRAFT, QuoteStatus.SENT)
UNPAID = (PaymentState.UNPAID, PaymentState.PARTIAL)
NOTES = 10
UPCOMING = 10


@dataclass
class BriefCase:
    case: Case
    sla_state: str  # ok, warning, breached, paused ("" without an SLA policy)
    headline: str  # "2026-000123 — Enviado ao parceiro há 3 dias"


@dataclass
class BriefInvoice:
    invoice: Invoice
    amount_due: Decimal
    overdue: bool


@dataclass
class Briefing:
    party: Party
    contact_points: list[ContactPoint]
    cases: list[BriefCase]
    contacts: list[Interaction]
    show_bodies: bool
    opportunities: list[Opportunity]
    quotes: list[Quote]
    orders: list[Order]
    invoices: list[BriefInvoice]
    consents: list[ConsentState]
    notes: list[Note]
    upcoming: list[Activity]
    generated_at: datetime.datetime
    visit: Activity | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def overdue_invoices(self) -> list[BriefInvoice]:
        return [i for i in self.invoices if i.overdue]

    @property
    def before_visit_notes(self) -> list[Note]:
        return [n for n in self.notes if n.before_visit]


def require_briefing(actor: Any) -> None:
    """Who may read a briefing: whoever sees deals or activities (not marketing)."""
    if not (can(actor, "deal.view") or can(actor, "activity.view")):
        require(actor, "activity.view")


def live_party_for_briefing(party_id: int) -> Party:
    """The party with its relationship manager, or NotFound — code "merged" with the survivor's
    id for a merged one (as ``party_get`` answers)."""
    party = Party.objects.select_related("owner").filter(pk=party_id).first()
    if party is None:
        raise NotFound(f"Party {party_id} does not exist.", details={"id": party_id})
    if party.merged_into_id:
        survivor_id = party_survivor_id(party.pk)
        raise NotFound(
            f"Party {party_id} was merged into party {survivor_id}.",
            code="merged",
            details={"id": party_id, "merged_into": survivor_id},
        )
    return party


def open_opportunities(party_id: int) -> list[Opportunity]:
    """A customer's open deals, the nearest expected close first."""
    return list(
        Opportunity.objects.filter(party_id=party_id, status=OpportunityStatus.OPEN)
        .select_related("stage", "owner", "pipeline")
        .order_by(F("expected_close_date").asc(nulls_last=True), "-amount", "id")[:20]
    )


def open_quotes(party_id: int) -> list[Quote]:
    """A customer's quotes still in play (draft or sent), newest first."""
    return list(
        Quote.objects.filter(party_id=party_id, status__in=OPEN_QUOTE_STATUSES)
        .select_related("owner")
        .order_by("-created_at", "-id")[:20]
    )


def party_briefing(
    *,
    actor: Any,
    party_id: int,
    visit: Activity | None = None,
    now: datetime.datetime | None = None,
) -> Briefing:
    """Everything a salesperson must know before meeting the customer ``party_id``."""
    require_briefing(actor)
    now = now or timezone.now()
    today = timezone.localdate(now)
    party = live_party_for_briefing(party_id)
    points = list(
        ContactPoint.objects.filter(party_id=party.pk).order_by("kind", "-is_primary", "id")
    )
    cases = [
        BriefCase(
            case=c,
            sla_state=case_sla_state(c) if c.sla_policy_id else "",
            headline=case_headline(c, now),
        )
        for c in open_cases_for_party(actor=actor, party_id=party.pk)
    ]
    show_bodies = can(actor, "interaction.view_body")
    contacts_qs = Interaction.objects.filter(party_id=party.pk).select_related("agent")
    if not show_bodies:
        contacts_qs = contacts_qs.defer("body")
    contacts = list(contacts_qs.order_by("-occurred_at", "-id")[:LAST_CONTACTS])
    sees_deals = can(actor, "deal.view")
    invoices = []
    if sees_deals:
        for invoice in Invoice.objects.filter(
            party_id=party.pk, status=InvoiceStatus.ISSUED, payment_state__in=UNPAID
        ).order_by(F("due_date").asc(nulls_last=True), "id")[:20]:
            invoices.append(
                BriefInvoice(
                    invoice=invoice,
                    amount_due=invoice.total - invoice.amount_paid,
                    overdue=bool(invoice.due_date and invoice.due_date < today),
                )
            )
    notes = list(
        Note.objects.filter(party_id=party.pk)
        .select_related("author")
        .order_by("-before_visit", "-created_at", "-id")[:NOTES]
    )
    upcoming_qs = activities().filter(party_id=party.pk, status=ActivityStatus.PLANNED)
    if visit is not None:
        upcoming_qs = upcoming_qs.exclude(pk=visit.pk)
    upcoming = list(upcoming_qs.order_by(F("due_at").asc(nulls_last=True), "id")[:UPCOMING])
    return Briefing(
        party=party,
        contact_points=points,
        cases=cases,
        contacts=contacts,
        show_bodies=show_bodies,
        opportunities=open_opportunities(party.pk) if sees_deals else [],
        quotes=open_quotes(party.pk) if sees_deals else [],
        orders=list(
            Order.objects.filter(party_id=party.pk).order_by("-ordered_at", "-id")[:RECENT_ORDERS]
        )
        if sees_deals
        else [],
        invoices=invoices,
        consents=consent_state(party_id=party.pk, language=get_language()),
        notes=notes,
        upcoming=upcoming,
        generated_at=now,
        visit=visit,
    )


def visit_for_briefing(*, actor: Any, activity_id: int) -> Activity:
    """A planned activity with a customer, to brief for (NotFound otherwise)."""
    require_briefing(actor)
    activity = activities().filter(pk=activity_id, party__isnull=False).first()
    if activity is None:
        raise NotFound(
            f"Activity {activity_id} does not exist or has no customer.",
            details={"id": activity_id},
        )
    return activity
