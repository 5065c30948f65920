"""Writes about customers' data rights: the data export, requests, and erasure.

A customer acts on their own record only (actor ``portal:<party id>``, permission
``privacy.request``); staff need ``privacy.view`` to export and ``privacy.manage`` to file,
answer and erase. Every write is audited, without the personal data itself.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import zipfile
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record
from fregues.core.errors import Conflict, ErrorCollector, Forbidden, Invalid, NotFound
from fregues.core.events import event_emit
from fregues.core.permissions import is_customer, require
from fregues.core.personal_data import personal_data_erase, personal_data_export
from fregues.parties.models import Party

from ..models import PrivacyKind, PrivacyRequest, PrivacyState
from ..selectors.privacy import privacy_holds
from .sessions import portal_sessions_end_for

TRANSITIONS = {
    PrivacyState.RECEIVED: {PrivacyState.IN_PROGRESS, PrivacyState.DONE, PrivacyState.REFUSED},
    PrivacyState.IN_PROGRESS: {PrivacyState.DONE, PrivacyState.REFUSED},
}


def _require_for(actor: Any, party: Party, staff_permission: str) -> None:
    """A customer only about themselves; staff with ``staff_permission``."""
    if is_customer(actor):
        require(actor, "privacy.request")
        if actor != f"portal:{party.pk}":
            raise Forbidden(str(_("You may only act on your own data.")))
    else:
        require(actor, staff_permission)


def _csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in row.items()}
        )
    return out.getvalue()


def _readme(party: Party, kinds: list[str], when: datetime.datetime) -> str:
    lines = [
        _("Your personal data held by Freguês"),
        "",
        _("Customer number: %(id)s. Exported at %(when)s (UTC).")
        % {"id": party.pk, "when": when.strftime("%Y-%m-%d %H:%M")},
        "",
        _("data.json holds everything, by kind of record; each CSV file holds one kind:"),
        *[f"- {kind}.csv" for kind in kinds],
        "",
        _("Dates are ISO 8601; amounts are decimal strings; ids link records to each other."),
        _(
            "To ask for a correction or the erasure of your data, use the Privacy page of the "
            "portal (LGPD art. 18, GDPR art. 15-20)."
        ),
    ]
    return "\n".join(str(line) for line in lines) + "\n"


def privacy_export_build(*, actor: Any, party: Party) -> tuple[str, bytes]:
    """The customer's data as a ZIP (``data.json``, one CSV per kind of record, a README):
    the answer to an access or portability request. Audited (the export, not its content)."""
    _require_for(actor, party, "privacy.view")
    when = timezone.now()
    data = personal_data_export(party.pk)
    kinds = sorted(data)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", _readme(party, kinds, when))
        document = {"party_id": party.pk, "exported_at": when.isoformat(), "records": data}
        archive.writestr("data.json", json.dumps(document, ensure_ascii=False, indent=2))
        for kind in kinds:
            archive.writestr(f"{kind}.csv", _csv(data[kind]))
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="privacy.export",
            entity_type="parties.party",
            entity_id=party.pk,
            party_id=party.pk,
            summary="Personal data exported",
            changes={"kinds": {k: len(data[k]) for k in kinds}},
        )
    return f"personal-data-{party.pk}-{when:%Y%m%d}.zip", buffer.getvalue()


def privacy_request_file(
    *, actor: Any, party: Party, kind: str, details: str = ""
) -> PrivacyRequest:
    """Record a customer's request about their data, with the deadline the law allows
    (``PRIVACY_DEADLINE_DAYS``). A correction says what is wrong."""
    _require_for(actor, party, "privacy.manage")
    errors = ErrorCollector()
    details = (details or "").strip()
    if kind not in PrivacyKind.values:
        errors.add("kind", _("Kind is one of: %(c)s.") % {"c": ", ".join(PrivacyKind.values)})
    if kind == PrivacyKind.CORRECTION and not details:
        errors.add("details", _("Say what is wrong and what it should be."))
    if len(details) > 4000:
        errors.add("details", _("At most %(n)s characters.") % {"n": 4000})
    errors.raise_if_any()
    if party.anonymised_at:
        raise Conflict(str(_("This customer's data was erased.")), code="anonymised")
    if PrivacyRequest.objects.filter(party=party, kind=kind, state__in=TRANSITIONS.keys()).exists():
        raise Conflict(
            str(_("A request of this kind is already open.")), code="request_already_open"
        )
    with transaction.atomic():
        now = timezone.now()
        request = PrivacyRequest.objects.create(
            party=party,
            kind=kind,
            details=details,
            due_at=now + datetime.timedelta(days=settings.PRIVACY_DEADLINE_DAYS),
            filed_by=str(actor if is_customer(actor) else getattr(actor, "username", "")),
        )
        audit_record(
            actor=actor,
            action="create",
            instance=request,
            party_id=party.pk,
            summary=f"Privacy request filed: {kind}",
            changes={"kind": kind, "due_at": request.due_at.isoformat()},
        )
        event_emit(
            "privacy.request_filed",
            {"request_id": request.pk, "party_id": party.pk, "kind": kind},
        )
    return request


def privacy_request_transition(
    *, actor: Any, request_id: int, to: str, reason: str = "", justification: str = ""
) -> PrivacyRequest:
    """Move a request on: received → in progress → done, or refused with a reason. An
    erasure request is done by erasing the customer, which legal holds block unless
    ``justification`` says why the erasure goes ahead anyway."""
    require(actor, "privacy.manage")
    reason, justification = (reason or "").strip(), (justification or "").strip()
    with transaction.atomic():
        request = (
            PrivacyRequest.objects.select_for_update()
            .select_related("party")
            .filter(pk=request_id)
            .first()
        )
        if request is None:
            raise NotFound(str(_("No such privacy request.")))
        allowed = TRANSITIONS.get(PrivacyState(request.state), set())
        if to not in PrivacyState.values:
            raise Invalid.field("to", _("Say in_progress, done or refused."))
        if to not in allowed:
            raise Conflict(
                str(_("A request %(state)s cannot become %(to)s."))
                % {"state": request.get_state_display(), "to": PrivacyState(to).label},
                code="invalid_transition",
            )
        if to == PrivacyState.REFUSED and not reason:
            raise Invalid.field("reason", _("Say why the request is refused."))
        before = request.state
        if to == PrivacyState.DONE and request.kind == PrivacyKind.ERASURE:
            privacy_erasure_execute(actor=actor, party=request.party, justification=justification)
            request.refresh_from_db()  # the erasure cleared the details and renamed the party
            request.party.refresh_from_db()
            request.hold_justification = justification
        request.state = to
        request.refusal_reason = reason if to == PrivacyState.REFUSED else ""
        if to in (PrivacyState.DONE, PrivacyState.REFUSED):
            request.closed_at = timezone.now()
        if getattr(actor, "is_authenticated", False):
            request.handled_by = actor
        request.save()
        audit_record(
            actor=actor,
            action="update",
            instance=request,
            party_id=request.party_id,
            summary=f"Privacy request {request.kind}: {before} → {to}",
            changes={"state": [before, to]},
        )
        event_emit(
            "privacy.request_changed",
            {"request_id": request.pk, "party_id": request.party_id, "state": to},
        )
    return request


def privacy_request_legal_hold(
    *, actor: Any, request_id: int, legal_obligation: bool
) -> PrivacyRequest:
    """Record (or lift) that a law requires keeping this customer's data: a legal hold."""
    require(actor, "privacy.manage")
    with transaction.atomic():
        request = PrivacyRequest.objects.select_for_update().filter(pk=request_id).first()
        if request is None:
            raise NotFound(str(_("No such privacy request.")))
        if request.legal_obligation != legal_obligation:
            before = request.legal_obligation
            request.legal_obligation = legal_obligation
            request.save(update_fields=["legal_obligation", "updated_at"])
            audit_record(
                actor=actor,
                action="update",
                instance=request,
                party_id=request.party_id,
                summary="Legal hold " + ("recorded" if legal_obligation else "lifted"),
                changes={"legal_obligation": [before, legal_obligation]},
            )
    return request


def privacy_erasure_execute(*, actor: Any, party: Party, justification: str = "") -> Party:
    """Erase the customer: anonymise them in every table the registry knows, scrub audit and
    outbox payloads and import files, keep suppressed addresses as digests, end their portal
    sessions. Counts, amounts, dates and case types stay for reports. Idempotent; refused
    (409 ``legal_hold``) while a legal hold stands, unless ``justification`` is given."""
    require(actor, "privacy.manage")
    with transaction.atomic():
        party = Party.objects.select_for_update().get(pk=party.pk)
        if party.anonymised_at:
            return party
        holds = privacy_holds(party)
        if holds and not (justification or "").strip():
            raise Conflict(
                str(_("Legal holds block the erasure: lift them or justify going ahead.")),
                code="legal_hold",
                details={
                    "holds": [{"code": h.code, "label": h.label, "count": h.count} for h in holds]
                },
            )
        portal_sessions_end_for(party_id=party.pk, actor=actor)
        erasure = personal_data_erase(party.pk)
        audit_record(
            actor=actor,
            action="privacy.erasure",
            entity_type="parties.party",
            entity_id=party.pk,
            party_id=party.pk,
            summary="Personal data erased (anonymised)",
            changes={"rows": erasure.counts, "holds_overridden": [h.code for h in holds]},
        )
        event_emit("party.anonymised", {"party_id": party.pk})
        party.refresh_from_db()
    return party
