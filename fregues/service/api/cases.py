"""HTTP API for cases: /api/v1/cases, queues, SLA policies, case types, partners, reports,
quality reviews; and the public endpoints (tracking, partner link, satisfaction survey)."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest
from ninja import Query, Router, Status

from fregues.core.api_utils import actor_of, version_from
from fregues.core.permissions import require
from fregues.core.schemas import DB_INT_MAX, ERROR_RESPONSES, ErrorOut, Id, Moment

from .. import services
from ..models import CaseType, QualityChecklist, Queue, ServicePartner, SlaPolicy, WorkOrder
from ..schemas.cases import (
    AssignIn,
    AttachInteractionIn,
    CaseIn,
    CaseOut,
    CasePage,
    CasePatch,
    CaseTypeOut,
    ChecklistOut,
    PartnerIn,
    PartnerOut,
    PublicCaseOut,
    QueueIn,
    QueueOut,
    ReassignIn,
    ReviewIn,
    ReviewOut,
    SlaPolicyIn,
    SlaPolicyOut,
    SlaPolicyPatch,
    StatusOut,
    SurveyIn,
    TimelineItemOut,
    TransitionIn,
    WorkOrderIn,
    WorkOrderOut,
    WorkOrderUpdateIn,
)
from ..selectors import cases as selectors
from ..selectors import reports
from ..services.configuration import queue_create, sla_policy_create, sla_policy_update
from ..services.partners import work_order_from_token, work_order_link

router = Router(tags=["cases"])
config_router = Router(tags=["service configuration"])
reports_router = Router(tags=["service reports"])
public_router = Router(tags=["public"], auth=None)


def _case_out(request: HttpRequest, protocol: str) -> CaseOut:
    case = selectors.case_get(actor=actor_of(request), protocol=protocol)
    return CaseOut.build(case, selectors.case_transitions(case))


@router.post("", response={200: CaseOut, 201: CaseOut, **ERROR_RESPONSES}, summary="Open a case")
def open_case(request: HttpRequest, payload: CaseIn) -> Status[CaseOut]:
    """Open a case and get its protocol. When the customer already has an open case of the
    same type with a similar subject, the report joins it: 200 with that case and
    ``joined: true`` (send ``force_new: true`` to open a separate one anyway)."""
    opened = services.case_open(actor=actor_of(request), **payload.dict())
    out = _case_out(request, opened.case.protocol)
    if not opened.created:
        out.joined = True
        out.message = f"This customer already has case {out.headline}. The report was added to it."
        return Status(200, out)
    out.joined = False
    return Status(201, out)


@router.get("", response={200: CasePage, **ERROR_RESPONSES}, summary="List cases")
def list_cases(
    request: HttpRequest,
    party_id: Id | None = None,
    status: str | None = None,
    case_type: str | None = None,
    queue_id: Id | None = None,
    assignee_id: Id | None = None,
    mine: bool = False,
    unassigned: bool = False,
    is_open: bool | None = Query(None, alias="open"),
    priority: str | None = None,
    q: str = "",
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=200),
) -> CasePage:
    actor = actor_of(request)
    filters = selectors.CaseFilters(
        party_id=party_id,
        status=status,
        case_type=case_type,
        queue_id=queue_id,
        assignee_id=actor.pk if mine else assignee_id,
        unassigned=unassigned,
        is_open=is_open,
        priority=priority,
        q=q,
    )
    rows, next_cursor = selectors.case_list(
        actor=actor, filters=filters, cursor=cursor, limit=limit
    )
    return CasePage(items=[CaseOut.build(c) for c in rows], next_cursor=next_cursor)


@router.get("/my-work", response={200: list[CaseOut], **ERROR_RESPONSES})
def my_work(request: HttpRequest) -> list[CaseOut]:
    """The signed-in agent's open cases, the nearest SLA due time first."""
    return [CaseOut.build(c) for c in selectors.my_work(actor=actor_of(request))]


@router.get("/similar", response={200: list[CaseOut], **ERROR_RESPONSES})
def similar_cases(
    request: HttpRequest, party_id: int, case_type: str, subject: str
) -> list[CaseOut]:
    """Open cases this new report would join (checked before opening a case)."""
    from ..services.cases import case_type_get, similar_open_cases

    require(actor_of(request), "case.view")
    kind = case_type_get(case_type)
    if kind is None:
        return []
    return [CaseOut.build(c) for c in similar_open_cases(party_id, kind.pk, subject)]


@router.post("/reassign", response={200: list[CaseOut], **ERROR_RESPONSES})
def reassign(request: HttpRequest, payload: ReassignIn) -> list[CaseOut]:
    """Give many cases to one agent at once (all or nothing)."""
    cases = services.cases_reassign(
        actor=actor_of(request), protocols=payload.protocols, assignee_id=payload.assignee_id
    )
    return [_case_out(request, c.protocol) for c in cases]


# "/cases/reassign", "/cases/similar"... are other operations: GET or PATCH of such a
# "protocol" answers 405 (documented, so clients and the fuzz test expect it).
SHADOWED = {405: ErrorOut}


@router.get("/{protocol}", response={200: CaseOut, **ERROR_RESPONSES, **SHADOWED})
def get_case(request: HttpRequest, protocol: str) -> CaseOut:
    return _case_out(request, protocol)


@router.patch("/{protocol}", response={200: CaseOut, **ERROR_RESPONSES, **SHADOWED})
def update_case(request: HttpRequest, protocol: str, payload: CasePatch) -> CaseOut:
    """Change the details sent; a stale ``version`` (or If-Match) is a 409."""
    case = services.case_update(
        actor=actor_of(request),
        protocol=protocol,
        data=payload.dict(exclude_unset=True, exclude={"version"}),
        version=version_from(request, payload.version),
    )
    return _case_out(request, case.protocol)


@router.get("/{protocol}/transitions", response={200: list[StatusOut], **ERROR_RESPONSES})
def allowed_transitions(request: HttpRequest, protocol: str) -> list[StatusOut]:
    """The statuses this case may move to now."""
    case = selectors.case_get(actor=actor_of(request), protocol=protocol)
    return [
        StatusOut(
            code=t.to_status.code,
            name=t.to_status.name,
            name_en=t.to_status.name_en,
            category=t.to_status.category,
        )
        for t in selectors.case_transitions(case)
    ]


@router.post("/{protocol}/transitions", response={200: CaseOut, **ERROR_RESPONSES})
def transition(request: HttpRequest, protocol: str, payload: TransitionIn) -> CaseOut:
    """Move the case to ``to_status``; a move its circuit does not allow is a 422 listing the
    allowed ones. Notifying transitions tell the customer on their preferred channel."""
    case = services.case_transition(
        actor=actor_of(request),
        protocol=protocol,
        to_status=payload.to_status,
        comment=payload.comment,
        version=version_from(request, payload.version),
    )
    return _case_out(request, case.protocol)


@router.get("/{protocol}/timeline", response={200: list[TimelineItemOut], **ERROR_RESPONSES})
def timeline(request: HttpRequest, protocol: str) -> list[TimelineItemOut]:
    """Everything about the case in time order: status moves, assignments, partner updates,
    notices, SLA warnings and every contact regarding it."""
    return [
        TimelineItemOut(**item.__dict__)
        for item in selectors.case_timeline(actor=actor_of(request), protocol=protocol)
    ]


@router.post("/{protocol}/assign", response={200: CaseOut, **ERROR_RESPONSES})
def assign(request: HttpRequest, protocol: str, payload: AssignIn) -> CaseOut:
    case = services.case_assign(
        actor=actor_of(request),
        protocol=protocol,
        assignee_id=payload.assignee_id,
        auto=payload.auto,
        version=version_from(request, payload.version),
    )
    return _case_out(request, case.protocol)


@router.post("/{protocol}/interactions", response={200: CaseOut, **ERROR_RESPONSES})
def attach_interaction(
    request: HttpRequest, protocol: str, payload: AttachInteractionIn
) -> CaseOut:
    """Attach a recorded contact to the case; ``status_inquiry`` counts it as avoidable."""
    services.case_attach_interaction(
        actor=actor_of(request),
        protocol=protocol,
        interaction_id=payload.interaction_id,
        status_inquiry=payload.status_inquiry,
    )
    return _case_out(request, protocol)


def _work_order_out(order: WorkOrder, with_link: bool = False) -> WorkOrderOut:
    return WorkOrderOut(
        id=order.pk,
        case_protocol=order.case.protocol,
        partner_id=order.partner_id,
        partner_name=order.partner.party.name,
        status=order.status,
        instructions=order.instructions,
        partner_notes=order.partner_notes,
        sent_at=order.sent_at,
        expires_at=order.expires_at,
        link=work_order_link(order) if with_link else None,
    )


@router.post("/{protocol}/work-orders", response={201: WorkOrderOut, **ERROR_RESPONSES})
def send_work_order(
    request: HttpRequest, protocol: str, payload: WorkOrderIn
) -> Status[WorkOrderOut]:
    """Send the case to a service partner by e-mail with a signed, expiring link."""
    order = services.work_order_send(actor=actor_of(request), protocol=protocol, **payload.dict())
    return Status(201, _work_order_out(order, with_link=True))


@router.get("/{protocol}/work-orders", response={200: list[WorkOrderOut], **ERROR_RESPONSES})
def list_work_orders(request: HttpRequest, protocol: str) -> list[WorkOrderOut]:
    case = selectors.case_get(actor=actor_of(request), protocol=protocol)
    orders = WorkOrder.objects.filter(case=case).select_related("case", "partner__party")
    return [_work_order_out(o) for o in orders]


# --- configuration ---------------------------------------------------------------------


@config_router.get("/queues", response={200: list[QueueOut], **ERROR_RESPONSES})
def list_queues(request: HttpRequest) -> list[QueueOut]:
    require(actor_of(request), "case.view")
    queues = Queue.objects.annotate(n=Count("cases", filter=Q(cases__is_open=True)))
    return [
        QueueOut(
            id=q.pk,
            code=q.code,
            name=q.name,
            team_id=q.team_id,
            strategy=q.strategy,
            open_cases=q.n,
        )
        for q in queues
    ]


@config_router.post("/queues", response={201: QueueOut, **ERROR_RESPONSES})
def create_queue(request: HttpRequest, payload: QueueIn) -> Status[QueueOut]:
    q = queue_create(actor=actor_of(request), **payload.dict())
    return Status(
        201, QueueOut(id=q.pk, code=q.code, name=q.name, team_id=q.team_id, strategy=q.strategy)
    )


def _policy_out(p: SlaPolicy) -> SlaPolicyOut:
    return SlaPolicyOut(
        id=p.pk,
        name=p.name,
        case_type=p.case_type.code if p.case_type is not None else None,
        priority=p.priority,
        customer_tier=p.customer_tier,
        first_response_minutes=p.first_response_minutes,
        resolution_minutes=p.resolution_minutes,
        warning_percent=p.warning_percent,
        calendar_id=p.calendar_id,
        calendar=p.calendar.name,
        is_active=p.is_active,
    )


@config_router.get("/sla-policies", response={200: list[SlaPolicyOut], **ERROR_RESPONSES})
def list_sla_policies(request: HttpRequest) -> list[SlaPolicyOut]:
    require(actor_of(request), "case.view")
    return [_policy_out(p) for p in SlaPolicy.objects.select_related("case_type", "calendar")]


@config_router.post("/sla-policies", response={201: SlaPolicyOut, **ERROR_RESPONSES})
def create_sla_policy(request: HttpRequest, payload: SlaPolicyIn) -> Status[SlaPolicyOut]:
    policy = sla_policy_create(actor=actor_of(request), data=payload.dict())
    return Status(201, _policy_out(policy))


@config_router.patch(
    "/sla-policies/{int:policy_id}", response={200: SlaPolicyOut, **ERROR_RESPONSES}
)
def update_sla_policy(
    request: HttpRequest, policy_id: int, payload: SlaPolicyPatch
) -> SlaPolicyOut:
    policy = sla_policy_update(
        actor=actor_of(request), policy_id=policy_id, data=payload.dict(exclude_unset=True)
    )
    return _policy_out(policy)


@config_router.get("/case-types", response={200: list[CaseTypeOut], **ERROR_RESPONSES})
def list_case_types(request: HttpRequest) -> list[CaseTypeOut]:
    """Case types with their circuit's statuses."""
    require(actor_of(request), "case.view")
    return [
        CaseTypeOut(
            id=t.pk,
            code=t.code,
            name=t.name,
            name_en=t.name_en,
            categories=t.categories,
            circuit=t.circuit.name,
            is_public=t.is_public,
            statuses=[
                StatusOut(code=s.code, name=s.name, name_en=s.name_en, category=s.category)
                for s in t.circuit.statuses.all()
            ],
        )
        for t in CaseType.objects.select_related("circuit").prefetch_related("circuit__statuses")
    ]


def _partner_out(p: ServicePartner) -> PartnerOut:
    return PartnerOut(
        id=p.pk,
        party_id=p.party_id,
        name=p.party.name,
        email=p.email,
        skills=p.skills,
        is_active=p.is_active,
    )


@config_router.get("/partners", response={200: list[PartnerOut], **ERROR_RESPONSES})
def list_partners(request: HttpRequest) -> list[PartnerOut]:
    require(actor_of(request), "case.view")
    return [_partner_out(p) for p in ServicePartner.objects.select_related("party")]


@config_router.post("/partners", response={201: PartnerOut, **ERROR_RESPONSES})
def create_partner(request: HttpRequest, payload: PartnerIn) -> Status[PartnerOut]:
    """Flag an organisation as a service partner."""
    partner = services.partner_register(actor=actor_of(request), **payload.dict())
    return Status(201, _partner_out(partner))


@config_router.get("/quality/checklists", response={200: list[ChecklistOut], **ERROR_RESPONSES})
def list_checklists(request: HttpRequest) -> list[ChecklistOut]:
    require(actor_of(request), "quality.review")
    return [
        ChecklistOut(id=c.pk, name=c.name, items=c.items) for c in QualityChecklist.objects.all()
    ]


@config_router.get("/quality/sample", response={200: dict, **ERROR_RESPONSES})
def quality_sample(
    request: HttpRequest,
    size: int = Query(10, ge=1, le=500),
    days: int = Query(30, ge=1, le=3660),
    agent_id: int | None = Query(None, ge=1, le=DB_INT_MAX),
) -> dict:
    """A random sample of not-yet-reviewed contacts and closed cases to review."""
    return services.quality_sample(actor=actor_of(request), size=size, days=days, agent_id=agent_id)


@config_router.post("/quality/reviews", response={201: ReviewOut, **ERROR_RESPONSES})
def create_review(request: HttpRequest, payload: ReviewIn) -> Status[ReviewOut]:
    review = services.quality_review_record(actor=actor_of(request), **payload.dict())
    return Status(
        201,
        ReviewOut(
            id=review.pk,
            checklist_id=review.checklist_id,
            agent_id=review.agent_id,
            case_id=review.case_id,
            interaction_id=review.interaction_id,
            score_percent=review.score_percent,
            comment=review.comment,
            reviewed_at=review.reviewed_at,
        ),
    )


# --- reports ---------------------------------------------------------------------------


@reports_router.get("/sla", response={200: list[dict], **ERROR_RESPONSES})
def report_sla(
    request: HttpRequest,
    by: str = "queue",
    since: Moment | None = None,
    until: Moment | None = None,
) -> list[dict]:
    """SLA compliance per queue, agent or case type (``by``)."""
    return reports.sla_compliance(actor=actor_of(request), by=by, since=since, until=until)


@reports_router.get("/avoidable-contacts", response={200: list[dict], **ERROR_RESPONSES})
def report_avoidable(
    request: HttpRequest,
    since: Moment | None = None,
    until: Moment | None = None,
) -> list[dict]:
    """Avoidable contacts per case type per week."""
    return reports.avoidable_contacts_weekly(actor=actor_of(request), since=since, until=until)


@reports_router.get("/satisfaction", response={200: list[dict], **ERROR_RESPONSES})
def report_satisfaction(
    request: HttpRequest,
    by: str = "agent",
    since: Moment | None = None,
    until: Moment | None = None,
) -> list[dict]:
    """Average CSAT per agent or queue."""
    return reports.satisfaction(actor=actor_of(request), by=by, since=since, until=until)


@reports_router.get("/quality", response={200: list[dict], **ERROR_RESPONSES})
def report_quality(
    request: HttpRequest,
    since: Moment | None = None,
    until: Moment | None = None,
) -> list[dict]:
    """Average quality score per agent per month."""
    return reports.quality_by_agent(actor=actor_of(request), since=since, until=until)


# --- public (no account) ---------------------------------------------------------------


@public_router.get("/track/{protocol}", response={200: PublicCaseOut, **ERROR_RESPONSES})
def track(request: HttpRequest, protocol: str, code: str = "") -> PublicCaseOut:
    """The status history of a case, with the secret code from the customer's receipt.
    Nothing personal beyond the first name."""
    case = services.tracking_open(protocol=protocol, code=code)
    language = request.GET.get("lang") or getattr(request, "LANGUAGE_CODE", None)
    return PublicCaseOut(**selectors.case_public_view(case, language))


@public_router.get("/partner/work-orders/{token}", response={200: WorkOrderOut, **ERROR_RESPONSES})
def partner_work_order(request: HttpRequest, token: str) -> WorkOrderOut:
    """What the partner sees through the signed link."""
    return _work_order_out(work_order_from_token(token))


@public_router.post("/partner/work-orders/{token}", response={200: WorkOrderOut, **ERROR_RESPONSES})
def partner_update(request: HttpRequest, token: str, payload: WorkOrderUpdateIn) -> WorkOrderOut:
    """The partner's status and notes; they land on the case timeline."""
    order = services.work_order_update(token=token, status=payload.status, notes=payload.notes)
    return _work_order_out(order)


@public_router.post("/csat/{token}", response={200: dict, **ERROR_RESPONSES})
def answer_survey(request: HttpRequest, token: str, payload: SurveyIn) -> dict:
    """The customer's satisfaction answer (1–5 and a comment), once."""
    survey = services.survey_answer(token=token, score=payload.score, comment=payload.comment)
    return {"score": survey.score, "message": "Thank you!"}
