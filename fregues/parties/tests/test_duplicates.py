"""Finding parties that look like the same customer, and deciding about them."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fregues.core.text import fold
from fregues.parties import duplicates
from fregues.parties.models import DuplicateCandidate, Party
from fregues.parties.services import contact_point_add, duplicate_dismiss, duplicate_scan
from fregues.parties.tests.factories import (
    AffiliationFactory,
    ContactPointFactory,
    OrganizationFactory,
    PartyFactory,
    make_cpf,
)

pytestmark = pytest.mark.django_db


def with_point(name: str, kind: str, value: str, network: str = "", **fields: Any) -> Party:
    party = PartyFactory(name=name, **fields)
    contact_point_add(
        actor=None, party_id=party.pk, data={"kind": kind, "value": value, "network": network}
    )
    return party


def suggested(api: Any, party: Party) -> dict[int, list[str]]:
    response = api.get(f"/parties/{party.pk}/duplicates")
    assert response.status_code == 200, response.json()
    return {d["party"]["id"]: d["reasons"] for d in response.json()}


@pytest.mark.parametrize(
    ("kind", "network_a", "a", "network_b", "b"),
    [
        ("email", "", "ana.paula.souza@gmail.com", "", "anapaulasouza@gmail.com"),
        ("email", "", "ana.souza+loja@gmail.com", "", "anasouza@googlemail.com"),
        ("email", "", "ana+newsletter@empresa.com.br", "", "ana@empresa.com.br"),
    ],
)
def test_the_same_email_written_loosely_is_a_duplicate(
    api: Any, kind: str, network_a: str, a: str, network_b: str, b: str
) -> None:
    first = with_point("Ana Paula Souza", kind, a, network_a)
    second = with_point("Paula Souza Lima", kind, b, network_b)
    assert "same e-mail (loosely)" in suggested(api, first)[second.pk]


def test_a_phone_and_the_same_number_on_whatsapp_are_a_duplicate(api: Any) -> None:
    first = with_point("Bruno Teixeira", "phone", "(31) 99876-5432")
    second = with_point("B. Teixeira", "social", "+55 31 99876 5432", "whatsapp")
    assert "same phone (loosely)" in suggested(api, first)[second.pk]


def test_an_old_mobile_number_without_the_ninth_digit_is_the_same_number(
    api: Any, unchanged: Any
) -> None:
    """Brazilian mobiles gained a ninth digit (2012-2016): the old form still identifies the
    customer, so it finds them and cannot be given to someone else."""
    first = with_point("Bruno Teixeira", "phone", "(31) 99876-5432")
    assert api.get("/parties/lookup", {"phone": "(31) 9876-5432"}).json()["id"] == first.pk
    other = PartyFactory()
    with unchanged():
        response = api.post(
            f"/parties/{other.pk}/contact-points", {"kind": "phone", "value": "31 9876-5432"}
        )
    assert response.status_code == 409
    assert response.json()["holder"]["id"] == first.pk
    whatsapp = api.post(
        f"/parties/{other.pk}/contact-points",
        {"kind": "social", "network": "whatsapp", "value": "+55 31 9876-5432"},
    )
    assert whatsapp.status_code == 201
    assert whatsapp.json()["normalized"] == "+5531998765432"
    assert "same phone (loosely)" in suggested(api, first)[other.pk]


def test_a_mobile_and_a_landline_that_differ_by_a_nine_are_not_duplicates(api: Any) -> None:
    mobile = with_point("Carlos Mendes", "phone", "(11) 93000-1234")
    landline = with_point("Padaria Central", "phone", "(11) 3000-1234")
    assert landline.pk not in suggested(api, mobile)
    duplicate_scan(actor=None)
    assert not DuplicateCandidate.objects.exists()


def test_the_same_tax_id_is_a_strong_duplicate(api: Any) -> None:
    first = PartyFactory(name="Helena Prado")
    second = PartyFactory(name="H. Prado Ribeiro", tax_id=first.tax_id)
    found = api.get(f"/parties/{first.pk}/duplicates").json()
    assert found[0]["party"]["id"] == second.pk
    assert found[0]["reasons"] == ["same tax id"]
    assert found[0]["score"] >= 0.9


def test_similar_names_in_the_same_organisation(api: Any) -> None:
    org = OrganizationFactory()
    first = PartyFactory(name="Ana Souza")
    second = PartyFactory(name="Ana Sousa")
    stranger = PartyFactory(name="Ana Sousa")  # the same name elsewhere is weaker evidence
    AffiliationFactory(person=first, organization=org)
    AffiliationFactory(person=second, organization=org)
    found = suggested(api, first)
    assert "similar name in the same organisation" in found[second.pk]
    assert "similar name in the same organisation" not in found.get(stranger.pk, [])


def test_similar_names_with_the_same_birth_date(api: Any) -> None:
    born = datetime.date(1975, 3, 9)
    first = PartyFactory(name="Joaquim Ferreira Santos", birth_date=born)
    second = PartyFactory(name="Joaquim Ferreira dos Santos", birth_date=born)
    assert "similar name and same birth date" in suggested(api, first)[second.pk]


def test_different_people_are_not_suggested(api: Any) -> None:
    first = with_point("Ricardo Alves", "email", "ricardo@exemplo.com")
    with_point("Tatiane Moreira", "email", "tati@exemplo.com")
    PartyFactory(name="Ricardo Nogueira")
    assert suggested(api, first) == {}


def test_a_merged_party_is_never_suggested(api: Any) -> None:
    first = PartyFactory(name="Olga Bastos")
    second = PartyFactory(name="Olga Bastos")
    third = PartyFactory(name="Olga Bastos")
    Party.objects.filter(pk=third.pk).update(merged_into=second)
    assert set(suggested(api, first)) == {second.pk}


def test_scan_stores_pairs_for_review_and_is_idempotent(manager_api: Any) -> None:
    first = PartyFactory(name="Sandra Rocha")
    second = PartyFactory(name="Sandra Rocha", tax_id=first.tax_id)
    PartyFactory(name="Otávio Neves")
    response = manager_api.post("/duplicates/scan")
    assert response.status_code == 200
    assert response.json() == {"found": 1, "new": 1, "updated": 0, "dropped": 0}
    assert manager_api.post("/duplicates/scan").json() == {
        "found": 1,
        "new": 0,
        "updated": 0,
        "dropped": 0,
    }
    pairs = manager_api.get("/duplicates").json()
    assert len(pairs) == 1
    assert {pairs[0]["party_a"]["id"], pairs[0]["party_b"]["id"]} == {first.pk, second.pk}
    assert set(pairs[0]["reasons"]) == {"same tax id", "similar name"}
    assert pairs[0]["status"] == "open"


def test_a_dismissed_pair_is_not_proposed_again(manager_api: Any) -> None:
    first = PartyFactory(name="Sandra Rocha")
    second = PartyFactory(name="Sandra Rocha")
    manager_api.post("/duplicates/scan")
    response = manager_api.post(
        "/duplicates/dismiss", {"party_a_id": second.pk, "party_b_id": first.pk}
    )
    assert response.status_code == 204
    assert manager_api.get("/duplicates").json() == []
    manager_api.post("/duplicates/scan")
    assert manager_api.get("/duplicates").json() == []
    dismissed = manager_api.get("/duplicates", {"status": "dismissed"}).json()
    assert len(dismissed) == 1
    candidate = DuplicateCandidate.objects.get()
    assert candidate.resolved_by == manager_api.user


def test_a_pair_that_no_longer_matches_is_dropped(manager_api: Any) -> None:
    first = PartyFactory(name="Sandra Rocha")
    second = PartyFactory(name="Sandra Rocha")
    manager_api.post("/duplicates/scan")
    manager_api.patch(f"/parties/{second.pk}", {"name": "Vânia Toledo"})
    assert manager_api.post("/duplicates/scan").json()["dropped"] == 1
    assert manager_api.get("/duplicates").json() == []
    assert first.pk


def test_dismissing_unknown_parties_is_404(manager_api: Any) -> None:
    party = PartyFactory()
    assert (
        manager_api.post(
            "/duplicates/dismiss", {"party_a_id": party.pk, "party_b_id": 999999}
        ).status_code
        == 404
    )
    assert (
        manager_api.post(
            "/duplicates/dismiss", {"party_a_id": party.pk, "party_b_id": party.pk}
        ).status_code
        == 404
    )


@pytest.mark.parametrize("role", ["agent", "sales", "marketing", "quality_manager"])
def test_only_those_who_merge_scan_and_dismiss(api_as: Any, unchanged: Any, role: str) -> None:
    first, second = PartyFactory(name="Sandra Rocha"), PartyFactory(name="Sandra Rocha")
    caller = api_as(role)
    with unchanged():
        assert caller.post("/duplicates/scan").status_code == 403
        assert (
            caller.post(
                "/duplicates/dismiss", {"party_a_id": first.pk, "party_b_id": second.pk}
            ).status_code
            == 403
        )
    assert caller.get("/duplicates").status_code == 200


def test_the_scan_finds_the_planted_pair_among_many(manager: Any) -> None:
    for i in range(40):
        ContactPointFactory(party=PartyFactory(name=f"Pessoa {i}"), kind="email")
    first = with_point("Gustavo Henrique", "email", "gustavo.henrique@gmail.com")
    second = with_point("Henrique Gustavo", "email", "gustavohenrique+compras@gmail.com")
    assert duplicate_scan(actor=manager)["found"] == 1
    pair = DuplicateCandidate.objects.get()
    assert (pair.party_a_id, pair.party_b_id) == (first.pk, second.pk)
    assert pair.reasons == ["same e-mail (loosely)"]


# --- the blocked scan ---


def scanned_pairs() -> dict[frozenset[int], list[str]]:
    duplicate_scan(actor=None)
    return {
        frozenset((c.party_a_id, c.party_b_id)): c.reasons for c in DuplicateCandidate.objects.all()
    }


def test_a_common_name_needs_the_same_birth_date(monkeypatch: Any) -> None:
    """Namesakes are many in a large base: in a block of a common name only the same birth
    date makes a pair; an uncommon name alone still does."""
    monkeypatch.setattr(duplicates, "NAME_ALONE_LIMIT", 3)
    born = datetime.date(1990, 1, 2)
    common = [PartyFactory(name="Lucas Gomes", birth_date=None) for _ in range(3)]
    twins = [PartyFactory(name=name, birth_date=born) for name in ("Lucas Gomes", "Lucas Gomez")]
    rare = [PartyFactory(name="Thalles Rebouças", birth_date=None) for _ in range(2)]
    found = scanned_pairs()
    assert found == {
        frozenset(p.pk for p in twins): ["similar name and same birth date"],
        frozenset(p.pk for p in rare): ["similar name"],
    }
    assert all(frozenset((common[0].pk, p.pk)) not in found for p in common[1:])


def test_a_tax_id_or_contact_key_held_by_too_many_is_a_placeholder(monkeypatch: Any) -> None:
    monkeypatch.setattr(duplicates, "EXACT_GROUP_LIMIT", 2)
    placeholder = make_cpf(123)
    crowd = [PartyFactory(tax_id=placeholder) for _ in range(3)]
    pair = [PartyFactory(name=name, tax_id=make_cpf(456)) for name in ("Ana Lima", "Bia Reis")]
    for i, party in enumerate(crowd):
        contact_point_add(
            actor=None,
            party_id=party.pk,
            data={"kind": "email", "value": f"compras+{i}@padaria.com.br"},
        )
    found = scanned_pairs()
    assert found == {frozenset(p.pk for p in pair): ["same tax id"]}


def test_a_party_holding_a_number_twice_is_not_its_own_duplicate() -> None:
    """A phone that is also the party's WhatsApp shares its loose key with itself only;
    a merged party's numbers count no more."""
    alone = with_point("Bruno Teixeira", "phone", "(31) 99876-5432")
    contact_point_add(
        actor=None,
        party_id=alone.pk,
        data={"kind": "social", "network": "whatsapp", "value": "+55 31 99876-5432"},
    )
    survivor = with_point("Carla Dias", "email", "carla.dias@gmail.com")
    gone = with_point("Outra Pessoa", "email", "carladias+loja@gmail.com")
    Party.objects.filter(pk=gone.pk).update(merged_into=survivor)
    assert scanned_pairs() == {}


def test_people_of_a_large_organisation_are_compared_by_name_block(monkeypatch: Any) -> None:
    monkeypatch.setattr(duplicates, "NAME_BLOCK_LIMIT", 3)
    org = OrganizationFactory()
    names = ["Ana Souza", "Ana Sousa", "Bruno Lima", "Carla Dias", "Davi Rocha"]
    people = [PartyFactory(name=name, birth_date=None, tax_id="") for name in names]
    for person in people:
        AffiliationFactory(person=person, organization=org)
    found = scanned_pairs()
    assert found == {
        frozenset(p.pk for p in people[:2]): ["similar name in the same organisation"],
    }


def test_the_scan_writes_its_pairs_in_batches(monkeypatch: Any) -> None:
    """Storing, updating and dropping pairs costs the same few statements for 3 pairs or 30."""
    from fregues.parties.services import duplicates as storing

    monkeypatch.setattr(storing, "WRITE_BATCH", 1000)

    def plant(n: int, start: int) -> list[tuple[Party, Party]]:
        pairs = []
        for i in range(start, start + n):
            first = PartyFactory(name=f"Pessoa{i} Planta", birth_date=None)
            pairs.append((first, PartyFactory(name=f"Outra{i} Gente", tax_id=first.tax_id)))
        return pairs

    def statements() -> int:
        with CaptureQueriesContext(connection) as captured:
            duplicate_scan(actor=None)
        return len(captured)

    few = plant(3, 0)
    first_scan = statements()
    assert DuplicateCandidate.objects.count() == 3
    more = plant(27, 3)
    assert statements() == first_scan
    assert DuplicateCandidate.objects.count() == 30
    for first, _second in few:  # the evidence goes: the pair is dropped
        Party.objects.filter(pk=first.pk).update(tax_id=make_cpf(900 + first.pk))
    for first, second in more[:2]:  # more evidence: the pair's score and reasons change
        Party.objects.filter(pk=second.pk).update(name=first.name)
    assert duplicate_scan(actor=None) == {"found": 27, "new": 0, "updated": 2, "dropped": 3}
    reasons = DuplicateCandidate.objects.values_list("reasons", flat=True)
    assert sorted(reasons).count(["same tax id", "similar name"]) == 2


def test_a_dismissed_pair_stays_dismissed_whatever_the_scan_finds(manager: Any) -> None:
    first = PartyFactory(name="Sandra Rocha")
    second = PartyFactory(name="Sandra Rocha")
    duplicate_scan(actor=manager)
    duplicate_dismiss(actor=manager, party_a_id=first.pk, party_b_id=second.pk)
    Party.objects.filter(pk=second.pk).update(tax_id=first.tax_id)  # stronger evidence now
    assert duplicate_scan(actor=manager) == {"found": 1, "new": 0, "updated": 0, "dropped": 0}
    pair = DuplicateCandidate.objects.get()
    assert (pair.status, pair.reasons) == ("dismissed", ["similar name"])


def test_the_scan_finds_what_the_party_page_suggests(api: Any) -> None:
    """The scan (blocked, over everyone) and the party page's suggestions (one party) agree."""
    born = datetime.date(1975, 3, 9)
    first = with_point(
        "Joaquim Ferreira Santos", "email", "joaquim.santos@gmail.com", birth_date=born
    )
    same_email = with_point("J. F. Santos", "email", "joaquimsantos@gmail.com")
    same_birth = PartyFactory(name="Joaquim Ferreira dos Santos", birth_date=born)
    same_tax = PartyFactory(name="Quim Santos", tax_id=first.tax_id)
    PartyFactory(name="Joaquim Barbosa")
    pairs = scanned_pairs()
    partners = {next(iter(pair - {first.pk})) for pair in pairs if first.pk in pair}
    assert partners == set(suggested(api, first)) == {same_email.pk, same_birth.pk, same_tax.pk}
    for other in (same_email, same_birth, same_tax):
        assert set(pairs[frozenset((first.pk, other.pk))]) == set(suggested(api, first)[other.pk])


def test_names_are_folded_a_word_at_a_time_like_fold() -> None:
    for name in ["  João  D'Ávila ", "MARIA DA CONCEIÇÃO", "Ana\u00a0Lívia", "Zoë Straße"]:
        assert duplicates._fold_name(name) == fold(name)
