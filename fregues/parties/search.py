"""Party search: the one place that knows how each database engine finds parties by text.

Every party carries ``search_text``, a folded document (names, e-mails, phone digits, tax id,
external codes) built by ``services.common.search_document``. A search is a list of folded
terms that must all occur in it as substrings (a phone number also matches its E.164 digits).
The engines index that text differently:

* PostgreSQL: a pg_trgm GIN index (migration 0002) serves ``LIKE '%term%'``.
* SQLite: an FTS5 table with the trigram tokenizer (migration 0004), kept in step by
  triggers, serves ``MATCH`` for terms of three characters or more.

Neither index serves a term of one or two characters: such a term is checked on the rows the
longer terms found, and a search made only of short terms reads the table until it has enough
(common two-letter strings are found at once; a rare one reads the whole table).

Lists show matches by name, and sorting every match by name is what made the old search slow:
a common surname matches a tenth of all parties, and walking the name index hoping to meet
matches is no better (measured: 20–90 ms for "silva", seconds for "joao.silva" on 1 M
parties). So a search takes at most ``CANDIDATE_LIMIT`` matches, as the index yields them, and
orders only those: a search with fewer matches is exact; a broader one lists a bounded sample
of its matches by name, and typing one more word narrows it.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Case, IntegerField, Q, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import StrIndex
from django.db.models.lookups import GreaterThan

from fregues.core.text import digits, fold

from .normalize import try_phone

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from .models import Party

CANDIDATE_LIMIT = 500
"""Matches a search considers: every match of a narrow search, a sample of a broad one."""

MIN_INDEXED_LENGTH = 3
"""Trigram indexes (pg_trgm, FTS5 trigram) serve terms of at least three characters."""

DIGITS_TAIL = 8
"""Digits of a long number the index is asked for (see ``_index_key``)."""

FTS_TABLE = "parties_party_fts"

_PHONEISH = re.compile(r"^[\d\s().+\-/]+$")


def search_terms(q: str) -> list[str]:
    """Folded terms every match must contain; a phone or tax id in any form → its digits."""
    q = (q or "").strip()
    if not q:
        return []
    if _PHONEISH.match(q) and len(digits(q)) >= 3:
        number = digits(q)
        if len(number) in (10, 11) and number.startswith("0"):  # trunk prefix 0 (11) ...
            number = number[1:]
        return [number]
    terms = []
    for token in fold(q).split(" "):
        if _PHONEISH.match(token) and digits(token):
            token = digits(token)
        if token:
            terms.append(token)
    return terms


@cache
def fts5_trigram_available() -> bool:
    """Whether this SQLite can have the FTS5 trigram table (the same test as migration 0004).

    Asked of the library, not of the database, so that no request pays a query for it."""
    if sqlite3.sqlite_version_info < (3, 34):
        return False
    probe = sqlite3.connect(":memory:")
    try:
        return bool(probe.execute("SELECT sqlite_compileoption_used('ENABLE_FTS5')").fetchone()[0])
    finally:
        probe.close()


@dataclass(frozen=True)
class Search:
    """A parsed query: parties match when they contain every term of one of ``alternatives``.

    Usually there is one alternative (the terms typed); a phone number written with a trunk
    prefix or without the country code also matches its E.164 digits, a second alternative.
    """

    text: str
    alternatives: tuple[tuple[str, ...], ...]

    @classmethod
    def parse(cls, q: str) -> Search | None:
        """The search for ``q``, or None when ``q`` holds nothing to search for."""
        terms = search_terms(q)
        if not terms:
            return None
        alternatives = [tuple(terms)]
        if len(terms) == 1 and terms[0].isdigit():
            phone = try_phone(q)
            if phone and digits(phone) != terms[0]:
                alternatives.append((digits(phone),))
        return cls(text=fold(q), alternatives=tuple(alternatives))

    def condition(self) -> Q:
        """The parties to list: among the first ``CANDIDATE_LIMIT`` matches the index finds
        (a subquery: the list stays one query, and its other filters and its order apply to
        these few rows only)."""
        return Q(pk__in=_candidates(self.alternatives, CANDIDATE_LIMIT))

    def ranked(self, qs: QuerySet[Party], limit: int) -> QuerySet[Party]:
        """The best ``limit`` matches in ``qs`` for search-as-you-type: names starting with the
        query first, then by folded name (``search_text`` starts with it)."""
        starts = Case(
            When(search_text__startswith=self.text, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        return (
            qs.filter(self.condition())
            .alias(starts=starts)
            .order_by("starts", "search_text", "pk")[:limit]
        )


def matching(terms: Sequence[str]) -> Q:
    """Parties whose document holds every one of the folded ``terms``, in the form each index
    serves best when the caller adds conditions of its own and slices (the duplicate finder's
    name block): on SQLite among the first ``CANDIDATE_LIMIT`` the FTS5 index yields, on
    PostgreSQL the ``LIKE`` conditions themselves, which the trigram index serves together
    with the caller's (a ``startswith`` is more selective than any substring)."""
    alternatives = [tuple(term for term in terms if term)]
    if connection.vendor == "sqlite" and fts5_trigram_available() and _indexable(alternatives):
        return Q(pk__in=_fts5_candidates(alternatives, CANDIDATE_LIMIT))
    return _text_condition(alternatives)


def _candidates(alternatives: Sequence[tuple[str, ...]], limit: int) -> Any:
    """A subquery of the ids of at most ``limit`` live parties matching, in the order the index
    yields them, for ``pk__in`` (``RawSQL`` on SQLite, a sliced ``values`` query elsewhere)."""
    if connection.vendor == "sqlite" and fts5_trigram_available() and _indexable(alternatives):
        return _fts5_candidates(alternatives, limit)
    from .models import Party

    # PostgreSQL: the trigram GIN index serves the LIKE (a broad one: a scan that stops early).
    return (
        Party.objects.filter(_text_condition(alternatives), merged_into__isnull=True)
        .order_by()
        .values("pk")[:limit]
    )


def _indexable(alternatives: Sequence[tuple[str, ...]]) -> bool:
    """Whether an index can find the matches: every alternative has a term long enough."""
    return all(any(len(term) >= MIN_INDEXED_LENGTH for term in terms) for terms in alternatives)


def _index_key(term: str) -> str:
    """The part of ``term`` the index is asked for; the whole term is checked on the rows found.

    Phone and document numbers share their first digits (country and area codes: "55 11 9"),
    whose trigrams are in most documents and cost both indexes dearly to intersect; the last
    ``DIGITS_TAIL`` digits alone are about as selective and several times cheaper."""
    if term.isdigit() and len(term) > DIGITS_TAIL:
        return term[-DIGITS_TAIL:]
    return term


def _index_keys(alternatives: Sequence[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Per alternative, the distinct index keys of its terms long enough for a trigram index
    (the alternatives of a phone number share theirs)."""
    keys: list[tuple[str, ...]] = []
    for terms in alternatives:
        these = tuple(dict.fromkeys(_index_key(t) for t in terms if len(t) >= MIN_INDEXED_LENGTH))
        if these not in keys:
            keys.append(these)
    return keys


def _checked(alternatives: Sequence[tuple[str, ...]]) -> bool:
    """Whether the rows the index finds must be checked term by term: some term is too short
    for the index or was asked by its tail only (else the index's answer is exact)."""
    return any(len(t) < MIN_INDEXED_LENGTH or _index_key(t) != t for ts in alternatives for t in ts)


def _text_condition(alternatives: Sequence[tuple[str, ...]]) -> Q:
    """The index part (``LIKE`` on each key, which the trigram index serves) and, when needed,
    the exact part (``strpos``/``instr`` of every term, which PostgreSQL never sends to the GIN
    index: a pattern without a trigram in it would make it read the whole index)."""
    indexed = Q()
    if _indexable(alternatives):  # else one alternative has no key: the index cannot help
        for keys in _index_keys(alternatives):
            every = Q()
            for key in keys:
                every &= Q(search_text__contains=key)
            indexed |= every
    if not _checked(alternatives):
        return indexed
    exact = Q()
    for terms in alternatives:
        every = Q()
        for term in terms:
            every &= Q(GreaterThan(StrIndex("search_text", Value(term)), 0))
        exact |= every
    return indexed & exact


def _fts5_candidates(alternatives: Sequence[tuple[str, ...]], limit: int) -> RawSQL:
    """SQLite: FTS5 ``MATCH`` finds the rows holding the index keys; when needed, ``instr``
    checks every term (short ones included) on those rows only."""
    match = " OR ".join(
        "(" + " AND ".join(_quote(key) for key in keys) + ")" for keys in _index_keys(alternatives)
    )
    if not _checked(alternatives):
        # Merged parties (their document emptied) are left out by the list itself.
        return RawSQL(  # nosec B611: values are parameters
            f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s LIMIT %s", [match, limit]
        )
    checks = " OR ".join(
        "(" + " AND ".join("instr(p.search_text, %s) > 0" for _t in terms) + ")"
        for terms in alternatives
    )
    sql = (
        # CROSS JOIN: SQLite keeps the FTS table as the outer loop (never a walk over parties).
        f"SELECT p.id FROM {FTS_TABLE} CROSS JOIN parties_party p ON p.id = {FTS_TABLE}.rowid "
        f"WHERE {FTS_TABLE} MATCH %s AND p.merged_into_id IS NULL AND ({checks}) LIMIT %s"
    )
    return RawSQL(sql, [match, *(t for terms in alternatives for t in terms), limit])  # nosec B611: values are parameters


def _quote(term: str) -> str:
    """An FTS5 string: with the trigram tokenizer, the substring ``term`` anywhere."""
    return '"' + term.replace('"', '""') + '"'
