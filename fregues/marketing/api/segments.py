"""/api/v1/segments: saved rule sets over customers, their live count, members and snapshots.

Marketing and admins change segments (``segment.change``); relationship managers and
salespeople read them (``segment.view``); agents and quality managers get a 403. Members are
listed as id, name, stage, city and e-mail: no interaction bodies, no amounts.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router, Status

from fregues.core.api_utils import actor_of, version_from
from fregues.core.permissions import require
from fregues.core.schemas import ERROR_RESPONSES

from ..schemas.segments import (
    CountOut,
    MemberOut,
    MembersPageOut,
    RegistryOut,
    RulesIn,
    SegmentIn,
    SegmentOut,
    SegmentPatch,
    SnapshotIn,
    SnapshotOut,
)
from ..segment_fields import registry
from ..selectors import segments as selectors
from ..services import segments as services

router = Router(tags=["Marketing"])


def _out(request: HttpRequest, segment_id: int) -> SegmentOut:
    return SegmentOut.build(selectors.segment_get(actor=actor_of(request), segment_id=segment_id))


@router.get("/fields", response={200: RegistryOut, **ERROR_RESPONSES}, summary="Rule fields")
def fields(request: HttpRequest) -> RegistryOut:
    """What a rule may test: each field with its operators and their parameters (type,
    required, the key of their choice list), the choice lists (stages, tags, purposes, case
    types, products, users...) and the limits (depth, conditions)."""
    require(actor_of(request), "segment.view")
    return RegistryOut.model_validate(registry())


@router.post("/count", response={200: CountOut, **ERROR_RESPONSES}, summary="Count rules")
def count_rules(request: HttpRequest, payload: RulesIn) -> CountOut:
    """How many customers unsaved rules select (the builder's live count). One query."""
    count = services.segment_count(actor=actor_of(request), rules=payload.rules)
    return CountOut(count=count, counted_at=timezone.now())


@router.get("", response={200: list[SegmentOut], **ERROR_RESPONSES}, summary="List segments")
def list_segments(request: HttpRequest, q: str = "") -> list[SegmentOut]:
    return [SegmentOut.build(s) for s in selectors.segment_list(actor=actor_of(request), q=q)]


@router.post("", response={201: SegmentOut, **ERROR_RESPONSES}, summary="Create a segment")
def create_segment(request: HttpRequest, payload: SegmentIn) -> Status[SegmentOut]:
    """A new segment; bad rules are a 422 with one entry per path, and nothing is written."""
    segment = services.segment_create(actor=actor_of(request), data=payload.dict())
    return Status(201, _out(request, segment.pk))


@router.get("/{int:segment_id}", response={200: SegmentOut, **ERROR_RESPONSES})
def get_segment(request: HttpRequest, segment_id: int) -> SegmentOut:
    return _out(request, segment_id)


@router.api_operation(
    ["PATCH", "PUT"], "/{int:segment_id}", response={200: SegmentOut, **ERROR_RESPONSES}
)
def update_segment(request: HttpRequest, segment_id: int, payload: SegmentPatch) -> SegmentOut:
    """Change the fields sent. Send the ``version`` you read (or ``If-Match``): 409 if stale."""
    services.segment_update(
        actor=actor_of(request),
        segment_id=segment_id,
        data=payload.changes(),
        version=version_from(request, payload.version),
    )
    return _out(request, segment_id)


@router.delete("/{int:segment_id}", response={204: None, **ERROR_RESPONSES})
def delete_segment(request: HttpRequest, segment_id: int) -> HttpResponse:
    """Deleted with its snapshots; 409 while a campaign uses it (or ``If-Match`` is stale)."""
    services.segment_delete(
        actor=actor_of(request), segment_id=segment_id, version=version_from(request, None)
    )
    return HttpResponse(status=204)


@router.get("/{int:segment_id}/count", response={200: CountOut, **ERROR_RESPONSES})
def count_segment(request: HttpRequest, segment_id: int) -> CountOut:
    """Count the saved segment now (kept as its ``last_count``)."""
    now = timezone.now()
    count = services.segment_count(actor=actor_of(request), segment_id=segment_id, now=now)
    return CountOut(count=count, counted_at=now)


@router.get("/{int:segment_id}/members", response={200: MembersPageOut, **ERROR_RESPONSES})
def segment_members(
    request: HttpRequest,
    segment_id: int,
    page: int = Query(1, ge=1),
    per_page: int = Query(50, ge=1, le=200),
) -> MembersPageOut:
    """The current members by name, a page at a time (``has_next``)."""
    found = selectors.segment_members(
        actor=actor_of(request), segment_id=segment_id, page=page, per_page=per_page
    )
    return MembersPageOut(
        items=[MemberOut(**row) for row in found.rows],
        page=found.page,
        per_page=found.per_page,
        has_next=found.has_next,
    )


@router.post("/{int:segment_id}/snapshots", response={201: SnapshotOut, **ERROR_RESPONSES})
def take_snapshot(
    request: HttpRequest, segment_id: int, payload: SnapshotIn
) -> Status[SnapshotOut]:
    """Freeze the current members (a campaign can then go to exactly them)."""
    snap = services.segment_snapshot(
        actor=actor_of(request), segment_id=segment_id, name=payload.name
    )
    return Status(201, SnapshotOut.build(snap))


@router.get("/{int:segment_id}/snapshots", response={200: list[SnapshotOut], **ERROR_RESPONSES})
def list_snapshots(request: HttpRequest, segment_id: int) -> list[SnapshotOut]:
    rows = selectors.segment_snapshots(actor=actor_of(request), segment_id=segment_id)
    return [SnapshotOut.build(s) for s in rows]
