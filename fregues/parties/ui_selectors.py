"""Reads that only the screens need (the shared reads live in selectors.py).

Each function checks the actor's permission like the selectors do, and fetches what a screen
shows in a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from fregues.accounts.selectors import user_list
from fregues.core.permissions import require

from . import pagination
from .duplicates import find_duplicates
from .filters import PartyFilters
from .models import ContactPoint, DuplicateCandidate, LifecycleStage, Note, Party, Tag
from .selectors import duplicate_pairs_list, party_list, party_queryset

LIST_PAGE_SIZE = 25


def _with_list_data(qs: QuerySet[Party]) -> QuerySet[Party]:
    return qs.select_related("owner").prefetch_related(
        "tags",
        Prefetch(
            "contact_points",
            queryset=ContactPoint.objects.filter(is_primary=True)
            .exclude(kind="address")
            .order_by("kind", "id"),
            to_attr="primary_points",
        ),
    )


def party_list_page(
    *, actor: Any, filters: PartyFilters, cursor: str | None, limit: int = LIST_PAGE_SIZE
) -> tuple[list[Party], str | None]:
    """One page of the party list (keyset by name), with owner, tags and primary contacts."""
    qs = _with_list_data(party_list(actor=actor, **filters.as_kwargs()))
    return pagination.page(qs, cursor, limit)


@dataclass
class StageCount:
    stage: str
    label: str
    count: int


def stage_counts(*, actor: Any, owner_id: int | None = None) -> list[StageCount]:
    """How many live parties stand at each lifecycle stage (all stages, zeros included)."""
    require(actor, "party.view")
    qs = party_queryset()
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    counts = dict(
        qs.order_by()
        .values_list("lifecycle_stage")
        .annotate(n=Count("id"))
        .values_list("lifecycle_stage", "n")
    )
    return [StageCount(s.value, str(s.label), counts.get(s.value, 0)) for s in LifecycleStage]


def portfolio(*, actor: Any, owner_id: int, limit: int = 8) -> tuple[list[Party], int]:
    """The first parties a relationship manager owns, by name, and how many they own."""
    qs = party_list(actor=actor, owner_id=owner_id)
    total = qs.count()
    if not total:
        return [], 0
    return list(_with_list_data(qs)[:limit]), total


def party_notes(*, actor: Any, party_id: int, limit: int = 20) -> list[Note]:
    require(actor, "party.view")
    return list(
        Note.objects.filter(party_id=party_id)
        .select_related("author")
        .order_by("-created_at", "-id")[:limit]
    )


@dataclass
class PossibleDuplicate:
    party: Party
    score: float
    reasons: list[str]


def possible_duplicates(*, actor: Any, party: Party, limit: int = 5) -> list[PossibleDuplicate]:
    """Parties that may be the same customer as ``party``, best first, with their names."""
    require(actor, "party.view")
    matches = find_duplicates(party, limit=limit)
    if not matches:
        return []
    others = Party.objects.in_bulk([m.party_id for m in matches])
    return [
        PossibleDuplicate(others[m.party_id], m.score, m.reasons)
        for m in matches
        if m.party_id in others
    ]


@dataclass
class PairRow:
    candidate: DuplicateCandidate
    party_a: Party
    party_b: Party


def duplicate_pairs(*, actor: Any, status: str = "open", limit: int = 100) -> list[PairRow]:
    """The stored pairs to review with both parties loaded in one query."""
    pairs = duplicate_pairs_list(actor=actor, status=status, limit=limit)
    ids = {c.party_a_id for c in pairs} | {c.party_b_id for c in pairs}
    parties = (
        Party.objects.filter(pk__in=ids)
        .prefetch_related(
            Prefetch(
                "contact_points",
                queryset=ContactPoint.objects.filter(is_primary=True).exclude(kind="address"),
                to_attr="primary_points",
            )
        )
        .in_bulk()
    )
    return [
        PairRow(c, parties[c.party_a_id], parties[c.party_b_id])
        for c in pairs
        if c.party_a_id in parties and c.party_b_id in parties
    ]


def stored_pair(party_a_id: int, party_b_id: int) -> DuplicateCandidate | None:
    a, b = sorted((party_a_id, party_b_id))
    return DuplicateCandidate.objects.filter(party_a_id=a, party_b_id=b).first()


def owner_choices(*, actor: Any) -> list[tuple[str, str]]:
    """Active users as ``(id, name)`` choices, to pick a relationship manager."""
    return [(str(u.pk), u.display_name) for u in user_list(actor=actor)]


def tag_names(*, actor: Any, limit: int = 200) -> list[str]:
    require(actor, "party.view")
    return list(Tag.objects.order_by("name").values_list("name", flat=True)[:limit])


def link_options(*, actor: Any, q: str, kind: str, exclude_id: int | None = None) -> list[Party]:
    """Parties of ``kind`` matching ``q``, to link a person and an organisation."""
    if not (q or "").strip():
        return []
    qs = party_list(actor=actor, q=q, kind=kind)
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    return list(qs[:8])
