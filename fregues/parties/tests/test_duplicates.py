"""Finding parties that look like the same customer, and deciding about them."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from fregues.parties.models import DuplicateCandidate, Party
from fregues.parties.services import contact_point_add, duplicate_scan
from fregues.parties.tests.factories import (
    AffiliationFactory,
    ContactPointFactory,
    OrganizationFactory,
    PartyFactory,
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
