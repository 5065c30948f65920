"""/api/v1/leads and the public lead forms (/api/v1/forms/{code}/leads).

Leads are taken in (``POST /leads``: 201, or 200 with the lead sent before when the same
``source`` + ``external_id`` comes again), listed with the filters of the lead screen, worked
(qualify, disqualify with a reason, reopen, assign) and converted into a customer and a deal.
The public twin of the web form takes no account and no CSRF token: it is rate limited per
client address (429 ``rate_limited``) and has the same honeypot field as the page.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Status

from fregues.core.api_utils import actor_of, version_from
from fregues.core.schemas import ERROR_RESPONSES, ErrorOut

from ..filters.leads import LeadFilters
from ..schemas.leads import (
    ConversionOut,
    ConvertIn,
    DisqualifyIn,
    LeadAssignIn,
    LeadIn,
    LeadOut,
    LeadPage,
    LeadPatch,
    LeadVersionIn,
    PublicFormOut,
    PublicLeadIn,
    PublicLeadOut,
)
from ..selectors.leads import (
    lead_counts,
    lead_form_public,
    lead_get,
    lead_list,
    lead_page,
    lead_queryset,
)
from ..services.lead_conversion import lead_convert
from ..services.lead_forms import (
    HONEYPOT_FIELD,
    PUBLIC_FIELDS,
    consent_text,
    lead_form_submit,
    thank_you_text,
)
from ..services.leads import (
    lead_assign,
    lead_create,
    lead_disqualify,
    lead_qualify,
    lead_reopen,
    lead_update,
)

router = Router(tags=["leads"])
public_router = Router(tags=["public"], auth=None)


def _out(request: HttpRequest, lead_id: int) -> LeadOut:
    return LeadOut.build(lead_get(actor=actor_of(request), lead_id=lead_id))


@router.get("", response={200: LeadPage, **ERROR_RESPONSES}, summary="List leads")
def list_leads(
    request: HttpRequest,
    filters: Query[LeadFilters],
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=200),
) -> LeadPage:
    """Leads newest first, a page at a time (follow ``next_cursor``), with the lead screen's
    filters."""
    actor = actor_of(request)
    qs = lead_list(actor=actor, **filters.as_kwargs(actor))
    rows, next_cursor = lead_page(qs.prefetch_related("opportunities"), cursor, limit)
    return LeadPage(items=[LeadOut.build(lead) for lead in rows], next_cursor=next_cursor)


@router.get("/counts", response={200: dict[str, int], **ERROR_RESPONSES}, summary="Counts")
def count_leads(request: HttpRequest, filters: Query[LeadFilters]) -> dict[str, int]:
    """How many leads per status (and ``all``) under the other filters: the screen's tabs."""
    actor = actor_of(request)
    return lead_counts(actor=actor, **filters.as_kwargs(actor))


@router.post("", response={200: LeadOut, 201: LeadOut, **ERROR_RESPONSES}, summary="Take a lead in")
def create_lead(request: HttpRequest, payload: LeadIn) -> Status[LeadOut]:
    """Create a lead (201). The same ``source`` + ``external_id`` again answers 200 with the
    lead created the first time, unchanged: a retry never doubles a lead."""
    made = lead_create(actor=actor_of(request), data=payload.dict(), source="api")
    # who may take leads in sees what they sent, even without reading other leads (agents)
    lead = lead_queryset().prefetch_related("opportunities").get(pk=made.lead.pk)
    return Status(201 if made.created else 200, LeadOut.build(lead))


@router.get("/{int:lead_id}", response={200: LeadOut, **ERROR_RESPONSES}, summary="A lead")
def get_lead(request: HttpRequest, lead_id: int) -> LeadOut:
    return _out(request, lead_id)


@router.patch("/{int:lead_id}", response={200: LeadOut, **ERROR_RESPONSES}, summary="Edit")
def update_lead(request: HttpRequest, lead_id: int, payload: LeadPatch) -> LeadOut:
    """Change the fields sent; send the ``version`` you read (or ``If-Match``): a stale one is
    a 409 and nothing is written."""
    data = payload.dict(exclude_unset=True, exclude={"version"})
    lead_update(
        actor=actor_of(request),
        lead_id=lead_id,
        data=data,
        version=version_from(request, payload.version),
    )
    return _out(request, lead_id)


@router.post("/{int:lead_id}/qualify", response={200: LeadOut, **ERROR_RESPONSES})
def qualify_lead(request: HttpRequest, lead_id: int, payload: LeadVersionIn) -> LeadOut:
    """Worth a salesperson's time."""
    lead_qualify(
        actor=actor_of(request), lead_id=lead_id, version=version_from(request, payload.version)
    )
    return _out(request, lead_id)


@router.post("/{int:lead_id}/disqualify", response={200: LeadOut, **ERROR_RESPONSES})
def disqualify_lead(request: HttpRequest, lead_id: int, payload: DisqualifyIn) -> LeadOut:
    """Set aside, with the reason (required: 422 without one)."""
    lead_disqualify(
        actor=actor_of(request),
        lead_id=lead_id,
        reason=payload.reason,
        version=version_from(request, payload.version),
    )
    return _out(request, lead_id)


@router.post("/{int:lead_id}/reopen", response={200: LeadOut, **ERROR_RESPONSES})
def reopen_lead(request: HttpRequest, lead_id: int, payload: LeadVersionIn) -> LeadOut:
    """A disqualified lead back to work."""
    lead_reopen(
        actor=actor_of(request), lead_id=lead_id, version=version_from(request, payload.version)
    )
    return _out(request, lead_id)


@router.post("/{int:lead_id}/assign", response={200: LeadOut, **ERROR_RESPONSES})
def assign_lead(request: HttpRequest, lead_id: int, payload: LeadAssignIn) -> LeadOut:
    lead_assign(
        actor=actor_of(request),
        lead_id=lead_id,
        owner_id=payload.owner_id,
        version=version_from(request, payload.version),
    )
    return _out(request, lead_id)


@router.post(
    "/{int:lead_id}/convert",
    response={200: ConversionOut, **ERROR_RESPONSES},
    summary="Convert into a customer and a deal",
)
def convert_lead(request: HttpRequest, lead_id: int, payload: ConvertIn) -> ConversionOut:
    """Find the customer by tax id, e-mail or phone (an existing one always wins), or create
    them (and their organisation); open a deal in the first stage of the pipeline. Converting
    twice is a 409."""
    done = lead_convert(
        actor=actor_of(request),
        lead_id=lead_id,
        pipeline_id=payload.pipeline_id,
        title=payload.title,
        amount=payload.amount,
        currency=payload.currency,
        version=version_from(request, payload.version),
    )
    return ConversionOut(
        lead=_out(request, lead_id),
        party_id=done.party.pk,
        organization_id=done.organization.pk if done.organization else None,
        opportunity_id=done.opportunity.pk,
        party_created=done.party_created,
        organization_created=done.organization_created,
    )


# ---------------------------------------------------------------- public (no account)

PUBLIC_ERRORS = {400: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}


@public_router.get("/{code}", response={200: PublicFormOut, **PUBLIC_ERRORS})
def public_form(request: HttpRequest, code: str) -> PublicFormOut:
    """A form's texts and fields, for a page that draws the form itself."""
    form = lead_form_public(code=code)
    return PublicFormOut.build(
        form, fields=list(PUBLIC_FIELDS), honeypot=HONEYPOT_FIELD, consent=consent_text(form)
    )


@public_router.post(
    "/{code}/leads",
    response={201: PublicLeadOut, **PUBLIC_ERRORS},
    summary="Send a lead through a public form",
    url_name="lead_form_submit",
)
def public_submit(request: HttpRequest, code: str, payload: PublicLeadIn) -> Status:
    """No account, no CSRF token. A name and an e-mail or a phone are required (422 names
    the fields). An unknown or inactive form is a 404; past the hourly limit of the client's
    address, 429 ``rate_limited``. Leave ``website`` empty."""
    data = payload.dict(exclude={"answers", "consent"})
    submission = lead_form_submit(
        code=code,
        data=data,
        ip_address=request.META.get("REMOTE_ADDR") or None,
        answers=payload.answers,
        consent=payload.consent,
    )
    return Status(201, PublicLeadOut(status="received", message=thank_you_text(submission.form)))
