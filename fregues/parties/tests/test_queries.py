"""The customer page stays instant: the number of queries does not grow with the rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fregues.interactions.tests.factories import InteractionFactory
from fregues.parties.models import Party
from fregues.parties.tests.factories import (
    AffiliationFactory,
    ContactPointFactory,
    ExternalIdFactory,
    OrganizationFactory,
    PartyFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db


def rich_party(owner: Any, points: int = 3) -> Party:
    party = PartyFactory(owner=owner)
    for kind in ("email", "phone", "address")[:points]:
        ContactPointFactory(party=party, kind=kind)
    party.tags.add(TagFactory(name="VIP"), TagFactory(name="imprensa"))
    return party


def queries_of(api: Any, path: str, params: dict[str, Any] | None = None) -> int:
    api.get("/me")  # the token's last-use stamp is written once a minute, not per request
    with CaptureQueriesContext(connection) as captured:
        response = api.get(path, params)
    assert response.status_code == 200, response.json()
    return len(captured)


def test_the_party_list_costs_the_same_for_5_or_60_parties(
    api: Any, make_user: Any, django_assert_max_num_queries: Any
) -> None:
    owner = make_user("relationship_manager")
    for _ in range(5):
        rich_party(owner)
    few = queries_of(api, "/parties", {"limit": 100})
    for _ in range(55):
        rich_party(make_user("relationship_manager"))
    many = queries_of(api, "/parties", {"limit": 100})
    assert many == few
    with django_assert_max_num_queries(4):
        body = api.get("/parties", {"limit": 100}).json()
    assert len(body["items"]) == 60
    assert all(item["email"] and item["phone"] and item["owner"] for item in body["items"])
    with django_assert_max_num_queries(4):
        assert len(api.get("/parties", {"q": "a", "limit": 100}).json()["items"]) > 0


def test_the_party_page_costs_the_same_with_many_contact_points_and_links(
    api: Any, make_user: Any, django_assert_max_num_queries: Any
) -> None:
    party = rich_party(make_user("relationship_manager"), points=1)
    few = queries_of(api, f"/parties/{party.pk}")
    for _ in range(25):
        ContactPointFactory(party=party, kind="email")
        ContactPointFactory(party=party, kind="phone")
        ExternalIdFactory(party=party)
        AffiliationFactory(person=party, organization=OrganizationFactory())
        party.tags.add(TagFactory(name=f"tag {_}"))
    many = queries_of(api, f"/parties/{party.pk}")
    assert many == few
    with django_assert_max_num_queries(8):
        body = api.get(f"/parties/{party.pk}").json()
    assert len(body["contact_points"]) == 51
    assert len(body["affiliations"]) == 25


def test_an_organisation_page_with_many_members(
    api: Any, django_assert_max_num_queries: Any
) -> None:
    org = OrganizationFactory()
    AffiliationFactory(organization=org)
    few = queries_of(api, f"/parties/{org.pk}")
    AffiliationFactory.create_batch(30, organization=org)
    assert queries_of(api, f"/parties/{org.pk}") == few


def test_the_timeline_costs_the_same_for_3_or_150_interactions(
    api: Any, make_user: Any, django_assert_max_num_queries: Any
) -> None:
    party = PartyFactory()
    agents = [make_user("agent") for _ in range(5)]
    for i in range(3):
        InteractionFactory(party=party, agent=agents[i])
    few = queries_of(api, f"/parties/{party.pk}/timeline", {"limit": 200})
    for i in range(147):
        InteractionFactory(party=party, agent=agents[i % 5])
    many = queries_of(api, f"/parties/{party.pk}/timeline", {"limit": 200})
    assert many == few
    with django_assert_max_num_queries(5):
        body = api.get(f"/parties/{party.pk}/timeline", {"limit": 200}).json()
    assert len(body["items"]) == 150
    with django_assert_max_num_queries(5):
        assert len(api.get("/interactions", {"limit": 200}).json()["items"]) == 150


def test_duplicate_pairs_list_does_not_grow_with_pairs(
    manager_api: Any, django_assert_max_num_queries: Any
) -> None:
    firsts = ["Abel", "Bia", "Caio", "Dora", "Elis", "Fábio", "Gil", "Hugo", "Iara", "Jonas"]
    lasts = ["Alves", "Barros"]
    for first in firsts:
        for last in lasts:
            a = PartyFactory(name=f"{first} {last}")
            PartyFactory(name=f"{first} {last}", tax_id=a.tax_id)
    manager_api.post("/duplicates/scan")
    with django_assert_max_num_queries(5):
        assert len(manager_api.get("/duplicates").json()) == 20
