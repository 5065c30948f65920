"""HTTP API for parties: /api/v1/parties and /api/v1/duplicates."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Query, Router, Status

from fregues.core.api_utils import actor_of, known_good, version_from
from fregues.core.errors import NotFound
from fregues.core.permissions import require
from fregues.core.schemas import ERROR_RESPONSES

from . import selectors, services
from .duplicates import find_duplicates
from .filters import PartyFilters
from .models import ContactPoint, Note, Party
from .pagination import page
from .record import SUMMARY_FIELDS, party_record, party_summaries
from .schemas import (
    AffiliationIn,
    AffiliationOut,
    AffiliationPatch,
    AuditEntryOut,
    ConsentOut,
    ConsentPurposeOut,
    ConsentRecordIn,
    ConsentRecordOut,
    ConsentStateOut,
    ContactPointIn,
    ContactPointOut,
    ContactPointPatch,
    DismissIn,
    DuplicateOut,
    DuplicatePairOut,
    LifecycleMoveIn,
    LifecycleMoveOut,
    LifecycleOut,
    MergeIn,
    NoteIn,
    NoteOut,
    PartyIn,
    PartyOut,
    PartyPage,
    PartyPatch,
    PartySummary,
)
from .services.lifecycle import allowed_moves

router = Router(tags=["parties"])
dup_router = Router(tags=["duplicates"])
purposes_router = Router(tags=["consent"])


def _party_out(request: HttpRequest, party_id: int) -> PartyOut:
    return PartyOut.build(selectors.party_get(actor=actor_of(request), party_id=party_id))


def _with_primary_points(qs):  # type: ignore[no-untyped-def]
    return qs.select_related("owner").prefetch_related(
        Prefetch(
            "contact_points",
            queryset=ContactPoint.objects.filter(is_primary=True).exclude(kind="address"),
            to_attr="primary_points",
        )
    )


@router.get("", response={200: PartyPage, **ERROR_RESPONSES}, summary="List and search parties")
def list_parties(
    request: HttpRequest,
    filters: Query[PartyFilters],
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=200),
) -> HttpResponse:
    """Parties by name; ``q`` searches names, e-mails, phones (any format) and tax ids,
    ignoring accents and case."""
    qs = selectors.party_list(actor=actor_of(request), **filters.as_kwargs())
    rows, next_cursor = page(qs.values(*SUMMARY_FIELDS), cursor, limit)
    return known_good({"items": party_summaries(rows), "next_cursor": next_cursor}, PartyPage)


@router.post("", response={201: PartyOut, **ERROR_RESPONSES}, summary="Create a party")
def create_party(request: HttpRequest, payload: PartyIn) -> Status[PartyOut]:
    data = payload.dict(
        exclude={
            "tags",
            "contact_points",
            "email",
            "phone",
            "external_ids",
            "lifecycle_stage",
            "organizations",
        },
        exclude_unset=True,
    )
    data.setdefault("kind", payload.kind)
    party = services.party_create(
        actor=actor_of(request),
        data=data,
        contact_points=payload.all_contact_points(),
        tags=payload.tags,
        external_ids=[e.dict() for e in payload.external_ids],
        lifecycle_stage=payload.lifecycle_stage,
        affiliations=[link.dict() for link in payload.organizations],
    )
    return Status(201, _party_out(request, party.pk))


@router.get("/lookup", response={200: PartyOut, **ERROR_RESPONSES}, summary="Exact lookup")
def lookup_party(
    request: HttpRequest, phone: str = "", email: str = "", handle: str = "", network: str = ""
) -> HttpResponse:
    """Screen-pop: the party holding this phone (any format), e-mail or handle, or 404."""
    actor = actor_of(request)
    party_id = selectors.party_lookup_id(
        actor=actor, phone=phone, email=email, handle=handle, network=network
    )
    return known_good(party_record(actor=actor, party_id=party_id), PartyOut)


@router.get("/{int:party_id}", response={200: PartyOut, 301: None, **ERROR_RESPONSES})
def get_party(request: HttpRequest, party_id: int) -> HttpResponse:
    """One party. The id of a merged party answers 301 with the survivor's address."""
    try:
        return known_good(party_record(actor=actor_of(request), party_id=party_id), PartyOut)
    except NotFound as exc:
        if exc.code != "merged":
            raise
        response = JsonResponse(exc.as_dict(), status=301)
        response["Location"] = f"/api/v1/parties/{exc.details['merged_into']}"
        return response


@router.api_operation(
    ["PATCH", "PUT"], "/{int:party_id}", response={200: PartyOut, **ERROR_RESPONSES}
)
def update_party(request: HttpRequest, party_id: int, payload: PartyPatch) -> PartyOut:
    """Change the fields sent. Send the ``version`` you read (or ``If-Match``): when someone
    saved the party since, the answer is 409 and nothing is written."""
    data = payload.dict(exclude_unset=True, exclude={"tags", "version"})
    services.party_update(
        actor=actor_of(request),
        party_id=party_id,
        data=data,
        tags=payload.tags,
        version=version_from(request, payload.version),
    )
    return _party_out(request, party_id)


@router.delete("/{int:party_id}", response={204: None, **ERROR_RESPONSES})
def delete_party(request: HttpRequest, party_id: int) -> Status[None]:
    services.party_delete(
        actor=actor_of(request), party_id=party_id, version=version_from(request, None)
    )
    return Status(204, None)


@router.get(
    "/{int:party_id}/contact-points", response={200: list[ContactPointOut], **ERROR_RESPONSES}
)
def list_contact_points(request: HttpRequest, party_id: int) -> list[ContactPoint]:
    party = selectors.party_get(actor=actor_of(request), party_id=party_id)
    return list(party.contact_points.all())


@router.post("/{int:party_id}/contact-points", response={201: ContactPointOut, **ERROR_RESPONSES})
def add_contact_point(
    request: HttpRequest, party_id: int, payload: ContactPointIn
) -> Status[ContactPoint]:
    """Add an e-mail, phone, handle or address. One held by another party is a 409 that names
    the holder."""
    point = services.contact_point_add(
        actor=actor_of(request), party_id=party_id, data=payload.dict()
    )
    return Status(201, point)


@router.patch(
    "/{int:party_id}/contact-points/{int:point_id}",
    response={200: ContactPointOut, **ERROR_RESPONSES},
)
def update_contact_point(
    request: HttpRequest, party_id: int, point_id: int, payload: ContactPointPatch
) -> ContactPoint:
    return services.contact_point_update(
        actor=actor_of(request),
        party_id=party_id,
        point_id=point_id,
        data=payload.dict(exclude_unset=True),
    )


@router.delete(
    "/{int:party_id}/contact-points/{int:point_id}", response={204: None, **ERROR_RESPONSES}
)
def delete_contact_point(request: HttpRequest, party_id: int, point_id: int) -> Status[None]:
    services.contact_point_remove(actor=actor_of(request), party_id=party_id, point_id=point_id)
    return Status(204, None)


def _lifecycle(request: HttpRequest, party_id: int) -> LifecycleOut:
    party = selectors.party_get(actor=actor_of(request), party_id=party_id)
    history = selectors.lifecycle_history(actor=actor_of(request), party_id=party_id)
    return LifecycleOut(
        party_id=party.pk,
        stage=party.lifecycle_stage,
        changed_at=party.lifecycle_changed_at,
        allowed_moves=allowed_moves(party.lifecycle_stage),
        history=[LifecycleMoveOut.build(m) for m in history],
    )


@router.get("/{int:party_id}/lifecycle", response={200: LifecycleOut, **ERROR_RESPONSES})
def get_lifecycle(request: HttpRequest, party_id: int) -> LifecycleOut:
    """The current stage, the stages it may move to, and every move so far."""
    return _lifecycle(request, party_id)


@router.post("/{int:party_id}/lifecycle", response={201: LifecycleOut, **ERROR_RESPONSES})
def move_lifecycle(
    request: HttpRequest, party_id: int, payload: LifecycleMoveIn
) -> Status[LifecycleOut]:
    """Move the party to ``to_stage`` with a ``reason``; a move the rules forbid is a 422."""
    services.lifecycle_move(
        actor=actor_of(request),
        party_id=party_id,
        to_stage=payload.to_stage,
        reason=payload.reason,
        version=version_from(request, payload.version),
    )
    return Status(201, _lifecycle(request, party_id))


@router.get("/{int:party_id}/duplicates", response={200: list[DuplicateOut], **ERROR_RESPONSES})
def party_duplicates(request: HttpRequest, party_id: int) -> list[DuplicateOut]:
    """Parties that look like the same customer, best first, with the reasons."""
    party = selectors.party_get(actor=actor_of(request), party_id=party_id)
    matches = find_duplicates(party)
    parties = {
        p.pk: p
        for p in _with_primary_points(Party.objects.filter(pk__in=[m.party_id for m in matches]))
    }
    return [
        DuplicateOut(
            party=PartySummary.build(parties[m.party_id]),
            score=round(m.score, 3),
            reasons=m.reasons,
        )
        for m in matches
        if m.party_id in parties
    ]


@router.post("/{int:party_id}/merge", response={200: PartyOut, **ERROR_RESPONSES})
def merge_party(request: HttpRequest, party_id: int, payload: MergeIn) -> PartyOut:
    """Merge ``merge_id`` into this party. Everything moves here; the merged id keeps
    answering with a redirect to this one."""
    from django.db import transaction

    version = version_from(request, payload.version)
    with transaction.atomic():
        for other in payload.ids():
            services.party_merge(
                actor=actor_of(request), survivor_id=party_id, merged_id=other, version=version
            )
            version = None
    return _party_out(request, party_id)


@router.get("/{int:party_id}/notes", response={200: list[NoteOut], **ERROR_RESPONSES})
def list_notes(request: HttpRequest, party_id: int) -> list[NoteOut]:
    selectors.party_get(actor=actor_of(request), party_id=party_id)
    return [
        NoteOut.build(n) for n in Note.objects.filter(party_id=party_id).select_related("author")
    ]


@router.post("/{int:party_id}/notes", response={201: NoteOut, **ERROR_RESPONSES})
def add_note(request: HttpRequest, party_id: int, payload: NoteIn) -> Status[NoteOut]:
    note = services.note_add(
        actor=actor_of(request),
        party_id=party_id,
        body=payload.body,
        before_visit=payload.before_visit,
    )
    return Status(201, NoteOut.build(note))


@router.post("/{int:party_id}/affiliations", response={201: PartyOut, **ERROR_RESPONSES})
def add_affiliation(
    request: HttpRequest, party_id: int, payload: AffiliationIn
) -> Status[PartyOut]:
    """Link this person to an organisation with a role."""
    services.affiliation_add(
        actor=actor_of(request),
        person_id=party_id,
        organization_id=payload.organization_id,
        role=payload.role,
        is_primary=payload.is_primary,
    )
    return Status(201, _party_out(request, party_id))


@router.patch(
    "/{int:party_id}/affiliations/{int:affiliation_id}",
    response={200: AffiliationOut, **ERROR_RESPONSES},
)
def patch_affiliation(
    request: HttpRequest, party_id: int, affiliation_id: int, payload: AffiliationPatch
) -> AffiliationOut:
    """Whether the person of this link sees the organisation's requests in the portal."""
    link = services.affiliation_portal_access_set(
        actor=actor_of(request),
        affiliation_id=affiliation_id,
        sees_cases=payload.portal_sees_cases,
        party_id=party_id,
    )
    return AffiliationOut.build(link)


@router.get("/{int:party_id}/audit", response={200: list[AuditEntryOut], **ERROR_RESPONSES})
def party_audit(request: HttpRequest, party_id: int, limit: int = Query(50, ge=1, le=500)) -> list:
    """Who changed what on this customer, newest first."""
    selectors.party_get(actor=actor_of(request), party_id=party_id)
    return selectors.audit_history(actor=actor_of(request), party_id=party_id, limit=limit)


@dup_router.get("", response={200: list[DuplicatePairOut], **ERROR_RESPONSES})
def list_duplicate_pairs(
    request: HttpRequest, status: str = "open", limit: int = Query(100, ge=1, le=500)
) -> list[DuplicatePairOut]:
    """Pairs found by the last duplicate scan, most likely first."""
    pairs = selectors.duplicate_pairs_list(actor=actor_of(request), status=status, limit=limit)
    ids = {p.party_a_id for p in pairs} | {p.party_b_id for p in pairs}
    parties = {p.pk: p for p in _with_primary_points(Party.objects.filter(pk__in=ids))}
    return [
        DuplicatePairOut(
            party_a=PartySummary.build(parties[p.party_a_id]),
            party_b=PartySummary.build(parties[p.party_b_id]),
            score=p.score,
            reasons=p.reasons,
            status=p.status,
        )
        for p in pairs
    ]


@dup_router.post("/scan", response={200: dict, **ERROR_RESPONSES})
def scan_duplicates(request: HttpRequest) -> dict:
    """Scan every party for likely duplicates now (also runs as a background task)."""
    return services.duplicate_scan(actor=actor_of(request))


@dup_router.post("/dismiss", response={204: None, **ERROR_RESPONSES})
def dismiss_duplicate(request: HttpRequest, payload: DismissIn) -> Status[None]:
    """Mark two parties as different customers; the pair is not proposed again."""
    services.duplicate_dismiss(
        actor=actor_of(request), party_a_id=payload.party_a_id, party_b_id=payload.party_b_id
    )
    return Status(204, None)


@router.get("/{int:party_id}/consents", response={200: ConsentOut, **ERROR_RESPONSES})
def party_consents(request: HttpRequest, party_id: int) -> ConsentOut:
    """The customer's current consent per purpose (and channel) and the whole ledger behind
    it, newest first. A purpose under *consent* with no record is not granted; under another
    lawful basis it is, until the customer objects."""
    actor = actor_of(request)
    party = selectors.party_get(actor=actor, party_id=party_id)
    history = selectors.consent_history(actor=actor, party_id=party.pk)
    return ConsentOut(
        state=[ConsentStateOut(**vars(s)) for s in selectors.consent_state(party_id=party.pk)],
        history=[ConsentRecordOut.build(r) for r in history],
    )


@router.post("/{int:party_id}/consents", response={201: ConsentRecordOut, **ERROR_RESPONSES})
def record_consent(
    request: HttpRequest, party_id: int, payload: ConsentRecordIn
) -> Status[ConsentRecordOut]:
    """Add a grant or a withdrawal to the ledger (nothing is overwritten). Send
    ``external_id`` to make a retry land once."""
    record = services.consent_record(actor=actor_of(request), party_id=party_id, **payload.dict())
    return Status(201, ConsentRecordOut.build(record))


@purposes_router.get("", response={200: list[ConsentPurposeOut], **ERROR_RESPONSES})
def list_consent_purposes(request: HttpRequest) -> list[ConsentPurposeOut]:
    """The purposes a customer may grant or refuse, with their lawful basis and channels."""
    require(actor_of(request), "consent.view")
    return [
        ConsentPurposeOut(
            code=p.code,
            name=p.name,
            name_en=p.name_en,
            description=p.description,
            lawful_basis=p.lawful_basis,
            channels=list(p.channels or []),
            opt_in=p.opt_in,
        )
        for p in selectors.consent_purposes()
    ]
