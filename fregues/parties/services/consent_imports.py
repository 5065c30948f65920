"""Loading consents from a file (an old tool's opt-in list, a shop's newsletter export, the
paper forms typed in a spreadsheet) into the consent ledger.

The integrations import engine reads the file, maps the columns (``cliente``, ``cpf``,
``e-mail``, ``finalidade``, ``canal``, ``consentiu``, ``data``, ``versão do texto``...) and hands
batches of rows here. Each row names its customer by Freguês id, code in the source system
(the job's ``source``), tax id or e-mail — the first that matches decides — and becomes one
grant or withdrawal in the ledger, or is rejected with its reason. Nobody is created: a
consent for a customer Freguês does not know is refused.

Loading the same file twice changes nothing: each record lands under the ledger's
``source`` + ``external_id`` key — the row's own id when the file has one, else a key derived
from what the row says (customer, purpose, channel, yes/no, when, text version).
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from fregues.core.audit import actor_fields
from fregues.core.errors import Invalid
from fregues.core.events import event_emit
from fregues.core.models import AuditEntry
from fregues.core.permissions import require
from fregues.core.text import digits, fold

from ..models import ConsentPurpose, ConsentRecord, ConsentSource, ContactPoint, ExternalId, Party
from ..normalize import normalize_email
from .import_rows import ImportReport, ImportRow

# The fields of a consent file, as the engine maps them (see integrations/fields.py).
ROW_FIELDS = (
    "party_id",
    "customer_external_id",
    "customer_tax_id",
    "customer_email",
    "purpose",
    "channel",
    "granted",
    "occurred_at",
    "source",
    "text_version",
    "external_id",
    "note",
)
_YES = {"yes", "y", "sim", "s", "true", "t", "1", "x", "granted", "concedido", "concedeu", "aceite"}
_YES |= {"aceito", "aceitou", "opt in", "optin", "autorizado", "autorizou", "consentiu", "ok"}
_NO = {"no", "n", "nao", "false", "f", "0", "withdrawn", "retirado", "retirou", "recusado"}
_NO |= {"recusou", "opt out", "optout", "revogado", "revogou", "negado", "negou", "cancelado"}
_CLOCK_SKEW = datetime.timedelta(minutes=10)
_CHUNK = 5000

Validated = list[tuple[int, "dict[str, Any] | str"]]


def _granted(text: str) -> bool | None:
    word = " ".join(fold(text).replace("-", " ").replace("_", " ").split())
    if word in _YES:
        return True
    if word in _NO:
        return False
    return None


def _moment(text: str) -> datetime.datetime | None:
    """ISO 8601 (date or date and time) or a day-first date (``31/12/2025 14:30``)."""
    text = text.strip()
    try:
        moment = parse_datetime(text.replace(" ", "T", 1) if " " in text else text)
        day = None if moment else parse_date(text)
    except ValueError:  # well formed, but no such day
        return None
    if moment is None:
        if day is None:
            head, _sep, clock = text.partition(" ")
            parts = head.replace(".", "/").replace("-", "/").split("/")
            if len(parts) != 3 or not all(p.isdigit() for p in parts) or len(parts[2]) != 4:
                return None
            try:
                day = datetime.date(int(parts[2]), int(parts[1]), int(parts[0]))
                clock_parts = [int(p) for p in clock.split(":")] if clock.strip() else []
                hour, minute, second = [*clock_parts, 0, 0, 0][:3]
                moment = datetime.datetime.combine(day, datetime.time(hour, minute, second))
            except ValueError:
                return None
        else:
            moment = datetime.datetime.combine(day, datetime.time(12, 0))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _reason(errors: dict[str, list[str]]) -> str:
    return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in errors.items())


def consent_import_validate(rows: Sequence[ImportRow]) -> Validated:
    """Each row read and checked on its own (no database: may run in a worker process): the
    record's fields, or the reason the row is rejected. Purposes and customers are looked up
    with the whole batch."""
    out: Validated = []
    now = timezone.now()
    for row in rows:
        values = row.firsts()
        errors: dict[str, list[str]] = {}
        fields: dict[str, Any] = {}
        keys = {
            "party_id": values.get("party_id", ""),
            "external_id": values.get("customer_external_id", ""),
            "tax_id": values.get("customer_tax_id", ""),
            "email": values.get("customer_email", ""),
        }
        if not any(keys.values()):
            errors["customer"] = [
                _("Say who: a Freguês id, the customer's code, tax id or e-mail.")
            ]
        if keys["party_id"] and not keys["party_id"].isdigit():
            errors["party_id"] = [_("A Freguês id is a number.")]
        if keys["email"]:
            try:
                keys["email"] = normalize_email(keys["email"], "customer_email")
            except Invalid as exc:
                errors["customer_email"] = [exc.message]
        keys["tax_id"] = digits(keys["tax_id"]) or "".join(keys["tax_id"].split()).upper()
        fields["keys"] = keys
        fields["purpose"] = values.get("purpose", "").strip().lower()
        if not fields["purpose"]:
            errors["purpose"] = [_("Say which purpose (e.g. marketing_email).")]
        fields["channel"] = values.get("channel", "").strip().lower()
        granted = _granted(values.get("granted", ""))
        if granted is None:
            errors["granted"] = [
                _("Say yes (granted) or no (withdrawn), not '%(v)s'.")
                % {"v": values.get("granted", "")}
            ]
        fields["granted"] = granted
        moment = None
        if values.get("occurred_at"):
            moment = _moment(values["occurred_at"])
            if moment is None:
                errors["occurred_at"] = [_("Use a date like 2026-03-31 or 31/03/2026 14:30.")]
            elif moment > now + _CLOCK_SKEW:
                errors["occurred_at"] = [_("A consent cannot be given in the future.")]
        fields["occurred_at"] = moment
        source = values.get("source", "").strip().lower() or ConsentSource.IMPORT
        if source not in ConsentSource.values:
            errors["source"] = [
                _("Source is one of: %(c)s.") % {"c": ", ".join(ConsentSource.values)}
            ]
        fields["source"] = source
        for name, size in (("text_version", 120), ("note", 300), ("external_id", 120)):
            fields[name] = values.get(name, "").strip()
            if len(fields[name]) > size:
                errors[name] = [_("At most %(n)s characters.") % {"n": size}]
        out.append((row.line, _reason(errors) if errors else fields))
    return out


def _customers(cleaned: list[tuple[int, dict[str, Any]]], source: str) -> dict[str, dict]:
    """The customers the batch names, per kind of key: ``{"party_id": {"12": 12}, ...}``
    (merged records resolve to their survivor). Four queries per 5,000 rows at most."""
    wanted: dict[str, set[str]] = {"party_id": set(), "external_id": set(), "tax_id": set()}
    wanted["email"] = set()
    for _line, fields in cleaned:
        for kind, value in fields["keys"].items():
            if value:
                wanted[kind].add(value)
    found: dict[str, dict[str, int]] = {kind: {} for kind in wanted}
    ids = sorted(int(v) for v in wanted["party_id"])
    for start in range(0, len(ids), _CHUNK):
        for pk in Party.objects.filter(pk__in=ids[start : start + _CHUNK]).values_list(
            "pk", flat=True
        ):
            found["party_id"][str(pk)] = pk
    queries = (
        ("external_id", ExternalId.objects.filter(source=source), "code"),
        ("tax_id", Party.objects.exclude(tax_id=""), "tax_id"),
        ("email", ContactPoint.objects.filter(kind="email"), "normalized"),
    )
    for kind, rows, column in queries:
        values = sorted(wanted[kind])
        party_column = "pk" if kind == "tax_id" else "party_id"
        for start in range(0, len(values), _CHUNK):
            chunk = rows.filter(**{f"{column}__in": values[start : start + _CHUNK]})
            for value, pk in chunk.order_by(party_column).values_list(column, party_column):
                found[kind].setdefault(value, pk)
    every = {pk for by_value in found.values() for pk in by_value.values()}
    survivors = dict(
        Party.objects.filter(pk__in=every, merged_into__isnull=False).values_list(
            "pk", "merged_into_id"
        )
    )
    for by_value in found.values():
        for value, pk in by_value.items():
            seen = {pk}
            while pk in survivors and survivors[pk] not in seen:  # a chain of merges
                pk = survivors[pk]
                seen.add(pk)
            by_value[value] = pk
    return found


def _derived_key(party_id: int, purpose: str, fields: dict[str, Any]) -> str:
    """The key of a row without its own id: what it says, so the same row lands once."""
    moment = fields["occurred_at"].isoformat() if fields["occurred_at"] else ""
    said = "|".join(
        [
            str(party_id),
            purpose,
            fields["channel"],
            "1" if fields["granted"] else "0",
            moment,
            fields["text_version"],
        ]
    )
    return "row:" + hashlib.sha256(said.encode()).hexdigest()[:40]


def consent_import_many(
    *,
    actor: Any,
    rows: Sequence[ImportRow],
    source: str = "import",
    label: str = "",
    validated: Validated | None = None,
) -> ImportReport:
    """Record a batch of consent rows in the ledger, in one transaction: each row is created,
    skipped (already in the ledger: the same id, or the same row loaded before) or rejected
    with its reason. ``source`` is the system the customer codes come from. One audit entry
    per record, one ``consents.imported`` event per batch."""
    require(actor, "data.import")
    require(actor, "consent.change")
    source = (source or "import").strip().lower()[:40]
    report = ImportReport()
    results = validated if validated is not None else consent_import_validate(rows)
    cleaned: list[tuple[int, dict[str, Any]]] = []
    for line, fields in results:
        if isinstance(fields, str):
            report.rejected.append((line, fields))
        else:
            cleaned.append((line, dict(fields)))
    purposes = {
        p.code: p for p in ConsentPurpose.objects.filter(is_active=True).order_by("position")
    }
    by_pk = {str(p.pk): p for p in purposes.values()}
    who, name = actor_fields(actor)
    user_id = who
    now = timezone.now()
    with transaction.atomic():
        customers = _customers(cleaned, source)
        ready: list[tuple[int, dict[str, Any], int, ConsentPurpose]] = []
        for line, fields in cleaned:
            party_id = next(
                (
                    customers[kind].get(fields["keys"][kind])
                    for kind in ("party_id", "external_id", "tax_id", "email")
                    if fields["keys"][kind] and customers[kind].get(fields["keys"][kind])
                ),
                None,
            )
            problems: list[str] = []
            if party_id is None:
                tried = ", ".join(f"{k}={v}" for k, v in fields["keys"].items() if v)
                problems.append(_("customer: no customer matches (%(tried)s).") % {"tried": tried})
            purpose = purposes.get(fields["purpose"]) or by_pk.get(fields["purpose"])
            if purpose is None:
                problems.append(
                    _("purpose: unknown purpose '%(v)s'; choose one of: %(c)s.")
                    % {"v": fields["purpose"], "c": ", ".join(purposes)}
                )
            elif fields["channel"] and fields["channel"] not in (purpose.channels or []):
                problems.append(
                    _("channel: '%(p)s' does not cover the channel '%(c)s' (it covers: %(a)s).")
                    % {
                        "p": purpose.code,
                        "c": fields["channel"],
                        "a": ", ".join(purpose.channels or []) or _("none"),
                    }
                )
            if problems:
                report.rejected.append((line, "; ".join(problems)))
                continue
            assert party_id is not None and purpose is not None
            if not fields["external_id"]:
                fields["external_id"] = _derived_key(party_id, purpose.code, fields)
            ready.append((line, fields, party_id, purpose))
        keys = {(f["source"], f["external_id"]) for _l, f, _p, _pu in ready}
        known: set[tuple[str, str]] = set()
        for src in {s for s, _k in keys}:
            codes = sorted(k for s, k in keys if s == src)
            for start in range(0, len(codes), _CHUNK):
                known.update(
                    ConsentRecord.objects.filter(
                        source=src, external_id__in=codes[start : start + _CHUNK]
                    ).values_list("source", "external_id")
                )
        new: list[ConsentRecord] = []
        seen: set[tuple[str, str]] = set()
        for _line, fields, party_id, purpose in ready:
            key = (fields["source"], fields["external_id"])
            if key in known:
                report.skipped += 1
                continue
            if key in seen:
                report.duplicates += 1
                continue
            seen.add(key)
            new.append(
                ConsentRecord(
                    party_id=party_id,
                    purpose=purpose,
                    channel=fields["channel"],
                    granted=fields["granted"],
                    occurred_at=fields["occurred_at"] or now,
                    source=fields["source"],
                    text_version=fields["text_version"],
                    note=fields["note"],
                    external_id=fields["external_id"],
                    actor_id=user_id,
                )
            )
        created = ConsentRecord.objects.bulk_create(new)
        if created and created[0].pk is None:  # back-ends that do not return ids
            created = list(
                ConsentRecord.objects.filter(
                    external_id__in=[r.external_id for r in new]
                ).select_related("purpose")
            )
        AuditEntry.objects.bulk_create(
            AuditEntry(
                actor_id=who,
                actor_name=name,
                action="create",
                entity_type="parties.consentrecord",
                entity_id=record.pk,
                party_id=record.party_id,
                summary=(
                    f"consent {'granted' if record.granted else 'withdrawn'}: "
                    f"{record.purpose.code}" + (f" ({record.channel})" if record.channel else "")
                )[:300],
                changes={
                    "purpose": record.purpose.code,
                    "channel": record.channel,
                    "granted": record.granted,
                    "source": record.source,
                    "text_version": record.text_version,
                    "file": label[:200],
                },
            )
            for record in created
        )
        report.created += len(created)
        if created:
            event_emit(
                "consents.imported",
                {
                    "created": len(created),
                    "label": label[:200],
                    "party_ids": sorted({r.party_id for r in created})[:1000],
                },
            )
    return report
