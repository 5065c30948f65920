"""Adding, changing and removing a party's contact points."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record, diff, snapshot
from fregues.core.errors import Conflict, ErrorCollector, Invalid, NotFound
from fregues.core.permissions import require

from ..models import ContactPoint, ContactPointKind, Party
from ..normalize import (
    email_match_key,
    normalize_email,
    normalize_handle,
    normalize_network,
    parse_phone,
    phone_match_key,
)
from .common import CONTACT_POINT_AUDIT_FIELDS, bump, party_event, party_for_update

ADDRESS_FIELDS = (
    "street",
    "number",
    "complement",
    "district",
    "city",
    "region",
    "postal_code",
    "country",
)


# plain strings: comparing with the enum members costs a descriptor call each (bulk imports)
_EMAIL, _PHONE, _SOCIAL, _ADDRESS = "email", "phone", "social", "address"


def clean_contact_point(
    data: dict[str, Any], errors: ErrorCollector, prefix: str = "", region: str | None = None
) -> dict[str, Any] | None:
    """Validate and normalise one contact point's input; field errors go to ``errors``.

    Returns the model fields, or None when the input is not valid.
    """
    kind = (data.get("kind") or "").strip().lower()
    value = (data.get("value") or "").strip()
    fields: dict[str, Any] = {
        "kind": kind,
        "label": (data.get("label") or "").strip()[:40],
        "is_primary": bool(data.get("is_primary", False)),
        "is_verified": bool(data.get("is_verified", False)),
        "network": "",
    }
    try:
        if kind == _EMAIL:
            normalized = normalize_email(value, f"{prefix}value")
            fields.update(value=normalized, normalized=normalized)
            fields["match_key"] = email_match_key(normalized)
        elif kind == _PHONE:
            phone = parse_phone(value, region, f"{prefix}value")
            fields.update(value=phone.display, normalized=phone.e164)
            fields["match_key"] = phone_match_key(phone.e164)
            if not fields["label"]:
                fields["label"] = "mobile" if phone.is_mobile else ""
        elif kind == _SOCIAL:
            network = normalize_network(data.get("network") or "", f"{prefix}network")
            handle = normalize_handle(network, value, f"{prefix}value")
            shown = handle if handle.startswith("+") else f"@{handle}"
            fields.update(network=network, value=shown, normalized=handle)
            fields["match_key"] = phone_match_key(handle) if handle.startswith("+") else ""
        elif kind == _ADDRESS:
            parts = {name: (data.get(name) or "").strip() for name in ADDRESS_FIELDS}
            parts["country"] = parts["country"].upper()[:2]
            if not value:
                street = " ".join(p for p in (parts["street"], parts["number"]) if p)
                value = ", ".join(
                    p
                    for p in (
                        street,
                        parts["complement"],
                        parts["district"],
                        parts["city"],
                        parts["region"],
                        parts["postal_code"],
                    )
                    if p
                )
            if not value:
                errors.add(f"{prefix}value", _("An address needs at least a street or a city."))
                return None
            fields.update(parts, value=value[:300], normalized=value.casefold()[:300])
            fields["match_key"] = ""
        else:
            errors.add(
                f"{prefix}kind",
                _("Unknown contact point kind '%(kind)s'. Choose one of: %(choices)s.")
                % {"kind": kind, "choices": ", ".join(ContactPointKind.values)},
            )
            return None
    except Invalid as exc:
        for field, messages in exc.errors.items():
            for message in messages:
                errors.add(field, message)
        return None
    return fields


def holder_conflict(fields: dict[str, Any], party_id: int | None) -> Conflict | None:
    """A 409 naming the party that already holds this e-mail, phone or handle, if any."""
    if fields["kind"] == ContactPointKind.ADDRESS:
        return None
    held = (
        ContactPoint.objects.filter(
            kind=fields["kind"], network=fields["network"], normalized=fields["normalized"]
        )
        .select_related("party")
        .first()
    )
    if held is None or held.party_id == party_id:
        return None
    return Conflict(
        _("%(value)s already belongs to %(name)s (party %(id)s).")
        % {"value": held.value, "name": held.party.name, "id": held.party_id},
        code="contact_point_taken",
        details={"holder": {"id": held.party_id, "name": held.party.name}},
    )


def insert_contact_point(*, actor: Any, party: Party, fields: dict[str, Any]) -> ContactPoint:
    """Insert validated fields for ``party`` (already locked); keeps one primary per kind."""
    conflict = holder_conflict(fields, party.pk)
    if conflict:
        raise conflict
    same = ContactPoint.objects.filter(
        party=party, kind=fields["kind"], network=fields["network"], normalized=fields["normalized"]
    )
    if fields["kind"] != ContactPointKind.ADDRESS and same.exists():
        raise Conflict(
            _("%(value)s is already on this party.") % {"value": fields["value"]},
            code="contact_point_exists",
        )
    has_primary = ContactPoint.objects.filter(
        party=party, kind=fields["kind"], is_primary=True
    ).exists()
    if fields["is_primary"] and has_primary:
        ContactPoint.objects.filter(party=party, kind=fields["kind"]).update(is_primary=False)
    elif not has_primary:
        fields["is_primary"] = True
    try:
        with transaction.atomic():
            point = ContactPoint.objects.create(party=party, **fields)
    except IntegrityError as exc:  # lost a race with another writer
        conflict = holder_conflict(fields, party.pk)
        raise conflict or Conflict(_("This contact point is already taken.")) from exc
    audit_record(
        actor=actor,
        action="create",
        instance=point,
        party_id=party.pk,
        summary=f"{point.get_kind_display()} {point.value}",
        changes=snapshot(point, CONTACT_POINT_AUDIT_FIELDS),
    )
    return point


def contact_point_add(*, actor: Any, party_id: int, data: dict[str, Any]) -> ContactPoint:
    """Add an e-mail, phone, handle or address to a party.

    A phone, e-mail or handle already held by another party is a 409 that names the holder:
    a contact point identifies exactly one party.
    """
    require(actor, "contact_point.change")
    errors = ErrorCollector()
    with transaction.atomic():
        party = party_for_update(party_id)
        fields = clean_contact_point(data, errors, region=party.country or None)
        errors.raise_if_any()
        assert fields is not None
        point = insert_contact_point(actor=actor, party=party, fields=fields)
        bump(party)
        party_event("party.contact_point_added", party, contact_point_id=point.pk)
    return point


def _point_for_update(party_id: int, point_id: int) -> ContactPoint:
    point = ContactPoint.objects.select_for_update().filter(pk=point_id, party_id=party_id).first()
    if point is None:
        raise NotFound(
            f"Contact point {point_id} does not exist on party {party_id}.",
            details={"id": point_id},
        )
    return point


def contact_point_update(
    *, actor: Any, party_id: int, point_id: int, data: dict[str, Any]
) -> ContactPoint:
    """Change a contact point: its value (re-validated), label, primary and verified flags."""
    require(actor, "contact_point.change")
    errors = ErrorCollector()
    with transaction.atomic():
        party = party_for_update(party_id)
        point = _point_for_update(party_id, point_id)
        before = snapshot(point, CONTACT_POINT_AUDIT_FIELDS)
        merged = {
            name: getattr(point, name) for name in ("kind", "network", "label", *ADDRESS_FIELDS)
        }
        merged.update(is_primary=point.is_primary, is_verified=point.is_verified)
        merged["value"] = point.normalized if point.kind != "address" else ""
        if point.kind == ContactPointKind.ADDRESS and "value" not in data:
            merged["value"] = point.value
        merged.update({k: v for k, v in data.items() if v is not None})
        merged["kind"] = point.kind  # the kind of a contact point does not change
        fields = clean_contact_point(merged, errors, region=party.country or None)
        errors.raise_if_any()
        assert fields is not None
        conflict = holder_conflict(fields, party.pk)
        if conflict:
            raise conflict
        if fields["is_primary"] and not point.is_primary:
            ContactPoint.objects.filter(party=party, kind=point.kind).update(is_primary=False)
        elif point.is_primary and not fields["is_primary"]:  # one primary per kind, always
            successor = (
                ContactPoint.objects.filter(party=party, kind=point.kind)
                .exclude(pk=point.pk)
                .order_by("id")
                .first()
            )
            if successor is None:
                fields["is_primary"] = True
            else:
                ContactPoint.objects.filter(pk=successor.pk).update(is_primary=True)
        for name, value in fields.items():
            setattr(point, name, value)
        try:
            with transaction.atomic():
                point.save()
        except IntegrityError as exc:
            raise Conflict(_("This contact point is already taken.")) from exc
        changes = diff(before, snapshot(point, CONTACT_POINT_AUDIT_FIELDS))
        if changes:
            audit_record(
                actor=actor,
                action="update",
                instance=point,
                party_id=party.pk,
                summary=f"{point.get_kind_display()} {point.value}",
                changes=changes,
            )
            bump(party)
            party_event("party.contact_point_changed", party, contact_point_id=point.pk)
    return point


def contact_point_remove(*, actor: Any, party_id: int, point_id: int) -> None:
    """Remove a contact point; the next one of its kind becomes primary."""
    require(actor, "contact_point.change")
    with transaction.atomic():
        party = party_for_update(party_id)
        point = _point_for_update(party_id, point_id)
        before = snapshot(point, CONTACT_POINT_AUDIT_FIELDS)
        point_pk = point.pk
        point.delete()
        if before["is_primary"]:
            successor = ContactPoint.objects.filter(party=party, kind=before["kind"]).first()
            if successor:
                ContactPoint.objects.filter(pk=successor.pk).update(is_primary=True)
        audit_record(
            actor=actor,
            action="delete",
            entity_type="parties.contactpoint",
            entity_id=point_pk,
            party_id=party.pk,
            summary=f"{before['kind']} {before['value']}",
            changes=before,
        )
        bump(party)
        party_event("party.contact_point_removed", party, contact_point_id=point_pk)
