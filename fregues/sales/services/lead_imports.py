"""Loading leads from a file (a fair's list, an old tool's export, a purchased list).

The integrations import engine reads the file, maps the columns (``nome``, ``e-mail``,
``telefone``, ``empresa``, ``cargo``, ``origem``, ``interesse``, ``valor estimado``, ``moeda``,
``código``...) and hands batches of rows here. Each row goes through ``clean_lead``, the rules
of the API, and is created, updated, skipped or rejected with its reason — never half a row.

Loading the same file twice changes nothing: a row's code (``external_id``) is the lead's key
among imported leads; a row without one that names the e-mail or phone of an open lead is
that lead (updated or skipped, as the import says), so nobody is called twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from fregues.core.audit import actor_fields, diff, snapshot
from fregues.core.errors import ErrorCollector
from fregues.core.models import AuditEntry
from fregues.core.permissions import require
from fregues.parties.services.imports import ImportReport, ImportRow

from ..models import Lead, LeadSource
from .common import sales_event, user_or_none
from .leads import LEAD_AUDIT_FIELDS, OPEN_STATUSES, clean_lead

# The fields of a lead file, as the engine maps them (see integrations/fields.py).
ROW_FIELDS = (
    "external_id",
    "name",
    "email",
    "phone",
    "company",
    "job_title",
    "tax_id",
    "interest",
    "message",
    "estimated_amount",
    "currency",
    "source_detail",
    "city",
    "country",
    "language",
)
_COUNTRY_WORDS = {"brasil": "BR", "brazil": "BR", "portugal": "PT"}
# What a row may change on a lead it matches (never its key, status or owner by accident).
UPDATABLE = (
    "name",
    "company",
    "job_title",
    "email",
    "email_normalized",
    "phone",
    "phone_normalized",
    "tax_id",
    "interest",
    "message",
    "estimated_amount",
    "currency",
    "source_detail",
    "city",
    "country",
    "language",
    "owner_id",
)

Validated = list[tuple[int, "dict[str, Any] | str"]]


def _reason(errors: dict[str, list[str]]) -> str:
    return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in errors.items())


def lead_import_validate(rows: Sequence[ImportRow]) -> Validated:
    """Each row checked with the API's rules (no writes; may run in a worker process): the
    lead's fields, or the reason the row is rejected. The owner stays as written
    (``_owner``), to be looked up with the whole batch."""
    out: Validated = []
    for row in rows:
        values = row.firsts()
        data: dict[str, Any] = {name: values.get(name, "") for name in ROW_FIELDS}
        country = data["country"].strip()
        data["country"] = _COUNTRY_WORDS.get(country.lower(), country)
        data["source"] = LeadSource.IMPORT
        if len(row.values.get("message", ())) > 1:  # several note columns: keep them all
            data["message"] = "\n".join(v.strip() for v in row.values["message"] if v.strip())
        errors = ErrorCollector()
        fields = clean_lead(data, errors, check_referrer=False)
        if errors:
            out.append((row.line, _reason(errors.errors)))
            continue
        fields["_owner"] = values.get("owner", "")
        out.append((row.line, fields))
    return out


def _owners(raw: set[str]) -> dict[str, int]:
    """Users named in the batch by username or e-mail (any case), to their ids."""
    if not raw:
        return {}
    folded = {r.strip().lower() for r in raw if r.strip()}
    found: dict[str, int] = {}
    users = get_user_model().objects.filter(is_active=True)
    condition = Q()
    for name in folded:
        condition |= Q(username__iexact=name) | Q(email__iexact=name)
    for pk, username, email in users.filter(condition).values_list("pk", "username", "email"):
        found.setdefault(username.lower(), pk)
        if email:
            found.setdefault(email.lower(), pk)
    return found


def _matches(
    cleaned: list[tuple[int, dict[str, Any]]],
) -> tuple[dict[str, Lead], dict[str, Lead], dict[str, Lead]]:
    """Leads the batch may be about: imported ones by code; open ones by e-mail and phone."""
    codes = {f["external_id"] for _line, f in cleaned if f["external_id"]}
    emails = {f["email_normalized"] for _line, f in cleaned if f["email_normalized"]}
    phones = {f["phone_normalized"] for _line, f in cleaned if f["phone_normalized"]}
    by_code: dict[str, Lead] = {}
    if codes:
        for lead in Lead.objects.select_for_update().filter(
            source=LeadSource.IMPORT, external_id__in=codes
        ):
            by_code[lead.external_id] = lead
    by_email: dict[str, Lead] = {}
    by_phone: dict[str, Lead] = {}
    if emails or phones:
        open_leads = (
            Lead.objects.select_for_update()
            .filter(status__in=OPEN_STATUSES)
            .filter(Q(email_normalized__in=emails) | Q(phone_normalized__in=phones))
            .order_by("created_at", "id")
        )
        for lead in open_leads:
            if lead.email_normalized in emails:
                by_email.setdefault(lead.email_normalized, lead)
            if lead.phone_normalized in phones:
                by_phone.setdefault(lead.phone_normalized, lead)
    return by_code, by_email, by_phone


def _row_keys(fields: dict[str, Any]) -> list[tuple[str, str]]:
    if fields["external_id"]:
        return [("code", fields["external_id"])]
    keys = []
    if fields["email_normalized"]:
        keys.append(("email", fields["email_normalized"]))
    if fields["phone_normalized"]:
        keys.append(("phone", fields["phone_normalized"]))
    return keys


def _update(lead: Lead, fields: dict[str, Any]) -> dict[str, Any]:
    """Lay the row's non-empty values over the lead; the changes (empty: nothing new)."""
    before = snapshot(lead, LEAD_AUDIT_FIELDS)
    changed = []
    for name in UPDATABLE:
        value = fields.get(name)
        if value in (None, ""):
            continue
        if getattr(lead, name) != value:
            setattr(lead, name, value)
            changed.append(name)
    if not changed:
        return {}
    lead.version += 1
    lead.save(update_fields=sorted({*changed, "version", "updated_at"}))
    return diff(before, snapshot(lead, LEAD_AUDIT_FIELDS))


def lead_import_many(
    *,
    actor: Any,
    rows: Sequence[ImportRow],
    source: str = "import",
    label: str = "",
    validated: Validated | None = None,
    on_match: str = "update",
) -> ImportReport:
    """Create, update, skip or reject a batch of lead rows, in one transaction.

    ``source`` is the system the file comes from: it goes to each new lead's source detail
    (unless the row has an ``origem``). ``on_match`` says what a row about an existing lead
    does: ``update`` its empty or changed fields, ``skip`` it, or ``create`` a new lead anyway
    (a row whose code is already imported is always that lead). One audit entry per lead
    written, one ``leads.imported`` event per batch.
    """
    require(actor, "data.import")
    require(actor, "lead.create")
    if on_match == "update":
        require(actor, "lead.change")
    source = (source or "import").strip().lower()[:40]
    detail = "" if source == "import" else source
    report = ImportReport()
    results = validated if validated is not None else lead_import_validate(rows)
    cleaned: list[tuple[int, dict[str, Any]]] = []
    for line, fields in results:
        if isinstance(fields, str):
            report.rejected.append((line, fields))
        else:
            cleaned.append((line, dict(fields)))
    owners = _owners({f["_owner"] for _line, f in cleaned if f["_owner"]})
    who, name = actor_fields(actor)
    creator = user_or_none(actor)
    new: list[Lead] = []
    audits: list[AuditEntry] = []
    with transaction.atomic():
        by_code, by_email, by_phone = _matches(cleaned)
        seen: set[tuple[str, str]] = set()
        for line, fields in cleaned:
            raw_owner = fields.pop("_owner")
            if raw_owner:
                owner_id = owners.get(raw_owner.strip().lower())
                if owner_id is None:
                    message = _("No active user is called '%(v)s'.") % {"v": raw_owner}
                    report.rejected.append((line, f"owner: {message}"))
                    continue
                fields["owner_id"] = owner_id
            keys = _row_keys(fields)
            if any(key in seen for key in keys):
                report.duplicates += 1
                continue
            seen.update(keys)
            code = fields["external_id"]
            target = by_code.get(code) if code else None
            if target is None and not code and on_match != "create":
                target = by_email.get(fields["email_normalized"]) or by_phone.get(
                    fields["phone_normalized"]
                )
            if target is None:
                fields["source_detail"] = fields["source_detail"] or detail
                new.append(Lead(created_by=creator, **fields))
                continue
            if on_match != "update" or target.status not in OPEN_STATUSES:
                report.skipped += 1
                continue
            changes = _update(target, fields)
            if not changes:
                report.skipped += 1
                continue
            report.updated += 1
            audits.append(
                AuditEntry(
                    actor_id=who,
                    actor_name=name,
                    action="update",
                    entity_type="sales.lead",
                    entity_id=target.pk,
                    summary=_("Lead %(name)s, from the file %(file)s")
                    % {"name": target.name, "file": label},
                    changes=changes,
                )
            )
        created = Lead.objects.bulk_create(new)
        for lead in created:
            audits.append(
                AuditEntry(
                    actor_id=who,
                    actor_name=name,
                    action="create",
                    entity_type="sales.lead",
                    entity_id=lead.pk,
                    summary=_("Lead %(name)s, from the file %(file)s")
                    % {"name": lead.name, "file": label},
                    changes=snapshot(lead, LEAD_AUDIT_FIELDS),
                )
            )
        AuditEntry.objects.bulk_create(audits)
        report.created += len(created)
        if created or report.updated:
            sales_event(
                "leads.imported",
                created=len(created),
                updated=report.updated,
                label=label[:200],
                lead_ids=[lead.pk for lead in created],
            )
    return report
