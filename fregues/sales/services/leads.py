"""Leads: taking them in (typed, API, web form, import), working them (assign, qualify,
disqualify with a reason, reopen) and the rules every way in shares (``clean_lead``).

Converting a lead into a customer and a deal is ``lead_conversion.lead_convert``; the public
web forms are ``lead_forms``; files of leads are ``lead_imports``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record, diff, snapshot
from fregues.core.errors import Conflict, ErrorCollector, Invalid
from fregues.core.permissions import require
from fregues.parties.normalize import normalize_email, normalize_tax_id, parse_phone
from fregues.parties.services.parties import LANGUAGES

from ..models import Lead, LeadSource, LeadStatus
from ..money import MAX_AMOUNT, quantize, to_decimal
from .common import (
    bump,
    check_version,
    currency_or_error,
    live_party,
    locked,
    now_or,
    sales_event,
    user_or_none,
)

LEAD_AUDIT_FIELDS = (
    "name",
    "company",
    "job_title",
    "email",
    "phone",
    "tax_id",
    "country",
    "city",
    "language",
    "interest",
    "message",
    "estimated_amount",
    "currency",
    "source",
    "source_detail",
    "external_id",
    "form",
    "status",
    "owner",
    "referred_by",
    "disqualify_reason",
    "party",
)
# Plain text fields and their sizes (the model's max_length).
TEXT_FIELDS = {
    "name": 200,
    "company": 200,
    "job_title": 120,
    "city": 100,
    "interest": 200,
    "source_detail": 120,
    "external_id": 120,
}
MESSAGE_MAX = 10000
REASON_MAX = 300
ATTRIBUTES_MAX = 50
OPEN_STATUSES = (LeadStatus.NEW, LeadStatus.QUALIFIED)
_SCALARS = (str, int, float, bool, type(None))
_UNSET: Any = object()


@dataclass(frozen=True)
class LeadCreated:
    """What ``lead_create`` did: the lead, and whether it is new (False: the same source and
    external id had been sent before, and that lead is returned unchanged)."""

    lead: Lead
    created: bool


def _given(data: dict[str, Any], name: str, current: Lead | None) -> Any:
    """The raw value of ``name``: from ``data`` when present, else the current lead's (or
    _UNSET when creating and absent)."""
    if name in data:
        return data[name]
    if current is not None:
        return getattr(current, name)
    return _UNSET


def _text(value: Any) -> str:
    return "" if value is None or value is _UNSET else str(value).strip()


def clean_lead(
    data: dict[str, Any],
    errors: ErrorCollector,
    current: Lead | None = None,
    *,
    active_user_ids: set[int] | None = None,
    check_referrer: bool = True,
) -> dict[str, Any]:
    """Validate a lead's input (the fields present in ``data``; every field when creating)
    and return the model values to set. Each problem goes to ``errors`` under its field.

    The rules: a name, and an e-mail or a phone (both normalised: the e-mail lower-cased, the
    phone in E.164, read in the lead's country); a tax id valid for the country (CPF/CNPJ,
    NIF); an amount that is a non-negative number in a known currency; a known source; an
    active owner; a referrer that is a live party. ``active_user_ids`` spares a query per row
    when many leads are checked at once (imports).
    """
    creating = current is None
    out: dict[str, Any] = {}
    for name, size in TEXT_FIELDS.items():
        if name in data or creating:
            value = _text(data.get(name))
            if len(value) > size:
                errors.add(name, _("At most %(n)s characters.") % {"n": size})
            out[name] = value[:size]
    if ("name" in out) and not out["name"]:
        errors.add("name", _("A name is required."))
    if "message" in data or creating:
        message = _text(data.get("message"))
        if len(message) > MESSAGE_MAX:
            errors.add("message", _("At most %(n)s characters.") % {"n": MESSAGE_MAX})
        out["message"] = message[:MESSAGE_MAX]

    country = _text(_given(data, "country", current)).upper()
    if "country" in data or creating:
        if country and (len(country) != 2 or not country.isalpha()):
            errors.add("country", _("Use a two-letter country code (BR, PT, ...)."))
            country = ""
        out["country"] = country
    region = country or settings.DEFAULT_COUNTRY

    if "email" in data or creating:
        raw = _text(data.get("email"))
        out["email"], out["email_normalized"] = raw[:254], ""
        if raw:
            try:
                out["email_normalized"] = normalize_email(raw, field="email")
                out["email"] = out["email_normalized"]
            except Invalid as exc:
                errors.add("email", exc.errors.get("email", [exc.message])[0])
    if "phone" in data or creating or ("country" in data and current and current.phone):
        raw = _text(_given(data, "phone", current))
        out["phone"], out["phone_normalized"] = raw[:40], ""
        if raw:
            try:
                parsed = parse_phone(raw, region, field="phone")
                out["phone"], out["phone_normalized"] = parsed.display, parsed.e164
            except Invalid as exc:
                errors.add("phone", exc.errors.get("phone", [exc.message])[0])
    email = _text(_given(out, "email", current))
    phone = _text(_given(out, "phone", current))
    if not email and not phone and "email" not in errors.errors and "phone" not in errors.errors:
        message = _("Give an e-mail or a phone, so the lead can be answered.")
        errors.add("email", message)
        errors.add("phone", message)

    if "tax_id" in data or creating or ("country" in data and current and current.tax_id):
        raw = _text(_given(data, "tax_id", current))
        out["tax_id"] = ""
        if raw:
            try:
                out["tax_id"], _kind = normalize_tax_id(raw, region, "person", field="tax_id")
            except Invalid as exc:
                errors.add("tax_id", exc.errors.get("tax_id", [exc.message])[0])

    if "language" in data:
        language = _text(data["language"]).lower().replace("_", "-")
        if language and language not in LANGUAGES:
            errors.add("language", _("Unknown language '%(value)s'.") % {"value": language})
        out["language"] = language[:10]

    _clean_amount(data, errors, current, out)

    if "source" in data or creating:
        source = _text(data.get("source")).lower() or LeadSource.MANUAL
        if source not in LeadSource.values:
            errors.add(
                "source",
                _("Unknown source '%(v)s'. Choose one of: %(c)s.")
                % {"v": source, "c": ", ".join(LeadSource.values)},
            )
        out["source"] = source

    if "owner_id" in data:
        owner_id = data["owner_id"] or None
        if owner_id is not None:
            known = (
                owner_id in active_user_ids
                if active_user_ids is not None
                else get_user_model().objects.filter(pk=owner_id, is_active=True).exists()
            )
            if not known:
                errors.add("owner_id", _("User %(id)s does not exist.") % {"id": owner_id})
        out["owner_id"] = owner_id
    if "referred_by_id" in data and check_referrer:
        referrer = live_party(data["referred_by_id"], errors, "referred_by_id", required=False)
        out["referred_by_id"] = referrer.pk if referrer else None

    if "attributes" in data:
        attributes = data["attributes"] or {}
        if (
            not isinstance(attributes, dict)
            or len(attributes) > ATTRIBUTES_MAX
            or not all(
                isinstance(k, str) and isinstance(v, _SCALARS) for k, v in attributes.items()
            )
        ):
            errors.add(
                "attributes",
                _("Other answers are at most %(n)s names with plain values.")
                % {"n": ATTRIBUTES_MAX},
            )
        else:
            out["attributes"] = attributes
    return out


def clean_amount(raw: Any, errors: ErrorCollector, field: str) -> Decimal | None:
    """An amount of money as people write it (2500.5, "2.500,50"): a non-negative Decimal
    a DecimalField(14, 2) holds, or None (empty, or an error on ``field``)."""
    if raw in (None, ""):
        return None
    amount = to_decimal(raw)
    if amount is None:
        errors.add(field, _("Write the amount as a number (1234.56 or 1.234,56)."))
    elif amount < 0:
        errors.add(field, _("The amount cannot be negative."))
    elif amount > MAX_AMOUNT:
        errors.add(field, _("The amount is too large."))
    else:
        return amount
    return None


def _clean_amount(
    data: dict[str, Any], errors: ErrorCollector, current: Lead | None, out: dict[str, Any]
) -> None:
    """``estimated_amount`` and ``currency``: a non-negative number, in a known currency (the
    default one when an amount comes without)."""
    if "estimated_amount" not in data and "currency" not in data and current is not None:
        return
    amount: Decimal | None = current.estimated_amount if current else None
    if "estimated_amount" in data:
        amount = clean_amount(data["estimated_amount"], errors, "estimated_amount")
    raw_currency = _text(data.get("currency")) if "currency" in data else ""
    currency = current.currency if current else ""
    if raw_currency:
        currency = currency_or_error(raw_currency, errors)
    elif amount is not None and not currency:
        currency = settings.DEFAULT_CURRENCY
    out["estimated_amount"] = quantize(amount, currency) if amount is not None else None
    out["currency"] = currency


def insert_lead(*, actor: Any, fields: dict[str, Any]) -> LeadCreated:
    """Write a lead whose input ``clean_lead`` accepted, once per source and external id.

    Called inside or outside a transaction; a lead with the same ``source`` + ``external_id``
    (sent before, or a moment ago by a concurrent retry) is returned as it is.
    """
    external_id = fields.get("external_id") or ""
    source = fields.get("source") or LeadSource.MANUAL
    if external_id:
        existing = Lead.objects.filter(source=source, external_id=external_id).first()
        if existing is not None:
            return LeadCreated(existing, created=False)
    try:
        with transaction.atomic():
            lead = Lead.objects.create(created_by=user_or_none(actor), **fields)
            audit_record(
                actor=actor,
                action="create",
                instance=lead,
                summary=_("Lead %(name)s (%(source)s)")
                % {"name": lead.name, "source": lead.get_source_display()},
                changes=snapshot(lead, LEAD_AUDIT_FIELDS),
            )
            sales_event(
                "lead.created",
                lead_id=lead.pk,
                source=lead.source,
                owner_id=lead.owner_id,
                form_id=lead.form_id,
            )
    except IntegrityError:
        existing = (
            Lead.objects.filter(source=source, external_id=external_id).first()
            if external_id
            else None
        )
        if existing is None:
            raise
        return LeadCreated(existing, created=False)
    return LeadCreated(lead, created=True)


def lead_create(
    *, actor: Any, data: dict[str, Any], source: str = LeadSource.MANUAL
) -> LeadCreated:
    """Take a lead in (typed in the UI, sent through the API).

    ``source`` is the default when ``data`` names none. Sending the same ``source`` +
    ``external_id`` again returns the lead created the first time and changes nothing (a
    retry lands once).
    """
    require(actor, "lead.create")
    errors = ErrorCollector()
    fields = clean_lead({"source": source, **data}, errors)
    errors.raise_if_any()
    return insert_lead(actor=actor, fields=fields)


def _lead_for_update(lead_id: int, version: int | None) -> Lead:
    lead = locked(Lead, lead_id, label=_("Lead"))
    check_version(lead, version)
    return lead


def _refuse_converted(lead: Lead) -> None:
    if lead.status == LeadStatus.CONVERTED:
        raise Conflict(
            _("Lead %(id)s was converted already: work on its customer and deal instead.")
            % {"id": lead.pk},
            code="lead_converted",
            details={"party_id": lead.party_id},
        )


def _record_change(actor: Any, lead: Lead, changes: dict[str, Any], event: str) -> None:
    audit_record(
        actor=actor,
        action="update",
        instance=lead,
        party_id=lead.party_id,
        summary=_("Lead %(name)s") % {"name": lead.name},
        changes=changes,
    )
    sales_event(event, lead_id=lead.pk, status=lead.status, owner_id=lead.owner_id)


def lead_update(
    *, actor: Any, lead_id: int, data: dict[str, Any], version: int | None = None
) -> Lead:
    """Change the fields present in ``data`` (the same rules as creating). A converted lead is
    history: its customer and deal are edited instead (409)."""
    require(actor, "lead.change")
    errors = ErrorCollector()
    with transaction.atomic():
        lead = _lead_for_update(lead_id, version)
        _refuse_converted(lead)
        data = {k: v for k, v in data.items() if k not in ("status", "version")}
        fields = clean_lead(data, errors, current=lead)
        source = fields.get("source", lead.source)
        external_id = fields.get("external_id", lead.external_id)
        if (
            external_id
            and Lead.objects.filter(source=source, external_id=external_id)
            .exclude(pk=lead.pk)
            .exists()
        ):
            errors.add(
                "external_id",
                _("Another lead from this source has the external id %(id)s.")
                % {"id": external_id},
            )
        errors.raise_if_any()
        before = snapshot(lead, LEAD_AUDIT_FIELDS)
        for name, value in fields.items():
            setattr(lead, name, value)
        changes = diff(before, snapshot(lead, LEAD_AUDIT_FIELDS))
        if changes:
            bump(lead, list(fields))
            _record_change(actor, lead, changes, "lead.updated")
    return lead


def lead_assign(
    *, actor: Any, lead_id: int, owner_id: int | None, version: int | None = None
) -> Lead:
    """Give the lead to a salesperson (``None``: back to nobody, for someone to pick up)."""
    require(actor, "lead.change")
    if owner_id is not None and not (
        get_user_model().objects.filter(pk=owner_id, is_active=True).exists()
    ):
        raise Invalid.field("owner_id", _("User %(id)s does not exist.") % {"id": owner_id})
    with transaction.atomic():
        lead = _lead_for_update(lead_id, version)
        _refuse_converted(lead)
        if lead.owner_id == owner_id:
            return lead
        changes = {"owner": [lead.owner_id, owner_id]}
        lead.owner_id = owner_id
        bump(lead, ["owner"])
        _record_change(actor, lead, changes, "lead.assigned")
    return lead


def lead_qualify(
    *,
    actor: Any,
    lead_id: int,
    version: int | None = None,
    now: datetime.datetime | None = None,
) -> Lead:
    """The lead is worth a salesperson's time (a real need, budget, someone who decides).
    A disqualified lead may be qualified again (a change of mind)."""
    require(actor, "lead.change")
    now = now_or(now)
    with transaction.atomic():
        lead = _lead_for_update(lead_id, version)
        _refuse_converted(lead)
        if lead.status == LeadStatus.QUALIFIED:
            return lead
        changes = {"status": [lead.status, LeadStatus.QUALIFIED]}
        if lead.disqualify_reason:
            changes["disqualify_reason"] = [lead.disqualify_reason, ""]
        lead.status = LeadStatus.QUALIFIED
        lead.qualified_at = now
        lead.disqualified_at = None
        lead.disqualify_reason = ""
        bump(lead, ["status", "qualified_at", "disqualified_at", "disqualify_reason"])
        _record_change(actor, lead, changes, "lead.qualified")
    return lead


def lead_disqualify(
    *,
    actor: Any,
    lead_id: int,
    reason: str,
    version: int | None = None,
    now: datetime.datetime | None = None,
) -> Lead:
    """Set the lead aside, saying why ("no budget", "student", "spam") so the reasons can be
    counted and nobody calls them again by mistake."""
    require(actor, "lead.change")
    reason = (reason or "").strip()
    if not reason:
        raise Invalid.field(
            "reason", _("Say why the lead is disqualified."), code="reason_required"
        )
    if len(reason) > REASON_MAX:
        raise Invalid.field("reason", _("At most %(n)s characters.") % {"n": REASON_MAX})
    now = now_or(now)
    with transaction.atomic():
        lead = _lead_for_update(lead_id, version)
        _refuse_converted(lead)
        if lead.status == LeadStatus.DISQUALIFIED and lead.disqualify_reason == reason:
            return lead
        changes = {
            "status": [lead.status, LeadStatus.DISQUALIFIED],
            "disqualify_reason": [lead.disqualify_reason, reason],
        }
        lead.status = LeadStatus.DISQUALIFIED
        lead.disqualify_reason = reason
        lead.disqualified_at = now
        bump(lead, ["status", "disqualify_reason", "disqualified_at"])
        _record_change(actor, lead, changes, "lead.disqualified")
    return lead


def lead_reopen(*, actor: Any, lead_id: int, version: int | None = None) -> Lead:
    """Bring a disqualified lead back to work (new again; the reason stays in its history)."""
    require(actor, "lead.change")
    with transaction.atomic():
        lead = _lead_for_update(lead_id, version)
        _refuse_converted(lead)
        if lead.status != LeadStatus.DISQUALIFIED:
            return lead
        changes = {
            "status": [lead.status, LeadStatus.NEW],
            "disqualify_reason": [lead.disqualify_reason, ""],
        }
        lead.status = LeadStatus.NEW
        lead.disqualify_reason = ""
        lead.disqualified_at = None
        bump(lead, ["status", "disqualify_reason", "disqualified_at"])
        _record_change(actor, lead, changes, "lead.reopened")
    return lead
