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

from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.bulk import any_of, fetch_pairs, one_of
from fregues.core.errors import Invalid
from fregues.core.events import event_emit
from fregues.core.permissions import require

from ..models import (
    ContactPoint,
    DuplicateCandidate,
    Party,
)
from .import_rows import ImportReport, ImportRow, _Candidate, _clean_row, _Context
from .import_writes import _write_creates, _write_updates

ON_MATCH = ("update", "skip", "create")

__all__ = [
    "ON_MATCH",
    "ImportReport",
    "ImportRow",
    "party_import_many",
    "party_import_validate",
]


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
