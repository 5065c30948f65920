"""/api/v1/parties/{id}/contact-points: e-mails, phones, handles and addresses of a party."""

from __future__ import annotations

from typing import Any

import pytest

from fregues.core.models import AuditEntry
from fregues.parties.models import ContactPoint, Party
from fregues.parties.tests.factories import ContactPointFactory, PartyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def party() -> Party:
    return PartyFactory(name="Beatriz Gonçalves")


def add(api: Any, party: Party, **body: Any) -> Any:
    return api.post(f"/parties/{party.pk}/contact-points", body)


def points(api: Any, party: Party) -> list[dict[str, Any]]:
    response = api.get(f"/parties/{party.pk}/contact-points")
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize(
    ("body", "normalized", "value"),
    [
        (
            {"kind": "email", "value": " Bia.Goncalves@Exemplo.COM.br"},
            "bia.goncalves@exemplo.com.br",
            "bia.goncalves@exemplo.com.br",
        ),
        ({"kind": "phone", "value": "(21) 99123-4567"}, "+5521991234567", "+55 21 99123-4567"),
        ({"kind": "phone", "value": "(11) 3000-1234"}, "+551130001234", "+55 11 3000-1234"),
        ({"kind": "social", "network": "X", "value": "@BiaG"}, "biag", "@biag"),
        (
            {"kind": "social", "network": "twitter", "value": "https://twitter.com/BiaG"},
            "biag",
            "@biag",
        ),
        (
            {"kind": "social", "network": "linkedin", "value": "linkedin.com/in/bia-g"},
            "bia-g",
            "@bia-g",
        ),
        (
            {"kind": "social", "network": "facebook", "value": "bia.goncalves"},
            "bia.goncalves",
            "@bia.goncalves",
        ),
        (
            {"kind": "social", "network": "whatsapp", "value": "21 99123 4567"},
            "+5521991234567",
            "+5521991234567",
        ),
        ({"kind": "social", "network": "telegram", "value": "@bia_g"}, "bia_g", "@bia_g"),
        ({"kind": "social", "network": "instagram", "value": "@Bia.G"}, "bia.g", "@bia.g"),
    ],
)
def test_contact_points_are_validated_and_normalised(
    api: Any, party: Party, body: dict[str, Any], normalized: str, value: str
) -> None:
    response = add(api, party, **body)
    assert response.status_code == 201, response.json()
    assert response.json()["normalized"] == normalized
    assert response.json()["value"] == value
    assert points(api, party)[0]["id"] == response.json()["id"]


def test_a_phone_uses_the_partys_country_as_its_region(api: Any) -> None:
    portuguese = PartyFactory(country="PT", tax_id="", tax_id_kind="")
    response = add(api, portuguese, kind="phone", value="912 345 678")
    assert response.json()["normalized"] == "+351912345678"


def test_an_address_keeps_its_parts(api: Any, party: Party) -> None:
    response = add(
        api,
        party,
        kind="address",
        street="Av. Paulista",
        number="1000",
        complement="cj. 12",
        district="Bela Vista",
        city="São Paulo",
        region="SP",
        postal_code="01310-100",
        country="br",
        label="trabalho",
    )
    body = response.json()
    assert response.status_code == 201
    assert body["value"] == "Av. Paulista 1000, cj. 12, Bela Vista, São Paulo, SP, 01310-100"
    assert (body["city"], body["country"], body["label"]) == ("São Paulo", "BR", "trabalho")


def test_a_family_can_share_an_address(api: Any, party: Party) -> None:
    sibling = PartyFactory()
    for who in (party, sibling):
        assert add(api, who, kind="address", value="Rua das Flores, 10").status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "email", "value": "bia@"}, "value"),
        ({"kind": "email", "value": ""}, "value"),
        ({"kind": "phone", "value": "0800"}, "value"),
        ({"kind": "phone", "value": "(11) 1234"}, "value"),
        ({"kind": "social", "network": "orkut", "value": "bia"}, "network"),
        ({"kind": "social", "network": "", "value": "bia"}, "network"),
        ({"kind": "social", "network": "x", "value": "bia g"}, "value"),
        ({"kind": "address"}, "value"),
        ({"kind": "fax", "value": "1"}, "kind"),
        ({"value": "bia@exemplo.com"}, "kind"),
    ],
)
def test_bad_contact_points_are_422_and_write_nothing(
    api: Any, party: Party, unchanged: Any, body: dict[str, Any], field: str
) -> None:
    with unchanged():
        response = add(api, party, **body)
    assert response.status_code == 422, response.json()
    assert field in response.json()["errors"]
    assert Party.objects.get(pk=party.pk).version == party.version


def test_a_contact_point_of_another_party_is_a_409_naming_the_holder(
    api: Any, party: Party, unchanged: Any
) -> None:
    holder = PartyFactory(name="Carlos Holder")
    ContactPointFactory(party=holder, value="+5521991234567")
    with unchanged():
        response = add(api, party, kind="phone", value="(21) 99123-4567")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "contact_point_taken"
    assert body["holder"] == {"id": holder.pk, "name": "Carlos Holder"}
    assert "Carlos Holder" in body["message"]


def test_the_same_contact_point_twice_on_one_party_is_a_409(
    api: Any, party: Party, unchanged: Any
) -> None:
    add(api, party, kind="email", value="bia@exemplo.com")
    with unchanged():
        response = add(api, party, kind="email", value="BIA@exemplo.com")
    assert response.status_code == 409
    assert response.json()["code"] == "contact_point_exists"


def test_the_same_handle_on_two_networks_is_two_contact_points(api: Any, party: Party) -> None:
    other = PartyFactory()
    assert add(api, party, kind="social", network="x", value="@bia").status_code == 201
    assert add(api, other, kind="social", network="instagram", value="@bia").status_code == 201


def test_one_primary_per_kind(api: Any, party: Party) -> None:
    first = add(api, party, kind="email", value="a@exemplo.com").json()
    second = add(api, party, kind="email", value="b@exemplo.com").json()
    phone = add(api, party, kind="phone", value="11987654321").json()
    assert first["is_primary"] and not second["is_primary"] and phone["is_primary"]
    third = add(api, party, kind="email", value="c@exemplo.com", is_primary=True).json()
    assert third["is_primary"]
    primaries = {(p["kind"], p["value"]) for p in points(api, party) if p["is_primary"]}
    assert primaries == {("email", "c@exemplo.com"), ("phone", "+55 11 98765-4321")}


def test_patch_a_contact_point(api: Any, party: Party) -> None:
    email = add(api, party, kind="email", value="a@exemplo.com").json()
    other = add(api, party, kind="email", value="b@exemplo.com").json()
    response = api.patch(
        f"/parties/{party.pk}/contact-points/{other['id']}",
        {
            "value": "B.Novo@Exemplo.com",
            "is_primary": True,
            "is_verified": True,
            "label": "pessoal",
        },
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["value"], body["is_primary"], body["is_verified"], body["label"]) == (
        "b.novo@exemplo.com",
        True,
        True,
        "pessoal",
    )
    assert not next(p for p in points(api, party) if p["id"] == email["id"])["is_primary"]
    entry = AuditEntry.objects.get(entity_type="parties.contactpoint", action="update")
    assert entry.changes["value"] == ["b@exemplo.com", "b.novo@exemplo.com"]
    assert entry.party_id == party.pk
    assert api.get("/parties", {"q": "b.novo"}).json()["items"][0]["id"] == party.pk
    assert api.get("/parties", {"q": "b@exemplo.com"}).json()["items"] == []


def test_patch_a_phone_keeps_it_a_phone_and_validates_it(
    api: Any, party: Party, unchanged: Any
) -> None:
    phone = add(api, party, kind="phone", value="11987654321").json()
    url = f"/parties/{party.pk}/contact-points/{phone['id']}"
    assert api.patch(url, {"label": "casa"}).json()["normalized"] == "+5511987654321"
    with unchanged():
        bad = api.patch(url, {"value": "abc"})
    assert bad.status_code == 422
    assert "value" in bad.json()["errors"]
    assert ContactPoint.objects.get(pk=phone["id"]).normalized == "+5511987654321"
    assert api.patch(url, {"value": "(21) 99123-4567"}).json()["normalized"] == "+5521991234567"


def test_patch_an_address_part(api: Any, party: Party) -> None:
    address = add(api, party, kind="address", street="Rua A", number="1", city="Recife").json()
    body = api.patch(
        f"/parties/{party.pk}/contact-points/{address['id']}", {"city": "Olinda"}
    ).json()
    assert body["city"] == "Olinda"


def test_patch_to_a_value_held_by_another_party_is_409(
    api: Any, party: Party, unchanged: Any
) -> None:
    holder = PartyFactory(name="Dono")
    ContactPointFactory(party=holder, kind="email", value="dono@exemplo.com")
    mine = add(api, party, kind="email", value="minha@exemplo.com").json()
    with unchanged():
        response = api.patch(
            f"/parties/{party.pk}/contact-points/{mine['id']}", {"value": "DONO@exemplo.com"}
        )
    assert response.status_code == 409
    assert response.json()["holder"]["id"] == holder.pk
    assert ContactPoint.objects.get(pk=mine["id"]).normalized == "minha@exemplo.com"


def test_remove_a_contact_point_hands_primary_to_the_next(api: Any, party: Party) -> None:
    first = add(api, party, kind="email", value="a@exemplo.com").json()
    second = add(api, party, kind="email", value="b@exemplo.com").json()
    assert api.delete(f"/parties/{party.pk}/contact-points/{first['id']}").status_code == 204
    left = points(api, party)
    assert [(p["id"], p["is_primary"]) for p in left] == [(second["id"], True)]
    entry = AuditEntry.objects.get(entity_type="parties.contactpoint", action="delete")
    assert entry.changes["value"] == "a@exemplo.com"
    assert entry.party_id == party.pk
    assert api.get("/parties/lookup", {"email": "a@exemplo.com"}).status_code == 404


def test_unknown_contact_points_are_404(api: Any, party: Party, unchanged: Any) -> None:
    elsewhere = ContactPointFactory()
    with unchanged():
        for url in (
            f"/parties/{party.pk}/contact-points/999999",
            f"/parties/{party.pk}/contact-points/{elsewhere.pk}",
        ):
            assert api.patch(url, {"label": "x"}).status_code == 404
            assert api.delete(url).status_code == 404
        assert api.get("/parties/999999/contact-points").status_code == 404
        assert add(api, Party(pk=999999), kind="email", value="x@exemplo.com").status_code == 404


@pytest.mark.parametrize("role", ["marketing", "quality_manager"])
def test_roles_off_the_front_line_cannot_change_contact_points(
    api_as: Any, party: Party, unchanged: Any, role: str
) -> None:
    caller = api_as(role)
    point = ContactPointFactory(party=party)
    with unchanged():
        assert add(caller, party, kind="email", value="x@exemplo.com").status_code == 403
        assert caller.delete(f"/parties/{party.pk}/contact-points/{point.pk}").status_code == 403
    assert caller.get(f"/parties/{party.pk}/contact-points").status_code == 200


def test_adding_a_contact_point_raises_the_party_version(api: Any, party: Party) -> None:
    add(api, party, kind="email", value="x@exemplo.com")
    assert Party.objects.get(pk=party.pk).version == party.version + 1
