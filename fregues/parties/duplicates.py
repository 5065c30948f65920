"""Finding parties that look like the same customer (reads only; the scan service stores them).

Signals, strongest first: the same tax id; the same e-mail or phone once loosened (gmail dots,
``+tags``, Brazilian mobiles with and without the ninth digit); similar names of people in the
same organisation; similar names with the same birth date; very similar names.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db.models import Count
from rapidfuzz import fuzz

from fregues.core.text import fold

from .models import Affiliation, ContactPoint, Party

SAME_ORG_NAME_THRESHOLD = 85
NAME_THRESHOLD = 92


@dataclass
class Match:
    party_id: int
    score: float
    reasons: list[str] = field(default_factory=list)

    def add(self, score: float, reason: str) -> None:
        # combine evidence: 1 - Π(1 - s)
        self.score = 1 - (1 - self.score) * (1 - score)
        if reason not in self.reasons:
            self.reasons.append(reason)


def name_similarity(a: str, b: str) -> float:
    return fuzz.token_sort_ratio(fold(a), fold(b))


def _live(ids: Iterable[int]) -> set[int]:
    return set(
        Party.objects.filter(pk__in=set(ids), merged_into__isnull=True).values_list("pk", flat=True)
    )


def find_duplicates(party: Party, limit: int = 20) -> list[Match]:
    """Parties that may be the same as ``party``, best first."""
    matches: dict[int, Match] = {}

    def add(pid: int, score: float, reason: str) -> None:
        if pid == party.pk:
            return
        matches.setdefault(pid, Match(pid, 0.0)).add(score, reason)

    if party.tax_id:
        for pid in Party.objects.filter(tax_id=party.tax_id, merged_into__isnull=True).values_list(
            "pk", flat=True
        ):
            add(pid, 0.95, "same tax id")
    keys = list(
        ContactPoint.objects.filter(party=party)
        .exclude(match_key="")
        .values_list("kind", "match_key")
    )
    for kind, key in keys:
        others = ContactPoint.objects.filter(match_key=key).exclude(party=party)
        for pid in others.values_list("party_id", flat=True):
            add(pid, 0.85, f"same {'e-mail' if kind == 'email' else 'phone'} (loosely)")
    if party.kind == "person":
        org_ids = list(
            Affiliation.objects.filter(person=party).values_list("organization_id", flat=True)
        )
        colleagues = Affiliation.objects.filter(organization_id__in=org_ids).exclude(person=party)
        for pid, name in colleagues.values_list("person_id", "person__name"):
            similarity = name_similarity(party.name, name)
            if similarity >= SAME_ORG_NAME_THRESHOLD:
                add(pid, similarity / 100 * 0.8, "similar name in the same organisation")
    folded = fold(party.name).split(" ")
    if folded and folded[0]:
        block = Party.objects.filter(
            merged_into__isnull=True, kind=party.kind, search_text__startswith=folded[0]
        ).exclude(pk=party.pk)
        if len(folded) > 1:
            block = block.filter(search_text__contains=folded[-1][:4])
        for pid, name, birth in block.values_list("pk", "name", "birth_date")[:500]:
            similarity = name_similarity(party.name, name)
            if (
                party.birth_date
                and birth == party.birth_date
                and similarity >= SAME_ORG_NAME_THRESHOLD
            ):
                add(pid, 0.8, "similar name and same birth date")
            elif similarity >= NAME_THRESHOLD:
                add(pid, (similarity - 50) / 100, "similar name")
    live = _live(matches)
    ranked = sorted((m for m in matches.values() if m.party_id in live), key=lambda m: -m.score)
    return ranked[:limit]


def scan_pairs() -> Iterator[tuple[int, int, float, list[str]]]:
    """Every suspicious pair over all live parties: ``(smaller id, larger id, score, reasons)``.

    Works by blocking (pairs only within the same tax id, loose contact key, organisation or
    name block), never all pairs.
    """
    pairs: dict[tuple[int, int], Match] = {}

    def add(a: int, b: int, score: float, reason: str) -> None:
        if a == b:
            return
        key = (min(a, b), max(a, b))
        pairs.setdefault(key, Match(key[1], 0.0)).add(score, reason)

    live = Party.objects.filter(merged_into__isnull=True)
    dup_tax = live.exclude(tax_id="").values("tax_id").annotate(n=Count("id")).filter(n__gt=1)
    groups: dict[str, list[int]] = defaultdict(list)
    for pid, tax in live.filter(tax_id__in=dup_tax.values("tax_id")).values_list("pk", "tax_id"):
        groups[tax].append(pid)
    for ids in groups.values():
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                add(a, b, 0.95, "same tax id")

    dup_keys = (
        ContactPoint.objects.exclude(match_key="")
        .values("match_key")
        .annotate(n=Count("party_id", distinct=True))
        .filter(n__gt=1)
    )
    key_groups: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for pid, key, kind in ContactPoint.objects.filter(
        match_key__in=dup_keys.values("match_key")
    ).values_list("party_id", "match_key", "kind"):
        key_groups[key].append((pid, kind))
    for members in key_groups.values():
        for i, (a, kind) in enumerate(members):
            for b, _kind in members[i + 1 :]:
                add(a, b, 0.85, f"same {'e-mail' if kind == 'email' else 'phone'} (loosely)")

    org_members: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for org_id, pid, name in Affiliation.objects.values_list(
        "organization_id", "person_id", "person__name"
    ):
        org_members[org_id].append((pid, name))
    for members in org_members.values():
        for i, (a, name_a) in enumerate(members):
            for b, name_b in members[i + 1 :]:
                similarity = name_similarity(name_a, name_b)
                if similarity >= SAME_ORG_NAME_THRESHOLD:
                    add(a, b, similarity / 100 * 0.8, "similar name in the same organisation")

    blocks: dict[tuple[str, str, str], list[tuple[int, str, object]]] = defaultdict(list)
    for pid, kind, name, birth in live.values_list("pk", "kind", "name", "birth_date").iterator(
        chunk_size=5000
    ):
        tokens = fold(name).split(" ")
        blocks[(kind, tokens[0], tokens[-1][:3])].append((pid, name, birth))
    for block in blocks.values():
        if len(block) < 2 or len(block) > 200:
            continue
        for i, (a, name_a, birth_a) in enumerate(block):
            for b, name_b, birth_b in block[i + 1 :]:
                similarity = name_similarity(name_a, name_b)
                if birth_a and birth_a == birth_b and similarity >= SAME_ORG_NAME_THRESHOLD:
                    add(a, b, 0.8, "similar name and same birth date")
                elif similarity >= NAME_THRESHOLD:
                    add(a, b, (similarity - 50) / 100, "similar name")

    live_ids = _live({pid for pair in pairs for pid in pair})
    for (a, b), match in pairs.items():
        if a in live_ids and b in live_ids:
            yield a, b, round(match.score, 3), match.reasons
