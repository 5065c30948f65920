"""Shapes of /api/v1/activities and /api/v1/parties/{id}/briefing."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.urls import reverse
from ninja import Field, Schema

from fregues.parties.schemas import UserRef
from fregues.service.schemas.cases import PartyRef

from ..selectors.activities import is_overdue

WHEN = (
    "A date and time in ISO 8601 (2026-12-01T14:30-03:00; without an offset, the server's "
    "time zone) or a date alone for a whole day (2026-12-01)."
)


class ActivityIn(Schema):
    kind: str = Field(description="task, call, meeting, visit or email")
    subject: str
    due_at: str | None = Field(None, description=WHEN)
    all_day: bool = False
    duration_minutes: int | None = Field(None, description="Default by kind (visit: 60).")
    location: str = Field("", description="Where (a visit without one: the customer's address)")
    party_id: int | None = None
    opportunity_id: int | None = Field(None, description="A deal; its customer is implied.")
    lead_id: int | None = None
    owner_id: int | None = Field(None, description="Who does it (default: you).")
    remind_at: str | None = Field(None, description="When to e-mail the owner. " + WHEN)
    remind_minutes_before: int | None = Field(
        None, description="Or: remind this many minutes before the activity."
    )
    channel: str = Field("", description="The timeline channel when done (default by kind).")
    notes: str = ""


class ActivityPatch(Schema):
    """Only the fields sent change. Send the ``version`` you read (or ``If-Match``)."""

    kind: str | None = None
    subject: str | None = None
    due_at: str | None = Field(None, description=WHEN)
    all_day: bool | None = None
    duration_minutes: int | None = None
    location: str | None = None
    party_id: int | None = None
    opportunity_id: int | None = None
    lead_id: int | None = None
    owner_id: int | None = None
    remind_at: str | None = None
    remind_minutes_before: int | None = None
    channel: str | None = None
    notes: str | None = None
    version: int | None = None

    def changes(self) -> dict[str, Any]:
        return self.dict(exclude_unset=True, exclude={"version"})


class ActivityCompleteIn(Schema):
    outcome: str = Field("", description="What came of it (at most 300 characters).")
    notes: str | None = Field(None, description="The report; replaces the planning notes.")
    duration_minutes: int | None = None
    done_at: str | None = Field(None, description="When it was done (default: now).")
    version: int | None = None


class ActivityCancelIn(Schema):
    reason: str = ""
    version: int | None = None


class DealRef(Schema):
    id: int
    title: str


class LeadRef(Schema):
    id: int
    name: str


class ActivityOut(Schema):
    id: int
    kind: str
    subject: str
    notes: str
    status: str
    due_at: datetime.datetime | None
    all_day: bool
    duration_minutes: int
    location: str
    channel: str
    remind_at: datetime.datetime | None
    reminded_at: datetime.datetime | None
    done_at: datetime.datetime | None
    outcome: str
    overdue: bool
    party: PartyRef | None
    opportunity: DealRef | None
    lead: LeadRef | None
    owner: UserRef
    interaction_id: int | None = Field(description="The timeline entry of a done activity.")
    briefing_url: str | None = Field(description="The visit briefing (activities with a customer).")
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def build(a: Any) -> ActivityOut:
        return ActivityOut(
            id=a.pk,
            kind=a.kind,
            subject=a.subject,
            notes=a.notes,
            status=a.status,
            due_at=a.due_at,
            all_day=a.all_day,
            duration_minutes=a.duration_minutes,
            location=a.location,
            channel=a.channel,
            remind_at=a.remind_at,
            reminded_at=a.reminded_at,
            done_at=a.done_at,
            outcome=a.outcome,
            overdue=is_overdue(a),
            party=PartyRef(id=a.party_id, name=a.party.name) if a.party_id else None,
            opportunity=DealRef(id=a.opportunity_id, title=a.opportunity.title)
            if a.opportunity_id
            else None,
            lead=LeadRef(id=a.lead_id, name=a.lead.name) if a.lead_id else None,
            owner=UserRef.from_user(a.owner),  # type: ignore[arg-type]
            interaction_id=a.interaction_id,
            briefing_url=reverse("sales:activity_briefing", args=[a.pk]) if a.party_id else None,
            version=a.version,
            created_at=a.created_at,
            updated_at=a.updated_at,
        )


class ActivityPage(Schema):
    items: list[ActivityOut]
    next_cursor: str | None


class CalendarFeedOut(Schema):
    url: str = Field(description="The secret address of your calendar (keep it to yourself).")
    webcal_url: str
    last_read_at: datetime.datetime | None


# ---------------------------------------------------------------- the briefing


class BriefContactPoint(Schema):
    kind: str
    network: str
    value: str
    label: str
    is_primary: bool


class BriefParty(Schema):
    id: int
    name: str
    kind: str
    lifecycle_stage: str
    tier: str
    owner: UserRef | None
    preferred_channel: str
    language: str
    contact_points: list[BriefContactPoint]


class BriefCaseOut(Schema):
    protocol: str
    subject: str
    case_type: str
    status: str
    status_name: str
    priority: str
    sla_state: str = Field(description="ok, warning, breached, paused; empty without an SLA.")
    headline: str
    resolution_due: datetime.datetime | None
    assignee: UserRef | None
    opened_at: datetime.datetime


class BriefContact(Schema):
    id: int
    occurred_at: datetime.datetime
    channel: str
    direction: str
    subject: str
    body: str | None = Field(description="Null for roles that may not read bodies.")
    agent: UserRef | None
    regarding_type: str
    regarding_id: int | None


class BriefDeal(Schema):
    id: int
    title: str
    stage: str
    amount: Decimal
    currency: str
    probability: int
    expected_close_date: datetime.date | None
    owner: UserRef | None


class BriefQuote(Schema):
    id: int
    number: str
    status: str
    total: Decimal
    currency: str
    valid_until: datetime.date | None


class BriefOrder(Schema):
    id: int
    number: str
    ordered_at: datetime.datetime
    status: str
    payment_state: str
    total: Decimal
    currency: str


class BriefInvoiceOut(Schema):
    id: int
    number: str
    issued_at: datetime.datetime
    due_date: datetime.date | None
    payment_state: str
    total: Decimal
    amount_due: Decimal
    currency: str
    overdue: bool


class BriefConsent(Schema):
    purpose: str
    purpose_name: str
    channel: str
    granted: bool
    since: datetime.datetime | None
    source: str


class BriefNote(Schema):
    id: int
    body: str
    before_visit: bool
    author: UserRef | None
    created_at: datetime.datetime


class BriefingOut(Schema):
    party: BriefParty
    visit: ActivityOut | None
    open_cases: list[BriefCaseOut]
    last_contacts: list[BriefContact]
    opportunities: list[BriefDeal]
    quotes: list[BriefQuote]
    orders: list[BriefOrder]
    invoices: list[BriefInvoiceOut]
    consents: list[BriefConsent] = Field(description="Empty: no consent recorded.")
    notes: list[BriefNote] = Field(description="Notes flagged 'before you visit' first.")
    upcoming_activities: list[ActivityOut]
    generated_at: datetime.datetime

    @staticmethod
    def build(b: Any) -> BriefingOut:
        from django.utils.translation import get_language

        p = b.party
        return BriefingOut(
            party=BriefParty(
                id=p.pk,
                name=p.name,
                kind=p.kind,
                lifecycle_stage=p.lifecycle_stage,
                tier=p.tier,
                owner=UserRef.from_user(p.owner),
                preferred_channel=p.preferred_channel,
                language=p.language,
                contact_points=[
                    BriefContactPoint(
                        kind=c.kind,
                        network=c.network,
                        value=c.value,
                        label=c.label,
                        is_primary=c.is_primary,
                    )
                    for c in b.contact_points
                ],
            ),
            visit=ActivityOut.build(b.visit) if b.visit else None,
            open_cases=[
                BriefCaseOut(
                    protocol=c.case.protocol,
                    subject=c.case.subject,
                    case_type=c.case.case_type.code,
                    status=c.case.status.code,
                    status_name=c.case.status.label(get_language()),
                    priority=c.case.priority,
                    sla_state=c.sla_state,
                    headline=c.headline,
                    resolution_due=c.case.resolution_due,
                    assignee=UserRef.from_user(c.case.assignee),
                    opened_at=c.case.created_at,
                )
                for c in b.cases
            ],
            last_contacts=[
                BriefContact(
                    id=i.pk,
                    occurred_at=i.occurred_at,
                    channel=i.channel,
                    direction=i.direction,
                    subject=i.subject,
                    body=i.body if b.show_bodies else None,
                    agent=UserRef.from_user(i.agent),
                    regarding_type=i.regarding_type,
                    regarding_id=i.regarding_id,
                )
                for i in b.contacts
            ],
            opportunities=[
                BriefDeal(
                    id=o.pk,
                    title=o.title,
                    stage=o.stage.label(get_language()),
                    amount=o.amount,
                    currency=o.currency,
                    probability=o.effective_probability,
                    expected_close_date=o.expected_close_date,
                    owner=UserRef.from_user(o.owner),
                )
                for o in b.opportunities
            ],
            quotes=[
                BriefQuote(
                    id=q.pk,
                    number=q.number,
                    status=q.status,
                    total=q.total,
                    currency=q.currency,
                    valid_until=q.valid_until,
                )
                for q in b.quotes
            ],
            orders=[
                BriefOrder(
                    id=o.pk,
                    number=o.number,
                    ordered_at=o.ordered_at,
                    status=o.status,
                    payment_state=o.payment_state,
                    total=o.total,
                    currency=o.currency,
                )
                for o in b.orders
            ],
            invoices=[
                BriefInvoiceOut(
                    id=i.invoice.pk,
                    number=i.invoice.number,
                    issued_at=i.invoice.issued_at,
                    due_date=i.invoice.due_date,
                    payment_state=i.invoice.payment_state,
                    total=i.invoice.total,
                    amount_due=i.amount_due,
                    currency=i.invoice.currency,
                    overdue=i.overdue,
                )
                for i in b.invoices
            ],
            consents=[
                BriefConsent(
                    purpose=c.purpose,
                    purpose_name=c.purpose_name,
                    channel=c.channel,
                    granted=c.granted,
                    since=c.since,
                    source=c.source,
                )
                for c in b.consents
            ],
            notes=[
                BriefNote(
                    id=n.pk,
                    body=n.body,
                    before_visit=n.before_visit,
                    author=UserRef.from_user(n.author),
                    created_at=n.created_at,
                )
                for n in b.notes
            ],
            upcoming_activities=[ActivityOut.build(a) for a in b.upcoming],
            generated_at=b.generated_at,
        )
