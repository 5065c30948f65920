"""Reading segments: the list, one segment, its members a page at a time, its snapshots, and
the party ids a campaign sends to (``segment_party_ids``)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from fregues.core.errors import NotFound
from fregues.core.permissions import require
from fregues.parties.models import ContactPoint, Party

from ..models import Segment, SegmentSnapshot, SegmentSnapshotMember
from ..segments import members_queryset, planned_without_jit

MEMBERS_PAGE = 50


def segment_list(*, actor: Any, q: str = "") -> QuerySet[Segment]:
    """Every segment, by name, with its owner (one query when iterated)."""
    require(actor, "segment.view")
    rows = Segment.objects.select_related("owner").order_by("name", "id")
    if q.strip():
        rows = rows.filter(name__icontains=q.strip())
    return rows


def segment_get(*, actor: Any, segment_id: int) -> Segment:
    require(actor, "segment.view")
    segment = Segment.objects.select_related("owner").filter(pk=segment_id).first()
    if segment is None:
        raise NotFound(
            _("Segment %(id)s does not exist.") % {"id": segment_id}, details={"id": segment_id}
        )
    return segment


def segment_snapshots(*, actor: Any, segment_id: int) -> QuerySet[SegmentSnapshot]:
    """The segment's snapshots, newest first (404 for an unknown segment)."""
    segment_get(actor=actor, segment_id=segment_id)
    return SegmentSnapshot.objects.filter(segment_id=segment_id).select_related("actor")


@dataclass
class MembersPage:
    rows: list[dict[str, Any]]
    page: int
    per_page: int
    has_next: bool


def segment_members(
    *,
    actor: Any,
    segment_id: int | None = None,
    rules: Any = None,
    page: int = 1,
    per_page: int = MEMBERS_PAGE,
    now: datetime.datetime | None = None,
) -> MembersPage:
    """A page of members (by name): id, name, lifecycle stage, city (of the primary or
    first address) and primary e-mail — never interaction bodies. One query per page."""
    if segment_id is not None:
        segment = segment_get(actor=actor, segment_id=segment_id)
        members = members_queryset(segment.rules, user_id=segment.owner_id, now=now, validated=True)
    else:
        require(actor, "segment.view")
        members = members_queryset(rules, user_id=getattr(actor, "pk", None), now=now)
    page = max(1, page)
    per_page = max(1, min(per_page, 200))
    first_of = ContactPoint.objects.filter(party=OuterRef("pk")).order_by("-is_primary", "id")
    page_rows = (
        members.annotate(
            city=Subquery(first_of.filter(kind="address").values("city")[:1]),
            email=Subquery(first_of.filter(kind="email").values("value")[:1]),
        )
        .order_by("name", "id")
        .values("id", "name", "lifecycle_stage", "city", "email")[
            (page - 1) * per_page : page * per_page + 1
        ]
    )
    with planned_without_jit():
        rows: list[dict[str, Any]] = list(page_rows)  # type: ignore[arg-type]
    for row in rows:
        row["city"] = row["city"] or ""
        row["email"] = row["email"] or ""
    return MembersPage(
        rows=rows[:per_page], page=page, per_page=per_page, has_next=len(rows) > per_page
    )


def segment_party_ids(
    source: Segment | SegmentSnapshot, *, now: datetime.datetime | None = None
) -> QuerySet[Any]:
    """The ids of the parties a segment selects now, or a snapshot froze (those merged since
    left out), as a lazy ``values_list("id", flat=True)`` queryset ordered by id: iterate it
    (``.iterator(chunk_size=...)``) or use it as a subquery (``party_id__in=...``); nothing is
    read until then. No permission check: callers (the campaign planner) check their own.
    A segment's "me" (owner conditions) means the segment's owner."""
    if isinstance(source, SegmentSnapshot):
        frozen = SegmentSnapshotMember.objects.filter(snapshot_id=source.pk).values("party_id")
        members = Party.objects.filter(Q(pk__in=frozen), merged_into__isnull=True)
    else:
        members = members_queryset(source.rules, user_id=source.owner_id, now=now)
    return members.order_by("id").values_list("id", flat=True)
