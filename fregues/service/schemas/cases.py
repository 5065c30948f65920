"""API shapes of customer service."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from ninja import Field, Schema
from pydantic import AliasChoices

from fregues.parties.schemas import UserRef


class CaseIn(Schema):
    party_id: int
    case_type: str = Field(
        ..., description="Case type code (technical-assistance, licence-request) or id."
    )
    subject: str
    description: str = ""
    channel: str = "phone"
    priority: str = "normal"
    category: str = ""
    reporter_id: int | None = None
    queue_id: int | None = None
    assignee_id: int | None = None
    interaction_id: int | None = Field(
        None, description="A recorded contact that brought the request."
    )
    parent_id: int | None = None
    force_new: bool = Field(False, description="Open a new case even if a similar one is open.")


class CasePatch(Schema):
    subject: str | None = None
    description: str | None = None
    category: str | None = None
    priority: str | None = None
    queue_id: int | None = None
    reporter_id: int | None = None
    parent_id: int | None = None
    duplicate_of_id: int | None = None
    version: int | None = None


class StatusOut(Schema):
    code: str
    name: str
    name_en: str
    category: str


class TransitionOut(Schema):
    to_status: StatusOut
    name: str
    notifies_customer: bool


class PartyRef(Schema):
    id: int
    name: str


class CaseOut(Schema):
    id: int
    protocol: str
    party: PartyRef
    reporter: PartyRef | None
    channel: str
    case_type: str
    case_type_name: str
    category: str
    priority: str
    queue: str | None
    queue_id: int | None
    assignee: UserRef | None
    status: StatusOut
    status_changed_at: datetime.datetime
    is_open: bool
    subject: str
    description: str
    sla_policy: str | None
    sla_state: str
    first_response_due: datetime.datetime | None
    resolution_due: datetime.datetime | None
    first_responded_at: datetime.datetime | None
    resolved_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    sla_paused: bool
    escalation_level: int
    duplicate_of_id: int | None
    parent_id: int | None
    headline: str
    allowed_transitions: list[TransitionOut] = []
    tracking_code: str | None = None
    version: int
    created_at: datetime.datetime
    joined: bool | None = Field(
        default=None, description="True when the request joined an open case."
    )
    message: str | None = None

    @staticmethod
    def build(case: Any, transitions: list[Any] | None = None, *, tracking: bool = True) -> CaseOut:
        from ..selectors.cases import case_headline
        from ..services.sla import sla_state

        def status(s: Any) -> StatusOut:
            return StatusOut(code=s.code, name=s.name, name_en=s.name_en, category=s.category)

        return CaseOut(
            id=case.pk,
            protocol=case.protocol,
            party=PartyRef(id=case.party_id, name=case.party.name),
            reporter=PartyRef(id=case.reporter_id, name=case.reporter.name)
            if case.reporter_id
            else None,
            channel=case.channel,
            case_type=case.case_type.code,
            case_type_name=case.case_type.name,
            category=case.category,
            priority=case.priority,
            queue=case.queue.name if case.queue_id else None,
            queue_id=case.queue_id,
            assignee=UserRef.from_user(case.assignee),
            status=status(case.status),
            status_changed_at=case.status_changed_at,
            is_open=case.is_open,
            subject=case.subject,
            description=case.description,
            sla_policy=case.sla_policy.name if case.sla_policy_id else None,
            sla_state=sla_state(case, timezone.now()),
            first_response_due=case.first_response_due,
            resolution_due=case.resolution_due,
            first_responded_at=case.first_responded_at,
            resolved_at=case.resolved_at,
            closed_at=case.closed_at,
            sla_paused=case.sla_paused_at is not None,
            escalation_level=case.escalation_level,
            duplicate_of_id=case.duplicate_of_id,
            parent_id=case.parent_id,
            headline=case_headline(case),
            allowed_transitions=[
                TransitionOut(
                    to_status=status(t.to_status),
                    name=t.name,
                    notifies_customer=t.notifies_customer,
                )
                for t in (transitions or [])
            ],
            tracking_code=case.tracking_code if tracking else None,
            version=case.version,
            created_at=case.created_at,
        )


class CasePage(Schema):
    items: list[CaseOut]
    next_cursor: str | None = None


class TransitionIn(Schema):
    to_status: str = Field(..., validation_alias=AliasChoices("to_status", "status", "to"))
    comment: str = ""
    version: int | None = None


class AssignIn(Schema):
    assignee_id: int | None = None
    auto: bool = False
    version: int | None = None


class ReassignIn(Schema):
    protocols: list[str]
    assignee_id: int | None = None


class AttachInteractionIn(Schema):
    interaction_id: int
    status_inquiry: bool = Field(
        False, description="The customer asked for the status: an avoidable contact."
    )


class WorkOrderIn(Schema):
    partner_id: int
    instructions: str = ""
    transition_to: str | None = Field(None, description="Also move the case, e.g. to 'dispatched'.")


class WorkOrderOut(Schema):
    id: int
    case_protocol: str
    partner_id: int
    partner_name: str
    status: str
    instructions: str
    partner_notes: str
    sent_at: datetime.datetime
    expires_at: datetime.datetime
    link: str | None = None


class WorkOrderUpdateIn(Schema):
    status: str
    notes: str = ""


class TimelineItemOut(Schema):
    kind: str
    occurred_at: datetime.datetime
    summary: str
    actor: str
    data: dict[str, Any]
    is_public: bool


class PublicHistoryOut(Schema):
    at: datetime.datetime
    kind: str
    status: str | None = None
    description: str | None = None


class PublicCaseOut(Schema):
    protocol: str
    first_name: str
    case_type: str
    status: str
    status_description: str
    is_open: bool
    opened_at: datetime.datetime
    history: list[PublicHistoryOut]


class SurveyIn(Schema):
    score: int
    comment: str = ""


class QueueIn(Schema):
    code: str
    name: str
    team_id: int | None = None
    strategy: str = "manual"


class QueueOut(Schema):
    id: int
    code: str
    name: str
    team_id: int | None
    strategy: str
    open_cases: int = 0


class SlaPolicyIn(Schema):
    name: str
    case_type: str | None = None
    priority: str = ""
    customer_tier: str = ""
    first_response_minutes: int = Field(..., gt=0)
    resolution_minutes: int = Field(..., gt=0)
    warning_percent: int = Field(80, ge=1, le=99)
    calendar_id: int
    is_active: bool = True


class SlaPolicyPatch(Schema):
    """The fields sent change; null is refused where a value is required (blank case type,
    priority or tier mean "any")."""

    # The ignored fields are optional to send but not nullable: the None default only marks
    # them absent (the docstring above is the OpenAPI description, so the note lives here).
    name: str = Field(None)  # type: ignore[assignment]
    case_type: str | None = None
    priority: str | None = None
    customer_tier: str | None = None
    first_response_minutes: int = Field(None, gt=0)  # type: ignore[assignment]
    resolution_minutes: int = Field(None, gt=0)  # type: ignore[assignment]
    warning_percent: int = Field(None, ge=1, le=99)  # type: ignore[assignment]
    calendar_id: int = Field(None)  # type: ignore[assignment]
    is_active: bool = Field(None)  # type: ignore[assignment]


class SlaPolicyOut(Schema):
    id: int
    name: str
    case_type: str | None
    priority: str
    customer_tier: str
    first_response_minutes: int
    resolution_minutes: int
    warning_percent: int
    calendar_id: int
    calendar: str
    is_active: bool


class CaseTypeOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    categories: list[str]
    circuit: str
    statuses: list[StatusOut]
    is_public: bool = Field(description="Customers may open requests of this type in the portal.")


class PartnerIn(Schema):
    party_id: int
    email: str
    skills: str = ""


class PartnerOut(Schema):
    id: int
    party_id: int
    name: str
    email: str
    skills: str
    is_active: bool


class ReviewIn(Schema):
    checklist_id: int
    scores: dict[str, float]
    case_id: int | None = None
    interaction_id: int | None = None
    comment: str = ""


class ReviewOut(Schema):
    id: int
    checklist_id: int
    agent_id: int | None
    case_id: int | None
    interaction_id: int | None
    score_percent: float
    comment: str
    reviewed_at: datetime.datetime


class ChecklistOut(Schema):
    id: int
    name: str
    items: list[dict[str, Any]]
