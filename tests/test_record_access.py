"""Record-level access (docs/decisions/0011-record-level-access.md): with
``FREGUES_RECORD_ACCESS=scoped`` a relationship manager sees the customers of their portfolio
and an agent the cases of their queues, in the API and on the screens alike; by default every
role that may view customers and cases sees all of them (the single customer view)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from fregues.accounts.tests.factories import TeamFactory
from fregues.parties.tests.factories import PartyFactory
from fregues.service.tests.factories_cases import CaseFactory, QueueFactory

pytestmark = pytest.mark.django_db


def ids(response: Any) -> set[int]:
    assert response.status_code == 200
    return {row["id"] for row in response.json()["items"]}


def protocols(response: Any) -> set[str]:
    assert response.status_code == 200
    return {row["protocol"] for row in response.json()["items"]}


@pytest.fixture
def portfolio(make_user: Any) -> dict[str, Any]:
    """Ana (a relationship manager) in a team with Bia; Caio in no team of hers."""
    ana, bia, caio = (make_user("relationship_manager") for _ in range(3))
    TeamFactory(name="Carteira Sul").members.add(ana, bia)
    return {
        "ana": ana,
        "hers": PartyFactory(owner=ana),
        "teammates": PartyFactory(owner=bia),
        "nobodys": PartyFactory(owner=None),
        "caios": PartyFactory(owner=caio),
    }


def test_a_relationship_manager_sees_their_portfolio_when_scoped(
    settings: Any, portfolio: dict[str, Any], api_for: Any
) -> None:
    settings.RECORD_ACCESS = "scoped"
    api = api_for(portfolio["ana"])
    web = Client()
    web.force_login(portfolio["ana"])

    visible = {portfolio[k].pk for k in ("hers", "teammates", "nobodys")}
    assert ids(api.get("/parties")) == visible
    assert {p.pk for p in web.get("/customers/").context["parties"]} == visible
    assert api.get(f"/parties/{portfolio['hers'].pk}").status_code == 200
    assert api.get(f"/parties/{portfolio['caios'].pk}").status_code == 404
    assert web.get(f"/customers/{portfolio['caios'].pk}/").status_code == 404


def test_everyone_sees_every_customer_by_default(
    portfolio: dict[str, Any], api_for: Any, make_user: Any
) -> None:
    everyone = {portfolio[k].pk for k in ("hers", "teammates", "nobodys", "caios")}
    assert ids(api_for(portfolio["ana"]).get("/parties")) == everyone
    assert api_for(portfolio["ana"]).get(f"/parties/{portfolio['caios'].pk}").status_code == 200


def test_scoping_leaves_other_roles_seeing_every_customer(
    settings: Any, portfolio: dict[str, Any], api_as: Any
) -> None:
    settings.RECORD_ACCESS = "scoped"
    for role in ("agent", "sales", "quality_manager", "admin"):
        assert portfolio["caios"].pk in ids(api_as(role).get("/parties")), role


def test_an_agent_sees_the_cases_of_their_queues_when_scoped(
    settings: Any, make_user: Any, api_for: Any
) -> None:
    settings.RECORD_ACCESS = "scoped"
    beto, dora = make_user("agent"), make_user("agent")
    mine = CaseFactory(queue=QueueFactory(agents=[beto]))
    assigned = CaseFactory(queue=QueueFactory(agents=[dora]), assignee=beto)
    elsewhere = CaseFactory(queue=QueueFactory(agents=[dora]))
    api = api_for(beto)
    web = Client()
    web.force_login(beto)

    assert protocols(api.get("/cases")) == {mine.protocol, assigned.protocol}
    assert api.get(f"/cases/{mine.protocol}").status_code == 200
    assert api.get(f"/cases/{elsewhere.protocol}").status_code == 404
    assert web.get(f"/cases/{elsewhere.protocol}/").status_code == 404
    assert elsewhere.protocol in protocols(api_for(dora).get("/cases"))
    assert elsewhere.protocol in protocols(api_for(make_user("admin")).get("/cases"))
