"""Staff decide, link by link, whether a person of an organisation sees the organisation's
requests in the customer portal: the service, the API and the links panel's toggle."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from fregues.core.models import AuditEntry
from fregues.parties.models import Affiliation
from fregues.parties.tests.factories import AffiliationFactory, PartyFactory

pytestmark = pytest.mark.django_db


def test_the_api_turns_portal_access_on_and_off_and_audits_it(api: Any) -> None:
    link = AffiliationFactory()
    url = f"/parties/{link.organization_id}/affiliations/{link.pk}"
    response = api.patch(url, {"portal_sees_cases": True})
    assert response.status_code == 200
    assert response.json()["portal_sees_cases"] is True
    assert Affiliation.objects.get(pk=link.pk).portal_sees_cases is True
    assert AuditEntry.objects.filter(entity_type="parties.affiliation", entity_id=link.pk).exists()
    body = api.get(f"/parties/{link.person_id}").json()
    assert body["affiliations"][0]["portal_sees_cases"] is True

    off = api.patch(
        f"/parties/{link.person_id}/affiliations/{link.pk}", {"portal_sees_cases": False}
    )
    assert off.status_code == 200 and off.json()["portal_sees_cases"] is False


def test_a_link_of_another_party_is_404_and_marketing_may_not_change_it(
    api: Any, marketing_api: Any
) -> None:
    link = AffiliationFactory()
    stranger = PartyFactory()
    response = api.patch(
        f"/parties/{stranger.pk}/affiliations/{link.pk}", {"portal_sees_cases": True}
    )
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    refused = marketing_api.patch(
        f"/parties/{link.person_id}/affiliations/{link.pk}", {"portal_sees_cases": True}
    )
    assert refused.status_code == 403
    assert Affiliation.objects.get(pk=link.pk).portal_sees_cases is False


def test_the_links_panel_toggle_shows_the_state_in_words(agent: Any) -> None:
    link = AffiliationFactory()
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(agent)
    client.cookies["django_language"] = "en"
    page = client.get(f"/customers/{link.organization_id}/").content.decode()
    assert "Show the organisation's requests in the portal" in page
    response = client.post(
        f"/customers/{link.organization_id}/links/{link.pk}/portal/",
        {"portal_sees_cases": "1"},
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Sees the organisation's requests in the portal" in page
    assert "Hide the organisation's requests in the portal" in page
    assert Affiliation.objects.get(pk=link.pk).portal_sees_cases is True
