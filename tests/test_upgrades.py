"""Upgrade rehearsal: a database holding demo data goes back to every app's first migration and
forward to the latest again, and nothing is lost on the way (issue 14, item 7).

The test database pytest-django builds is itself the forward path from an empty database to the
latest migration (every run proves it). On it this test loads a small demo data set (a few rows
in every table), then:

1. takes a snapshot: the schema by introspection (columns, their types and nullability,
   constraints and indexes) and the row count of every table;
2. unapplies every migration of ours that no app's first migration needs (the furthest back
   the apps can go together, since a later app's first migration depends on earlier apps'
   later ones); every row of every table that still exists must still be there;
3. applies them again: the schema must be the snapshot's, every table the row count it had
   (the seeding migrations do not seed twice); on PostgreSQL no table that existed in the
   old state may have been rewritten (its ``pg_class.relfilenode`` is unchanged), since a
   rewrite locks a big table for minutes during an upgrade.

Going back to zero needs no rehearsal of its own: the first migrations only create models
(tests/test_migration_locks.py checks that every operation is reversible), and the forward
path from zero is the test database itself. A full ``fregues demo`` data set takes minutes to
load; the small one keeps this test within the CI budget.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

OUR_APPS = {c.label for c in apps.get_app_configs() if c.name.startswith("fregues.")}
# Bookkeeping that changes with every migration run, not data.
NOT_COMPARED = {"django_migrations"}

Key = tuple[str, str]


def schema() -> dict[str, Any]:
    """Every table: its columns (name, type, nullable) and its constraints and indexes."""
    result: dict[str, Any] = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            columns = sorted(
                (col.name, str(col.type_code), bool(col.null_ok))
                for col in connection.introspection.get_table_description(cursor, table)
            )
            constraints = {
                name: (
                    tuple(info["columns"] or ()),
                    info["primary_key"],
                    info["unique"],
                    info["index"],
                    info["check"],
                    tuple(info["foreign_key"] or ()),
                )
                for name, info in connection.introspection.get_constraints(cursor, table).items()
                # SQLite names unnamed constraints after their position: not comparable.
                if not name.startswith("__unnamed_constraint_")
            }
            result[table] = {"columns": columns, "constraints": constraints}
    return result


def row_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if table in NOT_COMPARED:
                continue
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def relfilenodes() -> dict[str, int]:
    """PostgreSQL: the file of every table; it changes when a statement rewrites the table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, relfilenode FROM pg_class "
            "WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
        )
        return dict(cursor.fetchall())


def oldest_state() -> set[Key]:
    """Our migrations that stay applied when every app goes back as far as it can: the first
    migration of each app and everything it depends on."""
    graph = MigrationExecutor(connection).loader.graph
    keep: set[Key] = set()
    for app in OUR_APPS:
        first = min(name for label, name in graph.nodes if label == app)
        keep |= set(graph.forwards_plan((app, first)))
    return keep


def migrate_back_to_oldest() -> list[Key]:
    """Unapply (newest first) every migration of ours outside the oldest state; returns them."""
    executor = MigrationExecutor(connection)
    keep = oldest_state()
    full_plan = executor.migration_plan(executor.loader.graph.leaf_nodes(), clean_start=True)
    backwards = [
        (migration, True)
        for migration, _ in reversed(full_plan)
        if migration.app_label in OUR_APPS and (migration.app_label, migration.name) not in keep
    ]
    executor.migrate([], plan=backwards)
    return [(m.app_label, m.name) for m, _ in backwards]


def migrate_forward() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def load_small_demo() -> None:
    from fregues.demo import load_demo

    load_demo(organisation_count=4, people_count=16, interaction_count=60)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_demo_data_survives_going_back_to_the_first_migrations_and_forward_again() -> None:
    load_small_demo()
    before_schema, before_counts = schema(), row_counts()
    assert sum(before_counts.values()) > 500
    for table in ("parties_party", "service_case", "sales_order", "marketing_campaign"):
        assert before_counts[table] > 0, table

    try:
        unapplied = migrate_back_to_oldest()
        assert len(unapplied) >= 20, "the rehearsal should go back through many migrations"
        old_counts = row_counts()
        lost = {
            t: (before_counts.get(t), n) for t, n in old_counts.items() if before_counts.get(t) != n
        }
        assert lost == {}, "going back lost rows (table: rows before, rows after)"
        assert set(old_counts) < set(before_counts)
        files_before = relfilenodes() if connection.vendor == "postgresql" else {}
    finally:
        migrate_forward()

    assert schema() == before_schema
    after_counts = row_counts()
    assert {t: after_counts.get(t) for t in old_counts} == old_counts
    if connection.vendor == "postgresql":
        after = relfilenodes()
        rewritten = sorted(t for t, node in files_before.items() if after.get(t) != node)
        assert rewritten == [], "forward migrations rewrote these tables (a long lock)"
