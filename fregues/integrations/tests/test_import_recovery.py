"""An import whose worker stopped mid-way is taken over after its heartbeat goes stale and
resumes after its last committed batch: every row imported once, every rejected row reported
once. A worker that wakes up after the take-over writes nothing; after too many take-overs
the job is reported failed with the rows it imported left as they are.

The stop is what ``kill -9`` leaves (the job "running", its last batch committed, nothing
after): a progress callback raising an exception the engine does not catch. The real
``kill -9`` of a worker process is ``test_import_kill``.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from fregues.integrations import services
from fregues.integrations.models import ImportJob
from fregues.integrations.recovery import import_jobs_recover
from fregues.integrations.runs import partial_dir
from fregues.integrations.services import import_job_create, import_job_run
from fregues.parties.models import ContactPoint, Party

pytestmark = pytest.mark.django_db
ROWS = 30  # in batches of 5; every 7th row has an e-mail that is not one
BAD = [n for n in range(ROWS) if n % 7 == 3]


class Killed(BaseException):
    """What the worker's death looks like from inside: nothing after it runs."""


@pytest.fixture(autouse=True)
def _small_batches(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(services, "BATCH_SIZE", 5)
    with translation.override("en"):
        yield


def a_job(admin: Any, tmp_path: Path) -> ImportJob:
    lines = ["name,email"] + [
        f"Cliente {n},{'nao-e-email' if n in BAD else f'c{n}@exemplo.com.br'}" for n in range(ROWS)
    ]
    path = tmp_path / "clientes.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return import_job_create(actor=admin, kind="parties", file=path, on_match="create")


def killed_after(batches: int) -> Any:
    def progress(job: ImportJob) -> None:
        if job.checkpoint.get("batches") == batches:
            raise Killed

    return progress


def run_until_killed(admin: Any, job: ImportJob, batches: int) -> ImportJob:
    with pytest.raises(Killed):
        import_job_run(actor=admin, job_id=job.pk, progress=killed_after(batches))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.RUNNING
    return job


def rejected_lines(job: ImportJob) -> list[int]:
    with job.error_file.open("rb") as handle:
        rows = list(csv.reader(handle.read().decode("utf-8-sig").splitlines()))
    assert rows[0][:3] == ["line", "reason", "name"]
    return [int(row[0]) for row in rows[1:]]


def test_a_stopped_import_is_taken_over_and_resumes_after_its_last_batch(
    admin: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    job = run_until_killed(admin, a_job(admin, tmp_path), batches=3)
    assert job.rows_done == 15 and Party.objects.count() == 15 - 2
    assert import_jobs_recover(stale_minutes=60) == []  # its heartbeat is fresh: not stale yet

    with django_capture_on_commit_callbacks(execute=True):  # the queued task runs at once
        assert import_jobs_recover(stale_minutes=0) == [job.pk]

    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.message
    good = ROWS - len(BAD)
    assert (job.rows_done, job.created, job.rejected, job.updated) == (ROWS, good, len(BAD), 0)
    emails = ContactPoint.objects.filter(kind="email").values_list("normalized", flat=True)
    assert Counter(emails) == Counter(f"c{n}@exemplo.com.br" for n in range(ROWS) if n not in BAD)
    assert Party.objects.count() == good  # nothing done twice
    assert rejected_lines(job) == [n + 2 for n in BAD]  # each once, in file order
    assert not list(partial_dir().glob("*"))


def test_a_worker_that_wakes_up_after_the_take_over_writes_nothing(
    admin: Any, tmp_path: Path
) -> None:
    job = a_job(admin, tmp_path)

    def taken_over_after_first_batch(seen: ImportJob) -> None:
        if seen.checkpoint.get("batches") == 1:  # meanwhile the sweep thought it dead
            assert import_jobs_recover(stale_minutes=0) == [job.pk]

    stale = import_job_run(actor=admin, job_id=job.pk, progress=taken_over_after_first_batch)
    assert stale.status == ImportJob.Status.PENDING  # queued for the new worker
    assert stale.checkpoint["batches"] == 1 and stale.rows_done == 5
    assert Party.objects.count() == 5 - 1  # its second batch was rolled back

    resumed = import_job_run(actor=admin, job_id=job.pk)
    assert resumed.status == ImportJob.Status.DONE
    assert (resumed.created, resumed.rejected) == (ROWS - len(BAD), len(BAD))
    assert Party.objects.count() == ROWS - len(BAD)
    assert rejected_lines(resumed) == [n + 2 for n in BAD]


def test_after_too_many_take_overs_the_import_is_reported_failed_with_its_rows_kept(
    admin: Any, tmp_path: Path, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.IMPORT_MAX_ATTEMPTS = 1
    job = run_until_killed(admin, a_job(admin, tmp_path), batches=2)

    with django_capture_on_commit_callbacks(execute=True):
        assert import_jobs_recover(stale_minutes=0) == [job.pk]

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "The 10 rows before the stop are imported" in job.message
    assert Party.objects.count() == 10 - 1  # the two batches stay, nothing else written
    assert rejected_lines(job) == [5]  # the rejected row of those two batches
    assert import_job_run(actor=admin, job_id=job.pk).status == ImportJob.Status.FAILED
    assert not list(partial_dir().glob("*"))
