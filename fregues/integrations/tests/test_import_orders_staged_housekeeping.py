"""The staged orders import's housekeeping on PostgreSQL: a killed run's staging tables are
swept (only old ones, never a running job's), the job moves while the file is staged, and a
chunk's statements read only its own partition of the staged rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import translation

from bench.orders import catalog_rows, generate_orders
from fregues.integrations.models import ImportJob
from fregues.integrations.services import import_job_create, import_job_run
from fregues.integrations.staged import stale_stages_sweep
from fregues.parties.tests.factories import ExternalIdFactory, PartyFactory
from fregues.sales.models import Product
from fregues.sales.services import order_staging
from fregues.sales.services.order_staging import (
    Stage,
    order_stage_copy,
    order_stage_open,
    order_stage_sweep,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="staged on PostgreSQL only"),
]


def _staging_tables() -> set[str]:
    with connection.cursor() as cursor:  # partitions too
        cursor.execute("SELECT relname FROM pg_class WHERE relname LIKE 'sales\\_orderstage\\_%%'")
        return {row[0] for row in cursor.fetchall() if not row[0].endswith("_idx")}


def _stage(admin: Any, tag: str, hours_ago: float = 0) -> Stage:
    stage = order_stage_open(actor=admin, tag=tag, width=2, fields={"order_id": 0}, chunk=1)
    order_stage_copy(stage, [(0, 2, "A", 2, "A", "x"), (1, 3, "B", 2, "B", "y")])
    if hours_ago:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT (now() - interval '{hours_ago} hours')::text")
            began = cursor.fetchone()[0]
            cursor.execute(
                f"COMMENT ON TABLE {stage.table('rows')} IS %s",
                [order_staging._STARTED + began.replace(" ", "T")],
            )
    return stage


def test_killed_runs_tables_are_swept_but_not_recent_or_running_ones(admin: Any) -> None:
    _stage(admin, "9901", hours_ago=30)  # a run killed yesterday
    _stage(admin, "9902")  # a run that began just now
    _stage(admin, "9903", hours_ago=30)  # an old run still going (its job is running)
    with connection.cursor() as cursor:  # a table some older version left, with no start time
        cursor.execute("CREATE UNLOGGED TABLE sales_orderstage_9904_lin0 (b int)")
    dropped = order_stage_sweep(keep=["9903"])
    assert dropped == ["sales_orderstage_9901_rows", "sales_orderstage_9904_lin0"]
    left = _staging_tables()
    assert not [t for t in left if t.startswith(("sales_orderstage_9901", "sales_orderstage_9904"))]
    assert "sales_orderstage_9902_rows" in left and "sales_orderstage_9903_rows" in left
    assert "sales_orderstage_9902_rows_p1" in left  # the chunks' partitions stay with it
    assert order_stage_sweep(keep=["9903"]) == []


def test_the_sweep_at_an_import_start_keeps_running_jobs(admin: Any, tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    path.write_text("order_id;sku\n", encoding="utf-8")
    job = import_job_create(actor=admin, kind="orders", file=path, source="erp")
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING)
    _stage(admin, str(job.pk), hours_ago=30)
    _stage(admin, "9911", hours_ago=30)
    assert stale_stages_sweep() == ["sales_orderstage_9911_rows"]
    assert f"sales_orderstage_{job.pk}_rows" in _staging_tables()


def test_the_job_moves_while_the_file_is_staged(
    admin: Any, tmp_path: Path, settings: Any, monkeypatch: Any
) -> None:
    settings.ORDER_IMPORT_STAGED = True
    monkeypatch.setattr("fregues.integrations.services.BATCH_SIZE", 200)
    monkeypatch.setattr(order_staging, "CHUNK_BATCHES", 2)
    for n in range(1, 21):
        ExternalIdFactory(party=PartyFactory(), source="erp", code=f"C{n}")
    for sku, name, _price, _cost, _tax in catalog_rows(30, 3):
        Product.objects.create(sku=sku, name=name)
    source = tmp_path / "orders.csv"
    generate_orders(source, [f"C{n}" for n in range(1, 21)], 2000, seed=5, products=30)
    job = import_job_create(actor=admin, kind="orders", file=source, source="erp")
    seen: list[tuple[str, int, int]] = []

    def progress(current: ImportJob) -> None:
        stored = ImportJob.objects.get(pk=current.pk)  # what the job's screen shows
        seen.append(
            (
                stored.options.get("phase", ""),
                stored.options.get("rows_staged", 0),
                stored.rows_done,
            )
        )

    with translation.override("en"):
        job = import_job_run(actor=admin, job_id=job.pk, progress=progress)
    assert job.status == ImportJob.Status.DONE
    staging = [(staged, done) for phase, staged, done in seen if phase == "staging"]
    # one step per chunk of 2 batches of 200 lines, counting up while nothing is written yet
    assert len(staging) >= 4
    assert [s for s, _d in staging] == sorted({s for s, _d in staging})
    assert staging[-1][0] >= 1900 and all(done == 0 for _s, done in staging)
    assert seen[-1][2] >= 1900  # then the rows written move as before
    assert not _staging_tables()


def test_a_chunk_reads_only_its_own_partition(admin: Any) -> None:
    stage = order_stage_open(actor=admin, tag="9921", width=2, fields={"order_id": 0}, chunk=2)
    order_stage_copy(stage, [(b, b + 2, f"O{b}", 2, f"O{b}", "x") for b in range(10)])
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                f"EXPLAIN SELECT * FROM {stage.table('rows')} s WHERE s.b >= 4 AND s.b < 6"
            )
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "sales_orderstage_9921_rows_p2" in plan
        assert not [p for p in ("_p0", "_p1", "_p3", "_p4") if f"9921_rows{p}" in plan]
    finally:
        order_staging.order_stage_drop(stage)
