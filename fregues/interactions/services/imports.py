"""Loading a contact history in bulk (an old CRM's calls, a mailbox export, a call-centre log).

Each row names its customer by Freguês id, external id (of the same source system as the
customer import), e-mail or phone; rows whose customer is unknown are rejected with the
reason, the others are validated with the same rules as ``interaction_record`` and written in
bulk (COPY on PostgreSQL). Re-running a file changes nothing: a row's ``external_id`` — or,
when the file has none, a fingerprint of the row — is the channel's delivery key.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record
from fregues.core.bulk import any_of, bulk_insert, fetch_pairs, one_of
from fregues.core.errors import ErrorCollector
from fregues.core.events import event_emit
from fregues.core.permissions import require
from fregues.parties.models import Party
from fregues.parties.normalize import normalize_email, parse_phone
from fregues.parties.services.imports import ImportReport, ImportRow

from ..models import Interaction
from .records import _clean

_DMY_TIME = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_COLUMNS = (
    "party_id",
    "channel",
    "network",
    "direction",
    "occurred_at",
    "agent_id",
    "subject",
    "body",
    "outcome",
    "duration_seconds",
    "channel_address",
    "external_id",
    "regarding_type",
    "created_at",
    "updated_at",
)


def _when(text: str) -> str:
    """ "31/12/2024 14:30" (the way Brazil and Portugal write it) → ISO 8601; ISO stays."""
    match = _DMY_TIME.fullmatch(text.strip())
    if not match:
        return text.strip()
    day, month, year, hour, minute, second = match.groups()
    return (
        f"{int(year):04d}-{int(month):02d}-{int(day):02d}T"
        f"{int(hour or 0):02d}:{int(minute or 0):02d}:{int(second or 0):02d}"
    )


def _party_keys(rows: Sequence[ImportRow], source: str) -> dict[tuple[str, str], int]:
    """The live party behind each way a row names its customer (a few queries per batch)."""
    found: dict[tuple[str, str], int] = {}
    ids = {r.first("party_id") for r in rows if r.first("party_id").isdigit()}
    if ids:
        for pk, merged in Party.objects.filter(pk__in=[int(i) for i in ids]).values_list(
            "pk", "merged_into_id"
        ):
            found[("id", str(pk))] = merged or pk
    codes = {r.first("party_external_id") for r in rows if r.first("party_external_id")}
    if codes:
        where, params = any_of("code", codes)
        for code, pid in fetch_pairs(
            f"SELECT code, party_id FROM parties_externalid WHERE source = %s AND {where}",
            [source, *params],
        ):
            found[("ext", code)] = pid
    for kind, name in (("email", "party_email"), ("phone", "party_phone")):
        values = {}
        for row in rows:
            raw = row.first(name)
            if raw:
                try:
                    values[raw] = normalize_email(raw) if kind == "email" else parse_phone(raw).e164
                except Exception:
                    continue
        if values:
            where, params = any_of("normalized", set(values.values()))
            held = dict(
                fetch_pairs(
                    "SELECT normalized, party_id FROM parties_contactpoint "
                    f"WHERE kind = %s AND network = '' AND {where}",
                    [kind, *params],
                )
            )
            for raw, normalized in values.items():
                if normalized in held:
                    found[(kind, raw)] = held[normalized]
    return found


def _same_contact(fields: dict[str, Any]) -> tuple[Any, ...]:
    return (
        fields["party_id"],
        fields["channel"],
        fields["direction"],
        fields["occurred_at"],
        fields["subject"],
    )


def _already_on_timeline(rows: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    """Contacts without a message id that the timeline already holds (same customer, channel,
    direction, moment and subject) — e.g. a file exported from Freguês and imported back."""
    if not rows:
        return set()
    found = set()
    for item in Interaction.objects.filter(
        party_id__in=one_of({f["party_id"] for f in rows}),
        occurred_at__in=[f["occurred_at"] for f in rows],
    ).values_list("party_id", "channel", "direction", "occurred_at", "subject"):
        found.add(tuple(item))
    return found


def _fingerprint(row: ImportRow) -> str:
    text = "\x1f".join(f"{k}={'|'.join(v)}" for k, v in sorted(row.values.items()))
    return "row:" + hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


Validated = list[tuple[int, "dict[str, Any] | str"]]
_PARTY_FIELDS = ("party_id", "party_external_id", "party_email", "party_phone")


def interaction_import_validate(rows: Sequence[ImportRow]) -> Validated:
    """Check each row with ``interaction_record``'s rules (all but which customer it is, which
    the batch resolves at once); writes nothing, so it may run in another process."""
    agents: dict[str, int | None] = {}
    out: Validated = []
    for row in rows:
        errors = ErrorCollector()
        if not any(row.first(n) for n in _PARTY_FIELDS):
            errors.add("customer", _("Say which customer (id, code, e-mail or phone)."))
        duration = row.first("duration_seconds")
        data: dict[str, Any] = {
            name: row.first(name)
            for name in ("channel", "direction", "subject", "outcome", "external_id")
        }
        data["body"] = "\n".join(v for v in row.values.get("body", ()) if v)
        data["occurred_at"] = _when(row.first("occurred_at")) or None
        if not data["occurred_at"]:
            errors.add("occurred_at", _("Say when the contact happened."))
        if duration:
            data["duration_seconds"] = int(duration) if duration.isdigit() else -1
        fields = _clean(data, errors)
        agent = row.first("agent")
        if agent:
            if agent not in agents:
                user = (
                    get_user_model()
                    .objects.filter(Q(username__iexact=agent) | Q(email__iexact=agent))
                    .only("pk")
                    .first()
                )
                agents[agent] = user.pk if user else None
            if agents[agent] is None:
                errors.add("agent", _("No user '%(v)s'.") % {"v": agent})
        if errors.errors:
            out.append(
                (row.line, "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.errors.items()))
            )
            continue
        fields["agent_id"] = agents.get(agent) if agent else None
        fields["external_id"] = fields["external_id"] or _fingerprint(row)
        fields["_party"] = [(n, row.first(n)) for n in _PARTY_FIELDS if row.first(n)]
        out.append((row.line, fields))
    return out


def interaction_import_many(
    *,
    actor: Any,
    rows: Sequence[ImportRow],
    source: str = "import",
    label: str = "",
    validated: Validated | None = None,
) -> ImportReport:
    """Record a batch of past contacts read from a file, in one transaction.

    Created, skipped (already recorded: same channel and external id) or rejected with the
    reason; one audit entry per customer and batch says how many contacts the file added.
    ``validated`` is ``interaction_import_validate(rows)`` when the caller ran it already.
    """
    require(actor, "data.import")
    require(actor, "interaction.create")
    source = (source or "import").strip().lower()[:40]
    report = ImportReport()
    keys = _party_keys(rows, source)
    kind_of = {"party_id": "id", "party_external_id": "ext", "party_email": "email"}
    cleaned: list[tuple[int, dict[str, Any]]] = []
    for line, fields in validated if validated is not None else interaction_import_validate(rows):
        if isinstance(fields, str):
            report.rejected.append((line, fields))
            continue
        named = fields.pop("_party")
        party_id = next(
            (
                keys[(kind_of.get(n, "phone"), v)]
                for n, v in named
                if (kind_of.get(n, "phone"), v) in keys
            ),
            None,
        )
        if party_id is None:
            report.rejected.append(
                (
                    line,
                    "customer: "
                    + _("No customer matches %(v)s.") % {"v": ", ".join(v for _n, v in named)},
                )
            )
            continue
        fields["party_id"] = party_id
        cleaned.append((line, fields))
    delivered: set[tuple[str, str]] = set()
    ext_ids = {f["external_id"] for _line, f in cleaned}
    if ext_ids:
        # channel and external id both: the unique index (channel, external_id) serves it
        channels, ch_params = any_of("channel", {f["channel"] for _l, f in cleaned})
        codes, code_params = any_of("external_id", ext_ids)
        delivered = set(
            fetch_pairs(
                "SELECT channel, external_id FROM interactions_interaction "
                f"WHERE external_id <> '' AND {channels} AND {codes}",
                [*ch_params, *code_params],
            )
        )
    on_timeline = _already_on_timeline(
        [f for _l, f in cleaned if f["external_id"].startswith("row:")]
    )
    fresh: list[dict[str, Any]] = []
    for _line, fields in cleaned:
        key = (fields["channel"], fields["external_id"])
        if key in delivered or _same_contact(fields) in on_timeline:
            report.skipped += 1
            continue
        delivered.add(key)
        fresh.append(fields)
    now = timezone.now()
    try:
        with transaction.atomic():
            _write(actor, fresh, source, label, now)
    except IntegrityError:
        # delivered meanwhile by someone else: the next run of the same file skips them
        report.rejected.extend(
            (line, _("Recorded by someone else meanwhile; run the file again."))
            for line, _f in cleaned
        )
        return report
    report.created = len(fresh)
    return report


def _write(
    actor: Any, fresh: list[dict[str, Any]], source: str, label: str, now: datetime.datetime
) -> None:
    if not fresh:
        return
    bulk_insert(
        Interaction,
        _COLUMNS,
        (
            (
                f["party_id"],
                f["channel"],
                f["network"],
                f["direction"],
                f["occurred_at"],
                f["agent_id"],
                f["subject"],
                f["body"],
                f["outcome"],
                f["duration_seconds"],
                "",
                f["external_id"],
                "",
                now,
                now,
            )
            for f in fresh
        ),
    )
    # One entry per batch, not per customer: a history import adds millions of contacts, and
    # each is on its customer's timeline already; the entry says who loaded how many, from where.
    per_party: dict[int, int] = {}
    for f in fresh:
        per_party[f["party_id"]] = per_party.get(f["party_id"], 0) + 1
    where = label or source
    audit_record(
        actor=actor,
        action="create",
        entity_type="interactions.import",
        entity_id=0,
        summary=_("%(n)s contacts imported from %(file)s") % {"n": len(fresh), "file": where},
        changes={"import": {"source": source, "count": len(fresh), "customers": len(per_party)}},
    )
    event_emit("interactions.imported", {"count": len(fresh), "source": source})
