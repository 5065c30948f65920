"""E-mail in at scale: 100,000 messages taken in from a real IMAP server (dovecot).

    uv run python -m bench.mail --messages 100000                   # PostgreSQL
    uv run python -m bench.mail --messages 100000 --db sqlite

A dovecot is started as in the tests (``fregues.integrations.tests.mail_support``); the
messages are generated reproducibly and **written straight into its maildir** (``new/``: the
server indexes them on the first SELECT, as after a delivery agent's work) — realistic mail:
Brazilian and Portuguese senders (``--senders`` distinct, so most messages come from a party
already known), plain and HTML-only bodies, a few attachments, auto-replies and bounces. The
database is migrated from scratch; one poll (``mailbox_poll``, a transaction per batch of 200
messages — ``mail_ingest_many`` — flagged on the server after its commit) takes them all in,
timed; the mailbox has no
case type (interactions only: opening cases is the service benchmarks' business) and the
outbox deliveries go to the database task queue, as in production (the worker's work is not
timed). Then the
counts: messages recorded, distinct Message-IDs, inbound interactions — 0 lost, 0 duplicated.
Results go to ``bench/results/<date>-mail-<messages>.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from .lifecycle import PG_URL, _env, _psql
from .util import REPO, fregues_command, git_info, log, machine_info, results_write, run

GIVEN = ["Ana", "Bruno", "Carla", "Davi", "Eduarda", "Fábio", "Gabriela", "Hugo", "Inês", "João"]
FAMILY = ["Souza", "Lima", "Oliveira", "Santos", "Pereira", "Costa", "Rodrigues", "Almeida"]
SUBJECTS = [
    "Máquina de lavar não liga",
    "Segunda via do boleto",
    "Nota fiscal do pedido",
    "Troca de produto com defeito",
    "Entrega atrasada",
    "Dúvida sobre a garantia",
]


def _message(i: int, rng: random.Random, senders: int, start: dt.datetime) -> bytes:
    n = rng.randrange(senders)
    given, family = GIVEN[n % len(GIVEN)], FAMILY[(n // len(GIVEN)) % len(FAMILY)]
    domain = "exemplo.pt" if n % 7 == 0 else "exemplo.com.br"
    roll = rng.random()
    msg = EmailMessage()
    msg["From"] = f"{given} {family} <{given.lower()}.{family.lower()}{n}@{domain}>"
    msg["To"] = "suporte@loja.exemplo.com.br"
    msg["Date"] = format_datetime(start + dt.timedelta(seconds=i))
    msg["Message-ID"] = f"<bench-{i}@{domain}>"
    subject = rng.choice(SUBJECTS)
    if roll < 0.03:
        msg["Subject"] = f"Resposta automática: {subject}"
        msg["Auto-Submitted"] = "auto-replied"
        msg.set_content("Estou fora do escritório até segunda-feira.")
        return bytes(msg)
    msg["Subject"] = subject
    text = (
        f"Bom dia,\n\n{subject.lower()} — pedido {rng.randrange(10**6):06d}.\n\nObrigado,\n{given}"
    )
    if roll < 0.25:
        msg.set_content(
            f"<html><body><p>{text.replace(chr(10), '<br>')}</p></body></html>", subtype="html"
        )
    else:
        msg.set_content(text)
    if roll > 0.97:
        msg.add_attachment(
            rng.randbytes(20_000), maintype="application", subtype="pdf", filename="nota.pdf"
        )
    return bytes(msg)


def _bounce(i: int) -> bytes:
    from fregues.integrations.tests.mail_support import bounce

    return bounce(f"inexistente{i}@exemplo.com.br").replace(
        b"Message-ID: <bounce-", f"Message-ID: <bench-{i}-bounce-".encode(), 1
    )


def generate(maildir: Path, count: int, senders: int, seed: int) -> dict[str, Any]:
    """Write ``count`` messages into the maildir's ``new/``."""
    rng = random.Random(seed)
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    start = dt.datetime(2026, 11, 1, 8, tzinfo=dt.UTC)
    size = 0
    for i in range(count):
        raw = _bounce(i) if i % 250 == 0 else _message(i, rng, senders, start)
        size += len(raw)
        (maildir / "new" / f"{1764000000 + i}.M{i}P1.bench").write_bytes(raw)
    return {"messages": count, "bytes": size}


def poll_child(port: int) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fregues.settings")
    import django

    django.setup()
    from django.db.models import Count

    from fregues.integrations.mail.polling import mailbox_poll
    from fregues.integrations.models import Mailbox, MailMessage
    from fregues.integrations.tests.mail_support import PASSWORD, USER
    from fregues.interactions.models import Interaction
    from fregues.parties.models import Party

    mailbox = Mailbox.objects.create(
        name="Bench",
        imap_host="127.0.0.1",
        imap_port=port,
        imap_security="none",
        username=USER,
        password=PASSWORD,
    )
    started = time.perf_counter()
    result = mailbox_poll(actor=None, mailbox_id=mailbox.pk, batch=200)
    seconds = time.perf_counter() - started
    recorded = MailMessage.objects.count()
    distinct = MailMessage.objects.values("message_key").distinct().count()
    repeated = (
        Interaction.objects.filter(direction="in")
        .values("external_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    return {
        "seconds": round(seconds, 1),
        "messages_per_second": round(result.taken_in / seconds, 1) if seconds else None,
        "taken_in": result.taken_in,
        "kinds": result.kinds,
        "error": result.error,
        "recorded": recorded,
        "distinct_message_ids": distinct,
        "inbound_interactions": Interaction.objects.filter(direction="in").count(),
        "duplicated_interactions": repeated,
        "parties": Party.objects.count(),
        "last_uid": Mailbox.objects.get(pk=mailbox.pk).last_uid,
    }


def report(results: dict[str, Any]) -> str:
    r = results["run"]
    lost = results["messages"] - r["recorded"]
    return "\n".join(
        [
            f"# E-mail in: {results['messages']:,} messages from dovecot ({results['db']})",
            "",
            f"- date {results['date']}, git {results['git'].get('commit', '')[:10]}, "
            f"load average {results['machine'].get('load_average')}",
            f"- generated {results['generated']['bytes'] / 1e6:.0f} MB straight into the maildir",
            f"- **{r['messages_per_second']} messages/s** ({r['taken_in']:,} in {r['seconds']} s, "
            "one poll, one transaction per batch of 200, flagged after commit)",
            f"- kinds: {r['kinds']}",
            f"- recorded {r['recorded']:,}, distinct Message-IDs {r['distinct_message_ids']:,}, "
            f"inbound interactions {r['inbound_interactions']:,} (bounces make none), "
            f"duplicated interactions {r['duplicated_interactions']}",
            f"- **lost {lost}, duplicated {r['recorded'] - r['distinct_message_ids']}**",
            f"- parties after the run: {r['parties']:,}",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mail", description=__doc__)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--senders", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--out", default=str(REPO / "bench" / "results"))
    parser.add_argument("--work", default=str(REPO / "bench" / ".work"))
    parser.add_argument("--pg-database", default="fregues_bench_mail")
    parser.add_argument("--child", choices=["poll"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "poll":
        print(json.dumps(poll_child(args.port)))
        return 0
    from fregues.integrations.tests.mail_support import Dovecot

    work = Path(args.work).resolve()
    env = _env(args.db, work, args.pg_database)
    # as in production: the outbox deliveries are queued for the worker (one row a message),
    # not run inside the poll
    env["FREGUES_TASK_BACKEND"] = "django_tasks_db.DatabaseBackend"
    results: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "messages": args.messages,
        "senders": args.senders,
        "db": args.db,
        "git": git_info(),
        "machine": machine_info(),
    }
    if args.db == "postgres":
        _psql(f"DROP DATABASE IF EXISTS {args.pg_database} WITH (FORCE)")
        _psql(f"CREATE DATABASE {args.pg_database}")
        results["database"] = f"{PG_URL}/{args.pg_database}"
    else:
        target = work / "sqlite"
        target.mkdir(parents=True, exist_ok=True)
        (target / "fregues.sqlite3").unlink(missing_ok=True)
    log("migrate")
    step = run([*fregues_command(), "migrate", "--no-input"], env)
    if step.returncode:
        raise SystemExit("migrate failed: " + step.tail())
    server = Dovecot(work / "dovecot")
    try:
        server.start()
        log(f"generating {args.messages:,} messages into the maildir")
        results["generated"] = generate(server.maildir, args.messages, args.senders, args.seed)
        server.chown()
        log("polling")
        step = run(
            [sys.executable, "-m", "bench.mail", "--child", "poll", "--port", str(server.port)],
            env,
        )
        if step.returncode:
            raise SystemExit("poll failed: " + step.tail())
        results["run"] = step.last_json()
        results["peak_rss_mb"] = getattr(step, "peak_rss_mb", None)
    finally:
        server.stop()
    if args.db == "postgres":
        _psql(f"DROP DATABASE IF EXISTS {args.pg_database} WITH (FORCE)")
    results_write(args.out, f"mail-{args.messages}", results, report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
