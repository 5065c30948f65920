"""Test data for parties: Brazilian and Portuguese people and companies with valid documents.

Factories write rows directly (fast, for volume); the search document is rebuilt after each
party and contact point, as the services do. To exercise the rules, call the services.
"""

from __future__ import annotations

import datetime
import random

import factory
from factory.django import DjangoModelFactory
from stdnum.br import cnpj as br_cnpj
from stdnum.br import cpf as br_cpf
from stdnum.pt import nif as pt_nif

from fregues.accounts.tests.factories import UserFactory
from fregues.parties.models import (
    Affiliation,
    ContactPoint,
    ExternalId,
    LifecycleMove,
    Note,
    Party,
    Tag,
)
from fregues.parties.normalize import (
    email_match_key,
    normalize_email,
    parse_phone,
    phone_match_key,
)
from fregues.parties.services.common import refresh_search

# Area codes of Brazilian state capitals and large cities.
AREA_CODES = ["11", "21", "31", "41", "47", "51", "61", "71", "81", "85", "91", "92", "98"]


def cpf_check_digits(base: str) -> str:
    """The two check digits of a CPF's first nine digits (mod 11, weights 10..2 then 11..2)."""
    digits = [int(d) for d in base]
    for weights in (range(10, 1, -1), range(11, 1, -1)):
        total = sum(d * w for d, w in zip(digits, weights, strict=False))
        digits.append((total * 10) % 11 % 10)
    return "".join(str(d) for d in digits[-2:])


def make_cpf(n: int | None = None) -> str:
    """A valid CPF (digits only); ``n`` makes it deterministic and unique per n."""
    base = f"{n:09d}" if n is not None else f"{random.randrange(10**8, 10**9):09d}"
    base = base[-9:]
    if len(set(base)) == 1:
        base = "1" + base[1:8] + "2"
    cpf = base + cpf_check_digits(base)
    assert br_cpf.is_valid(cpf), cpf
    return cpf


def make_cnpj(n: int | None = None) -> str:
    base = f"{n if n is not None else random.randrange(10**7, 10**8):08d}"[-8:] + "0001"
    cnpj = base + br_cnpj.calc_check_digits(base)
    assert br_cnpj.is_valid(cnpj), cnpj
    return cnpj


def make_nif(n: int | None = None) -> str:
    base = "2" + f"{n if n is not None else random.randrange(10**6, 10**7):07d}"[-7:]
    nif = base + pt_nif.calc_check_digit(base)
    assert pt_nif.is_valid(nif), nif
    return nif


def make_mobile(n: int) -> str:
    """A valid Brazilian mobile, unique per ``n``, as E.164 (+55 DD 9XXXX-XXXX)."""
    area = AREA_CODES[n % len(AREA_CODES)]
    number = f"+55{area}9{8000_0000 + n // len(AREA_CODES) % 2000_0000:08d}"
    assert parse_phone(number).e164 == number, number
    return number


def written_forms(e164: str) -> list[str]:
    """The ways people write a Brazilian number: "(11) 98765-4321", "011 98765 4321", ..."""
    assert e164.startswith("+55")
    area, local = e164[3:5], e164[5:]
    head, tail = local[:-4], local[-4:]
    return [
        e164,
        f"+55 {area} {head}-{tail}",
        f"({area}) {head}-{tail}",
        f"{area} {head} {tail}",
        f"0{area} {head}-{tail}",
        f"0{area}{local}",
        f"{area}{local}",
        f"55{area}{local}",
        f"0055 {area} {local}",
        f"+55 ({area}) {head[:1]} {head[1:]}-{tail}",
    ]


class TagFactory(DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("name",)

    name = factory.Iterator(["VIP", "imprensa", "fornecedor", "inadimplente", "parceiro"])


class PartyFactory(DjangoModelFactory):
    """A Brazilian person with a valid CPF."""

    class Meta:
        model = Party
        skip_postgeneration_save = True

    kind = "person"
    given_name = factory.Faker("first_name", locale="pt_BR")
    family_name = factory.Faker("last_name", locale="pt_BR")
    name = factory.LazyAttribute(lambda p: f"{p.given_name} {p.family_name}")
    tax_id = factory.Sequence(lambda n: make_cpf(100_000_000 + n * 7919))
    tax_id_kind = "cpf"
    country = "BR"
    language = "pt-br"
    birth_date = factory.Faker(
        "date_between", start_date=datetime.date(1940, 1, 1), end_date=datetime.date(2005, 12, 31)
    )
    lifecycle_stage = "suspect"
    lifecycle_changed_at = factory.Faker("past_datetime", tzinfo=datetime.UTC)

    @factory.post_generation
    def history(self, create: bool, extracted: object, **kwargs: object) -> None:
        """The first lifecycle row, as party_create writes it; and the search document."""
        if not create:
            return
        LifecycleMove.objects.create(
            party=self,
            from_stage="",
            to_stage=self.lifecycle_stage,
            occurred_at=self.lifecycle_changed_at,
            reason="created",
        )
        refresh_search(self)


class OrganizationFactory(PartyFactory):
    """A Brazilian company with a valid CNPJ."""

    kind = "organization"
    given_name = ""
    family_name = ""
    name = factory.Faker("company", locale="pt_BR")
    legal_name = factory.LazyAttribute(lambda p: f"{p.name} Ltda.")
    tax_id = factory.Sequence(lambda n: make_cnpj(10_000_000 + n * 104729))
    tax_id_kind = "cnpj"
    birth_date = None


class PortuguesePartyFactory(PartyFactory):
    given_name = factory.Faker("first_name", locale="pt_PT")
    family_name = factory.Faker("last_name", locale="pt_PT")
    tax_id = factory.Sequence(lambda n: make_nif(1_000_000 + n * 7))
    tax_id_kind = "nif"
    country = "PT"
    language = "pt-pt"


class ContactPointFactory(DjangoModelFactory):
    """A Brazilian mobile phone by default; ``kind="email"`` gives an e-mail."""

    class Meta:
        model = ContactPoint
        skip_postgeneration_save = True

    class Params:
        n = factory.Sequence(lambda n: n)

    party = factory.SubFactory(PartyFactory)
    kind = "phone"
    network = ""
    value = factory.LazyAttribute(
        lambda cp: (
            make_mobile(cp.n)
            if cp.kind == "phone"
            else f"cliente{cp.n}@exemplo.com.br"
            if cp.kind == "email"
            else f"Rua das Flores, {cp.n}, São Paulo"
        )
    )
    normalized = factory.LazyAttribute(
        lambda cp: (
            parse_phone(cp.value).e164
            if cp.kind == "phone"
            else normalize_email(cp.value)
            if cp.kind == "email"
            else cp.value.casefold()
        )
    )
    match_key = factory.LazyAttribute(
        lambda cp: (
            phone_match_key(cp.normalized)
            if cp.kind == "phone"
            else email_match_key(cp.normalized)
            if cp.kind == "email"
            else ""
        )
    )
    label = ""
    is_primary = factory.LazyAttribute(
        lambda cp: not ContactPoint.objects.filter(party=cp.party, kind=cp.kind).exists()
    )

    @factory.post_generation
    def reindex(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            refresh_search(self.party)


class NoteFactory(DjangoModelFactory):
    class Meta:
        model = Note

    party = factory.SubFactory(PartyFactory)
    author = factory.SubFactory(UserFactory)
    body = factory.Faker("sentence", locale="pt_BR")


class ExternalIdFactory(DjangoModelFactory):
    class Meta:
        model = ExternalId

    party = factory.SubFactory(PartyFactory)
    source = "erp"
    code = factory.Sequence(lambda n: f"C{n:06d}")


class AffiliationFactory(DjangoModelFactory):
    class Meta:
        model = Affiliation

    person = factory.SubFactory(PartyFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = factory.Iterator(["diretora de compras", "gerente financeiro", "analista"])
