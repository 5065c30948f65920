"""The party search seam (fregues/parties/search.py) on whichever database the suite runs on.

On SQLite the index is an FTS5 trigram table kept by triggers: the tests marked ``sqlite``
check that it follows every way rows change (services, raw SQL, merges, deletes, a flush).
"""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.core.management.color import no_style
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fregues.parties import search
from fregues.parties.models import Party
from fregues.parties.selectors import (
    contact_point_find,
    party_list,
    party_search,
    search_filter,
)
from fregues.parties.services import (
    contact_point_add,
    party_create,
    party_delete,
    party_merge,
    party_update,
)
from fregues.parties.tests.factories import PartyFactory

pytestmark = pytest.mark.django_db

sqlite_only = pytest.mark.skipif(
    "connection.vendor != 'sqlite' or not search.fts5_trigram_available()",
    reason="the FTS5 index exists on SQLite only",
)


def person(name: str, *points: tuple[str, str], **data: Any) -> Party:
    return party_create(
        actor=None,
        data={"kind": "person", "name": name, **data},
        contact_points=[{"kind": kind, "value": value} for kind, value in points],
    )


def found(q: str, **filters: Any) -> list[str]:
    return [p.name for p in party_list(actor=None, q=q, **filters)]


def indexed(term: str) -> set[int]:
    """The rows the FTS5 index itself holds for ``term`` (not rechecked against the table)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid FROM {search.FTS_TABLE} WHERE {search.FTS_TABLE} MATCH %s",
            [search._quote(term)],
        )
        return {row[0] for row in cursor.fetchall()}


def assert_index_consistent() -> None:
    """FTS5 compares its index with the content table (rank 1) and raises when they differ."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {search.FTS_TABLE}({search.FTS_TABLE}, rank) VALUES ('integrity-check', 1)"
        )


# --- what a search finds ---


@pytest.mark.parametrize("q", ["conceição", "CONCEICAO", "Conceicao", "ceiç", "da conc"])
def test_accents_and_case_do_not_matter(q: str) -> None:
    person("Maria da Conceição")
    person("Mário Conde")
    assert found(q) == ["Maria da Conceição"]


@pytest.mark.parametrize("q", ["a", "jo", "Ô", "o l", "jo lima"])
def test_terms_too_short_for_the_index_still_find(q: str) -> None:
    person("João Lima")
    person("Bete Ruiz")
    assert "João Lima" in found(q)
    assert "Bete Ruiz" not in found(q)


@pytest.mark.parametrize(
    "q",
    [
        "(11) 98765-4321",
        "+55 11 98765-4321",
        "11987654321",
        "011 98765 4321",
        "0055 11 98765-4321",
        "(11) 8765-4321",
        "98765-4321",
        "4321",
    ],
)
def test_a_phone_in_any_form(q: str) -> None:
    person("Rita Prado", ("phone", "(11) 98765-4321"))
    person("Caio Prado", ("phone", "(21) 91234-5678"))
    assert found(q) == ["Rita Prado"]


def test_emails_tax_ids_and_every_term() -> None:
    person("Rita Prado", ("email", "Rita.Prado@Exemplo.com.br"), tax_id="123.456.789-09")
    person("Rita Souza", ("email", "rita@outra.com"))
    assert found("rita.prado@exemplo") == ["Rita Prado"]
    assert found("123.456.789-09") == found("12345678909") == ["Rita Prado"]
    assert found("rita prado") == found("prado rita") == ["Rita Prado"]
    assert found("rita zzz") == []


@pytest.mark.parametrize("q", ['"ana', "ana*", "(ana)", "ana OR bia", "ana:b", "NOT ana", "a-b"])
def test_characters_special_to_the_index_are_plain_text(q: str) -> None:
    person("Ana Bia")
    assert found(q) == []


def test_filters_apply_to_the_matches() -> None:
    person("Ana Lima")
    party_create(actor=None, data={"kind": "organization", "name": "Lima & Filhos"})
    assert found("lima", kind="organization") == ["Lima & Filhos"]
    assert found("lima", kind="person") == ["Ana Lima"]


def test_a_broad_search_lists_a_bounded_set_by_name(monkeypatch: Any) -> None:
    """More matches than the seam considers: a bounded set of them, still by name; a narrower
    search within them is exact."""
    monkeypatch.setattr(search, "CANDIDATE_LIMIT", 3)
    for name in ("Eva Silva", "Bia Silva", "Ana Silva", "Dora Silva", "Caio Silva Neto"):
        person(name)
    broad = found("silva")
    assert len(broad) == 3
    assert broad == sorted(broad)
    assert found("silva neto") == ["Caio Silva Neto"]


def test_search_as_you_type_puts_names_starting_with_the_query_first() -> None:
    for name in ("Ana Beatriz Lima", "Beatriz Souza", "Maria Beatriz", "Beatriz Alves"):
        person(name)
    names = [p.name for p in party_search(actor=None, q="BEATRIZ", limit=3)]
    assert names == ["Beatriz Alves", "Beatriz Souza", "Ana Beatriz Lima"]
    assert [p.name for p in party_search(actor=None, q="be", limit=2)] == [
        "Beatriz Alves",
        "Beatriz Souza",
    ]
    assert party_search(actor=None, q=" ", limit=3) == []


def test_merged_and_deleted_parties_are_not_found() -> None:
    survivor = person("Olga Bastos", ("email", "olga@exemplo.com"))
    merged = person("Olga B.", ("email", "olga.b@exemplo.com"))
    gone = person("Olga Bastos Neta")
    party_merge(actor=None, survivor_id=survivor.pk, merged_id=merged.pk)
    party_delete(actor=None, party_id=gone.pk)
    assert [p.pk for p in party_list(actor=None, q="olga")] == [survivor.pk]
    assert [p.pk for p in party_list(actor=None, q="olga.b@")] == [survivor.pk]
    other = person("Outra Pessoa")
    Party.objects.filter(pk=survivor.pk).update(merged_into=other)  # a tombstone with its text
    assert found("olga") == []


def test_no_search_is_no_condition() -> None:
    assert search_filter("") is None
    assert search_filter("   ") is None


# --- the exact lookup ---


def test_the_exact_lookup_is_served_by_the_unique_index() -> None:
    """Screen-pop by phone or e-mail reads one index entry, never the whole table (the index
    is partial: SQLite uses it only when the query repeats "not an address")."""
    party = person("Rita Prado", ("phone", "(11) 98765-4321"))
    with CaptureQueriesContext(connection) as captured:
        point = contact_point_find(kind="phone", network="", normalized="+5511987654321")
    assert point is not None and point.party == party
    sql = captured[0]["sql"]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: ask if it can
        explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
        cursor.execute(explain + sql)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "contact_point_identifies_one_party" in plan, plan


# --- query counts ---


def test_a_search_is_one_query_however_many_match(api: Any) -> None:
    for i in range(30):
        PartyFactory(name=f"Pessoa {i} Silva")
    PartyFactory(name="Única Teixeira")
    api.get("/me")  # the token is read once, then remembered for a few seconds
    counts = {}
    for q in ("silva", "unica", "si", "zzzz"):
        with CaptureQueriesContext(connection) as captured:
            response = api.get("/parties", {"q": q})
        assert response.status_code == 200
        counts[q] = len(captured)
    # the page of parties (the search is a subquery), their primary contact points;
    # no match: no contact points to fetch
    assert counts == {"silva": 2, "unica": 2, "si": 2, "zzzz": 1}


def test_search_as_you_type_is_two_queries(django_assert_num_queries: Any) -> None:
    for i in range(12):
        person(f"Pessoa {i} Rocha", ("email", f"p{i}@exemplo.com"))
    with django_assert_num_queries(2):  # the parties with their owner; primary contact points
        results = party_search(actor=None, q="rocha", limit=8)
    assert len(results) == 8
    assert all(p.primary_points for p in results)


# --- the SQLite FTS5 index follows every change ---


@sqlite_only
def test_the_index_is_used_and_kept_by_triggers() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        triggers = {row[0] for row in cursor.fetchall()}
    assert {"parties_party_fts_insert", "parties_party_fts_update", "parties_party_fts_delete"} <= (
        triggers
    ), "a migration rebuilt parties_party: create the FTS triggers again (see migration 0004)"
    person("Gertrudes Amaral")
    with CaptureQueriesContext(connection) as captured:
        assert found("gertrudes") == ["Gertrudes Amaral"]
    assert f"{search.FTS_TABLE} MATCH" in captured[0]["sql"]


@sqlite_only
def test_the_index_follows_inserts_updates_and_deletes() -> None:
    party = person("Teodoro Quintela", ("email", "teo@exemplo.com"))
    assert indexed("quintela") == {party.pk}
    party_update(actor=None, party_id=party.pk, data={"name": "Teodoro Sarmento"})
    contact_point_add(actor=None, party_id=party.pk, data={"kind": "email", "value": "t@sar.pt"})
    assert indexed("quintela") == set()
    assert indexed("sarmento") == indexed("t@sar.pt") == {party.pk}
    party_delete(actor=None, party_id=party.pk)
    assert indexed("sarmento") == set()
    assert_index_consistent()


@sqlite_only
def test_the_index_follows_merges() -> None:
    survivor = person("Heitor Vasconcelos", ("email", "heitor@exemplo.com"))
    merged = person("Heitor V.", ("email", "hv@exemplo.com"))
    party_merge(actor=None, survivor_id=survivor.pk, merged_id=merged.pk)
    assert indexed("heitor v.") == set()
    assert indexed("hv@exemplo") == {survivor.pk}
    assert_index_consistent()


@sqlite_only
def test_the_index_follows_raw_bulk_inserts() -> None:
    """A bulk importer writes rows with executemany, past the ORM: the triggers still fire."""
    template = PartyFactory()
    fields = [f for f in Party._meta.concrete_fields if f.column not in ("id", "name")]
    fields = [f for f in fields if f.column != "search_text"]
    common = [f.get_db_prep_save(getattr(template, f.attname), connection) for f in fields]
    rows = [[*common, f"Importado {i}", f"importado {i} bulk{i:03d}"] for i in range(50)]
    columns = ", ".join([*(f.column for f in fields), "name", "search_text"])
    placeholders = ", ".join(["%s"] * (len(fields) + 2))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO parties_party ({columns}) VALUES ({placeholders})", rows)
    assert len(indexed("importado")) == 50
    assert found("bulk007") == ["Importado 7"]
    assert_index_consistent()


@sqlite_only
def test_the_index_survives_a_flush() -> None:
    """Tests that commit are cleaned by ``flush``, which deletes every row of every table
    (``DELETE FROM``): the delete trigger empties the index with them. The same statements
    run here inside the test's transaction (a committing test would upset the
    ``serialized_rollback`` tests that follow it on SQLite)."""
    person("Zulmira Flush")
    tables = connection.introspection.django_table_names(only_existing=True)
    connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), tables))
    assert not Party.objects.exists()
    assert indexed("zulmira") == set()
    assert_index_consistent()
    person("Zulmira Flush")
    assert found("zulmira") == ["Zulmira Flush"]


class _Editor:
    """What the migration's functions use of a schema editor, without its transaction rules."""

    def __init__(self) -> None:
        self.connection = connection

    def execute(self, sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)


@sqlite_only
def test_the_migration_is_reversible_and_indexes_existing_rows() -> None:
    migration = importlib.import_module("fregues.parties.migrations.0004_sqlite_fts5_search")
    party = person("Anacleto Rebuild")
    migration.drop_search_index(None, _Editor())
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name LIKE 'parties_party_fts%'")
        assert cursor.fetchone()[0] == 0
    migration.create_search_index(None, _Editor())
    assert indexed("anacleto") == {party.pk}
    assert_index_consistent()
