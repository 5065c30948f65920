"""The separate process of the crash tests (``crash_support.driver``): queues the work a real ``fregues db_worker`` will be killed in, runs the recovery sweeps, and
dumps what the database holds as one JSON line. Run as
``python -m fregues.core.tests.crash_driver ACTION ...`` with the test's environment.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fregues.settings")


def customers_csv(rows: int, bad_every: int) -> tuple[Path, list[int]]:
    """A customers file with an e-mail that is not one on every ``bad_every``-th row."""
    from django.conf import settings

    bad = [n for n in range(rows) if n % bad_every == bad_every // 2]
    lines = ["name,email"] + [
        f"Cliente {n},{'nao-e-email' if n in bad else f'c{n}@exemplo.com.br'}" for n in range(rows)
    ]
    path = Path(settings.DATA_DIR) / "clientes.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, bad


def import_setup(rows: int, bad_every: int) -> dict[str, Any]:
    """Queue a customers import (``on_match=create``: a batch done twice would
    create its customers twice)."""
    from fregues.accounts.tests.factories import UserFactory
    from fregues.integrations.services import import_job_create, import_job_start

    admin = UserFactory(role="admin")
    path, bad = customers_csv(rows, bad_every)
    job = import_job_create(actor=admin, kind="parties", file=path, on_match="create")
    import_job_start(actor=admin, job_id=job.pk)
    return {"job": job.pk, "bad": bad}


def import_recover() -> dict[str, Any]:
    from fregues.integrations.recovery import import_jobs_recover

    return {"taken": import_jobs_recover(actor=None)}


def import_dump(job_id: int) -> dict[str, Any]:
    from fregues.integrations.models import ImportJob
    from fregues.parties.models import ContactPoint, Party

    job = ImportJob.objects.get(pk=job_id)
    lines: list[int] = []
    if job.error_file:
        with job.error_file.open("rb") as handle:
            text = handle.read().decode("utf-8-sig").splitlines()
        lines = [int(line.split(",", 1)[0]) for line in text[1:]]
    return {
        "status": job.status,
        "message": job.message,
        "rows_done": job.rows_done,
        "created": job.created,
        "updated": job.updated,
        "rejected": job.rejected,
        "rejected_lines": lines,
        "parties": Party.objects.count(),
        "emails": sorted(
            ContactPoint.objects.filter(kind="email").values_list("normalized", flat=True)
        ),
    }


class LedgerSender:
    """An SMS provider for the crash tests that, like real ones, honours idempotency keys: it
    delivers to a ledger file in the data dir, and a key it has seen is not delivered again.
    With ``FREGUES_CRASH_KILL_AFTER=N`` the worker kills itself (SIGKILL) right after the
    N-th delivery — sent, not yet recorded: the worst moment."""

    def send(self, *, to: str, subject: str, body: str, idempotency_key: str = "") -> str:
        from django.conf import settings

        ledger = Path(settings.DATA_DIR) / "sms-ledger.jsonl"
        seen = (
            [json.loads(line) for line in ledger.read_text().splitlines()]
            if ledger.exists()
            else []
        )
        for sent in seen:
            if idempotency_key and sent["key"] == idempotency_key:
                return str(sent["id"])
        with ledger.open("a") as handle:
            handle.write(json.dumps({"key": idempotency_key, "to": to, "id": len(seen) + 1}) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        if str(len(seen) + 1) == os.environ.get("FREGUES_CRASH_KILL_AFTER"):
            os.kill(os.getpid(), signal.SIGKILL)
        return str(len(seen) + 1)


def notice_setup(cases: int) -> dict[str, Any]:
    """Open ``cases`` cases for as many customers who prefer SMS: each promises a receipt."""
    from fregues.accounts.tests.factories import UserFactory
    from fregues.parties.tests.factories import ContactPointFactory, PartyFactory
    from fregues.service.services import case_open

    agent = UserFactory(role="agent")
    for n in range(cases):
        party = PartyFactory(preferred_channel="sms", language="pt-br")
        ContactPointFactory(party=party, kind="phone", value=f"+55119876{n:05d}")
        case_open(
            actor=agent, party_id=party.pk, case_type="technical-assistance", subject=f"Pedido {n}"
        )
    return {"cases": cases}


def notice_sweep() -> dict[str, Any]:
    from fregues.service.services.notices import case_notices_sweep

    return {"queued": case_notices_sweep()}


def notice_dump() -> dict[str, Any]:
    from django.conf import settings

    from fregues.interactions.models import Interaction
    from fregues.service.models import Case, CaseNotice

    ledger = Path(settings.DATA_DIR) / "sms-ledger.jsonl"
    return {
        "delivered": [json.loads(line) for line in ledger.read_text().splitlines()],
        "states": sorted(CaseNotice.objects.values_list("state", flat=True)),
        "cases": list(Case.objects.order_by("pk").values_list("pk", flat=True)),
        "recorded": sorted(
            Interaction.objects.filter(direction="out", channel="sms").values_list(
                "external_id", flat=True
            )
        ),
    }


ACTIONS = {
    "notice-setup": lambda cases: notice_setup(int(cases)),
    "notice-sweep": notice_sweep,
    "notice-dump": notice_dump,
    "import-setup": lambda rows, bad_every: import_setup(int(rows), int(bad_every)),
    "import-recover": import_recover,
    "import-dump": lambda job: import_dump(int(job)),
}


def main() -> None:
    import django

    action, *args = sys.argv[1:]
    django.setup()
    print(json.dumps(ACTIONS[action](*args)))


if __name__ == "__main__":
    main()
