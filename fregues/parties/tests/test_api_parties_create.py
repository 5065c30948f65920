"""/api/v1/parties: creating a party — what is normalised, the first lifecycle stage and the
audit, every bad input (422 naming the field, nothing written) and every conflict (409)."""

from __future__ import annotations

from typing import Any

import pytest

from fregues.core.models import AuditEntry
from fregues.parties.models import LifecycleMove
from fregues.parties.tests.factories import (
    ContactPointFactory,
    OrganizationFactory,
    PartyFactory,
    make_cnpj,
    make_cpf,
)

from ._helpers import JOAO, create

pytestmark = pytest.mark.django_db


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


# --- the factories' Brazilian documents ---


def test_factories_make_valid_brazilian_documents() -> None:
    from stdnum.br import cnpj, cpf

    assert cpf.is_valid(make_cpf(42))
    assert cnpj.is_valid(make_cnpj(42))
    party = PartyFactory()
    assert cpf.is_valid(party.tax_id)
    phone = ContactPointFactory(party=party)
    assert phone.normalized.startswith("+55")
