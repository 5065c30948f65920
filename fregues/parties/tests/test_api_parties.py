"""/api/v1/parties: create, read, list and search, change, delete — and every bad input."""

from __future__ import annotations

from typing import Any

import pytest

from fregues.core.models import AuditEntry
from fregues.parties.models import ContactPoint, LifecycleMove, Party
from fregues.parties.tests.factories import (
    ContactPointFactory,
    OrganizationFactory,
    PartyFactory,
    TagFactory,
    make_cnpj,
    make_cpf,
)

pytestmark = pytest.mark.django_db

JOAO = {
    "kind": "person",
    "name": "João da Silva",
    "tax_id": "123.456.789-09",
    "birth_date": "1980-05-17",
    "contact_points": [
        {"kind": "email", "value": "  Joao.Silva@Example.COM "},
        {"kind": "phone", "value": "(11) 98765-4321"},
        {"kind": "social", "network": "Instagram", "value": "https://instagram.com/JoaoSilva/"},
        {
            "kind": "address",
            "street": "Rua Augusta",
            "number": "1500",
            "city": "São Paulo",
            "region": "SP",
            "postal_code": "01304-001",
            "country": "br",
        },
    ],
    "tags": ["VIP"],
    "external_ids": [{"source": "ERP", "code": "C-001"}],
}


def create(api: Any, **overrides: Any) -> dict[str, Any]:
    response = api.post("/parties", {**JOAO, **overrides})
    assert response.status_code == 201, response.json()
    return response.json()


# --- create ---


def test_create_a_person_normalises_what_identifies_them(api: Any) -> None:
    body = create(api)
    points = {cp["kind"]: cp for cp in body["contact_points"]}
    assert points["email"]["value"] == "joao.silva@example.com"
    assert points["phone"]["normalized"] == "+5511987654321"
    assert points["phone"]["label"] == "mobile"
    assert points["social"]["network"] == "instagram"
    assert points["social"]["normalized"] == "joaosilva"
    assert points["social"]["value"] == "@joaosilva"
    assert points["address"]["city"] == "São Paulo"
    assert points["address"]["country"] == "BR"
    assert "Rua Augusta 1500" in points["address"]["value"]
    assert all(cp["is_primary"] for cp in body["contact_points"])
    assert body["tax_id"] == "12345678909"
    assert body["tax_id_kind"] == "cpf"
    assert body["tax_id_formatted"] == "123.456.789-09"
    assert body["country"] == "BR"
    assert body["lifecycle_stage"] == "suspect"
    assert body["tags"] == ["VIP"]
    assert body["external_ids"] == [{"source": "erp", "code": "C-001"}]
    assert body["version"] == 1


def test_create_records_the_first_lifecycle_stage_and_an_audit_entry(api: Any) -> None:
    body = create(api, lifecycle_stage="prospect")
    move = LifecycleMove.objects.get(party_id=body["id"])
    assert (move.from_stage, move.to_stage, move.actor) == ("", "prospect", api.user)
    entry = AuditEntry.objects.get(entity_type="parties.party", entity_id=body["id"])
    assert entry.action == "create"
    assert entry.actor == api.user
    assert entry.party_id == body["id"]
    assert entry.changes["name"] == "João da Silva"
    assert (
        AuditEntry.objects.filter(
            party_id=body["id"], entity_type="parties.contactpoint", action="create"
        ).count()
        == 4
    )


def test_create_an_organisation_with_a_cnpj(api: Any) -> None:
    body = create(
        api,
        kind="organization",
        name="Padaria Pão Quente",
        legal_name="Pão Quente Ltda.",
        tax_id="11.222.333/0001-81",
        birth_date=None,
        contact_points=[],
        external_ids=[],
    )
    assert body["kind"] == "organization"
    assert body["tax_id_kind"] == "cnpj"
    assert body["tax_id_formatted"] == "11.222.333/0001-81"


def test_create_a_portuguese_customer_with_a_nif_and_a_local_phone(api: Any) -> None:
    body = create(
        api,
        name="Maria Conceição",
        country="PT",
        tax_id="123 456 789",
        external_ids=[],
        contact_points=[{"kind": "phone", "value": "912 345 678"}],
    )
    assert body["tax_id_kind"] == "nif"
    assert body["contact_points"][0]["normalized"] == "+351912345678"


def test_a_person_name_can_come_from_given_and_family_names(api: Any) -> None:
    body = create(
        api,
        name="",
        given_name="Ana",
        family_name="Souza",
        contact_points=[],
        external_ids=[],
        tax_id="",
    )
    assert body["name"] == "Ana Souza"


def test_a_person_is_linked_to_their_organisation_at_creation(api: Any) -> None:
    org = OrganizationFactory()
    body = create(
        api,
        contact_points=[],
        external_ids=[],
        tax_id="",
        organizations=[{"organization_id": org.pk, "role": "diretora de compras"}],
    )
    assert body["affiliations"][0]["organization_id"] == org.pk
    assert body["affiliations"][0]["role"] == "diretora de compras"


BAD_CREATES = [
    (
        "bad e-mail",
        {"contact_points": [{"kind": "email", "value": "joao@"}]},
        "contact_points.0.value",
    ),
    (
        "bad phone",
        {"contact_points": [{"kind": "phone", "value": "12345"}]},
        "contact_points.0.value",
    ),
    (
        "bad handle",
        {"contact_points": [{"kind": "social", "network": "x", "value": "@"}]},
        "contact_points.0.value",
    ),
    (
        "unknown network",
        {"contact_points": [{"kind": "social", "network": "orkut", "value": "joao"}]},
        "contact_points.0.network",
    ),
    (
        "unknown contact point kind",
        {"contact_points": [{"kind": "pager", "value": "1"}]},
        "contact_points.0.kind",
    ),
    ("empty address", {"contact_points": [{"kind": "address"}]}, "contact_points.0.value"),
    ("bad CPF", {"tax_id": "123.456.789-00"}, "tax_id"),
    ("repeated-digit CPF", {"tax_id": "111.111.111-11"}, "tax_id"),
    (
        "bad CNPJ",
        {"kind": "organization", "tax_id": "11.222.333/0001-00", "birth_date": None},
        "tax_id",
    ),
    ("bad NIF", {"country": "PT", "tax_id": "123456780"}, "tax_id"),
    ("unknown kind", {"kind": "robot"}, "kind"),
    ("missing name", {"name": "", "given_name": "", "family_name": ""}, "name"),
    ("blank name", {"name": "   "}, "name"),
    ("bad country", {"country": "Brasil"}, "country"),
    ("future birth date", {"birth_date": "2999-01-01"}, "birth_date"),
    ("not a date", {"birth_date": "17/05/1980"}, "birth_date"),
    ("unknown owner", {"owner_id": 987654}, "owner_id"),
    ("unknown stage", {"lifecycle_stage": "vip"}, "lifecycle_stage"),
    ("unknown language", {"language": "klingon"}, "language"),
    ("nested attributes", {"attributes": {"a": {"b": 1}}}, "attributes"),
    ("blank tag", {"tags": [" "]}, "tags"),
    (
        "organisation link of an organisation",
        {
            "kind": "organization",
            "birth_date": None,
            "tax_id": "",
            "organizations": [{"organization_id": 1}],
        },
        "organizations.0",
    ),
]


@pytest.mark.parametrize(("case", "change", "field"), BAD_CREATES, ids=[c[0] for c in BAD_CREATES])
def test_bad_input_is_a_422_naming_the_field_and_writes_nothing(
    api: Any, unchanged: Any, case: str, change: dict[str, Any], field: str
) -> None:
    with unchanged():
        response = api.post("/parties", {**JOAO, **change})
    assert response.status_code == 422, response.json()
    body = response.json()
    assert body["code"] == "invalid"
    assert body["message"]
    assert field in body["errors"], body
    assert all(isinstance(m, str) and m for m in body["errors"][field])


def test_every_field_error_is_reported_at_once(api: Any, unchanged: Any) -> None:
    with unchanged():
        response = api.post(
            "/parties",
            {
                **JOAO,
                "tax_id": "000",
                "birth_date": "2999-01-01",
                "contact_points": [
                    {"kind": "email", "value": "x"},
                    {"kind": "phone", "value": "1"},
                ],
            },
        )
    assert response.status_code == 422
    assert {"tax_id", "birth_date", "contact_points.0.value", "contact_points.1.value"} <= set(
        response.json()["errors"]
    )


@pytest.mark.parametrize("body", [None, [], "text", {"kind": 5}, {"contact_points": "x"}])
def test_malformed_bodies_are_422_json(api: Any, unchanged: Any, body: Any) -> None:
    with unchanged():
        response = api.post("/parties", body)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


def test_not_json_at_all_is_a_clear_error(api: Any, unchanged: Any) -> None:
    with unchanged():
        response = api.client.post("/api/v1/parties", "{not json", content_type="application/json")
    assert response.status_code in (400, 422)
    assert response.json()["code"] in ("bad_request", "invalid")


def test_a_contact_point_held_by_another_party_is_a_409_naming_the_holder(
    api: Any, unchanged: Any
) -> None:
    holder = create(api)
    with unchanged():
        response = api.post(
            "/parties",
            {
                "name": "Outro João",
                "contact_points": [{"kind": "phone", "value": "+55 11 98765 4321"}],
            },
        )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "contact_point_taken"
    assert body["holder"] == {"id": holder["id"], "name": "João da Silva"}
    assert "João da Silva" in body["message"]


def test_an_email_held_by_another_party_conflicts_whatever_its_case(
    api: Any, unchanged: Any
) -> None:
    create(api)
    with unchanged():
        response = api.post(
            "/parties",
            {
                "name": "Outro",
                "contact_points": [{"kind": "email", "value": "JOAO.SILVA@example.com"}],
            },
        )
    assert response.status_code == 409


def test_an_external_id_held_by_another_party_is_a_409(api: Any, unchanged: Any) -> None:
    holder = create(api)
    with unchanged():
        response = api.post(
            "/parties", {"name": "Outro", "external_ids": [{"source": "erp", "code": "C-001"}]}
        )
    assert response.status_code == 409
    assert response.json()["holder"]["id"] == holder["id"]


def test_the_same_contact_point_twice_in_one_request_is_refused_whole(
    api: Any, unchanged: Any
) -> None:
    with unchanged():
        response = api.post(
            "/parties",
            {
                "name": "Ana",
                "contact_points": [
                    {"kind": "email", "value": "ana@exemplo.com"},
                    {"kind": "email", "value": "ANA@exemplo.com"},
                ],
            },
        )
    assert response.status_code in (409, 422)


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
    from django.utils import timezone

    from fregues.accounts.models import ApiToken

    assert api.get("/me").status_code == 200
    assert (
        api.client.get("/api/v1/me", headers={"Authorization": "Bearer fgs_nope"}).status_code
        == 401
    )
    ApiToken.objects.filter(user=agent).update(revoked_at=timezone.now())
    assert api.get("/me").status_code == 401


def test_an_inactive_users_token_stops_working(api: Any, agent: Any) -> None:
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


# --- update ---


def test_patch_changes_only_the_fields_sent_and_audits_before_and_after(api: Any) -> None:
    created = create(api)
    response = api.patch(f"/parties/{created['id']}", {"name": "João Silva Neto", "version": 1})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["name"] == "João Silva Neto"
    assert body["tax_id"] == created["tax_id"]
    assert body["version"] == 2
    entry = AuditEntry.objects.filter(entity_id=created["id"], action="update").get()
    assert entry.changes == {"name": ["João da Silva", "João Silva Neto"]}
    assert entry.actor == api.user
    assert api.get("/parties", {"q": "neto"}).json()["items"][0]["id"] == created["id"]


def test_put_works_like_patch(api: Any) -> None:
    created = create(api)
    response = api.put(f"/parties/{created['id']}", {"language": "pt-pt"})
    assert response.status_code == 200
    assert response.json()["language"] == "pt-pt"


def test_patch_tags_replaces_them(api: Any) -> None:
    created = create(api)
    body = api.patch(f"/parties/{created['id']}", {"tags": ["imprensa", "parceiro"]}).json()
    assert sorted(body["tags"]) == ["imprensa", "parceiro"]


def test_a_stale_version_is_a_409_and_nothing_is_overwritten(api: Any, unchanged: Any) -> None:
    created = create(api)
    assert (
        api.patch(f"/parties/{created['id']}", {"name": "Primeira", "version": 1}).status_code
        == 200
    )
    with unchanged():
        response = api.patch(f"/parties/{created['id']}", {"name": "Segunda", "version": 1})
    assert response.status_code == 409
    assert response.json()["code"] == "version_conflict"
    assert response.json()["current_version"] == 2
    assert Party.objects.get(pk=created["id"]).name == "Primeira"


def test_if_match_carries_the_version_too(api: Any, unchanged: Any) -> None:
    created = create(api)
    with unchanged():
        stale = api.patch(f"/parties/{created['id']}", {"name": "X"}, **{"If-Match": '"7"'})
    assert stale.status_code == 409
    fresh = api.patch(f"/parties/{created['id']}", {"name": "X"}, **{"If-Match": '"1"'})
    assert fresh.status_code == 200
    assert (
        api.patch(f"/parties/{created['id']}", {"name": "Y"}, **{"If-Match": "abc"}).status_code
        == 422
    )


def test_a_patch_without_a_version_is_last_writer_wins(api: Any) -> None:
    created = create(api)
    api.patch(f"/parties/{created['id']}", {"name": "A"})
    assert api.patch(f"/parties/{created['id']}", {"name": "B"}).json()["version"] == 3


def test_a_patch_that_changes_nothing_keeps_the_version(api: Any) -> None:
    created = create(api)
    body = api.patch(f"/parties/{created['id']}", {"name": "João da Silva"}).json()
    assert body["version"] == 1
    assert not AuditEntry.objects.filter(action="update").exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tax_id": "123.456.789-00"}, "tax_id"),
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"kind": "robot"}, "kind"),
        ({"country": "PT"}, "tax_id"),
        ({"owner_id": 424242}, "owner_id"),
        ({"birth_date": "2999-01-01"}, "birth_date"),
        ({"attributes": {"x": [1]}}, "attributes"),
    ],
)
def test_a_bad_patch_is_422_and_changes_nothing(
    api: Any, unchanged: Any, change: dict[str, Any], field: str
) -> None:
    created = create(api)
    with unchanged():
        response = api.patch(f"/parties/{created['id']}", change)
    assert response.status_code == 422, response.json()
    assert field in response.json()["errors"]
    after = api.get(f"/parties/{created['id']}").json()
    assert after == created


def test_patch_an_unknown_party_is_404(api: Any, unchanged: Any) -> None:
    with unchanged():
        assert api.patch("/parties/999999", {"name": "X"}).status_code == 404


# --- delete ---


def test_only_relationship_managers_and_admins_delete(
    api: Any, manager_api: Any, admin_api: Any, api_as: Any, unchanged: Any
) -> None:
    created = create(api)
    for role in ("agent", "sales", "marketing", "quality_manager"):
        caller = api_as(role)
        with unchanged():
            response = caller.delete(f"/parties/{created['id']}")
        assert response.status_code == 403, role
        assert response.json()["code"] == "forbidden"
    assert manager_api.delete(f"/parties/{created['id']}").status_code == 204
    other = create(admin_api, contact_points=[], external_ids=[], tax_id="")
    assert admin_api.delete(f"/parties/{other['id']}").status_code == 204


def test_delete_erases_the_party_and_what_hangs_on_it_and_is_audited(
    api: Any, manager_api: Any
) -> None:
    created = create(api)
    assert manager_api.delete(f"/parties/{created['id']}").status_code == 204
    assert api.get(f"/parties/{created['id']}").status_code == 404
    assert not ContactPoint.objects.filter(party_id=created["id"]).exists()
    entry = AuditEntry.objects.get(entity_type="parties.party", action="delete")
    assert entry.entity_id == created["id"]
    assert entry.actor == manager_api.user
    # the phone is free again
    again = api.post(
        "/parties", {"name": "Nova", "contact_points": [{"kind": "phone", "value": "11987654321"}]}
    )
    assert again.status_code == 201


def test_delete_with_a_stale_if_match_is_409(api: Any, manager_api: Any, unchanged: Any) -> None:
    created = create(api)
    with unchanged():
        response = manager_api.delete(f"/parties/{created['id']}", **{"If-Match": '"5"'})
    assert response.status_code == 409
    assert Party.objects.filter(pk=created["id"]).exists()


def test_delete_an_unknown_party_is_404(manager_api: Any, unchanged: Any) -> None:
    with unchanged():
        assert manager_api.delete("/parties/999999").status_code == 404


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


# --- notes, affiliations, audit ---


def test_notes_are_added_and_listed(api: Any, unchanged: Any) -> None:
    created = create(api)
    response = api.post(f"/parties/{created['id']}/notes", {"body": "Prefere contato à tarde."})
    assert response.status_code == 201
    assert response.json()["author"]["id"] == api.user.pk
    notes = api.get(f"/parties/{created['id']}/notes").json()
    assert [n["body"] for n in notes] == ["Prefere contato à tarde."]
    with unchanged():
        assert api.post(f"/parties/{created['id']}/notes", {"body": "  "}).status_code == 422


def test_affiliations_link_a_person_to_an_organisation(api: Any, unchanged: Any) -> None:
    person = create(api)
    org = OrganizationFactory()
    response = api.post(
        f"/parties/{person['id']}/affiliations", {"organization_id": org.pk, "role": "gerente"}
    )
    assert response.status_code == 201
    assert response.json()["affiliations"][0]["organization_name"] == org.name
    assert api.get(f"/parties/{org.pk}").json()["affiliations"][0]["person_id"] == person["id"]
    with unchanged():
        bad = api.post(f"/parties/{org.pk}/affiliations", {"organization_id": person["id"]})
    assert bad.status_code == 422


def test_the_audit_trail_of_a_party(api: Any, marketing_api: Any) -> None:
    created = create(api)
    api.patch(f"/parties/{created['id']}", {"name": "João S."})
    response = api.get(f"/parties/{created['id']}/audit")
    assert response.status_code == 200
    actions = [(e["action"], e["entity_type"]) for e in response.json()]
    assert actions[0] == ("update", "parties.party")
    assert ("create", "parties.party") in actions
    assert ("create", "parties.contactpoint") in actions
    assert all(e["actor_name"] == api.user.username for e in response.json())
    assert marketing_api.get(f"/parties/{created['id']}/audit").status_code == 403


def test_factories_make_valid_brazilian_documents() -> None:
    from stdnum.br import cnpj, cpf

    assert cpf.is_valid(make_cpf(42))
    assert cnpj.is_valid(make_cnpj(42))
    party = PartyFactory()
    assert cpf.is_valid(party.tax_id)
    phone = ContactPointFactory(party=party)
    assert phone.normalized.startswith("+55")


def test_a_person_turned_organisation_must_not_keep_a_cpf_or_a_birth_date(
    api: Any, unchanged: Any
) -> None:
    created = create(api)
    with unchanged():
        response = api.patch(f"/parties/{created['id']}", {"kind": "organization"})
    assert response.status_code == 422
    assert {"tax_id", "birth_date"} <= set(response.json()["errors"])
    fixed = api.patch(
        f"/parties/{created['id']}",
        {"kind": "organization", "tax_id": "11.222.333/0001-81", "birth_date": None},
    )
    assert fixed.status_code == 200, fixed.json()
    assert (fixed.json()["kind"], fixed.json()["tax_id_kind"]) == ("organization", "cnpj")


def test_a_linked_party_keeps_its_kind(api: Any, unchanged: Any) -> None:
    org = OrganizationFactory(tax_id="", tax_id_kind="")
    person = create(
        api,
        tax_id="",
        birth_date=None,
        contact_points=[],
        external_ids=[],
        organizations=[{"organization_id": org.pk}],
    )
    with unchanged():
        response = api.patch(f"/parties/{org.pk}", {"kind": "person"})
        assert api.patch(f"/parties/{person['id']}", {"kind": "organization"}).status_code == 422
    assert response.status_code == 422
    assert "kind" in response.json()["errors"]


def test_a_party_with_records_that_must_be_kept_is_not_deleted(
    manager_api: Any, unchanged: Any
) -> None:
    from fregues.service.services import case_open

    party = PartyFactory()
    ContactPointFactory(party=party)
    case_open(
        actor=None,
        party_id=party.pk,
        case_type="technical-assistance",
        subject="Geladeira não gela",
    )
    with unchanged():
        response = manager_api.delete(f"/parties/{party.pk}")
    assert response.status_code == 409
    assert response.json()["code"] == "party_protected"
    assert response.json()["kept"] == ["cases"]
    assert manager_api.get(f"/parties/{party.pk}").status_code == 200


def test_patch_assigns_and_clears_the_relationship_manager(api: Any, manager: Any) -> None:
    created = create(api)
    body = api.patch(f"/parties/{created['id']}", {"owner_id": manager.pk}).json()
    assert body["owner"]["id"] == manager.pk
    assert [p["id"] for p in api.get("/parties", {"owner_id": manager.pk}).json()["items"]] == [
        created["id"]
    ]
    assert api.patch(f"/parties/{created['id']}", {"owner_id": None}).json()["owner"] is None
    assert Party.objects.get(pk=created["id"]).owner_id is None
