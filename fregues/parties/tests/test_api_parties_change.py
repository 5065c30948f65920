"""/api/v1/parties: changing a party (versions, If-Match, kind and owner, bad patches) and
deleting one (by role, audited, refused when records must be kept)."""

from __future__ import annotations

from typing import Any

import pytest

from fregues.core.models import AuditEntry
from fregues.parties.models import ContactPoint, Party
from fregues.parties.tests.factories import ContactPointFactory, OrganizationFactory, PartyFactory

from ._helpers import create

pytestmark = pytest.mark.django_db


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


def test_patch_assigns_and_clears_the_relationship_manager(api: Any, manager: Any) -> None:
    created = create(api)
    body = api.patch(f"/parties/{created['id']}", {"owner_id": manager.pk}).json()
    assert body["owner"]["id"] == manager.pk
    assert [p["id"] for p in api.get("/parties", {"owner_id": manager.pk}).json()["items"]] == [
        created["id"]
    ]
    assert api.patch(f"/parties/{created['id']}", {"owner_id": None}).json()["owner"] is None
    assert Party.objects.get(pk=created["id"]).owner_id is None


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
