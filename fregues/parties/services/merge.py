"""Merging two records of the same customer into one, losing nothing."""

from __future__ import annotations

from typing import Any, cast

from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record, snapshot
from fregues.core.errors import Conflict, Invalid
from fregues.core.models import AuditEntry
from fregues.core.permissions import require

from ..models import (
    Affiliation,
    ContactPoint,
    DuplicateCandidate,
    LifecycleMove,
    LifecycleStage,
    Party,
)
from .common import PARTY_AUDIT_FIELDS, bump, check_version, party_event, party_for_update
from .lifecycle import FUNNEL

# Profile fields the survivor takes from the merged party when its own are blank.
FILLABLE = (
    "given_name",
    "family_name",
    "legal_name",
    "tax_id",
    "tax_id_kind",
    "country",
    "language",
    "birth_date",
    "owner_id",
)


def _move_affiliations(survivor: Party, merged: Party) -> None:
    for link in Affiliation.objects.filter(models.Q(person=merged) | models.Q(organization=merged)):
        person_id = survivor.pk if link.person_id == merged.pk else link.person_id
        org_id = survivor.pk if link.organization_id == merged.pk else link.organization_id
        clash = Affiliation.objects.filter(
            person_id=person_id, organization_id=org_id, role=link.role
        ).exclude(pk=link.pk)
        if person_id == org_id or clash.exists():
            link.delete()
        else:
            Affiliation.objects.filter(pk=link.pk).update(
                person_id=person_id, organization_id=org_id
            )


def _move_every_reference(survivor: Party, merged: Party) -> dict[str, int]:
    """Re-point every row of every app that refers to ``merged`` (found by introspection,
    so later apps' cases, deals and orders move too without this app knowing them)."""
    moved: dict[str, int] = {}
    handled = {Affiliation, DuplicateCandidate}
    for relation in Party._meta.related_objects:
        model = relation.related_model
        if model in handled or model is Party or not isinstance(relation, models.ManyToOneRel):
            continue
        field = relation.field.name
        try:
            with transaction.atomic():
                count = model._default_manager.filter(**{field: merged}).update(**{field: survivor})
        except IntegrityError as exc:
            raise Conflict(
                _("Could not move %(model)s records to the surviving party.")
                % {"model": model._meta.verbose_name_plural},
                code="merge_conflict",
            ) from exc
        if count:
            moved[model._meta.label_lower] = moved.get(model._meta.label_lower, 0) + count
    survivor.tags.add(*merged.tags.all())
    return moved


def party_merge(
    *,
    actor: Any,
    survivor_id: int,
    merged_id: int,
    version: int | None = None,
) -> Party:
    """Merge ``merged_id`` into ``survivor_id``: one customer, nothing lost.

    Every contact point, interaction, link, note, external id, lifecycle move and audit entry
    moves to the survivor; blank profile fields are filled from the merged party; custom
    attributes and tags are combined; the further lifecycle stage wins. The merged party stays
    as a pointer to the survivor, so its old id still resolves.
    """
    require(actor, "party.merge")
    if survivor_id == merged_id:
        raise Invalid.field(
            "merge_id", _("A party cannot be merged into itself."), code="same_party"
        )
    with transaction.atomic():
        first, second = sorted((survivor_id, merged_id))  # lock in a fixed order: no deadlock
        locked = {first: party_for_update(first), second: party_for_update(second)}
        survivor, merged = locked[survivor_id], locked[merged_id]
        check_version(survivor, version)
        if survivor.kind != merged.kind:
            raise Invalid.field(
                "merge_id",
                _("A person and an organisation cannot be merged."),
                code="kind_mismatch",
            )
        before = snapshot(survivor, PARTY_AUDIT_FIELDS)
        merged_snapshot = snapshot(merged, PARTY_AUDIT_FIELDS)
        for name in FILLABLE:
            if not getattr(survivor, name) and getattr(merged, name):
                setattr(survivor, name, getattr(merged, name))
        survivor.attributes = {**merged.attributes, **survivor.attributes}
        stage_from = survivor.lifecycle_stage
        if (
            merged.lifecycle_stage in FUNNEL
            and survivor.lifecycle_stage in FUNNEL
            and FUNNEL.index(cast(LifecycleStage, merged.lifecycle_stage))
            > FUNNEL.index(cast(LifecycleStage, survivor.lifecycle_stage))
        ) or (survivor.lifecycle_stage not in FUNNEL and merged.lifecycle_stage in FUNNEL):
            survivor.lifecycle_stage = merged.lifecycle_stage
            survivor.lifecycle_changed_at = timezone.now()

        _move_affiliations(survivor, merged)
        moved = _move_every_reference(survivor, merged)
        _one_primary_per_kind(survivor)
        AuditEntry.objects.filter(party_id=merged.pk).update(party_id=survivor.pk)
        Party.objects.filter(merged_into=merged).update(merged_into=survivor)
        DuplicateCandidate.objects.filter(
            models.Q(party_a=merged) | models.Q(party_b=merged)
        ).exclude(party_a__in=(survivor, merged), party_b__in=(survivor, merged)).delete()
        DuplicateCandidate.objects.filter(
            party_a_id=min(survivor.pk, merged.pk), party_b_id=max(survivor.pk, merged.pk)
        ).update(
            status=DuplicateCandidate.Status.MERGED,
            resolved_at=timezone.now(),
            resolved_by=actor if getattr(actor, "pk", None) else None,
        )
        if survivor.lifecycle_stage != stage_from:
            LifecycleMove.objects.create(
                party=survivor,
                from_stage=stage_from,
                to_stage=survivor.lifecycle_stage,
                occurred_at=timezone.now(),
                actor=actor if getattr(actor, "pk", None) else None,
                reason=f"merge of party {merged.pk}",
            )
        merged.merged_into = survivor
        merged.merged_at = timezone.now()
        merged.version += 1
        merged.search_text = ""
        merged.save(
            update_fields=["merged_into", "merged_at", "version", "search_text", "updated_at"]
        )
        bump(survivor, [*FILLABLE, "attributes", "lifecycle_stage", "lifecycle_changed_at"])
        audit_record(
            actor=actor,
            action="merge",
            instance=survivor,
            party_id=survivor.pk,
            summary=_("%(merged)s (party %(id)s) merged into %(survivor)s")
            % {"merged": merged.name, "id": merged.pk, "survivor": survivor.name},
            changes={
                "merged_party": {"id": merged.pk, **merged_snapshot},
                "survivor_before": before,
                "moved": moved,
            },
        )
        party_event("party.merged", survivor, merged_id=merged.pk)
    return survivor


def _one_primary_per_kind(party: Party) -> None:
    seen: set[str] = set()
    for point in ContactPoint.objects.filter(party=party).order_by("kind", "-is_primary", "id"):
        should = point.kind not in seen
        seen.add(point.kind)
        if point.is_primary != should:
            ContactPoint.objects.filter(pk=point.pk).update(is_primary=should)
