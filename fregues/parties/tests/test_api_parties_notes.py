"""/api/v1/parties: what hangs on a party — notes, affiliations and its audit trail."""

from __future__ import annotations

from typing import Any

import pytest

from fregues.parties.tests.factories import OrganizationFactory

from ._helpers import create

pytestmark = pytest.mark.django_db


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
