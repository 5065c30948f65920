"""Work the benchmark does inside Freguês's Django process (run as a child process, with the
database chosen by the environment like any ``fregues`` command).

    python -m bench.inproc scan                      # duplicate_scan over all parties
    python -m bench.inproc load parties FILE         # the --skip-import fallback loader
    python -m bench.inproc load interactions FILE

Each prints one JSON object on its last line of stdout.

The fallback loader is *not* Freguês's import: it bulk-inserts parties, contact points,
external ids and interactions straight into the tables (Django ``bulk_create``, no services,
no audit, no events), normalising e-mails and phones with Freguês's own functions so lookups
and search find what they should. It exists so the measuring parts of the benchmark can run
while (or when) the import command cannot; its speed is reported but never compared with the
import targets.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import sys
import time
from typing import Any

BATCH = 5000


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fregues.settings")
    import django

    django.setup()


def scan() -> dict[str, Any]:
    """Run the duplicate scan service over every party, timed."""
    from fregues.parties.services import duplicate_scan

    started = time.perf_counter()
    result = duplicate_scan(actor=None)
    return {"seconds": round(time.perf_counter() - started, 3), **result}


def _timed(counts: dict[str, int], started: float) -> dict[str, Any]:
    """The counters with the time since ``started`` and the rate, as the import reports them."""
    seconds = time.perf_counter() - started
    rate = round(counts["rows"] / seconds) if seconds else 0
    return {**counts, "seconds": round(seconds, 3), "rows_per_second": rate}


def _tax_kind(digits: str, country: str) -> str:
    if len(digits) == 11 and country == "BR":
        return "cpf"
    if len(digits) == 14:
        return "cnpj"
    if len(digits) == 9 and country == "PT":
        return "nif"
    return ""


def load_parties(path: str) -> dict[str, Any]:
    """Insert the parties file; a row whose external id, e-mail or phone was already loaded is
    skipped (a crude identity resolution, enough for a realistic table)."""
    from django.db import transaction

    from fregues.core.errors import Invalid
    from fregues.core.text import digits, fold
    from fregues.parties.models import ContactPoint, ExternalId, Party
    from fregues.parties.normalize import (
        email_match_key,
        normalize_email,
        normalize_phone,
        phone_match_key,
    )

    started = time.perf_counter()
    counts = {"created": 0, "updated": 0, "skipped": 0, "rejected": 0, "rows": 0}
    seen_ext: set[str] = set(ExternalId.objects.values_list("code", flat=True))
    seen_points: set[tuple[str, str]] = set(
        ContactPoint.objects.exclude(kind="address").values_list("kind", "normalized")
    )
    pending: list[dict[str, Any]] = []

    def flush() -> None:
        if not pending:
            return
        with transaction.atomic():
            parties = Party.objects.bulk_create([item["party"] for item in pending])
            points: list[ContactPoint] = []
            externals: list[ExternalId] = []
            for item, party in zip(pending, parties, strict=True):
                for point in item["points"]:
                    point.party_id = party.pk
                    points.append(point)
                externals.append(ExternalId(party_id=party.pk, source="import", code=item["ext"]))
            ContactPoint.objects.bulk_create(points)
            ExternalId.objects.bulk_create(externals)
        counts["created"] += len(pending)
        pending.clear()

    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            counts["rows"] += 1
            ext = row["external_id"]
            if not row.get("name"):
                counts["rejected"] += 1
                continue
            if ext in seen_ext:
                counts["skipped"] += 1
                continue
            email = phone = ""
            try:
                email = normalize_email(row["email"]) if row.get("email") else ""
            except Invalid:
                email = ""
            try:
                phone = normalize_phone(row["phone"]) if row.get("phone") else ""
            except Invalid:
                phone = ""
            if (email and ("email", email) in seen_points) or (
                phone and ("phone", phone) in seen_points
            ):
                counts["skipped"] += 1
                continue
            seen_ext.add(ext)
            tax = digits(row.get("tax_id", ""))
            country = row.get("country", "") or "BR"
            points = []
            search = [fold(row["name"])]
            if tax:
                search.append(tax)
            for kind, normalized, key_of, searchable in (
                ("email", email, email_match_key, fold(email)),
                ("phone", phone, phone_match_key, digits(phone)),
            ):
                if not normalized:
                    continue
                seen_points.add((kind, normalized))
                search.append(searchable)
                points.append(
                    ContactPoint(
                        kind=kind,
                        value=row[kind],
                        normalized=normalized,
                        match_key=key_of(normalized),
                        is_primary=True,
                    )
                )
            if row.get("city"):
                value = ", ".join(
                    v for v in (row["city"], row.get("region"), row.get("postal_code")) if v
                )
                points.append(
                    ContactPoint(
                        kind="address",
                        value=value,
                        normalized=fold(value),
                        is_primary=True,
                        city=row["city"],
                        region=row.get("region", ""),
                        postal_code=row.get("postal_code", ""),
                        country=country,
                    )
                )
            search.append(fold(ext))
            birth = row.get("birth_date") or None
            party = Party(
                kind=row.get("kind") or "person",
                name=row["name"],
                tax_id=tax,
                tax_id_kind=_tax_kind(tax, country) if tax else "",
                country=country,
                birth_date=dt.date.fromisoformat(birth) if birth else None,
                lifecycle_stage=row.get("lifecycle_stage") or "suspect",
                tier=row.get("tier", ""),
                search_text=" ".join(search),
            )
            pending.append({"party": party, "points": points, "ext": ext})
            if len(pending) >= BATCH:
                flush()
    flush()
    return _timed(counts, started)


def load_interactions(path: str) -> dict[str, Any]:
    """Insert the interactions file; rows naming an unknown customer are rejected."""
    from django.db import transaction

    from fregues.interactions.models import Interaction
    from fregues.parties.models import ExternalId

    started = time.perf_counter()
    counts = {"created": 0, "updated": 0, "skipped": 0, "rejected": 0, "rows": 0}
    party_of = dict(ExternalId.objects.values_list("code", "party_id"))
    pending: list[Interaction] = []

    def flush() -> None:
        if pending:
            with transaction.atomic():
                Interaction.objects.bulk_create(pending)
            counts["created"] += len(pending)
            pending.clear()

    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            counts["rows"] += 1
            party_id = party_of.get(row["party_external_id"])
            if party_id is None:
                counts["rejected"] += 1
                continue
            pending.append(
                Interaction(
                    party_id=party_id,
                    channel=row["channel"],
                    direction=row["direction"],
                    occurred_at=dt.datetime.fromisoformat(row["occurred_at"]),
                    subject=row["subject"],
                    body=row["body"],
                    external_id=row["external_id"],
                )
            )
            if len(pending) >= BATCH:
                flush()
    flush()
    return _timed(counts, started)


def main(argv: list[str]) -> int:
    _setup()
    if argv[:1] == ["scan"]:
        result = scan()
    elif argv[:2] == ["load", "parties"] and len(argv) == 3:
        result = load_parties(argv[2])
    elif argv[:2] == ["load", "interactions"] and len(argv) == 3:
        result = load_interactions(argv[2])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
