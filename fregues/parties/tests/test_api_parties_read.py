"""/api/v1/parties: reading a party (404, 401), the list with its filters, cursor and search, and
the screen-pop lookup by phone, e-mail or handle."""

from __future__ import annotations

from typing import Any

import pytest

from fregues.parties.models import Party
from fregues.parties.tests.factories import OrganizationFactory, PartyFactory, TagFactory, make_cnpj

from ._helpers import JOAO, create

pytestmark = pytest.mark.django_db


# --- read ---


def test_get_a_party(api: Any) -> None:
    created = create(api)
    response = api.get(f"/parties/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created


def test_an_unknown_party_is_a_404_json(api: Any) -> None:
    response = api.get("/parties/999999")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert response.json()["errors"] == {}


def test_no_authentication_is_a_401_json(anonymous_api: Any) -> None:
    party = PartyFactory()
    for response in (
        anonymous_api.get("/parties"),
        anonymous_api.get(f"/parties/{party.pk}"),
        anonymous_api.post("/parties", JOAO),
        anonymous_api.get("/me"),
    ):
        assert response.status_code == 401
        assert response.json()["code"] == "unauthenticated"


def test_a_wrong_or_revoked_token_is_a_401(api: Any, agent: Any) -> None:
    from fregues.accounts.models import ApiToken

    assert api.get("/me").status_code == 200
    assert (
        api.client.get("/api/v1/me", headers={"Authorization": "Bearer fgs_nope"}).status_code
        == 401
    )
    from fregues.accounts.services import token_revoke

    token_revoke(actor=agent, token_id=ApiToken.objects.get(user=agent).pk)
    assert api.get("/me").status_code == 401


def test_an_inactive_users_token_stops_working(api: Any, agent: Any, settings: Any) -> None:
    settings.TOKEN_CACHE_SECONDS = 0  # as another process sees it once its memory expired
    agent.is_active = False
    agent.save()
    assert api.get("/me").status_code == 401


# --- list and search ---


def test_list_pages_by_name_with_a_cursor(api: Any) -> None:
    names = [f"Cliente {i:02d}" for i in range(7)]
    for name in reversed(names):
        PartyFactory(name=name)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        body = api.get("/parties", params).json()
        seen += [p["name"] for p in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == names
    assert pages == 3


def test_the_list_shows_the_primary_email_and_phone(api: Any) -> None:
    create(api)
    item = api.get("/parties").json()["items"][0]
    assert item["email"] == "joao.silva@example.com"
    assert item["phone"] == "+55 11 98765-4321"
    assert item["tax_id"] == "123.456.789-09"


def test_list_filters(api: Any, manager: Any) -> None:
    org = OrganizationFactory(name="Acme Comércio")
    client = PartyFactory(name="Carla Cliente", lifecycle_stage="client", owner=manager)
    tagged = PartyFactory(name="Vera VIP")
    tagged.tags.add(TagFactory(name="VIP"))
    PartyFactory(name="Sérgio Suspeito")

    def names(**params: Any) -> list[str]:
        response = api.get("/parties", params)
        assert response.status_code == 200, response.json()
        return [p["name"] for p in response.json()["items"]]

    assert names(kind="organization") == [org.name]
    assert names(lifecycle_stage="client") == ["Carla Cliente"]
    assert names(owner_id=manager.pk) == [client.name]
    assert names(tag="vip") == ["Vera VIP"]
    assert names(kind="person", q="vera") == ["Vera VIP"]
    assert len(names()) == 4


@pytest.mark.parametrize(
    "query",
    [
        "joao",
        "JOAO",
        "João",
        "joão silva",
        "silva joao",
        "(11) 98765-4321",
        "+55 11 98765-4321",
        "11987654321",
        "5511987654321",
        "98765-4321",
        "011 98765-4321",
        "0055 11 98765 4321",
        "(11) 8765-4321",
        "123.456.789-09",
        "12345678909",
        "joao.silva@example.com",
        "JOAO.SILVA@EXAMPLE.COM",
        "c-001",
    ],
)
def test_search_ignores_accents_case_and_the_way_numbers_are_written(api: Any, query: str) -> None:
    joao = create(api)
    PartyFactory(name="Maria Souza")
    found = [p["id"] for p in api.get("/parties", {"q": query}).json()["items"]]
    assert found == [joao["id"]]


def test_search_finds_an_organisation_by_cnpj_with_or_without_punctuation(api: Any) -> None:
    cnpj = make_cnpj(12345678)
    org = OrganizationFactory(tax_id=cnpj)
    for query in (cnpj, f"{cnpj[:2]}.{cnpj[2:5]}.{cnpj[5:8]}/{cnpj[8:12]}-{cnpj[12:]}"):
        assert [p["id"] for p in api.get("/parties", {"q": query}).json()["items"]] == [org.pk]


def test_search_finds_nothing_when_nothing_matches(api: Any) -> None:
    create(api)
    assert api.get("/parties", {"q": "zzzz"}).json()["items"] == []


def test_merged_parties_are_not_listed(api: Any) -> None:
    survivor, merged = PartyFactory(name="Ana A"), PartyFactory(name="Ana B")
    Party.objects.filter(pk=merged.pk).update(merged_into=survivor)
    assert [p["id"] for p in api.get("/parties").json()["items"]] == [survivor.pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"limit": 0}, "limit"),
        ({"limit": 1000}, "limit"),
        ({"owner_id": "x"}, "owner_id"),
    ],
)
def test_bad_list_parameters_are_422(api: Any, params: dict[str, Any], field: str) -> None:
    PartyFactory()
    response = api.get("/parties", params)
    assert response.status_code == 422
    assert field in response.json()["errors"]


# --- lookup (screen-pop) ---


@pytest.mark.parametrize(
    "params",
    [
        {"phone": "(11) 98765-4321"},
        {"phone": "+5511987654321"},
        {"phone": "011 98765 4321"},
        {"email": "JOAO.SILVA@example.com"},
        {"handle": "@JoaoSilva", "network": "instagram"},
        {"handle": "instagram:joaosilva"},
        {"handle": "@joaosilva"},
    ],
)
def test_lookup_finds_the_party_by_any_written_form(api: Any, params: dict[str, str]) -> None:
    created = create(api)
    response = api.get("/parties/lookup", params)
    assert response.status_code == 200, response.json()
    assert response.json()["id"] == created["id"]


def test_lookup_by_phone_finds_a_whatsapp_handle(api: Any) -> None:
    created = create(
        api,
        contact_points=[{"kind": "social", "network": "whatsapp", "value": "+55 21 99123-4567"}],
    )
    assert api.get("/parties/lookup", {"phone": "(21) 99123-4567"}).json()["id"] == created["id"]


def test_lookup_of_an_unknown_number_is_404(api: Any) -> None:
    create(api)
    response = api.get("/parties/lookup", {"phone": "(21) 99999-0000"})
    assert response.status_code == 404
    assert response.json()["code"] == "no_match"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "phone"),
        ({"phone": "123"}, "phone"),
        ({"email": "nope"}, "email"),
        ({"phone": "11987654321", "email": "a@b.com"}, "phone"),
        ({"handle": "x", "network": "orkut"}, "network"),
    ],
)
def test_bad_lookups_are_422(api: Any, params: dict[str, str], field: str) -> None:
    response = api.get("/parties/lookup", params)
    assert response.status_code == 422
    assert field in response.json()["errors"]
