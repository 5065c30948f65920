"""Helpers shared by the party services: loading with a lock, the search document, events."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from fregues.core.errors import NotFound, VersionConflict
from fregues.core.events import event_emit
from fregues.core.text import digits, fold

from ..models import ContactPoint, Party

PARTY_AUDIT_FIELDS = (
    "kind",
    "name",
    "given_name",
    "family_name",
    "legal_name",
    "tax_id",
    "country",
    "language",
    "birth_date",
    "lifecycle_stage",
    "owner",
    "attributes",
    "preferred_channel",
    "tier",
    "contact_hours_start",
    "contact_hours_end",
    "contact_weekdays",
)
CONTACT_POINT_AUDIT_FIELDS = (
    "kind",
    "network",
    "value",
    "label",
    "is_primary",
    "is_verified",
    "street",
    "number",
    "complement",
    "district",
    "city",
    "region",
    "postal_code",
    "country",
)


def party_for_update(party_id: int) -> Party:
    """The live party (not merged), locked for the rest of the transaction, or 404."""
    party = Party.objects.select_for_update().filter(pk=party_id).first()
    if party is None:
        raise NotFound(f"Party {party_id} does not exist.", details={"id": party_id})
    if party.merged_into_id:
        raise NotFound(
            f"Party {party_id} was merged into party {party.merged_into_id}.",
            code="merged",
            details={"id": party_id, "merged_into": party.merged_into_id},
        )
    return party


def check_version(party: Party, version: int | None) -> None:
    if version is not None and version != party.version:
        raise VersionConflict(
            f"Party {party.pk} was changed by someone else (version {party.version}, "
            f"you sent {version}). Reload it and try again.",
            details={"current_version": party.version},
        )


def bump(party: Party, fields: list[str] | None = None) -> None:
    """Save ``party`` with its version raised and its search document rebuilt."""
    party.version += 1
    party.search_text = search_document(party)
    update = ["version", "search_text", "updated_at", *(fields or [])]
    party.save(update_fields=sorted(set(update)))


def refresh_search(party: Party) -> None:
    """Rebuild the search document of a party just created (its version stays 1)."""
    party.search_text = search_document(party)
    party.save(update_fields=["search_text"])


def search_document(party: Party) -> str:
    """The folded text the search seam matches against: names, e-mails, phone digits, ids."""
    points: list[tuple[str, str]] = []
    codes: list[str] = []
    if party.pk:
        points = list(
            ContactPoint.objects.filter(Q(party=party) & ~Q(kind="address")).values_list(
                "kind", "normalized"
            )
        )
        codes = list(party.external_ids.values_list("code", flat=True))
    return build_search_text(party.name, party.legal_name, party.tax_id, points, codes)


def build_search_text(
    name: str, legal_name: str, tax_id: str, points: list[tuple[str, str]], codes: list[str]
) -> str:
    """``search_document`` from plain values (the bulk importer has no saved rows to read).

    ``points`` are (kind, normalized) of the e-mails, phones and handles, in contact-point
    order (kind, primary first); ``codes`` the external ids' codes.
    """
    parts = [fold(name), fold(legal_name)]
    if tax_id:
        parts.append(digits(tax_id) or fold(tax_id))
    for kind, normalized in points:
        if kind == "address":
            continue
        if kind == "phone" or (kind == "social" and normalized.startswith("+")):
            parts.append(digits(normalized))
        else:
            parts.append(fold(normalized))
    parts.extend(fold(code) for code in codes)
    return " ".join(p for p in parts if p)


def party_event(name: str, party: Party, **extra: Any) -> None:
    event_emit(name, {"party_id": party.pk, "version": party.version, **extra})
