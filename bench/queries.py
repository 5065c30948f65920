"""The search and lookup queries the harness sends, built from the generated customers."""

from __future__ import annotations

import random

from .generate import Dataset, ascii_fold

PARTICLES = {"da", "de", "do", "dos", "das", "e", "&"}


def surname(name: str) -> str:
    words = [w for w in name.split() if w.lower() not in PARTICLES and len(w) > 2]
    return words[-1] if words else name.split()[-1]


def search_queries(dataset: Dataset, n: int, rng: random.Random) -> list[tuple[str, str]]:
    """(kind, q): surnames, name fragments ("mari silv"), e-mail prefixes, phone digits."""
    people = [s for s in dataset.sample if s["kind"] == "person"] or dataset.sample
    with_email = [s for s in dataset.sample if s["email"]] or people
    with_phone = [s for s in dataset.sample if s["phone"]] or people
    queries: list[tuple[str, str]] = []
    for i in range(n):
        kind = ("surname", "name_fragment", "email_prefix", "phone_digits")[i % 4]
        if kind == "surname":
            queries.append((kind, surname(rng.choice(people)["name"])))
        elif kind == "name_fragment":
            name = rng.choice(people)["name"]
            first, last = name.split()[0], surname(name)
            fragment = f"{first[: max(3, len(first) - 2)]} {last[:4]}"
            queries.append((kind, ascii_fold(fragment) if rng.random() < 0.5 else fragment))
        elif kind == "email_prefix":
            local = rng.choice(with_email)["email"].split("@")[0]
            queries.append((kind, local[: max(5, len(local) * 2 // 3)]))
        else:
            digits = "".join(ch for ch in rng.choice(with_phone)["phone"] if ch.isdigit())
            queries.append((kind, digits[-8:]))
    rng.shuffle(queries)
    return queries


def lookup_queries(dataset: Dataset, n: int, rng: random.Random) -> dict[str, list[str]]:
    """Phones as written in the file, and e-mails, of customers that are in the database."""
    phones = [s["phone"] for s in dataset.sample if s["phone"]]
    emails = [s["email"] for s in dataset.sample if s["email"]]
    half = max(1, n // 2)
    return {
        "phone": [rng.choice(phones) for _ in range(half)] if phones else [],
        "email": [rng.choice(emails) for _ in range(half)] if emails else [],
    }
