"""Loading customers in bulk: thousands of rows per transaction, with the API's own rules.

``party_import_many`` takes rows already read from a file (field → raw strings) and, for each,
either creates a party, updates the one it matches, skips it, or rejects it with a reason —
never half a row. Matching is by Freguês id, external id (per source system), tax id, e-mail
and phone, against the database and against earlier rows of the same batch, so a file with the
same customer twice and a file loaded twice both change nothing the second time.

Validation is the API's: ``_clean_profile`` and ``clean_contact_point`` are the same functions
``party_create`` uses. Writing is the difference: rows go to the database in bulk (COPY on
PostgreSQL) with their contact points, external ids, first lifecycle move and audit entry, and
one ``parties.imported`` event per batch instead of one event per customer.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.bulk import any_of, bulk_insert, fetch_pairs, one_of, reserve_ids
from fregues.core.errors import ErrorCollector, Invalid
from fregues.core.events import event_emit
from fregues.core.models import AuditEntry
from fregues.core.permissions import require
from fregues.core.text import fold

from ..models import (
    ContactPoint,
    DuplicateCandidate,
    ExternalId,
    LifecycleMove,
    LifecycleStage,
    Party,
    PartyKind,
    Tag,
)
from .common import PARTY_AUDIT_FIELDS, build_search_text
from .contact_points import ADDRESS_FIELDS, clean_contact_point
from .parties import _clean_profile, _clean_tags

ON_MATCH = ("update", "skip", "create")
PROFILE_FIELDS = (
    "kind",
    "name",
    "given_name",
    "family_name",
    "legal_name",
    "tax_id",
    "country",
    "language",
    "birth_date",
    "preferred_channel",
    "tier",
)
_KIND_WORDS = {
    "person": PartyKind.PERSON,
    "pessoa": PartyKind.PERSON,
    "pessoa fisica": PartyKind.PERSON,
    "fisica": PartyKind.PERSON,
    "pf": PartyKind.PERSON,
    "individual": PartyKind.PERSON,
    "organization": PartyKind.ORGANIZATION,
    "organisation": PartyKind.ORGANIZATION,
    "organizacao": PartyKind.ORGANIZATION,
    "empresa": PartyKind.ORGANIZATION,
    "pessoa juridica": PartyKind.ORGANIZATION,
    "juridica": PartyKind.ORGANIZATION,
    "pj": PartyKind.ORGANIZATION,
    "company": PartyKind.ORGANIZATION,
}
_STAGE_WORDS = {
    "suspeito": "suspect",
    "lead": "suspect",
    "prospecto": "prospect",
    "prospeto": "prospect",
    "comprador": "buyer",
    "cliente": "client",
    "customer": "client",
    "promotor": "advocate",
    "defensor": "advocate",
    "inativo": "inactive",
    "perdido": "lost",
}
_STAGES = frozenset(LifecycleStage.values)
_COUNTRY_WORDS = {"brasil": "BR", "brazil": "BR", "portugal": "PT"}
_TAG_SPLIT = re.compile(r"[;|,]")
_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")


@dataclass
class ImportRow:
    """One row of a file: its line number and the raw text of each mapped field.

    A field mapped from several columns (two phones, two e-mails) has several values.
    """

    line: int
    values: dict[str, list[str]]
    cells: list[str] = field(default_factory=list)  # the row as it was in the file

    def first(self, name: str) -> str:
        for value in self.values.get(name, ()):
            if value.strip():
                return value.strip()
        return ""

    def firsts(self) -> dict[str, str]:
        """The first non-blank value of every field given (one pass, for the hot path)."""
        out: dict[str, str] = {}
        for name, values in self.values.items():
            for value in values:
                value = value.strip()
                if value:
                    out[name] = value
                    break
        return out


@dataclass
class ImportReport:
    """What a batch did: counters, and each rejected line with its reason."""

    created: int = 0
    updated: int = 0
    skipped: int = 0
    duplicates: int = 0  # rows about a customer an earlier row of the file already gave
    rejected: list[tuple[int, str]] = field(default_factory=list)

    def add(self, other: ImportReport) -> None:
        self.duplicates += other.duplicates
        self.created += other.created
        self.updated += other.updated
        self.skipped += other.skipped
        self.rejected.extend(other.rejected)


@dataclass
class _Candidate:
    line: int
    fields: dict[str, Any]
    points: list[dict[str, Any]]
    code: str
    tags: list[str]
    stage: str
    ref_id: int | None
    given: set[str] = field(default_factory=set)  # the fields the row itself gave
    party_id: int | None = None  # existing party matched, or new id reserved
    target: _Candidate | None = None  # an earlier row of the batch it folds into

    def keys(self, source: str) -> list[tuple[str, ...]]:
        keys: list[tuple[str, ...]] = []
        if self.ref_id:
            keys.append(("id", str(self.ref_id)))
        if self.code:
            keys.append(("ext", source, self.code))
        if self.fields.get("tax_id"):
            keys.append(("tax", self.fields["tax_id"]))
        for point in self.points:
            if point["kind"] in ("email", "phone"):
                keys.append((point["kind"], point["normalized"]))
        return keys


class _Context:
    """Per-run lookups that would otherwise cost a query per row (owners, tags)."""

    def __init__(self) -> None:
        self.owners: dict[str, int | None] = {}

    def owner_id(self, value: str) -> int | None:
        key = value.strip().lower()
        if key not in self.owners:
            user_model = get_user_model()
            user = (
                user_model.objects.filter(is_active=True)
                .filter(Q(username__iexact=key) | Q(email__iexact=key))
                .only("pk")
                .first()
            )
            if user is None and key.isdigit():
                user = user_model.objects.filter(pk=int(key), is_active=True).only("pk").first()
            self.owners[key] = user.pk if user else None
        return self.owners[key]


def _reason(errors: dict[str, list[str]]) -> str:
    return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in errors.items())


def _clean_row(row: ImportRow, ctx: _Context) -> _Candidate | str:
    """Validate one row with the API's rules; a candidate, or the reason it is rejected."""
    errors = ErrorCollector()
    data: dict[str, Any] = {}
    given_values = row.firsts()
    for name in PROFILE_FIELDS:
        value = given_values.get(name)
        if value:
            data[name] = value
    tax_id = data.get("tax_id", "")
    given = set(data)
    if "tax_id" in given:
        given.add("tax_id_kind")
    if {"given_name", "family_name"} & given:
        given.add("name")
    kind_text = fold(data.get("kind", ""))
    if kind_text:
        data["kind"] = _KIND_WORDS.get(kind_text, kind_text)
    elif tax_id and len(re.sub(r"\D", "", tax_id)) == 14:
        data["kind"] = PartyKind.ORGANIZATION  # a CNPJ
    else:
        data["kind"] = PartyKind.PERSON
    if "country" in data:
        data["country"] = _COUNTRY_WORDS.get(fold(data["country"]), data["country"])
    if "birth_date" in data:
        match = _DMY.fullmatch(data["birth_date"])
        if match:  # 31/12/1980, the way Brazil and Portugal write it
            day, month, year = (int(g) for g in match.groups())
            try:
                data["birth_date"] = datetime.date(year, month, day).isoformat()
            except ValueError:
                errors.add("birth_date", _("'%(v)s' is not a date.") % {"v": data["birth_date"]})
                del data["birth_date"]
    fields = _clean_profile(data, errors)
    if "name" not in given and "name" in errors.errors:
        # a row without a name can still update the customer it matches; only creating needs it
        del errors.errors["name"]
        fields["name"] = ""
    owner = given_values.get("owner", "")
    if owner:
        owner_id = ctx.owner_id(owner)
        if owner_id is None:
            errors.add("owner", _("No active user '%(v)s'.") % {"v": owner})
        fields["owner_id"] = owner_id
        given.add("owner_id")
    stage = fold(given_values.get("lifecycle_stage", ""))
    stage = _STAGE_WORDS.get(stage, stage)
    if stage and stage not in _STAGES:
        errors.add("lifecycle_stage", _("Unknown lifecycle stage '%(v)s'.") % {"v": stage})
    region = fields.get("country") or None
    points: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for kind in ("email", "phone"):
        for value in row.values.get(kind, ()):
            if not value.strip():
                continue
            found = ErrorCollector()
            point = clean_contact_point({"kind": kind, "value": value}, found, region=region)
            for message in (m for messages in found.errors.values() for m in messages):
                errors.add(kind, message)
            if point and (kind, point["normalized"]) not in seen:
                seen.add((kind, point["normalized"]))
                points.append(point)
    address = {name: given_values.get(name, "") for name in ADDRESS_FIELDS if name != "country"}
    if any(address.values()):
        address["country"] = fields.get("country", "")
        point = clean_contact_point({"kind": "address", **address}, errors)
        if point:
            points.append(point)
    tags = _clean_tags(
        [t for value in row.values.get("tags", ()) for t in _TAG_SPLIT.split(value) if t.strip()],
        errors,
    )
    ref = given_values.get("id", "")
    ref_id = None
    if ref:
        if not ref.isdigit():
            errors.add("id", _("A Freguês id is a number."))
        else:
            ref_id = int(ref)
    if errors.errors:
        return _reason(errors.errors)
    # the primary contact point of each kind is the first one given
    primaries: set[str] = set()
    for point in points:
        point["is_primary"] = point["kind"] not in primaries
        primaries.add(point["kind"])
    return _Candidate(
        line=row.line,
        fields=fields,
        points=points,
        code=given_values.get("external_id", "")[:120],
        tags=tags,
        stage=stage,
        ref_id=ref_id,
        given=given,
    )


def _existing(candidates: list[_Candidate], source: str) -> dict[tuple[str, ...], int]:
    """Which live party already holds each key of the batch (a handful of queries)."""
    found: dict[tuple[str, ...], int] = {}
    ids = {c.ref_id for c in candidates if c.ref_id}
    if ids:
        merged = dict(Party.objects.filter(pk__in=ids).values_list("pk", "merged_into_id"))
        for pk in list(merged):
            survivor = pk
            for _hop in range(20):  # follow a chain of merges to the live party
                nxt = merged.get(survivor)
                if not nxt:
                    break
                if nxt not in merged:
                    merged.update(Party.objects.filter(pk=nxt).values_list("pk", "merged_into_id"))
                survivor = nxt
            found[("id", str(pk))] = survivor
    codes = {c.code for c in candidates if c.code}
    if codes:
        where, params = any_of("code", codes)
        for code, pid in fetch_pairs(
            f"SELECT code, party_id FROM parties_externalid WHERE source = %s AND {where}",
            [source, *params],
        ):
            found[("ext", source, code)] = pid
    taxes = {c.fields["tax_id"] for c in candidates if c.fields.get("tax_id")}
    if taxes:
        # tax_id <> '' lets the planner use the partial index on tax ids
        where, params = any_of("tax_id", taxes)
        for tax, pid in fetch_pairs(
            "SELECT tax_id, id FROM parties_party WHERE tax_id <> '' AND merged_into_id IS NULL "
            f"AND {where} ORDER BY id",
            params,
        ):
            found.setdefault(("tax", tax), pid)
    for kind in ("email", "phone"):
        values = {p["normalized"] for c in candidates for p in c.points if p["kind"] == kind}
        if values:
            where, params = any_of("normalized", values)
            for normalized, pid in fetch_pairs(
                "SELECT normalized, party_id FROM parties_contactpoint "
                f"WHERE kind = %s AND network = '' AND {where}",
                [kind, *params],
            ):
                found[(kind, normalized)] = pid
    return found


def _strongly_identified(party_ids: set[int]) -> set[int]:
    """Which of these parties already have an e-mail or a tax id of their own."""
    if not party_ids:
        return set()
    with_email = ContactPoint.objects.filter(party_id__in=one_of(party_ids), kind="email")
    with_tax = Party.objects.filter(pk__in=one_of(party_ids)).exclude(tax_id="")
    return set(with_email.values_list("party_id", flat=True)) | set(
        with_tax.values_list("pk", flat=True)
    )


def _shares_only_a_phone(
    cand: _Candidate,
    keys: list[tuple[str, ...]],
    existing: dict[tuple[str, ...], int],
    identified: set[int],
    earlier: _Candidate | None,
) -> bool:
    """The row matches someone only by phone, and both sides have their own stronger ids."""
    strong = [k for k in keys if k[0] != "phone"]
    if not strong or any(k in existing for k in strong):
        return False
    if not any(k[0] in ("email", "tax") for k in strong):
        return False
    by_phone = {existing[k] for k in keys if k[0] == "phone" and k in existing}
    if by_phone:
        return bool(by_phone & identified)
    if earlier is None:
        return False
    target = earlier.target or earlier
    theirs = {k for k in target.keys("") if k[0] in ("email", "tax")}
    return bool(theirs) and not theirs & set(strong)


def _as_twin(
    cand: _Candidate,
    keys: list[tuple[str, ...]],
    existing: dict[tuple[str, ...], int],
    flagged: list[tuple[_Candidate, int | _Candidate, str]],
    in_batch: dict[tuple[str, ...], _Candidate],
) -> tuple[set[int], None]:
    phones = {k[1] for k in keys if k[0] == "phone" and (k in existing or k in in_batch)}
    for phone in phones:
        holder = existing.get(("phone", phone)) or in_batch.get(("phone", phone))
        if holder:
            flagged.append((cand, holder, "same phone (loosely)"))
    cand.points = [
        p for p in cand.points if not (p["kind"] == "phone" and p["normalized"] in phones)
    ]
    return set(), None


def _fold_into(target: _Candidate, row: _Candidate) -> None:
    """A later row about the same customer as an earlier row of the batch fills its blanks."""
    for name, value in row.fields.items():
        if value not in ("", None, {}) and target.fields.get(name) in ("", None, {}):
            target.fields[name] = value
    have = {(p["kind"], p["normalized"]) for p in target.points}
    kinds = {p["kind"] for p in target.points}
    for point in row.points:
        if (point["kind"], point["normalized"]) not in have:
            target.points.append(dict(point, is_primary=point["kind"] not in kinds))
            kinds.add(point["kind"])
    for tag in row.tags:
        if tag.casefold() not in {t.casefold() for t in target.tags}:
            target.tags.append(tag)
    target.code = target.code or row.code
    target.stage = target.stage or row.stage


Validated = list[tuple[int, "_Candidate | str"]]


def party_import_validate(rows: Sequence[ImportRow]) -> Validated:
    """Check and normalise rows with the API's rules; writes nothing, so it may run in
    another process. Each line comes back as a candidate customer or the reason it is not."""
    ctx = _Context()
    return [(row.line, _clean_row(row, ctx)) for row in rows]


def party_import_many(
    *,
    actor: Any,
    rows: Sequence[ImportRow],
    on_match: str = "update",
    source: str = "import",
    label: str = "",
    job_id: int | None = None,
    validated: Validated | None = None,
) -> ImportReport:
    """Create, update or skip a batch of customers read from a file, in one transaction.

    ``on_match`` says what a row that matches an existing customer does: ``update`` fills in
    and changes what the row gives (empty cells change nothing), ``skip`` leaves the customer
    alone, ``create`` makes a new customer anyway — without the e-mails, phones and codes the
    other one holds — and proposes the pair as a possible duplicate. ``source`` names the system
    the external ids come from. ``label`` (the file name) goes into the audit entries.
    ``validated`` is ``party_import_validate(rows)`` when the caller ran it already (in a
    worker process, while this process writes the previous batch).
    """
    require(actor, "data.import")
    require(actor, "party.create")
    if on_match == "update":
        require(actor, "party.change")
    if on_match not in ON_MATCH:
        raise Invalid.field("on_match", _("Choose one of: %(c)s.") % {"c": ", ".join(ON_MATCH)})
    source = (source or "import").strip().lower()[:40]
    try:
        with transaction.atomic():
            return _import_batch(actor, rows, on_match, source, label, job_id, validated)
    except IntegrityError:
        # Someone else took one of these e-mails or codes since we looked: go row by row so
        # only the rows that now collide are rejected.
        if len(rows) == 1:
            return ImportReport(
                rejected=[(rows[0].line, _("Another user saved the same customer meanwhile."))]
            )
        report = ImportReport()
        for row in rows:
            report.add(
                party_import_many(
                    actor=actor,
                    rows=[row],
                    on_match=on_match,
                    source=source,
                    label=label,
                    job_id=job_id,
                )
            )
        return report


def _import_batch(
    actor: Any,
    rows: Sequence[ImportRow],
    on_match: str,
    source: str,
    label: str,
    job_id: int | None,
    validated: Validated | None,
) -> ImportReport:
    report = ImportReport()
    candidates: list[_Candidate] = []
    for line, result in validated if validated is not None else party_import_validate(rows):
        if isinstance(result, str):
            report.rejected.append((line, result))
        else:
            candidates.append(result)
    existing = _existing(candidates, source)
    in_batch: dict[tuple[str, ...], _Candidate] = {}
    creates: list[_Candidate] = []
    updates: dict[int, list[_Candidate]] = {}
    flagged: list[tuple[_Candidate, int | _Candidate, str]] = []
    only_by_phone: set[int] = set()
    for cand in candidates:
        keys = cand.keys(source)
        if not any(k in existing for k in keys if k[0] != "phone"):
            only_by_phone.update(existing[k] for k in keys if k[0] == "phone" and k in existing)
    identified = _strongly_identified(only_by_phone)
    for cand in candidates:
        keys = cand.keys(source)
        holders = {existing[k] for k in keys if k in existing and k[0] != "phone"}
        by_phone = {existing[k] for k in keys if k in existing and k[0] == "phone"}
        if holders and by_phone - holders:
            # known by its e-mail, code or tax id; its phone is someone else's as well
            shared = {k[1] for k in keys if k[0] == "phone" and existing.get(k) not in holders}
            cand.points = [
                p for p in cand.points if not (p["kind"] == "phone" and p["normalized"] in shared)
            ]
        elif not holders:
            holders = by_phone
        earlier = next((in_batch[k] for k in keys if k in in_batch), None)
        if _shares_only_a_phone(cand, keys, existing, identified, earlier):
            # Two people with their own e-mail or tax id and one phone (a family's landline,
            # a reused number): not the same customer. The row becomes its own customer,
            # without the phone, and the pair is proposed for review.
            holders, earlier = _as_twin(cand, keys, existing, flagged, in_batch)
        if cand.ref_id and ("id", str(cand.ref_id)) not in existing:
            report.rejected.append(
                (cand.line, _("id: customer %(id)s does not exist.") % {"id": cand.ref_id})
            )
            continue
        if len(holders) > 1:
            report.rejected.append(
                (
                    cand.line,
                    _("This row matches several customers (%(ids)s); merge them first.")
                    % {"ids": ", ".join(str(h) for h in sorted(holders))},
                )
            )
            continue
        if holders and on_match != "create":
            party_id = holders.pop()
            if on_match == "skip":
                report.skipped += 1
                continue
            cand.party_id = party_id
            updates.setdefault(party_id, []).append(cand)
            continue
        if earlier is not None and on_match != "create":
            if on_match == "skip":
                report.skipped += 1
                continue
            _fold_into(earlier.target or earlier, cand)
            cand.target = earlier.target or earlier
            for key in keys:
                in_batch.setdefault(key, cand.target)
            continue
        if not cand.fields.get("name"):
            report.rejected.append((cand.line, "name: " + _("A name is required.")))
            continue
        if holders or earlier is not None:  # on_match == "create": a twin, without what is taken
            taken = set(existing) | set(in_batch)
            cand.points = [
                p
                for p in cand.points
                if p["kind"] not in ("email", "phone") or (p["kind"], p["normalized"]) not in taken
            ]
            if ("ext", source, cand.code) in taken:
                cand.code = ""
            if holders:
                flagged.append((cand, holders.pop(), "same e-mail (loosely)"))
        creates.append(cand)
        for key in cand.keys(source):
            in_batch.setdefault(key, cand)
    now = timezone.now()
    _write_creates(actor, creates, source, label, now)
    for cand, twin, reason in flagged:
        other_id = twin if isinstance(twin, int) else (twin.target or twin).party_id
        if not cand.party_id or not other_id or cand.party_id == other_id:
            continue
        a, b = sorted((cand.party_id, other_id))
        DuplicateCandidate.objects.get_or_create(
            party_a_id=a, party_b_id=b, defaults={"score": 0.85, "reasons": [reason]}
        )
    report.created = len(creates)
    report.duplicates = sum(1 for c in candidates if c.target is not None)
    changed = _write_updates(actor, updates, source, label, now)
    report.updated = changed
    report.skipped += sum(len(v) for v in updates.values()) - changed
    if creates or changed:
        event_emit(
            "parties.imported",
            {"job_id": job_id, "created": len(creates), "updated": changed, "source": source},
        )
    return report


def _actor_fields(actor: Any) -> tuple[int | None, str]:
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return (actor.pk if is_user else None), (
        actor.get_username() if is_user else str(actor or "system")
    )[:150]


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
    actor_id, actor_name = _actor_fields(actor)
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
        (
            "occurred_at",
            "actor_id",
            "actor_name",
            "action",
            "entity_type",
            "entity_id",
            "party_id",
            "summary",
            "changes",
        ),
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
    actor_id, actor_name = _actor_fields(actor)
    changed_parties: list[Party] = []
    new_points: list[tuple[Any, ...]] = []
    new_codes: list[tuple[Any, ...]] = []
    moves: list[tuple[Any, ...]] = []
    audits: list[tuple[Any, ...]] = []
    new_tags: dict[int, list[str]] = {}
    changed_fields: set[str] = set()
    for pid, cands in updates.items():
        party = parties[pid]
        before = {name: getattr(party, name) for name in PARTY_AUDIT_FIELDS if name != "owner"}
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
        (
            "occurred_at",
            "actor_id",
            "actor_name",
            "action",
            "entity_type",
            "entity_id",
            "party_id",
            "summary",
            "changes",
        ),
        audits,
    )
    return len(changed_parties)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value
