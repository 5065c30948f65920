"""Creating, changing and deleting parties, and what hangs directly on them."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record, diff, snapshot
from fregues.core.errors import Conflict, ErrorCollector, Invalid, NotFound
from fregues.core.events import event_emit
from fregues.core.models import AuditEntry
from fregues.core.permissions import require

from ..contact_hours import clean_contact_hours
from ..models import (
    Affiliation,
    ExternalId,
    LifecycleMove,
    LifecycleStage,
    Note,
    Party,
    PartyKind,
    Tag,
)
from ..normalize import normalize_tax_id
from .common import (
    PARTY_AUDIT_FIELDS,
    bump,
    check_version,
    party_event,
    party_for_update,
    refresh_search,
)
from .contact_points import clean_contact_point, holder_conflict, insert_contact_point

LANGUAGES = {"pt-br", "pt-pt", "en", "es", "fr"}
_SCALARS = (str, int, float, bool, type(None))
_UNSET: Any = object()
_KINDS = frozenset(PartyKind.values)  # computed once: the bulk importer cleans a million rows
_CHANNELS = [code for code, _label in Party._meta.get_field("preferred_channel").choices or ()]


def _clean_profile(
    data: dict[str, Any], errors: ErrorCollector, current: Party | None = None
) -> dict[str, Any]:
    """Validate the profile fields present in ``data``; returns the model values to set."""
    out: dict[str, Any] = {}
    kind = data.get("kind", current.kind if current else _UNSET)
    if kind is _UNSET or kind not in _KINDS:
        errors.add("kind", _("Choose 'person' or 'organization'."))
        kind = PartyKind.PERSON
    if current is None or "kind" in data:
        out["kind"] = kind

    for name in ("given_name", "family_name", "legal_name"):
        if name in data:
            out[name] = (data[name] or "").strip()[:200]
    if "name" in data or current is None or {"given_name", "family_name"} & set(data):
        name = (data.get("name") or "").strip()
        if not name and kind == PartyKind.PERSON:
            given = out.get("given_name", current.given_name if current else "")
            family = out.get("family_name", current.family_name if current else "")
            name = " ".join(p for p in (given, family) if p)
        if not name and current is not None and "name" not in data:
            name = current.name
        if not name:
            errors.add("name", _("A name is required."))
        out["name"] = name[:200]

    if "country" in data or current is None:
        country = (data.get("country") or "").strip().upper() or (
            current.country if current else settings.DEFAULT_COUNTRY
        )
        if len(country) != 2 or not country.isalpha():
            errors.add("country", _("Use a two-letter country code (BR, PT, ...)."))
        out["country"] = country[:2]
    kind_changes = current is not None and "kind" in data and kind != current.kind
    if kind_changes and (
        Affiliation.objects.filter(person=current).exists()
        or Affiliation.objects.filter(organization=current).exists()
    ):
        errors.add("kind", _("Remove the links to people or organisations before changing this."))
    if "tax_id" in data or (("country" in data or kind_changes) and current and current.tax_id):
        # Not data.get(..., current.tax_id): current is None when creating.
        raw = data["tax_id"] if "tax_id" in data else current.tax_id  # type: ignore[union-attr]  # noqa: SIM401
        try:
            out["tax_id"], out["tax_id_kind"] = normalize_tax_id(
                raw or "", out.get("country") or (current.country if current else ""), kind
            )
        except Invalid as exc:
            for message in exc.errors.get("tax_id", [exc.message]):
                errors.add("tax_id", message)
    if "language" in data:
        language = (data["language"] or "").strip().lower().replace("_", "-")
        if language and language not in LANGUAGES:
            errors.add("language", _("Unknown language '%(value)s'.") % {"value": language})
        out["language"] = language
    if "preferred_channel" in data:
        channel = (data["preferred_channel"] or "").strip().lower()
        allowed = _CHANNELS
        if channel and channel not in allowed:
            errors.add(
                "preferred_channel",
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(allowed)},
            )
        out["preferred_channel"] = channel
    if "tier" in data:
        tier = (data["tier"] or "").strip().lower()
        if len(tier) > 20:
            errors.add("tier", _("At most %(n)s characters.") % {"n": 20})
        out["tier"] = tier[:20]
    if "birth_date" in data:
        birth = data["birth_date"]
        if isinstance(birth, str) and birth:
            try:
                birth = datetime.date.fromisoformat(birth)
            except ValueError:
                errors.add("birth_date", _("Use the date format YYYY-MM-DD."))
                birth = None
        if birth and birth > timezone.localdate():
            errors.add("birth_date", _("The birth date is in the future."))
        if birth and kind == PartyKind.ORGANIZATION:
            errors.add("birth_date", _("Organisations have no birth date."))
        out["birth_date"] = birth or None
    elif kind_changes and kind == PartyKind.ORGANIZATION and current and current.birth_date:
        errors.add("birth_date", _("Organisations have no birth date."))
    out.update(clean_contact_hours(data, errors, current))
    if "owner_id" in data:
        owner_id = data["owner_id"]
        if owner_id and not get_user_model().objects.filter(pk=owner_id, is_active=True).exists():
            errors.add("owner_id", _("User %(id)s does not exist.") % {"id": owner_id})
        out["owner_id"] = owner_id or None
    if "attributes" in data:
        attributes = data["attributes"] or {}
        if not isinstance(attributes, dict) or not all(
            isinstance(k, str) and isinstance(v, _SCALARS) for k, v in attributes.items()
        ):
            errors.add("attributes", _("Custom attributes are names with plain values."))
        out["attributes"] = attributes
    return out


def _clean_tags(names: list[str] | None, errors: ErrorCollector) -> list[str]:
    cleaned: list[str] = []
    for name in names or []:
        name = (name or "").strip()
        if not name or len(name) > 60:
            errors.add("tags", _("A tag has 1 to 60 characters."))
            continue
        if name.casefold() not in {n.casefold() for n in cleaned}:
            cleaned.append(name)
    return cleaned


def _set_tags(party: Party, names: list[str]) -> None:
    tags = []
    for name in names:
        tag = Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name)
        tags.append(tag)
    party.tags.set(tags)


def _clean_external_ids(items: list[dict[str, str]] | None, errors: ErrorCollector) -> list:
    cleaned = []
    for i, item in enumerate(items or []):
        source = (item.get("source") or "").strip().lower()
        code = (item.get("code") or "").strip()
        if not source or not code:
            errors.add(f"external_ids.{i}", _("An external id needs a source and a code."))
            continue
        cleaned.append((source[:40], code[:120]))
    return cleaned


def _external_id_conflict(source: str, code: str, party_id: int | None) -> Conflict | None:
    held = ExternalId.objects.filter(source=source, code=code).select_related("party").first()
    if held is None or held.party_id == party_id:
        return None
    return Conflict(
        _("%(source)s code %(code)s already belongs to %(name)s (party %(id)s).")
        % {"source": source, "code": code, "name": held.party.name, "id": held.party_id},
        code="external_id_taken",
        details={"holder": {"id": held.party_id, "name": held.party.name}},
    )


def _clean_affiliations(
    items: list[dict[str, Any]] | None, kind: str | None, errors: ErrorCollector
) -> list[tuple[int, str, bool]]:
    cleaned: list[tuple[int, str, bool]] = []
    for i, item in enumerate(items or []):
        org_id: Any = item.get("organization_id")
        if kind != PartyKind.PERSON:
            errors.add(f"organizations.{i}", _("Only a person can be linked to an organisation."))
        elif not Party.objects.filter(
            pk=org_id, kind=PartyKind.ORGANIZATION, merged_into__isnull=True
        ).exists():
            errors.add(
                f"organizations.{i}.organization_id",
                _("Party %(id)s is not an organisation.") % {"id": org_id},
            )
        else:
            cleaned.append(
                (org_id, (item.get("role") or "").strip()[:120], bool(item.get("is_primary")))
            )
    return cleaned


def party_create(
    *,
    actor: Any,
    data: dict[str, Any],
    contact_points: list[dict[str, Any]] | None = None,
    tags: list[str] | None = None,
    external_ids: list[dict[str, str]] | None = None,
    lifecycle_stage: str = "suspect",
    lifecycle_reason: str = "",
    affiliations: list[dict[str, Any]] | None = None,
) -> Party:
    """Create a party with its contact points, tags and external ids, all or nothing.

    ``data`` holds profile fields (kind, name or given/family names, tax_id, country, language,
    birth_date, owner_id, attributes). Every field error is reported at once (422); an e-mail,
    phone or handle held by another party is a 409 naming the holder.
    """
    require(actor, "party.create")
    errors = ErrorCollector()
    fields = _clean_profile(data, errors)
    if lifecycle_stage not in LifecycleStage.values:
        errors.add(
            "lifecycle_stage", _("Unknown lifecycle stage '%(v)s'.") % {"v": lifecycle_stage}
        )
    region = fields.get("country") or None
    points = []
    for i, item in enumerate(contact_points or []):
        # "error_field" names the input field the caller took it from ("email" for a shortcut)
        item = dict(item)
        error_field = item.pop("error_field", None)
        if error_field:
            shortcut_errors = ErrorCollector()
            cleaned = clean_contact_point(item, shortcut_errors, region=region)
            for messages in shortcut_errors.errors.values():
                for message in messages:
                    errors.add(error_field, message)
        else:
            cleaned = clean_contact_point(
                item, errors, prefix=f"contact_points.{i}.", region=region
            )
        if cleaned:
            points.append(cleaned)
    tag_names = _clean_tags(tags, errors)
    ext_ids = _clean_external_ids(external_ids, errors)
    links = _clean_affiliations(affiliations, fields.get("kind"), errors)
    errors.raise_if_any()
    for point in points:
        conflict = holder_conflict(point, None)
        if conflict:
            raise conflict
    for source, code in ext_ids:
        conflict = _external_id_conflict(source, code, None)
        if conflict:
            raise conflict
    now = timezone.now()
    with transaction.atomic():
        party = Party.objects.create(
            lifecycle_stage=lifecycle_stage, lifecycle_changed_at=now, **fields
        )
        LifecycleMove.objects.create(
            party=party,
            from_stage="",
            to_stage=lifecycle_stage,
            occurred_at=now,
            actor=actor if getattr(actor, "pk", None) else None,
            reason=lifecycle_reason or "created",
        )
        for point in points:
            insert_contact_point(actor=actor, party=party, fields=dict(point))
        for source, code in ext_ids:
            try:
                with transaction.atomic():
                    ExternalId.objects.create(party=party, source=source, code=code)
            except IntegrityError as exc:
                raise _external_id_conflict(source, code, party.pk) or Conflict(
                    _("External id taken.")
                ) from exc
        if tag_names:
            _set_tags(party, tag_names)
        for org_id, role, is_primary in links:
            Affiliation.objects.get_or_create(
                person=party,
                organization_id=org_id,
                role=role,
                defaults={"is_primary": is_primary},
            )
        refresh_search(party)
        audit_record(
            actor=actor,
            action="create",
            instance=party,
            party_id=party.pk,
            summary=party.name,
            changes=snapshot(party, PARTY_AUDIT_FIELDS) | {"tags": tag_names},
        )
        party_event("party.created", party)
    return party


def party_update(
    *,
    actor: Any,
    party_id: int,
    data: dict[str, Any],
    tags: list[str] | None = None,
    version: int | None = None,
) -> Party:
    """Change the profile fields present in ``data`` (and the tags, when given).

    ``version`` is the version the caller read: when the party has moved on since, nothing is
    written and a 409 tells the caller to reload.
    """
    require(actor, "party.change")
    errors = ErrorCollector()
    with transaction.atomic():
        party = party_for_update(party_id)
        check_version(party, version)
        fields = _clean_profile(data, errors, current=party)
        tag_names = _clean_tags(tags, errors) if tags is not None else None
        errors.raise_if_any()
        before = snapshot(party, PARTY_AUDIT_FIELDS)
        old_tags = sorted(party.tags.values_list("name", flat=True))
        for name, value in fields.items():
            setattr(party, name, value)
        changes = diff(before, snapshot(party, PARTY_AUDIT_FIELDS))
        if tag_names is not None and sorted(tag_names) != old_tags:
            _set_tags(party, tag_names)
            changes["tags"] = [old_tags, sorted(tag_names)]
        if changes:
            bump(party, list(fields))
            audit_record(
                actor=actor,
                action="update",
                instance=party,
                party_id=party.pk,
                summary=party.name,
                changes=changes,
            )
            party_event("party.updated", party, fields=sorted(changes))
    return party


def party_delete(*, actor: Any, party_id: int, version: int | None = None) -> None:
    """Erase a party with everything that hangs on it (the right to erasure).

    The records merged into it go too (they are the same customer). The audit trail keeps
    who did what and when to this customer, but the personal data in its entries (summaries,
    before/after values) is wiped: nothing of the person stays behind.
    """
    require(actor, "party.delete")
    with transaction.atomic():
        party = party_for_update(party_id)
        check_version(party, version)
        pk = party.pk
        merged_ids: list[int] = []
        frontier = [pk]
        while frontier:
            frontier = list(
                Party.objects.filter(merged_into__in=frontier).values_list("pk", flat=True)
            )
            merged_ids += frontier
        try:
            Party.objects.filter(pk__in=merged_ids).delete()
            party.delete()
        except (ProtectedError, RestrictedError) as exc:
            blocking = (
                exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
            )
            kept = sorted({str(obj._meta.verbose_name_plural) for obj in blocking})
            raise Conflict(
                _("Party %(id)s cannot be deleted: it has records that must be kept (%(kept)s).")
                % {"id": pk, "kept": ", ".join(kept)},
                code="party_protected",
                details={"kept": kept},
            ) from exc
        AuditEntry.objects.filter(party_id__in=[pk, *merged_ids]).update(
            summary="(erased)", changes={}
        )
        audit_record(
            actor=actor,
            action="delete",
            entity_type="parties.party",
            entity_id=pk,
            party_id=pk,
            summary=f"party {pk} deleted",
            changes={"merged_parties": sorted(merged_ids)} if merged_ids else None,
        )
        event_emit("party.deleted", {"party_id": pk, "merged_ids": sorted(merged_ids)})


def note_add(*, actor: Any, party_id: int, body: str, before_visit: bool = False) -> Note:
    """Leave a note on a party; ``before_visit`` flags it for the top of visit briefings."""
    require(actor, "party.change")
    body = (body or "").strip()
    if not body:
        raise Invalid.field("body", _("The note is empty."))
    with transaction.atomic():
        party = party_for_update(party_id)
        note = Note.objects.create(
            party=party,
            author=actor if getattr(actor, "pk", None) else None,
            body=body,
            before_visit=bool(before_visit),
        )
        audit_record(
            actor=actor,
            action="create",
            instance=note,
            party_id=party.pk,
            summary=("[before visit] " if before_visit else "") + body[:80],
        )
        party_event("party.note_added", party, note_id=note.pk)
    return note


def external_id_add(*, actor: Any, party_id: int, source: str, code: str) -> ExternalId:
    """Record the party's code in another system; a code held by another party is a 409."""
    require(actor, "party.change")
    errors = ErrorCollector()
    cleaned = _clean_external_ids([{"source": source, "code": code}], errors)
    errors.raise_if_any()
    source, code = cleaned[0]
    with transaction.atomic():
        party = party_for_update(party_id)
        conflict = _external_id_conflict(source, code, party.pk)
        if conflict:
            raise conflict
        ext, created = ExternalId.objects.get_or_create(party=party, source=source, code=code)
        if created:
            bump(party)
            audit_record(
                actor=actor,
                action="create",
                instance=ext,
                party_id=party.pk,
                summary=f"{source}:{code}",
            )
    return ext


def affiliation_add(
    *,
    actor: Any,
    person_id: int,
    organization_id: int,
    role: str = "",
    is_primary: bool = False,
) -> Affiliation:
    """Link a person to an organisation with their role there."""
    require(actor, "party.change")
    with transaction.atomic():
        person = party_for_update(person_id)
        organization = party_for_update(organization_id)
        errors = ErrorCollector()
        if person.kind != PartyKind.PERSON:
            errors.add("person_id", _("Only a person can be linked to an organisation."))
        if organization.kind != PartyKind.ORGANIZATION:
            errors.add(
                "organization_id",
                _("Party %(id)s is not an organisation.") % {"id": organization_id},
            )
        errors.raise_if_any()
        role = (role or "").strip()[:120]
        link, created = Affiliation.objects.get_or_create(
            person=person,
            organization=organization,
            role=role,
            defaults={"is_primary": is_primary},
        )
        if created:
            audit_record(
                actor=actor,
                action="create",
                instance=link,
                party_id=person.pk,
                summary=f"{person.name} — {role or '…'} @ {organization.name}",
            )
            bump(person)
            bump(organization)
    return link


def affiliation_remove(*, actor: Any, affiliation_id: int) -> None:
    require(actor, "party.change")
    with transaction.atomic():
        link = (
            Affiliation.objects.select_related("person", "organization")
            .filter(pk=affiliation_id)
            .first()
        )
        if link is None:
            raise NotFound(f"Affiliation {affiliation_id} does not exist.")
        summary = f"{link.person.name} — {link.role} @ {link.organization.name}"
        person_id = link.person_id
        link.delete()
        audit_record(
            actor=actor,
            action="delete",
            entity_type="parties.affiliation",
            entity_id=affiliation_id,
            party_id=person_id,
            summary=summary,
        )


def affiliation_portal_access_set(
    *, actor: Any, affiliation_id: int, sees_cases: bool, party_id: int | None = None
) -> Affiliation:
    """Let a person linked to an organisation see (or stop seeing) the organisation's
    requests when signed in to the portal. Staff decide, link by link: the purchasing director
    follows the company's requests, a former intern does not. ``party_id``, when given, is the
    page the change comes from: the link must be one of that party's (404 otherwise)."""
    require(actor, "party.change")
    with transaction.atomic():
        link = (
            Affiliation.objects.select_for_update()
            .select_related("person", "organization")
            .filter(pk=affiliation_id)
            .first()
        )
        if link is None or (
            party_id is not None and party_id not in (link.person_id, link.organization_id)
        ):
            raise NotFound(
                f"Affiliation {affiliation_id} does not exist.", details={"id": affiliation_id}
            )
        sees_cases = bool(sees_cases)
        if link.portal_sees_cases == sees_cases:
            return link
        before = link.portal_sees_cases
        link.portal_sees_cases = sees_cases
        link.save(update_fields=["portal_sees_cases", "updated_at"])
        # both records show the link: their versions move so cached copies are refreshed
        bump(party_for_update(link.person_id))
        bump(party_for_update(link.organization_id))
        audit_record(
            actor=actor,
            action="update",
            instance=link,
            party_id=link.person_id,
            summary=(
                f"{link.person.name} {'sees' if sees_cases else 'no longer sees'} the requests "
                f"of {link.organization.name} in the portal"
            )[:300],
            changes={"portal_sees_cases": [before, sees_cases]},
        )
    return link
