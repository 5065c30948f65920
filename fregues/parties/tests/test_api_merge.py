"""Merging two records of one customer: everything moves, nothing is lost, the old id resolves."""

from __future__ import annotations

from typing import Any

import pytest

from fregues.core.models import AuditEntry
from fregues.interactions.models import Interaction
from fregues.interactions.tests.factories import InteractionFactory
from fregues.parties.models import (
    Affiliation,
    ContactPoint,
    DuplicateCandidate,
    ExternalId,
    LifecycleMove,
    Note,
    Party,
)
from fregues.parties.services import duplicate_scan, party_merge
from fregues.parties.tests.factories import (
    AffiliationFactory,
    ContactPointFactory,
    ExternalIdFactory,
    NoteFactory,
    OrganizationFactory,
    PartyFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(manager: Any) -> tuple[Party, Party]:
    """Two records of Fernanda: the survivor has less; the other has a lot."""
    survivor = PartyFactory(
        name="Fernanda Lima",
        birth_date=None,
        tax_id="",
        tax_id_kind="",
        lifecycle_stage="prospect",
        attributes={"segmento": "varejo"},
    )
    other = PartyFactory(
        name="Fernanda M. Lima",
        lifecycle_stage="client",
        owner=manager,
        attributes={"segmento": "atacado", "origem": "feira"},
    )
    ContactPointFactory(party=survivor, kind="email", value="fernanda@exemplo.com")
    ContactPointFactory(party=other, kind="email", value="fe.lima@exemplo.com")
    ContactPointFactory(party=other, kind="phone")
    InteractionFactory.create_batch(3, party=other)
    InteractionFactory(party=survivor)
    NoteFactory(party=other, body="Cliente desde 2015.")
    ExternalIdFactory(party=other, source="erp", code="F-77")
    AffiliationFactory(person=other, role="compradora")
    other.tags.add(TagFactory(name="VIP"))
    AuditEntry.objects.create(
        action="update",
        entity_type="parties.party",
        entity_id=other.pk,
        party_id=other.pk,
        actor_name="legado",
        summary="histórico antigo",
    )
    return survivor, other


def test_merge_moves_everything_to_the_survivor(
    manager_api: Any, api: Any, pair: tuple[Party, Party], manager: Any
) -> None:
    survivor, other = pair
    birth, tax_id = other.birth_date, other.tax_id
    response = manager_api.post(f"/parties/{survivor.pk}/merge", {"merge_id": other.pk})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["id"] == survivor.pk
    assert sorted(cp["value"] for cp in body["contact_points"] if cp["kind"] == "email") == [
        "fe.lima@exemplo.com",
        "fernanda@exemplo.com",
    ]
    assert [cp["is_primary"] for cp in body["contact_points"] if cp["kind"] == "email"] == [
        True,
        False,
    ]
    assert body["tags"] == ["VIP"]
    assert body["external_ids"] == [{"source": "erp", "code": "F-77"}]
    assert body["affiliations"][0]["role"] == "compradora"
    assert body["attributes"] == {"segmento": "varejo", "origem": "feira"}
    assert body["birth_date"] == birth.isoformat()
    assert body["tax_id"] == tax_id
    assert body["owner"]["id"] == manager.pk
    assert body["lifecycle_stage"] == "client"  # the further stage wins
    assert body["name"] == "Fernanda Lima"

    assert Interaction.objects.filter(party=survivor).count() == 4
    assert Note.objects.filter(party=survivor).count() == 1
    assert not ContactPoint.objects.filter(party=other).exists()
    assert not Interaction.objects.filter(party=other).exists()
    assert not Note.objects.filter(party=other).exists()
    assert not ExternalId.objects.filter(party=other).exists()
    assert not Affiliation.objects.filter(person=other).exists()
    assert not LifecycleMove.objects.filter(party=other).exists()
    assert not AuditEntry.objects.filter(party_id=other.pk).exists()
    assert AuditEntry.objects.filter(party_id=survivor.pk, summary="histórico antigo").exists()
    moves = LifecycleMove.objects.filter(party=survivor).order_by("occurred_at", "id")
    assert moves.last().to_stage == "client"
    assert moves.last().reason == f"merge of party {other.pk}"

    timeline = api.get(f"/parties/{survivor.pk}/timeline").json()["items"]
    assert len(timeline) == 4


def test_the_merged_id_answers_301_to_the_survivor(
    manager_api: Any, pair: tuple[Party, Party]
) -> None:
    survivor, other = pair
    manager_api.post(f"/parties/{survivor.pk}/merge", {"merge_id": other.pk})
    response = manager_api.get(f"/parties/{other.pk}")
    assert response.status_code == 301
    assert response["Location"] == f"/api/v1/parties/{survivor.pk}"
    followed = manager_api.get(response["Location"])
    assert followed.status_code == 200
    assert followed.json()["id"] == survivor.pk


def test_moved_contact_points_look_up_to_the_survivor(
    manager_api: Any, pair: tuple[Party, Party]
) -> None:
    survivor, other = pair
    moved = list(ContactPoint.objects.filter(party=other))
    manager_api.post(f"/parties/{survivor.pk}/merge", {"merge_id": other.pk})
    for point in moved:
        params = {point.kind: point.normalized}
        assert manager_api.get("/parties/lookup", params).json()["id"] == survivor.pk
    assert manager_api.get("/parties", {"q": "fe.lima"}).json()["items"][0]["id"] == survivor.pk


def test_merge_is_audited_with_the_merged_record(
    manager_api: Any, pair: tuple[Party, Party], manager: Any
) -> None:
    survivor, other = pair
    manager_api.post(f"/parties/{survivor.pk}/merge", {"merge_id": other.pk})
    entry = AuditEntry.objects.get(action="merge")
    assert entry.party_id == survivor.pk
    assert entry.actor == manager
    assert entry.changes["merged_party"]["id"] == other.pk
    assert entry.changes["merged_party"]["name"] == "Fernanda M. Lima"
    assert entry.changes["moved"]["interactions.interaction"] == 3
    audit = manager_api.get(f"/parties/{survivor.pk}/audit").json()
    assert audit[0]["action"] == "merge"


def test_a_chain_of_merges_resolves_to_the_last_survivor(manager_api: Any) -> None:
    a, b, c = PartyFactory(), PartyFactory(), PartyFactory()
    assert manager_api.post(f"/parties/{b.pk}/merge", {"merge_id": a.pk}).status_code == 200
    assert manager_api.post(f"/parties/{c.pk}/merge", {"merge_id": b.pk}).status_code == 200
    for old in (a, b):
        response = manager_api.get(f"/parties/{old.pk}")
        assert response.status_code == 301
        assert response["Location"] == f"/api/v1/parties/{c.pk}"


def test_several_parties_merge_at_once(manager_api: Any) -> None:
    survivor, *others = PartyFactory.create_batch(4)
    for other in others:
        ContactPointFactory(party=other)
    response = manager_api.post(
        f"/parties/{survivor.pk}/merge", {"merge_ids": [o.pk for o in others]}
    )
    assert response.status_code == 200
    assert len(response.json()["contact_points"]) == 3
    assert Party.objects.filter(merged_into=survivor).count() == 3


def test_organisations_merge_with_their_members(manager_api: Any) -> None:
    org, copy = OrganizationFactory(), OrganizationFactory()
    AffiliationFactory(organization=copy, role="sócia")
    response = manager_api.post(f"/parties/{org.pk}/merge", {"merge_id": copy.pk})
    assert response.status_code == 200
    assert [a["role"] for a in response.json()["affiliations"]] == ["sócia"]


def test_a_person_linked_to_both_records_keeps_one_link(manager_api: Any) -> None:
    org, copy = OrganizationFactory(), OrganizationFactory()
    person = PartyFactory()
    AffiliationFactory(person=person, organization=org, role="gerente")
    AffiliationFactory(person=person, organization=copy, role="gerente")
    assert manager_api.post(f"/parties/{org.pk}/merge", {"merge_id": copy.pk}).status_code == 200
    assert Affiliation.objects.filter(person=person).count() == 1


@pytest.mark.parametrize("role", ["agent", "sales", "marketing", "quality_manager"])
def test_only_relationship_managers_and_admins_merge(
    api_as: Any, pair: tuple[Party, Party], unchanged: Any, role: str
) -> None:
    survivor, other = pair
    caller = api_as(role)
    with unchanged():
        response = caller.post(f"/parties/{survivor.pk}/merge", {"merge_id": other.pk})
    assert response.status_code == 403
    assert Party.objects.get(pk=other.pk).merged_into_id is None


def test_admins_merge(admin_api: Any, pair: tuple[Party, Party]) -> None:
    survivor, other = pair
    assert (
        admin_api.post(f"/parties/{survivor.pk}/merge", {"merge_id": other.pk}).status_code == 200
    )


@pytest.mark.parametrize(
    ("case", "status"),
    [
        ("itself", 422),
        ("person into organisation", 422),
        ("unknown", 404),
        ("no merge_id", 422),
        ("stale version", 409),
        ("already merged", 404),
    ],
)
def test_merges_that_cannot_be(
    manager_api: Any, pair: tuple[Party, Party], unchanged: Any, case: str, status: int
) -> None:
    survivor, other = pair
    body: dict[str, Any] = {"merge_id": other.pk}
    if case == "itself":
        body = {"merge_id": survivor.pk}
    elif case == "person into organisation":
        body = {"merge_id": OrganizationFactory().pk}
    elif case == "unknown":
        body = {"merge_id": 999999}
    elif case == "no merge_id":
        body = {}
    elif case == "stale version":
        body = {"merge_id": other.pk, "version": survivor.version + 3}
    elif case == "already merged":
        third = PartyFactory()
        party_merge(actor=None, survivor_id=third.pk, merged_id=other.pk)
    with unchanged():
        response = manager_api.post(f"/parties/{survivor.pk}/merge", body)
    assert response.status_code == status, response.json()
    assert ContactPoint.objects.filter(party=survivor).count() == 1


def test_a_failed_merge_of_several_merges_none(manager_api: Any, unchanged: Any) -> None:
    survivor, first = PartyFactory(), PartyFactory()
    org = OrganizationFactory()
    with unchanged():
        response = manager_api.post(
            f"/parties/{survivor.pk}/merge", {"merge_ids": [first.pk, org.pk]}
        )
    assert response.status_code == 422
    assert Party.objects.get(pk=first.pk).merged_into_id is None


def test_recording_on_a_merged_id_lands_on_the_survivor(
    api: Any, pair: tuple[Party, Party]
) -> None:
    survivor, other = pair
    party_merge(actor=None, survivor_id=survivor.pk, merged_id=other.pk)
    response = api.post(
        "/interactions",
        {"party_id": other.pk, "channel": "phone", "direction": "in", "subject": "Ligou de novo"},
    )
    assert response.status_code == 201
    assert response.json()["party_id"] == survivor.pk


def test_changing_a_merged_id_is_404_merged(api: Any, pair: tuple[Party, Party]) -> None:
    survivor, other = pair
    party_merge(actor=None, survivor_id=survivor.pk, merged_id=other.pk)
    response = api.patch(f"/parties/{other.pk}", {"name": "X"})
    assert response.status_code == 404
    assert response.json()["code"] == "merged"
    assert response.json()["merged_into"] == survivor.pk


def test_deleting_a_survivor_erases_the_records_merged_into_it(
    manager_api: Any, pair: tuple[Party, Party]
) -> None:
    survivor, other = pair
    party_merge(actor=None, survivor_id=survivor.pk, merged_id=other.pk)
    assert manager_api.delete(f"/parties/{survivor.pk}").status_code == 204
    assert manager_api.get(f"/parties/{other.pk}").status_code == 404
    assert not Party.objects.filter(pk__in=(survivor.pk, other.pk)).exists()
    assert manager_api.get("/parties", {"q": "fernanda"}).json()["items"] == []


def test_a_merged_pair_found_by_the_scan_is_marked_merged(manager: Any) -> None:
    a = PartyFactory(name="Rita Cavalcanti")
    b = PartyFactory(name="Rita Cavalcanti")
    duplicate_scan(actor=manager)
    assert DuplicateCandidate.objects.get().status == "open"
    party_merge(actor=manager, survivor_id=a.pk, merged_id=b.pk)
    candidate = DuplicateCandidate.objects.get()
    assert candidate.status == "merged"
    assert candidate.resolved_by == manager
