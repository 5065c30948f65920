"""Writing a batch of imported customers: new ones by COPY, changed ones by bulk update.

Part of the bulk import (``imports.py``); called inside its transaction.
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from typing import Any

from django.utils.translation import gettext as _

from fregues.core.audit import actor_fields
from fregues.core.bulk import bulk_insert, one_of, reserve_ids
from fregues.core.models import AuditEntry

from ..models import (
    ContactPoint,
    ExternalId,
    LifecycleMove,
    LifecycleStage,
    Party,
    Tag,
)
from .common import PARTY_AUDIT_FIELDS, build_search_text
from .contact_points import ADDRESS_FIELDS
from .import_rows import _Candidate

_PARTY_COLUMNS = (
    "id",
    "kind",
    "name",
    "given_name",
    "family_name",
    "legal_name",
    "tax_id",
    "tax_id_kind",
    "country",
    "language",
    "birth_date",
    "lifecycle_stage",
    "lifecycle_changed_at",
    "preferred_channel",
    "tier",
    "owner_id",
    "attributes",
    "search_text",
    "version",
    "created_at",
    "updated_at",
)
_POINT_COLUMNS = (
    "party_id",
    "kind",
    "network",
    "value",
    "normalized",
    "match_key",
    "label",
    "is_primary",
    "is_verified",
    *ADDRESS_FIELDS,
    "created_at",
    "updated_at",
)


_AUDIT_COLUMNS = (
    "occurred_at",
    "actor_id",
    "actor_name",
    "action",
    "entity_type",
    "entity_id",
    "party_id",
    "summary",
    "changes",
)


def _point_row(party_id: int, point: dict[str, Any], now: datetime.datetime) -> tuple[Any, ...]:
    return (
        party_id,
        point["kind"],
        point.get("network", ""),
        point["value"],
        point["normalized"],
        point.get("match_key", ""),
        point.get("label", ""),
        point["is_primary"],
        False,
        *(point.get(name, "") for name in ADDRESS_FIELDS),
        now,
        now,
    )


def _write_creates(
    actor: Any, creates: list[_Candidate], source: str, label: str, now: datetime.datetime
) -> None:
    if not creates:
        return
    for cand, pk in zip(creates, reserve_ids(Party, len(creates)), strict=True):
        cand.party_id = pk
    actor_id, actor_name = actor_fields(actor)
    party_rows = []
    point_rows: list[tuple[Any, ...]] = []
    for cand in creates:
        f = cand.fields
        stage = cand.stage or LifecycleStage.SUSPECT
        order = sorted(
            (p for p in cand.points if p["kind"] != "address"),
            key=lambda p: (p["kind"], not p["is_primary"]),
        )
        search = build_search_text(
            f.get("name", ""),
            f.get("legal_name", ""),
            f.get("tax_id", ""),
            [(p["kind"], p["normalized"]) for p in order],
            [cand.code] if cand.code else [],
        )
        party_rows.append(
            (
                cand.party_id,
                f["kind"],
                f.get("name", ""),
                f.get("given_name", ""),
                f.get("family_name", ""),
                f.get("legal_name", ""),
                f.get("tax_id", ""),
                f.get("tax_id_kind", ""),
                f.get("country", ""),
                f.get("language", ""),
                f.get("birth_date"),
                stage,
                now,
                f.get("preferred_channel", ""),
                f.get("tier", ""),
                f.get("owner_id"),
                f.get("attributes", {}),
                search,
                1,
                now,
                now,
            )
        )
        point_rows.extend(_point_row(cand.party_id, p, now) for p in cand.points)  # type: ignore[arg-type]
    bulk_insert(Party, _PARTY_COLUMNS, party_rows)
    bulk_insert(ContactPoint, _POINT_COLUMNS, point_rows)
    bulk_insert(
        ExternalId,
        ("party_id", "source", "code", "created_at", "updated_at"),
        ((c.party_id, source, c.code, now, now) for c in creates if c.code),
    )
    bulk_insert(
        LifecycleMove,
        ("party_id", "from_stage", "to_stage", "occurred_at", "actor_id", "reason"),
        (
            (c.party_id, "", c.stage or LifecycleStage.SUSPECT, now, actor_id, "import")
            for c in creates
        ),
    )
    _add_tags({c.party_id: c.tags for c in creates if c.tags})  # type: ignore[misc]
    where = label or source
    bulk_insert(
        AuditEntry,
        _AUDIT_COLUMNS,
        (
            (
                now,
                actor_id,
                actor_name,
                "create",
                "parties.party",
                c.party_id,
                c.party_id,
                (
                    _("Imported from %(file)s, line %(line)s: %(name)s")
                    % {"file": where, "line": c.line, "name": c.fields.get("name", "")}
                )[:300],
                {"import": {"source": source, "line": c.line}},
            )
            for c in creates
        ),
    )


def _add_tags(by_party: dict[int, list[str]]) -> None:
    """Put tags on parties, creating the tags that do not exist yet."""
    if not by_party:
        return
    names = {name for tags in by_party.values() for name in tags}
    known = {t.name.casefold(): t.pk for t in Tag.objects.all().only("pk", "name")}
    for name in sorted(names):
        if name.casefold() not in known:
            tag, _created = Tag.objects.get_or_create(name=name)
            known[name.casefold()] = tag.pk
    through = Party.tags.through
    have = set(
        through.objects.filter(party_id__in=list(by_party)).values_list("party_id", "tag_id")
    )
    pairs = {
        (pid, known[name.casefold()]) for pid, tags in by_party.items() for name in tags
    } - have
    bulk_insert(through, ("party_id", "tag_id"), sorted(pairs))


_UPDATE_COLUMNS = (
    "id",
    "version",
    "kind",
    "name",
    "given_name",
    "family_name",
    "legal_name",
    "tax_id",
    "tax_id_kind",
    "country",
    "language",
    "birth_date",
    "preferred_channel",
    "tier",
    "owner_id",
    "lifecycle_stage",
    "lifecycle_changed_at",
    "attributes",
    "search_text",
    "updated_at",
)


def _write_updates(
    actor: Any,
    updates: dict[int, list[_Candidate]],
    source: str,
    label: str,
    now: datetime.datetime,
) -> int:
    """Apply the rows that matched existing customers; returns how many customers changed."""
    if not updates:
        return 0
    # plain values, not model instances: most matched rows change nothing, and building
    # thousands of instances only to compare them was the update path's main cost
    parties = {
        row["id"]: SimpleNamespace(**row)
        for row in Party.objects.select_for_update()
        .filter(pk__in=one_of(updates))
        .values(*_UPDATE_COLUMNS)
    }
    points_by_party: dict[int, list[tuple[str, str, bool]]] = {}
    for pid, kind, normalized, primary in ContactPoint.objects.filter(
        party_id__in=one_of(updates)
    ).values_list("party_id", "kind", "normalized", "is_primary"):
        points_by_party.setdefault(pid, []).append((kind, normalized, primary))
    codes_by_party: dict[int, list[str]] = {}
    for pid, code in ExternalId.objects.filter(party_id__in=one_of(updates)).values_list(
        "party_id", "code"
    ):
        codes_by_party.setdefault(pid, []).append(code)
    tags_by_party: dict[int, set[str]] = {}
    for pid, name in Party.tags.through.objects.filter(party_id__in=one_of(updates)).values_list(
        "party_id", "tag__name"
    ):
        tags_by_party.setdefault(pid, set()).add(name.casefold())
    actor_id, actor_name = actor_fields(actor)
    changed_parties: list[Party] = []
    new_points: list[tuple[Any, ...]] = []
    new_codes: list[tuple[Any, ...]] = []
    moves: list[tuple[Any, ...]] = []
    audits: list[tuple[Any, ...]] = []
    new_tags: dict[int, list[str]] = {}
    changed_fields: set[str] = set()
    for pid, cands in updates.items():
        party = parties[pid]
        before = {  # an import never sets contact hours: only the columns read above
            name: getattr(party, name)
            for name in PARTY_AUDIT_FIELDS
            if name != "owner" and name in _UPDATE_COLUMNS
        }
        before["owner_id"] = party.owner_id
        held = points_by_party.get(pid, [])
        have = {(k, n) for k, n, _p in held}
        kinds = {k for k, _n, _p in held}
        changes: dict[str, Any] = {}
        lines = []
        for cand in cands:
            lines.append(cand.line)
            for name, value in cand.fields.items():
                if name not in cand.given:
                    continue  # a default or a guess (kind, country): never over what is known
                if value in ("", None, {}) or getattr(party, name) == value:
                    continue
                if name == "tax_id_kind":
                    setattr(party, name, value)
                    continue
                changes[name] = [_plain(before.get(name)), _plain(value)]
                setattr(party, name, value)
                changed_fields.add(name)
            for point in cand.points:
                key = (point["kind"], point["normalized"])
                if point["kind"] == "address":
                    key = ("address", point["normalized"])
                if key in have:
                    continue
                have.add(key)
                point = dict(point, is_primary=point["kind"] not in kinds)
                kinds.add(point["kind"])
                new_points.append(_point_row(pid, point, now))
                held.append((point["kind"], point["normalized"], point["is_primary"]))
                changes.setdefault("contact_points", []).append(point["value"])
            if cand.code and cand.code not in codes_by_party.get(pid, []):
                codes_by_party.setdefault(pid, []).append(cand.code)
                new_codes.append((pid, source, cand.code, now, now))
                changes.setdefault("external_ids", []).append(f"{source}:{cand.code}")
            if cand.stage and cand.stage != party.lifecycle_stage:
                moves.append((pid, party.lifecycle_stage, cand.stage, now, actor_id, "import"))
                changes["lifecycle_stage"] = [party.lifecycle_stage, cand.stage]
                party.lifecycle_stage = cand.stage
                party.lifecycle_changed_at = now
                changed_fields.update({"lifecycle_stage", "lifecycle_changed_at"})
            fresh = [t for t in cand.tags if t.casefold() not in tags_by_party.get(pid, set())]
            if fresh:
                tags_by_party.setdefault(pid, set()).update(t.casefold() for t in fresh)
                new_tags.setdefault(pid, []).extend(fresh)
                changes.setdefault("tags_added", []).extend(fresh)
        for name in [n for n in changes if n in before]:
            if getattr(party, name) == before[name]:
                del changes[name]  # two rows of the file undid each other: no net change
            else:
                changes[name][1] = _plain(getattr(party, name))
        if not changes:
            continue
        party.version += 1
        party.updated_at = now
        order = sorted((p for p in held if p[0] != "address"), key=lambda p: (p[0], not p[2]))
        party.search_text = build_search_text(
            party.name,
            party.legal_name,
            party.tax_id,
            [(k, n) for k, n, _p in order],
            codes_by_party.get(pid, []),
        )
        changed_parties.append(Party(**vars(party)))
        where = label or source
        audits.append(
            (
                now,
                actor_id,
                actor_name,
                "update",
                "parties.party",
                pid,
                pid,
                (
                    _("Updated from %(file)s, line %(line)s")
                    % {"file": where, "line": ", ".join(str(n) for n in lines)}
                )[:300],
                {key: value for key, value in changes.items()},
            )
        )
    if changed_parties:
        Party.objects.bulk_update(
            changed_parties,
            sorted(changed_fields | {"version", "updated_at", "search_text", "tax_id_kind"}),
            batch_size=500,
        )
    bulk_insert(ContactPoint, _POINT_COLUMNS, new_points)
    bulk_insert(ExternalId, ("party_id", "source", "code", "created_at", "updated_at"), new_codes)
    bulk_insert(
        LifecycleMove,
        ("party_id", "from_stage", "to_stage", "occurred_at", "actor_id", "reason"),
        moves,
    )
    _add_tags(new_tags)
    bulk_insert(
        AuditEntry,
        _AUDIT_COLUMNS,
        audits,
    )
    return len(changed_parties)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value
