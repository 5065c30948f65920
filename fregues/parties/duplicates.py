"""Finding parties that look like the same customer (reads only; the scan service stores them).

Signals, strongest first: the same tax id; the same e-mail or phone once loosened (gmail dots,
``+tags``, Brazilian mobiles with and without the ninth digit); similar names of people in the
same organisation; similar names with the same birth date; very similar names.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations, groupby
from operator import itemgetter
from typing import Any

from django.db.models import Count, QuerySet
from rapidfuzz import fuzz, process

from fregues.core.text import fold

from . import search
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


def sorted_tokens(folded: str) -> str:
    """A folded name with its words sorted: ``fuzz.ratio`` of two of these is
    ``name_similarity`` of the names, without sorting the words again for every pair."""
    return " ".join(sorted(folded.split(" ")))


def name_block(kind: str, folded: str) -> tuple[str, str, str]:
    """The block a folded name is compared in: kind, first word, first three letters of the
    last word ("Ana Paula Souza" and "Ana Sousa" meet; "Paula Souza" does not)."""
    words = folded.split(" ")
    return kind, words[0], words[-1][:3]


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

    # The tax id and match key indexes are partial (blank values left out): SQLite uses them
    # only when the query repeats that condition, hence the excludes.
    if party.tax_id:
        same_tax = Party.objects.filter(tax_id=party.tax_id, merged_into__isnull=True)
        for pid in same_tax.exclude(tax_id="").values_list("pk", flat=True):
            add(pid, 0.95, "same tax id")
    keys = list(
        ContactPoint.objects.filter(party=party)
        .exclude(match_key="")
        .values_list("kind", "match_key")
    )
    for kind, key in keys:
        others = (
            ContactPoint.objects.filter(match_key=key).exclude(match_key="").exclude(party=party)
        )
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
        # The name block: first word and the start of the last, found by the search index.
        terms = [folded[0], folded[-1][:4]] if len(folded) > 1 else [folded[0]]
        block = Party.objects.filter(
            search.matching(terms),
            merged_into__isnull=True,
            kind=party.kind,
            search_text__startswith=folded[0],
        ).exclude(pk=party.pk)
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


EXACT_GROUP_LIMIT = 50
"""A tax id or contact key shared by more live parties than this is a placeholder ("000..."),
a shared switchboard or a family e-mail, not one customer: the scan skips the group."""

NAME_ALONE_LIMIT = 10
"""A name block of up to this many parties holds an uncommon name: a very similar name alone
is worth a look. In a larger block the name is common (a million Brazilian customers hold
hundreds of "Lucas Gomes"), so only the same birth date makes a similar name evidence:
without this, a scan of a million parties proposed 840 000 pairs of namesakes."""

NAME_BLOCK_LIMIT = 200
"""Parties with one birth date in one name block (or people of one organisation) compared
pair by pair at most; more is a placeholder date or a data problem, not duplicates."""

Named = tuple[int, str, "datetime.date | None"]
"""A party in a name block: id, ``sorted_tokens`` of its name, birth date."""


def scan_pairs() -> Iterator[tuple[int, int, float, list[str]]]:
    """Every suspicious pair over all live parties: ``(smaller id, larger id, score, reasons)``.

    Works by blocking, never all pairs: the database groups parties by tax id and by loose
    contact key (``GROUP BY ... HAVING count(*) > 1``, served by the indexes); names are
    compared only inside an organisation and inside a ``name_block``, in one read of all live
    parties' names (15–25 s for a million parties on two slow cores, SQLite or PostgreSQL).
    """
    pairs: dict[tuple[int, int], Match] = {}

    def add(a: int, b: int, score: float, reason: str) -> None:
        key = (min(a, b), max(a, b))
        pairs.setdefault(key, Match(key[1], 0.0)).add(score, reason)

    for ids in _shared_tax_ids():
        for a, b in combinations(ids, 2):
            add(a, b, 0.95, "same tax id")
    for members in _shared_contact_keys():
        for (a, kind), (b, _kind) in combinations(members, 2):
            if a != b:
                add(a, b, 0.85, f"same {'e-mail' if kind == 'email' else 'phone'} (loosely)")
    for colleagues in _colleagues():
        for (a, _na, _ba), (b, _nb, _bb), similarity in _similar(colleagues):
            add(a, b, similarity / 100 * 0.8, "similar name in the same organisation")
    for block in _name_blocks():
        alone = len(block) <= NAME_ALONE_LIMIT
        for (a, _na, birth_a), (b, _nb, birth_b), similarity in _similar(block):
            if birth_a and birth_a == birth_b:
                add(a, b, 0.8, "similar name and same birth date")
            elif alone and similarity >= NAME_THRESHOLD:
                add(a, b, (similarity - 50) / 100, "similar name")

    for (a, b), match in pairs.items():
        yield a, b, round(match.score, 3), match.reasons


KEYS_PER_QUERY = 500
"""Shared tax ids / contact keys fetched per query (well under SQLite's variable limit)."""


def _shared_keys(rows: QuerySet[Any], field: str) -> list[str]:
    """The values of ``field`` held by more than one row of ``rows``.

    Asked on its own, not as a subquery: the ``GROUP BY`` reads only the (partial) index of
    the field, and PostgreSQL, which cannot guess how few groups survive ``HAVING``, would
    otherwise hash-join whole tables around it."""
    return list(
        rows.values(field).annotate(n=Count("*")).filter(n__gt=1).values_list(field, flat=True)
    )


def _in_batches(keys: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(keys), KEYS_PER_QUERY):
        yield keys[start : start + KEYS_PER_QUERY]


def _shared_tax_ids() -> Iterator[list[int]]:
    """Ids of the live parties sharing a tax id: one list per tax id held by 2..limit (merged
    parties are counted by the index scan and left out after)."""
    with_tax = Party.objects.exclude(tax_id="").order_by()
    for batch in _in_batches(_shared_keys(with_tax, "tax_id")):
        rows = (
            with_tax.filter(tax_id__in=batch, merged_into__isnull=True)
            .order_by("tax_id", "pk")
            .values_list("tax_id", "pk")
        )
        for _tax, group in groupby(rows, key=itemgetter(0)):
            ids = [pid for _t, pid in group]
            if 1 < len(ids) <= EXACT_GROUP_LIMIT:
                yield ids


def _shared_contact_keys() -> Iterator[list[tuple[int, str]]]:
    """``(party id, kind)`` of the live parties sharing a loose contact key: one list per key
    held by 2..limit parties.

    Most keys held twice are held by one party (a phone that is also its WhatsApp): the
    groups are formed first and only the parties of real groups are checked for liveness."""
    points = ContactPoint.objects.exclude(match_key="").order_by()
    for batch in _in_batches(_shared_keys(points, "match_key")):
        rows = (
            points.filter(match_key__in=batch)
            .order_by("match_key", "party_id", "id")
            .values_list("match_key", "party_id", "kind")
        )
        groups = []
        for _key, group in groupby(rows, key=itemgetter(0)):
            members = [(pid, kind) for _k, pid, kind in group]
            if 1 < len({pid for pid, _kind in members}) <= EXACT_GROUP_LIMIT:
                groups.append(members)
        live = _live(pid for members in groups for pid, _kind in members)
        for members in groups:
            members = [(pid, kind) for pid, kind in members if pid in live]
            if len({pid for pid, _kind in members}) > 1:
                yield members


def _colleagues() -> Iterator[list[Named]]:
    """The live people of each organisation (each once), split by ``name_block`` when the
    organisation has more than ``NAME_BLOCK_LIMIT`` of them."""
    rows = (
        Affiliation.objects.filter(person__merged_into__isnull=True)
        .order_by("organization_id", "person_id")
        .values_list("organization_id", "person_id", "person__name")
        .distinct()
    )
    for _org, group in groupby(rows.iterator(chunk_size=5000), key=itemgetter(0)):
        people = [(pid, _fold_name(name)) for _o, pid, name in group]
        if len(people) <= NAME_BLOCK_LIMIT:
            yield [(pid, sorted_tokens(folded), None) for pid, folded in people]
            continue
        blocks: dict[tuple[str, str, str], list[Named]] = defaultdict(list)
        for pid, folded in people:
            blocks[name_block("person", folded)].append((pid, sorted_tokens(folded), None))
        yield from (block for block in blocks.values() if len(block) <= NAME_BLOCK_LIMIT)


def _name_blocks() -> Iterator[list[Named]]:
    """All live parties by ``name_block``, blocks of two or more. A block larger than
    ``NAME_ALONE_LIMIT`` is split by birth date (those without one are left out)."""
    blocks: dict[tuple[str, str, str], list[Named]] = defaultdict(list)
    rows = (
        Party.objects.filter(merged_into__isnull=True)
        .order_by()
        .values_list("pk", "kind", "name", "birth_date")
    )
    fold_word = _fold_word
    for pid, kind, name, birth in rows.iterator(chunk_size=10000):
        # name_block and sorted_tokens inlined: this loop runs once per party
        words = [fold_word(word) for word in name.split()]
        if words:
            blocks[kind, words[0], words[-1][:3]].append((pid, " ".join(sorted(words)), birth))
    for block in blocks.values():
        if len(block) < 2:
            continue
        if len(block) <= NAME_ALONE_LIMIT:
            yield block
            continue
        born: dict[datetime.date, list[Named]] = defaultdict(list)
        for member in block:
            if member[2]:
                born[member[2]].append(member)
        yield from (same for same in born.values() if 1 < len(same) <= NAME_BLOCK_LIMIT)


def _similar(block: list[Named]) -> Iterator[tuple[Named, Named, float]]:
    """Pairs in ``block`` whose names are at least ``SAME_ORG_NAME_THRESHOLD`` alike, with
    their similarity (rapidfuzz compares one name with the rest of the block in C)."""
    names = [member[1] for member in block]
    for i, member in enumerate(block[:-1]):
        for _name, similarity, j in process.extract(
            names[i],
            names[i + 1 :],
            scorer=fuzz.ratio,
            processor=None,
            score_cutoff=SAME_ORG_NAME_THRESHOLD,
            limit=None,
        ):
            yield member, block[i + 1 + j], similarity


@lru_cache(maxsize=200_000)
def _fold_word(word: str) -> str:
    return fold(word)


def _fold_name(name: str) -> str:
    """``fold(name)``, a word at a time through a cache: a million names share some tens of
    thousands of words, and folding is the costliest step of reading them."""
    return " ".join(_fold_word(word) for word in name.split())
