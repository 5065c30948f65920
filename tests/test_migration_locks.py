"""Migrations that would lock a big table during an upgrade are caught before they ship.

On PostgreSQL (11 and later) adding a column with a constant default only touches the catalog,
but a volatile database default, a column type change or a plain ``CREATE INDEX`` on a table
that already holds rows take a lock that blocks writes (or reads) for as long as the table is
rewritten or scanned: minutes on the interaction table of a large customer. This test reads
every operation of every migration of ours, with the state of the models before it, and fails
on those, unless the migration is on the allow-list below: the ones written before the first
release, when no installation held enough rows for it to matter. A new index on an existing
table uses ``AddIndexConcurrently`` (django.contrib.postgres.operations) in a non-atomic
migration instead. Every operation must also be reversible, so the upgrade rehearsal
(tests/test_upgrades.py) can go back.
"""

from __future__ import annotations

import functools
from typing import Any

from django.apps import apps
from django.db.migrations import operations as ops
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ProjectState
from django.db.models import Expression, Value

OUR_APPS = {c.label for c in apps.get_app_configs() if c.name.startswith("fregues.")}

# Built before the first release: (app, migration, operation description) -> why it is allowed.
ALLOWED = {
    ("interactions", "0002_interaction_updated_at_index", "index on interaction"),
    ("portal", "0002_portal_login_purpose_and_reference", "index on portallogin"),
    ("sales", "0003_order_party_index_covers_amounts", "index on order"),
    ("sales", "0005_order_updated_at_index", "index on order"),
    ("service", "0007_case_updated_at_and_event_time_indexes", "index on case"),
    ("service", "0007_case_updated_at_and_event_time_indexes", "index on caseevent"),
    ("marketing", "0002_segments_snapshot_members", "column change segmentsnapshotmember.party"),
    (
        "marketing",
        "0002_segments_snapshot_members",
        "column change segmentsnapshotmember.snapshot",
    ),
}

# Field options that live only in Python: changing them does not touch the table.
PYTHON_ONLY = {
    "choices",
    "help_text",
    "verbose_name",
    "validators",
    "blank",
    "editable",
    "error_messages",
    "related_name",
    "related_query_name",
    "limit_choices_to",
    "on_delete",
    "default",
}


def _db_options(field: Any) -> dict[str, Any]:
    _name, _path, args, kwargs = field.deconstruct()
    return {k: v for k, v in kwargs.items() if k not in PYTHON_ONLY} | {"args": args}


def _volatile(db_default: Any) -> bool:
    return isinstance(db_default, Expression) and not isinstance(db_default, Value)


def _risks(operation: Any, state: ProjectState, app: str, new_models: set[str]) -> list[str]:
    """What in one operation rewrites or scans a table that existed before its migration."""
    model = getattr(operation, "model_name", None)
    if model is None or model.lower() in new_models:
        return []
    model = model.lower()
    # AddIndexConcurrently is a subclass of AddIndex that builds without the lock.
    if isinstance(operation, ops.AddIndex | ops.AddConstraint) and (
        type(operation).__name__ != "AddIndexConcurrently"
    ):
        return [f"index on {model}"]
    if isinstance(operation, ops.AddField):
        field = operation.field
        risks = []
        if _volatile(getattr(field, "db_default", None)):
            risks.append(f"volatile default {model}.{operation.name}")
        if (field.is_relation and field.db_constraint) or field.unique or field.db_index:
            risks.append(f"index on {model}")
        return risks
    if isinstance(operation, ops.AlterField):
        old = state.models[app, model].fields[operation.name]
        if _db_options(old) != _db_options(operation.field) or type(old) is not type(
            operation.field
        ):
            return [f"column change {model}.{operation.name}"]
    return []


@functools.cache
def _walk() -> tuple[list[tuple[str, str, str]], list[str]]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    state = ProjectState(real_apps=loader.unmigrated_apps)
    risky, irreversible = [], []
    plan: list[tuple[str, str]] = []
    for leaf in loader.graph.leaf_nodes():
        plan += [k for k in loader.graph.forwards_plan(leaf) if k not in plan]
    for app, name in plan:
        migration = loader.graph.nodes[app, name]
        if app in OUR_APPS:
            new_models: set[str] = set()
            for operation in migration.operations:
                if not operation.reversible:
                    irreversible.append(f"{app}.{name}: {operation.describe()}")
                for risk in _risks(operation, state, app, new_models):
                    risky.append((app, name, risk))
                if isinstance(operation, ops.CreateModel):
                    new_models.add(operation.name_lower)
                operation.state_forwards(app, state)
        else:
            state = migration.mutate_state(state, preserve=False)
    return risky, irreversible


def test_no_migration_locks_a_big_table_beyond_the_allowed_ones() -> None:
    risky, _irreversible = _walk()
    assert sorted(set(risky) - ALLOWED) == []
    # The allow-list only shrinks: an entry no migration needs any more goes.
    assert sorted(ALLOWED - set(risky)) == []


def test_every_migration_operation_can_be_reversed() -> None:
    _risky, irreversible = _walk()
    assert irreversible == []
