"""Bulk import of customers: the API's rules, dedupe, idempotency, and what a row may change."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from fregues.core.errors import Forbidden
from fregues.core.models import AuditEntry, OutboxEvent
from fregues.parties.models import (
    ContactPoint,
    DuplicateCandidate,
    ExternalId,
    LifecycleMove,
    Party,
)
from fregues.parties.services import party_merge
from fregues.parties.services.common import search_document
from fregues.parties.services.imports import ImportRow, party_import_many
from fregues.parties.tests.factories import PartyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


def rows(*items: dict[str, Any]) -> list[ImportRow]:
    out = []
    for line, item in enumerate(items, start=2):
        values = {k: (v if isinstance(v, list) else [v]) for k, v in item.items()}
        out.append(ImportRow(line, values))
    return out


JOAO = {
    "name": "João da Silva",
    "email": "Joao.Silva@Example.com",
    "phone": "(11) 98765-4321",
    "tax_id": "529.982.247-25",
    "external_id": "C1",
    "city": "São Paulo",
}


def test_a_row_becomes_a_customer_with_normalised_contacts_search_and_audit() -> None:
    report = party_import_many(actor=None, rows=rows(JOAO), source="erp", label="a.csv")
    assert (report.created, report.updated, report.skipped, report.rejected) == (1, 0, 0, [])
    party = Party.objects.get()
    assert party.name == "João da Silva"
    assert party.tax_id == "52998224725" and party.tax_id_kind == "cpf"
    points = {(p.kind, p.normalized, p.value) for p in party.contact_points.all()}
    assert ("email", "joao.silva@example.com", "joao.silva@example.com") in points
    assert ("phone", "+5511987654321", "+55 11 98765-4321") in points
    assert any(p.kind == "address" and p.city == "São Paulo" for p in party.contact_points.all())
    assert ExternalId.objects.get().code == "C1" and ExternalId.objects.get().source == "erp"
    # the bulk path builds exactly the search document the one-by-one services build
    assert party.search_text == search_document(party)
    assert LifecycleMove.objects.get(party=party).to_stage == "suspect"
    entry = AuditEntry.objects.get(party_id=party.pk)
    assert entry.action == "create" and "a.csv" in entry.summary and "line 2" in entry.summary
    assert OutboxEvent.objects.filter(name="parties.imported").count() == 1


def test_running_the_same_rows_twice_changes_nothing() -> None:
    batch = rows(JOAO, {"name": "Maria Souza", "email": "maria@exemplo.com.br"})
    party_import_many(actor=None, rows=batch)
    before = (
        list(Party.objects.values_list("pk", "version", "search_text")),
        ContactPoint.objects.count(),
        AuditEntry.objects.count(),
    )
    again = party_import_many(actor=None, rows=batch)
    assert (again.created, again.updated, again.skipped) == (0, 0, 2)
    after = (
        list(Party.objects.values_list("pk", "version", "search_text")),
        ContactPoint.objects.count(),
        AuditEntry.objects.count(),
    )
    assert after == before


@pytest.mark.parametrize(
    "key",
    [
        {"email": "JOAO.SILVA@example.com"},
        {"phone": "+55 11 98765 4321"},
        {"tax_id": "52998224725"},
        {"external_id": "C1"},
    ],
)
def test_a_row_matches_an_existing_customer_by_any_identifier(key: dict[str, str]) -> None:
    party_import_many(actor=None, rows=rows(JOAO))
    report = party_import_many(actor=None, rows=rows({"name": "J. Silva", "tier": "gold", **key}))
    assert (report.created, report.updated) == (0, 1)
    party = Party.objects.get()
    assert party.tier == "gold" and party.name == "J. Silva" and party.version == 2
    change = AuditEntry.objects.filter(action="update").get()
    assert change.changes["tier"] == ["", "gold"]


def test_update_fills_in_but_empty_cells_and_guesses_change_nothing() -> None:
    party = PartyFactory(name="Ana Costa", country="PT", kind="person", tier="silver")
    ContactPoint.objects.create(
        party=party, kind="email", value="ana@costa.pt", normalized="ana@costa.pt", is_primary=True
    )
    report = party_import_many(
        actor=None,
        rows=rows({"email": "ana@costa.pt", "phone": "+351 912 345 678", "tier": ""}),
    )
    assert report.updated == 1
    party.refresh_from_db()
    assert party.country == "PT" and party.tier == "silver" and party.name == "Ana Costa"
    phone = party.contact_points.get(kind="phone")
    assert phone.normalized == "+351912345678" and phone.is_primary
    assert "351912345678" in party.search_text


def test_skip_leaves_existing_customers_alone() -> None:
    party_import_many(actor=None, rows=rows(JOAO))
    report = party_import_many(actor=None, rows=rows({**JOAO, "tier": "gold"}), on_match="skip")
    assert (report.created, report.updated, report.skipped) == (0, 0, 1)
    assert Party.objects.get().tier == ""


def test_create_makes_a_twin_without_the_taken_identifiers_and_proposes_the_pair() -> None:
    party_import_many(actor=None, rows=rows(JOAO))
    report = party_import_many(
        actor=None,
        rows=rows({**JOAO, "email": ["Joao.Silva@Example.com", "js@outro.com"]}),
        on_match="create",
    )
    assert report.created == 1
    first, twin = Party.objects.order_by("pk")
    assert set(twin.contact_points.values_list("normalized", flat=True)) >= {"js@outro.com"}
    assert not twin.contact_points.filter(normalized="joao.silva@example.com").exists()
    pair = DuplicateCandidate.objects.get()
    assert {pair.party_a_id, pair.party_b_id} == {first.pk, twin.pk}


def test_the_same_customer_twice_in_a_file_is_one_customer() -> None:
    report = party_import_many(
        actor=None,
        rows=rows(
            {"name": "Maria Souza", "email": "maria@exemplo.com.br"},
            {"name": "Maria Souza", "email": "maria@exemplo.com.br", "phone": "11 99999-1111"},
        ),
    )
    assert (report.created, report.duplicates) == (1, 1)
    party = Party.objects.get()
    assert set(party.contact_points.values_list("normalized", flat=True)) == {
        "maria@exemplo.com.br",
        "+5511999991111",
    }


def test_bad_rows_are_rejected_whole_with_line_and_reason_and_the_rest_goes_in() -> None:
    report = party_import_many(
        actor=None,
        rows=rows(
            {"name": "Bom", "email": "bom@exemplo.com"},
            {"name": "Mau", "email": "bom2@exemplo.com", "phone": "123"},
            {"email": "semnome@exemplo.com"},
            {"name": "CPF", "tax_id": "111.111.111-11"},
            {"name": "Data", "birth_date": "31/02/1980"},
        ),
    )
    assert report.created == 1
    reasons = dict(report.rejected)
    assert set(reasons) == {3, 4, 5, 6}
    assert reasons[3].startswith("phone:")
    assert "name" in reasons[4]
    assert "tax_id" in reasons[5]
    assert "birth_date" in reasons[6]
    # nothing of a rejected row is written: not even its valid e-mail
    assert not ContactPoint.objects.filter(normalized="bom2@exemplo.com").exists()


def test_a_row_matching_two_customers_is_rejected() -> None:
    party_import_many(
        actor=None,
        rows=rows(
            {"name": "A", "email": "a@exemplo.com"},
            {"name": "B", "tax_id": "529.982.247-25", "phone": "11 98888-7777"},
        ),
    )
    report = party_import_many(
        actor=None, rows=rows({"name": "AB", "email": "a@exemplo.com", "tax_id": "52998224725"})
    )
    assert report.updated == 0 and len(report.rejected) == 1
    assert "merge" in report.rejected[0][1]
    # a phone is weaker: the row is A's, and B keeps the phone
    report = party_import_many(
        actor=None, rows=rows({"email": "a@exemplo.com", "phone": "11988887777", "tier": "vip"})
    )
    assert report.updated == 1
    a = Party.objects.get(name="A")
    assert a.tier == "vip" and not a.contact_points.filter(kind="phone").exists()


def test_portuguese_words_for_kind_stage_country_and_dates() -> None:
    party_import_many(
        actor=None,
        rows=rows(
            {
                "name": "Padaria Pão Quente",
                "kind": "Pessoa Jurídica",
                "lifecycle_stage": "Cliente",
                "country": "Brasil",
                "tags": "VIP; padarias",
            },
            {"name": "Rui Pereira", "country": "Portugal", "birth_date": "05/03/1979"},
            {"name": "Loja", "tax_id": "11.444.777/0001-61"},
        ),
    )
    bakery = Party.objects.get(name="Padaria Pão Quente")
    assert bakery.kind == "organization" and bakery.lifecycle_stage == "client"
    assert sorted(bakery.tags.values_list("name", flat=True)) == ["VIP", "padarias"]
    rui = Party.objects.get(name="Rui Pereira")
    assert rui.country == "PT" and str(rui.birth_date) == "1979-03-05"
    assert Party.objects.get(name="Loja").kind == "organization"  # a CNPJ


def test_a_freguês_id_row_updates_the_survivor_of_a_merge(admin: Any) -> None:
    a = PartyFactory(name="Carla")
    b = PartyFactory(name="Carla S.")
    party_merge(actor=admin, survivor_id=a.pk, merged_id=b.pk)
    report = party_import_many(actor=None, rows=rows({"id": str(b.pk), "tier": "gold"}))
    assert report.updated == 1
    a.refresh_from_db()
    assert a.tier == "gold"
    missing = party_import_many(actor=None, rows=rows({"id": "999999", "name": "X"}))
    assert missing.rejected and "999999" in missing.rejected[0][1]


def test_who_may_import(agent: Any, marketer: Any) -> None:
    with pytest.raises(Forbidden):
        party_import_many(actor=agent, rows=rows(JOAO))
    # marketing may load lists but not change existing customers
    with pytest.raises(Forbidden):
        party_import_many(actor=marketer, rows=rows(JOAO))
    assert party_import_many(actor=marketer, rows=rows(JOAO), on_match="skip").created == 1
    assert AuditEntry.objects.get(action="create").actor_id == marketer.pk


def test_reserved_ids_do_not_collide_with_ordinary_creates() -> None:
    party_import_many(actor=None, rows=rows(JOAO))
    later = PartyFactory(name="Depois")
    party_import_many(actor=None, rows=rows({"name": "Outro", "email": "o@exemplo.com"}))
    ids = list(Party.objects.order_by("pk").values_list("pk", flat=True))
    assert len(ids) == len(set(ids)) == 3 and later.pk in ids


def test_two_people_sharing_a_phone_are_two_customers_flagged_for_review() -> None:
    party_import_many(
        actor=None,
        rows=rows({"name": "Pai Souza", "email": "pai@exemplo.com", "phone": "11 3456-7890"}),
    )
    report = party_import_many(
        actor=None,
        rows=rows(
            {"name": "Filha Souza", "email": "filha@exemplo.com", "phone": "11 3456-7890"},
            {"name": "Mãe Souza", "email": "mae@exemplo.com", "phone": "(11) 3456-7890"},
        ),
    )
    assert report.created == 2 and report.updated == 0
    father = Party.objects.get(name="Pai Souza")
    assert father.contact_points.filter(kind="email").count() == 1
    assert ContactPoint.objects.filter(normalized="+551134567890").get().party == father
    assert DuplicateCandidate.objects.count() == 2
    # and the file is stable: a second run changes nothing
    again = party_import_many(
        actor=None,
        rows=rows(
            {"name": "Filha Souza", "email": "filha@exemplo.com", "phone": "11 3456-7890"},
            {"name": "Mãe Souza", "email": "mae@exemplo.com", "phone": "(11) 3456-7890"},
        ),
    )
    assert (again.created, again.updated, again.skipped) == (0, 0, 2)
