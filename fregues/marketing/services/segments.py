"""Segments: save, change and delete rule sets, count them, and freeze their members.

A segment's rules are validated against the field registry and compiled to one query
(``fregues.marketing.segments``); every write is audited and versioned (a stale ``version``
is a 409). A snapshot copies the current members with one ``INSERT ... SELECT``, so freezing a
million customers never brings them into Python.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record, diff, snapshot
from fregues.core.errors import Conflict, ErrorCollector, Invalid, NotFound, VersionConflict
from fregues.core.events import event_emit
from fregues.core.permissions import require

from ..models import Segment, SegmentSnapshot, SegmentSnapshotMember
from ..segments import check_references, members_queryset, planned_without_jit, validate

FIELDS = ("name", "description", "rules", "owner")
NAME_LENGTH = 120


def _user(actor: Any) -> Any:
    ok = getattr(actor, "pk", None) and getattr(actor, "is_authenticated", False)
    return actor if ok else None


def _clean(data: dict[str, Any], errors: ErrorCollector, *, partial: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "name" in data or not partial:
        name = str(data.get("name") or "").strip()
        if not name:
            errors.add("name", _("Give the segment a name."))
        elif len(name) > NAME_LENGTH:
            errors.add("name", _("At most %(n)s characters.") % {"n": NAME_LENGTH})
        out["name"] = name
    if "description" in data:
        out["description"] = str(data.get("description") or "").strip()
    if "rules" in data or not partial:
        try:
            rules = validate(data.get("rules"))
            check_references(rules)
            out["rules"] = rules
        except Invalid as exc:
            for path, messages in exc.errors.items():
                for message in messages:
                    errors.add(path, message)
    return out


def _locked(segment_id: int) -> Segment:
    row = Segment.objects.select_for_update().filter(pk=segment_id).first()
    if row is None:
        raise NotFound(
            _("Segment %(id)s does not exist.") % {"id": segment_id}, details={"id": segment_id}
        )
    return row


def _check_version(segment: Segment, version: int | None) -> None:
    if version is not None and version != segment.version:
        raise VersionConflict(
            _(
                "Segment %(id)s was changed by someone else (version %(current)s, you sent "
                "%(sent)s). Reload it and try again."
            )
            % {"id": segment.pk, "current": segment.version, "sent": version},
            details={"current_version": segment.version},
        )


def segment_create(*, actor: Any, data: dict[str, Any]) -> Segment:
    """A new segment: ``name`` (required), ``description``, ``rules`` (a valid tree naming
    existing purposes, case types, tags, products and users). The actor owns it."""
    require(actor, "segment.change")
    errors = ErrorCollector()
    fields = _clean(data, errors, partial=False)
    errors.raise_if_any()
    with transaction.atomic():
        segment = Segment.objects.create(**fields, owner=_user(actor))
        audit_record(
            actor=actor,
            action="create",
            instance=segment,
            summary=_("Segment %(name)s created") % {"name": segment.name},
            changes=snapshot(segment, FIELDS),
        )
        event_emit("marketing.segment.created", {"segment_id": segment.pk})
    return segment


def segment_update(
    *, actor: Any, segment_id: int, data: dict[str, Any], version: int | None = None
) -> Segment:
    """Change the fields sent (``name``, ``description``, ``rules``). A stale ``version`` is
    a 409; changed rules forget the last count (it counted other rules)."""
    require(actor, "segment.change")
    errors = ErrorCollector()
    fields = _clean(data, errors, partial=True)
    with transaction.atomic():
        segment = _locked(segment_id)
        _check_version(segment, version)
        errors.raise_if_any()
        before = snapshot(segment, FIELDS)
        for key, value in fields.items():
            setattr(segment, key, value)
        changed = diff(before, snapshot(segment, FIELDS))
        if not changed:
            return segment
        if "rules" in changed:
            segment.last_count = None
            segment.last_counted_at = None
        segment.version += 1
        segment.save()
        audit_record(
            actor=actor,
            action="update",
            instance=segment,
            summary=_("Segment %(name)s changed") % {"name": segment.name},
            changes=changed,
        )
        event_emit("marketing.segment.updated", {"segment_id": segment.pk})
    return segment


def segment_delete(*, actor: Any, segment_id: int, version: int | None = None) -> None:
    """Delete a segment and its snapshots; refused (409) while a campaign uses it."""
    require(actor, "segment.change")
    with transaction.atomic():
        segment = _locked(segment_id)
        _check_version(segment, version)
        before = snapshot(segment, FIELDS)
        pk, name = segment.pk, segment.name
        try:
            with transaction.atomic():
                segment.delete()
        except ProtectedError as exc:
            raise Conflict(
                _("Segment %(name)s is used by a campaign: it cannot be deleted.") % {"name": name},
                code="in_use",
            ) from exc
        audit_record(
            actor=actor,
            action="delete",
            entity_type="marketing.segment",
            entity_id=pk,
            summary=_("Segment %(name)s deleted") % {"name": name},
            changes=before,
        )
        event_emit("marketing.segment.deleted", {"segment_id": pk})


def segment_count(
    *,
    actor: Any,
    rules: Any = None,
    segment_id: int | None = None,
    now: datetime.datetime | None = None,
) -> int:
    """How many parties the rules select (unsaved ``rules``, for the live count, or a saved
    segment's). One query for unsaved rules; a saved segment's count is also kept on it
    (``last_count``, ``last_counted_at``) for the list."""
    require(actor, "segment.view")
    if segment_id is None:
        members = members_queryset(rules, user_id=getattr(actor, "pk", None), now=now)
        with planned_without_jit():
            return members.count()
    segment = Segment.objects.filter(pk=segment_id).first()
    if segment is None:
        raise NotFound(
            _("Segment %(id)s does not exist.") % {"id": segment_id}, details={"id": segment_id}
        )
    members = members_queryset(segment.rules, user_id=segment.owner_id, now=now, validated=True)
    with planned_without_jit():
        count = members.count()
    Segment.objects.filter(pk=segment.pk).update(
        last_count=count, last_counted_at=now or timezone.now()
    )
    return count


def segment_snapshot(
    *, actor: Any, segment_id: int, name: str = "", now: datetime.datetime | None = None
) -> SegmentSnapshot:
    """Freeze the segment's current members: a snapshot row and its members, written by one
    ``INSERT ... SELECT`` of the compiled query (nothing passes through Python)."""
    require(actor, "segment.change")
    name = (name or "").strip()
    if len(name) > NAME_LENGTH:
        raise Invalid.field("name", _("At most %(n)s characters.") % {"n": NAME_LENGTH})
    with transaction.atomic(), planned_without_jit():
        segment = Segment.objects.filter(pk=segment_id).first()
        if segment is None:
            raise NotFound(
                _("Segment %(id)s does not exist.") % {"id": segment_id},
                details={"id": segment_id},
            )
        snap = SegmentSnapshot.objects.create(
            segment=segment, name=name, rules=segment.rules, actor=_user(actor)
        )
        members = members_queryset(
            segment.rules, user_id=segment.owner_id, now=now, validated=True
        ).values("id")
        select_sql, params = members.query.sql_with_params()
        table = connection.ops.quote_name(SegmentSnapshotMember._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (snapshot_id, party_id) "
                f"SELECT %s, m.id FROM ({select_sql}) m",
                [snap.pk, *params],
            )
            written = cursor.rowcount
        snap.member_count = written
        snap.save(update_fields=["member_count"])
        Segment.objects.filter(pk=segment.pk).update(
            last_count=written, last_counted_at=snap.taken_at
        )
        audit_record(
            actor=actor,
            action="snapshot",
            instance=snap,
            summary=_("Snapshot of segment %(name)s: %(n)s members")
            % {"name": segment.name, "n": written},
            changes={"segment": segment.pk, "member_count": written},
        )
        event_emit(
            "marketing.segment.snapshot",
            {"segment_id": segment.pk, "snapshot_id": snap.pk, "member_count": written},
        )
    return snap
