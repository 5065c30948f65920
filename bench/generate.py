"""A realistic, reproducible customer base written as the CSV files Freguês imports.

Same arguments → the same bytes: everything is drawn from one ``random.Random(seed)`` (the
query sample from a second one), no clock, no set iteration, no locale.

Parties: Brazilian (≈85 %) and Portuguese people and a few organisations; valid CPFs, CNPJs and
NIFs for some; e-mails; mobile phones in the many ways people write them; cities, lifecycle
stages and tiers; ≈3 % of the rows are within-file duplicates of an earlier row (same e-mail in
another case, same phone in another form or the old 8-digit mobile, same tax id with new contact
points, a gmail address with its dots moved, or the row repeated as is).

Interactions: on average ``interactions`` per original customer, skewed (most have a handful, a
few hundred heavy customers have hundreds, so timelines have a fifth page), over six channels,
from 2020 to 2025 with the customer's UTC offset, written in roughly chronological blocks.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import names as N
from .documents import (
    BR_LANDLINE_WEIGHTS,
    BR_MOBILE_WEIGHTS,
    PT_MOBILE_WEIGHTS,
    ascii_fold,
    br_landline_forms,
    br_mobile_forms,
    cnpj,
    cpf,
    format_cnpj,
    format_cpf,
    nif,
    pt_mobile_forms,
)

GENERATOR_VERSION = 1
PARTY_HEADER = [
    "external_id",
    "kind",
    "name",
    "email",
    "phone",
    "tax_id",
    "country",
    "city",
    "region",
    "postal_code",
    "lifecycle_stage",
    "tier",
    "birth_date",
]
INTERACTION_HEADER = [
    "external_id",
    "party_external_id",
    "channel",
    "direction",
    "occurred_at",
    "subject",
    "body",
]
DUPLICATE_SHARE = 0.03
HEAVY_SHARE = 0.003  # customers with 250-600 interactions (frequent callers, big accounts)
HEAVY_RANGE = (250, 600)
BLOCK = 2000  # customers whose interactions are shuffled together (bounded memory)
SAMPLE_SIZE = 5000  # customers kept aside to build search and lookup queries from
EPOCH = dt.date(2020, 1, 1)
DAYS = (dt.date(2025, 12, 31) - EPOCH).days + 1
HOURS = tuple(range(7, 22))
HOUR_WEIGHTS = (2, 6, 10, 11, 10, 7, 8, 10, 10, 9, 7, 5, 3, 2, 1)
DATES = [EPOCH + dt.timedelta(days=d) for d in range(DAYS)]


@dataclass
class Dataset:
    """What was generated, where, and what the benchmark needs to build its queries."""

    customers: int
    interactions_per_customer: float
    seed: int
    directory: str
    parties_file: str
    interactions_file: str
    party_rows: int = 0
    duplicate_rows: int = 0
    duplicate_kinds: dict[str, int] = field(default_factory=dict)
    interaction_rows: int = 0
    heavy_external_ids: list[str] = field(default_factory=list)
    sample: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    generator_version: int = GENERATOR_VERSION

    def save(self) -> Path:
        path = Path(self.directory) / "dataset.json"
        path.write_text(json.dumps(dict(vars(self)), ensure_ascii=False))
        return path

    @classmethod
    def load(cls, directory: Path) -> Dataset | None:
        """The dataset described in ``directory/dataset.json``, if its files are still there."""
        path = directory / "dataset.json"
        if not path.exists():
            return None
        data = json.loads(path.read_text())
        dataset = cls(**data)
        if not (Path(dataset.parties_file).exists() and Path(dataset.interactions_file).exists()):
            return None
        return dataset

    def matches(self, customers: int, interactions: float, seed: int) -> bool:
        return (
            self.customers == customers
            and self.interactions_per_customer == interactions
            and self.seed == seed
            and self.generator_version == GENERATOR_VERSION
        )


class Table:
    """A weighted choice made fast: the values repeated by weight, picked with one random()."""

    def __init__(self, weighted: Any) -> None:
        self.values: list[Any] = [v for v, w in weighted for _ in range(w)]

    def __call__(self, rng: random.Random) -> Any:
        values = self.values
        return values[int(rng.random() * len(values))]


def one(rng: random.Random, values: Any) -> Any:
    """A uniform choice with a single random() call."""
    return values[int(rng.random() * len(values))]


def digits_n(rng: random.Random, n: int) -> str:
    """``n`` random decimal digits."""
    return f"{int(rng.random() * 10**n):0{n}d}"


BR_MOBILE_FORM = Table(enumerate(BR_MOBILE_WEIGHTS))
BR_LANDLINE_FORM = Table(enumerate(BR_LANDLINE_WEIGHTS))
PT_MOBILE_FORM = Table(enumerate(PT_MOBILE_WEIGHTS))
BR_CITY = Table((c[:4], c[4]) for c in N.BR_CITIES)
PT_CITY = Table((c[:3], c[3]) for c in N.PT_CITIES)
BR_DOMAIN = Table(N.BR_EMAIL_DOMAINS)
PT_DOMAIN = Table(N.PT_EMAIL_DOMAINS)
STAGE = Table(N.LIFECYCLE)
TIER = Table(N.TIERS)
CHANNEL = Table((c[0], c[1]) for c in N.CHANNELS)
INBOUND = {c: share for c, _w, share in N.CHANNELS}
HOUR = Table(zip(HOURS, HOUR_WEIGHTS, strict=True))
DUPLICATE_KIND = Table(
    (
        ("same_email", 30),
        ("same_phone", 25),
        ("old_mobile", 10),
        ("same_tax_id", 15),
        ("gmail_dots", 10),
        ("exact", 10),
    )
)


class Generator:
    """Writes ``parties.csv`` and ``interactions.csv`` for one (customers, interactions, seed)."""

    def __init__(self, customers: int, interactions: float, seed: int) -> None:
        self.customers = customers
        self.per_customer = interactions
        self.seed = seed
        self.rng = random.Random(seed)
        self.used_emails: set[str] = set()
        self.used_phones: set[str] = set()
        self.used_tax_ids: set[str] = set()
        self.recent: list[dict[str, Any]] = []  # originals a later duplicate may copy
        heavy_mean = sum(HEAVY_RANGE) / 2
        light = max(0.0, interactions - HEAVY_SHARE * heavy_mean) / (1 - HEAVY_SHARE)
        self.light_mean = light
        self.heavy = HEAVY_SHARE if interactions >= 1 else 0.0
        sample_rng = random.Random(seed ^ 0x5EED)
        k = min(customers, SAMPLE_SIZE)
        self.sample_rows = set(sample_rng.sample(range(1, customers + 1), k))
        self.interaction_seq = 0

    # -- people and organisations --------------------------------------------------------
    def _city(self, country: str) -> tuple[str, str, str, str]:
        """(city, region, area code or "", postal code)."""
        rng = self.rng
        if country == "BR":
            city, uf, ddd, prefix = BR_CITY(rng)
            body = prefix + digits_n(rng, 5 - len(prefix))
            return city, uf, ddd, f"{body}-{digits_n(rng, 3)}"
        city, district, prefix = PT_CITY(rng)
        body = prefix + digits_n(rng, 4 - len(prefix))
        return city, district, "", f"{body}-{digits_n(rng, 3)}"

    def _person_name(self, country: str) -> tuple[str, str, str]:
        """(full name, given name, last surname)."""
        rng = self.rng
        female = rng.random() < 0.52
        if country == "BR":
            given_pool = N.BR_GIVEN_FEMALE if female else N.BR_GIVEN_MALE
            surnames = N.BR_SURNAMES
            second_given, second_surname = 0.25, 0.6
        else:
            given_pool = N.PT_GIVEN_FEMALE if female else N.PT_GIVEN_MALE
            surnames = N.PT_SURNAMES
            second_given, second_surname = 0.4, 0.8
        given = one(rng, given_pool)
        parts = [given]
        if rng.random() < second_given:
            other = one(rng, given_pool)
            if other != given:
                parts.append(other)
        first_surname = one(rng, surnames)
        if rng.random() < 0.2:
            parts.append(one(rng, ("da", "de", "dos", "do")))
        parts.append(first_surname)
        last = first_surname
        if rng.random() < second_surname:
            last = one(rng, surnames)
            if last != first_surname:
                parts.append(last)
            else:
                last = first_surname
        return " ".join(parts), given, last

    def _org_name(self, country: str) -> str:
        rng = self.rng
        if country == "BR":
            word, surnames, suffixes = N.BR_ORG_WORDS, N.BR_SURNAMES, N.BR_ORG_SUFFIXES
        else:
            word, surnames, suffixes = N.PT_ORG_WORDS, N.PT_SURNAMES, N.PT_ORG_SUFFIXES
        first = one(rng, surnames)
        if rng.random() < 0.3:
            first = f"{first} & {one(rng, surnames)}"
        return f"{one(rng, word)} {first} {one(rng, suffixes)}"

    def _email(self, local_parts: list[str], country: str, org: bool = False) -> str:
        rng = self.rng
        if org:
            slug = "".join(ch for ch in ascii_fold("".join(local_parts)) if ch.isalnum())[:24]
            domain = f"{slug}.com.br" if country == "BR" else f"{slug}.pt"
            base = one(rng, ("contato", "comercial", "financeiro", "atendimento", "geral"))
            candidates = [f"{base}@{domain}"]
        else:
            given, last = (ascii_fold(p).replace("'", "").replace(" ", "") for p in local_parts)
            domain = BR_DOMAIN(rng) if country == "BR" else PT_DOMAIN(rng)
            style = int(rng.random() * 6)
            if style == 0:
                local = f"{given}.{last}"
            elif style == 1:
                local = f"{given}{last}"
            elif style == 2:
                local = f"{given}_{last}"
            elif style == 3:
                local = f"{given}.{last}{1 + int(rng.random() * 99)}"
            elif style == 4:
                local = f"{given[0]}{last}"
            else:
                local = f"{given}{1950 + int(rng.random() * 58)}"
            candidates = [f"{local}@{domain}"]
        email = candidates[0]
        while email in self.used_emails:
            local, _at, domain = email.partition("@")
            email = f"{local}{int(rng.random() * 10)}@{domain}"
        self.used_emails.add(email)
        return email

    def _br_mobile(self, ddd: str) -> tuple[str, str]:
        """(subscriber digits, written form) of a fresh Brazilian mobile."""
        rng = self.rng
        while True:
            sub = "9" + one(rng, "6789") + digits_n(rng, 7)
            if ddd + sub not in self.used_phones:
                break
        self.used_phones.add(ddd + sub)
        return sub, br_mobile_forms(ddd, sub)[BR_MOBILE_FORM(rng)]

    def _br_landline(self, ddd: str) -> str:
        rng = self.rng
        while True:
            sub = one(rng, "2345") + digits_n(rng, 7)
            if ddd + sub not in self.used_phones:
                break
        self.used_phones.add(ddd + sub)
        return br_landline_forms(ddd, sub)[BR_LANDLINE_FORM(rng)]

    def _pt_mobile(self) -> tuple[str, str]:
        rng = self.rng
        while True:
            sub = "9" + one(rng, "1236") + digits_n(rng, 7)
            if "351" + sub not in self.used_phones:
                break
        self.used_phones.add("351" + sub)
        return sub, pt_mobile_forms(sub)[PT_MOBILE_FORM(rng)]

    def _tax_id(self, make: Any) -> str:
        while True:
            value = make(self.rng)
            if value not in self.used_tax_ids:
                self.used_tax_ids.add(value)
                return value

    def original(self, row_number: int) -> dict[str, Any]:
        """A new customer's row, plus private keys (``_...``) duplicates are built from."""
        rng = self.rng
        country = "BR" if rng.random() < 0.85 else "PT"
        kind = "organization" if rng.random() < 0.04 else "person"
        city, region, ddd, postal = self._city(country)
        row: dict[str, Any] = {
            "external_id": f"C{row_number:08d}",
            "kind": kind,
            "country": country,
            "lifecycle_stage": STAGE(rng),
            "tier": TIER(rng),
            "birth_date": "",
            "tax_id": "",
            "email": "",
            "phone": "",
            "city": "",
            "region": "",
            "postal_code": "",
        }
        if kind == "person":
            name, given, last = self._person_name(country)
            row["name"] = name
            if rng.random() < 0.8:
                row["email"] = self._email([given, last], country)
            if rng.random() < 0.55:
                day = dt.date(1940, 1, 1) + dt.timedelta(days=int(rng.random() * 24_800))
                row["birth_date"] = day.isoformat()
            if country == "BR" and rng.random() < 0.45:
                digits = self._tax_id(cpf)
                row["tax_id"], row["_tax_digits"] = format_cpf(digits, rng), digits
            elif country == "PT" and rng.random() < 0.3:
                digits = self._tax_id(nif)
                row["tax_id"], row["_tax_digits"] = digits, digits
        else:
            name = self._org_name(country)
            row["name"] = name
            if rng.random() < 0.9:
                row["email"] = self._email([name], country, org=True)
            if country == "BR" and rng.random() < 0.8:
                digits = self._tax_id(cnpj)
                row["tax_id"], row["_tax_digits"] = format_cnpj(digits, rng), digits
        if rng.random() < 0.85:
            if country == "BR":
                if kind == "organization" and rng.random() < 0.6:
                    row["phone"] = self._br_landline(ddd)
                else:
                    sub, row["phone"] = self._br_mobile(ddd)
                    row["_mobile"] = (ddd, sub)
            else:
                sub, row["phone"] = self._pt_mobile()
        if rng.random() < 0.9:
            row["city"], row["region"], row["postal_code"] = city, region, postal
        return row

    def duplicate(self, row_number: int) -> tuple[dict[str, Any], str]:
        """A later row for a customer already in the file, and which kind of duplicate."""
        rng = self.rng
        source = one(rng, self.recent)
        kind = DUPLICATE_KIND(rng)
        if kind == "same_tax_id" and not source.get("_tax_digits"):
            kind = "same_email"
        if kind == "gmail_dots" and not source["email"].endswith("@gmail.com"):
            kind = "same_phone"
        if kind == "old_mobile" and not source.get("_mobile"):
            kind = "same_phone"
        if kind in ("same_phone",) and not source["phone"]:
            kind = "same_email"
        if kind == "same_email" and not source["email"]:
            kind = "exact"
        if kind == "exact":
            return {k: v for k, v in source.items() if not k.startswith("_")}, kind
        row = {k: v for k, v in source.items() if not k.startswith("_")}
        row["external_id"] = f"C{row_number:08d}"
        name = source["name"]
        variant = int(rng.random() * 3)
        if variant == 0:
            row["name"] = name.upper()
        elif variant == 1:
            row["name"] = ascii_fold(name).title()
        if kind == "same_email":
            row["email"] = source["email"].upper() if rng.random() < 0.5 else source["email"]
            row["phone"] = ""
            row["tax_id"] = ""
        elif kind == "same_phone":
            digits = "".join(ch for ch in source["phone"] if ch.isdigit())
            if source.get("_mobile"):
                ddd, sub = source["_mobile"]
                forms = [f for f in br_mobile_forms(ddd, sub) if f != source["phone"]]
                row["phone"] = one(rng, forms)
            elif source["country"] == "PT":
                row["phone"] = f"+{digits}" if digits.startswith("351") else source["phone"]
            row["email"] = ""
            row["tax_id"] = ""
        elif kind == "old_mobile":
            ddd, sub = source["_mobile"]
            row["phone"] = f"({ddd}) {sub[1:5]}-{sub[5:]}"
            row["email"] = ""
            row["tax_id"] = ""
        elif kind == "same_tax_id":
            digits = source["_tax_digits"]
            row["tax_id"] = format_cpf(digits, rng) if len(digits) == 11 else digits
            row["email"] = ""
            row["phone"] = ""
            if source["country"] == "BR" and source.get("_mobile"):
                _sub, row["phone"] = self._br_mobile(source["_mobile"][0])
        elif kind == "gmail_dots":
            local = source["email"].split("@")[0]
            if "." in local:
                local = local.replace(".", "")
            else:
                local = f"{local[:3]}.{local[3:]}" if len(local) > 4 else f"{local}+crm"
            row["email"] = f"{local}@gmail.com"
            row["phone"] = ""
            row["tax_id"] = ""
        return row, kind

    # -- interactions --------------------------------------------------------------------
    def interaction_count(self) -> int:
        rng = self.rng
        if self.heavy and rng.random() < self.heavy:
            return rng.randint(*HEAVY_RANGE)
        if self.light_mean <= 0:
            return 0
        return int(rng.expovariate(1 / self.light_mean) + 0.5)

    def interactions_for(self, external_id: str, country: str, count: int) -> list[tuple]:
        """``count`` interactions of one customer: (sort key, row) pairs."""
        rng = self.rng
        random_ = rng.random
        result = []
        for _ in range(count):
            channel = CHANNEL(rng)
            direction = "in" if random_() < INBOUND[channel] else "out"
            day = int(random_() * DAYS)
            hour = HOUR(rng)
            second = int(random_() * 3600)
            date = DATES[day]
            if country == "BR":
                offset, utc_hour = "-03:00", hour + 3
            elif 4 <= date.month <= 10:
                offset, utc_hour = "+01:00", hour - 1
            else:
                offset, utc_hour = "+00:00", hour
            occurred = f"{date}T{hour:02d}:{second // 60:02d}:{second % 60:02d}{offset}"
            subject = one(rng, N.SUBJECTS)
            if channel in ("phone", "visit"):
                body = f"{one(rng, N.BODY_MIDDLES).capitalize()}. {one(rng, N.BODY_ENDINGS)}"
            elif channel == "sms":
                body = f"Freguês: {subject.lower()} - protocolo {date.year}-{digits_n(rng, 6)}."
            else:
                body = (
                    f"{one(rng, N.BODY_OPENINGS)} {one(rng, N.BODY_MIDDLES)}. "
                    f"{one(rng, N.BODY_ENDINGS)}"
                )
            key = day * 86_400 + utc_hour * 3600 + second
            result.append((key, [external_id, channel, direction, occurred, subject, body.strip()]))
        return result

    # -- the files -----------------------------------------------------------------------
    def write(self, directory: Path) -> Dataset:
        """Write both files into ``directory`` and describe them."""
        started = time.perf_counter()
        directory.mkdir(parents=True, exist_ok=True)
        dataset = Dataset(
            customers=self.customers,
            interactions_per_customer=self.per_customer,
            seed=self.seed,
            directory=str(directory),
            parties_file=str(directory / "parties.csv"),
            interactions_file=str(directory / "interactions.csv"),
        )
        kinds: dict[str, int] = {}
        block: list[tuple] = []
        block_customers = 0
        with (
            open(dataset.parties_file, "w", newline="", encoding="utf-8") as pf,
            open(dataset.interactions_file, "w", newline="", encoding="utf-8") as inf,
        ):
            parties = csv.writer(pf)
            interactions = csv.writer(inf)
            parties.writerow(PARTY_HEADER)
            interactions.writerow(INTERACTION_HEADER)

            def flush() -> None:
                block.sort(key=lambda item: item[0])
                for _key, values in block:
                    self.interaction_seq += 1
                    interactions.writerow([f"M{self.interaction_seq:09d}", *values])
                block.clear()

            for row_number in range(1, self.customers + 1):
                if self.recent and self.rng.random() < DUPLICATE_SHARE:
                    row, kind = self.duplicate(row_number)
                    kinds[kind] = kinds.get(kind, 0) + 1
                    dataset.duplicate_rows += 1
                    parties.writerow([row[c] for c in PARTY_HEADER])
                    continue
                row = self.original(row_number)
                parties.writerow([row[c] for c in PARTY_HEADER])
                self.recent.append(row)
                if len(self.recent) > 10_000:
                    self.recent = self.recent[-5_000:]
                count = self.interaction_count()
                if count >= HEAVY_RANGE[0]:
                    dataset.heavy_external_ids.append(row["external_id"])
                if row_number in self.sample_rows:
                    dataset.sample.append(
                        {
                            "external_id": row["external_id"],
                            "kind": row["kind"],
                            "name": row["name"],
                            "email": row["email"],
                            "phone": row["phone"],
                            "tax_id": row["tax_id"],
                            "interactions": str(count),
                        }
                    )
                block.extend(self.interactions_for(row["external_id"], row["country"], count))
                dataset.interaction_rows += count
                block_customers += 1
                if block_customers >= BLOCK:
                    flush()
                    block_customers = 0
            flush()
        dataset.party_rows = self.customers
        dataset.duplicate_kinds = dict(sorted(kinds.items()))
        dataset.seconds = round(time.perf_counter() - started, 2)
        dataset.save()
        return dataset


def generate(directory: Path, customers: int, interactions: float, seed: int) -> Dataset:
    """Generate the dataset into ``directory`` (or reuse the one already there for the same
    arguments)."""
    existing = Dataset.load(directory)
    if existing is not None and existing.matches(customers, interactions, seed):
        return existing
    return Generator(customers, interactions, seed).write(directory)
