"""The visit briefing: the selector, GET /api/v1/parties/{id}/briefing and the page — the open
cases with their SLA state first of all, in a bounded number of queries."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fregues.core.errors import Forbidden
from fregues.interactions.tests.factories import InteractionFactory
from fregues.parties.services import note_add, party_merge
from fregues.parties.tests.factories import ContactPointFactory, PartyFactory
from fregues.sales.selectors.briefing import party_briefing
from fregues.sales.services.activities import activity_create
from fregues.service.models import Case
from fregues.service.services import case_open

from .factories import (
    ActivityFactory,
    InvoiceFactory,
    OpportunityFactory,
    OrderFactory,
    QuoteFactory,
)

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
ROLES = ["agent", "relationship_manager", "quality_manager", "sales", "marketing", "admin"]


@pytest.fixture
def seller(make_user: Any) -> Any:
    return make_user("sales", first_name="Vera")


@pytest.fixture
def customer(manager: Any) -> Any:
    party = PartyFactory(name="Padaria Estrela", preferred_channel="whatsapp", tier="gold")
    party.owner = manager
    party.save()
    ContactPointFactory(party=party, kind="phone")
    ContactPointFactory(party=party, kind="address", value="Rua das Flores, 12, São Paulo")
    return party


def open_case(agent: Any, party: Any, subject: str = "Forno não aquece") -> Case:
    return case_open(
        actor=agent,
        party_id=party.pk,
        case_type="technical-assistance",
        subject=subject,
        notify=False,
        force_new=True,
    ).case


def fill(customer: Any, agent: Any, seller: Any) -> dict[str, Any]:
    """A customer with something in every section of the briefing."""
    case = open_case(agent, customer)
    for i in range(12):
        InteractionFactory(party=customer, agent=agent, subject=f"Contato {i}")
    deal = OpportunityFactory(party=customer, amount=Decimal("25000.00"), owner=seller)
    OpportunityFactory(party=customer, status="won")
    quote = QuoteFactory(party=customer, status="sent", total=Decimal("1200.50"))
    QuoteFactory(party=customer, status="accepted")
    order = OrderFactory(party=customer, total=Decimal("980.00"))
    late = InvoiceFactory(
        party=customer, total=Decimal("500.00"), due_date=timezone.localdate() - 5 * DAY
    )
    InvoiceFactory(party=customer, total=Decimal("300.00"), payment_state="paid")
    note_add(actor=agent, party_id=customer.pk, body="Pagamentos só às terças.")
    note_add(
        actor=agent,
        party_id=customer.pk,
        body="O dono só recebe de manhã.",
        before_visit=True,
    )
    upcoming = ActivityFactory(party=customer, owner=seller, kind="call")
    return {
        "case": case,
        "deal": deal,
        "quote": quote,
        "order": order,
        "late": late,
        "upcoming": upcoming,
    }


def test_the_briefing_gathers_everything_open(
    customer: Any, agent: Any, seller: Any, django_assert_max_num_queries: Any
) -> None:
    made = fill(customer, agent, seller)
    with django_assert_max_num_queries(11):
        b = party_briefing(actor=seller, party_id=customer.pk)
    assert b.party == customer and b.party.owner is not None
    (item,) = b.cases
    assert item.case == made["case"] and item.sla_state == "ok"
    assert item.headline.startswith(made["case"].protocol)
    assert len(b.contacts) == 10 and b.show_bodies
    assert [d.pk for d in b.opportunities] == [made["deal"].pk]
    assert [q.pk for q in b.quotes] == [made["quote"].pk]
    assert [o.pk for o in b.orders] == [made["order"].pk]
    (unpaid,) = b.invoices
    assert unpaid.invoice == made["late"] and unpaid.overdue and unpaid.amount_due == Decimal("500")
    # no record yet: opt-in purposes are not granted, a contract's notices are allowed
    assert {c.purpose: c.granted for c in b.consents}["marketing_email"] is False
    assert {c.purpose: c.granted for c in b.consents}["service_notices"] is True
    assert not any(c.recorded for c in b.consents)
    assert b.notes[0].before_visit and b.notes[0].body == "O dono só recebe de manhã."
    assert [a.pk for a in b.upcoming] == [made["upcoming"].pk]


def test_the_query_count_does_not_grow_with_the_history(
    customer: Any, agent: Any, seller: Any, django_assert_max_num_queries: Any
) -> None:
    fill(customer, agent, seller)
    for i in range(4):
        open_case(agent, customer, subject=f"Outro problema {i}")
        OpportunityFactory(party=customer)
        QuoteFactory(party=customer)
        InvoiceFactory(party=customer)
        ActivityFactory(party=customer)
    with django_assert_max_num_queries(11):
        b = party_briefing(actor=seller, party_id=customer.pk)
    assert len(b.cases) == 5


def test_marketing_may_not_read_a_briefing(customer: Any, marketer: Any) -> None:
    with pytest.raises(Forbidden):
        party_briefing(actor=marketer, party_id=customer.pk)


def test_the_api_answers_the_briefing(
    customer: Any, agent: Any, seller: Any, api_for: Callable, django_assert_max_num_queries: Any
) -> None:
    made = fill(customer, agent, seller)
    api = api_for(seller)
    api.get(f"/parties/{customer.pk}/briefing")  # warm the token lookup
    with django_assert_max_num_queries(13):
        response = api.get(f"/parties/{customer.pk}/briefing")
    assert response.status_code == 200
    body = response.json()
    assert body["party"]["name"] == "Padaria Estrela" and body["party"]["tier"] == "gold"
    assert body["party"]["preferred_channel"] == "whatsapp"
    assert {p["kind"] for p in body["party"]["contact_points"]} == {"phone", "address"}
    (case,) = body["open_cases"]
    assert case["protocol"] == made["case"].protocol and case["sla_state"] == "ok"
    assert case["status"] and case["headline"].startswith(made["case"].protocol)
    assert len(body["last_contacts"]) == 10 and body["last_contacts"][0]["body"] is not None
    assert body["opportunities"][0]["amount"] == "25000.00"
    assert body["quotes"][0]["number"] == made["quote"].number
    assert body["invoices"][0]["overdue"] is True and body["invoices"][0]["amount_due"] == "500.00"
    assert {c["purpose"]: c["granted"] for c in body["consents"]}["marketing_email"] is False
    assert body["notes"][0]["before_visit"] is True
    assert body["upcoming_activities"][0]["id"] == made["upcoming"].pk
    assert body["visit"] is None


def test_a_merged_customer_answers_301_to_the_survivor(
    customer: Any, manager: Any, api_for: Callable
) -> None:
    twin = PartyFactory(name="Padaria Estrela Ltda")
    party_merge(actor=manager, survivor_id=customer.pk, merged_id=twin.pk)
    api = api_for(manager)
    response = api.get(f"/parties/{twin.pk}/briefing")
    assert response.status_code == 301
    assert response["Location"] == f"/api/v1/parties/{customer.pk}/briefing"
    assert response.json()["merged_into"] == customer.pk
    assert api.get("/parties/999999/briefing").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_who_may_read_a_briefing(role: str, customer: Any, api_as: Callable) -> None:
    response = api_as(role).get(f"/parties/{customer.pk}/briefing")
    if role == "marketing":
        assert response.status_code == 403 and response.json()["code"] == "forbidden"
    else:
        assert response.status_code == 200


# ---------------------------------------------------------------- the page


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_shows_the_open_case_with_its_sla_state(
    customer: Any, agent: Any, seller: Any, django_assert_max_num_queries: Any
) -> None:
    made = fill(customer, agent, seller)
    client = client_for(seller)
    client.get(f"/sales/briefing/{customer.pk}/")  # warm the session
    with django_assert_max_num_queries(13):
        response = client.get(f"/sales/briefing/{customer.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert made["case"].protocol in page and 'data-sla="ok"' in page
    assert "sla sla-ok" in page  # the SLA badge
    assert "O dono só recebe de manhã." in page and 'id="brief-read-first"' in page
    assert 'data-purpose="marketing_email"' in page and "WhatsApp" in page
    assert made["quote"].number in page and made["late"].number in page
    assert 'id="overdue-invoices"' in page
    assert "sales/briefing.css" in page  # the print stylesheet
    assert f'href="/cases/new/?party={customer.pk}"' in page
    assert 'id="brief-plan-visit"' in page


def test_a_planned_visit_has_its_time_and_place_on_top(customer: Any, seller: Any) -> None:
    when = (timezone.localdate() + DAY).isoformat()
    visit = activity_create(
        actor=seller,
        data={
            "kind": "visit",
            "subject": "Visita de rotina",
            "party_id": customer.pk,
            "due_at": f"{when}T09:30",
        },
    )
    page = client_for(seller).get(f"/sales/activities/{visit.pk}/briefing/").content.decode()
    assert 'id="brief-visit"' in page and "Visita de rotina" in page
    assert "09:30" in page and "Rua das Flores, 12, São Paulo" in page
    assert f'href="/cases/new/?party={customer.pk}&amp;channel=visit"' in page


def test_the_page_refuses_marketing_and_follows_a_merge(
    customer: Any, marketer: Any, manager: Any
) -> None:
    assert client_for(marketer).get(f"/sales/briefing/{customer.pk}/").status_code == 403
    twin = PartyFactory()
    party_merge(actor=manager, survivor_id=customer.pk, merged_id=twin.pk)
    response = client_for(manager).get(f"/sales/briefing/{twin.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/sales/briefing/{customer.pk}/"
    task = ActivityFactory(party=None, kind="task")
    assert client_for(manager).get(f"/sales/activities/{task.pk}/briefing/").status_code == 404


def test_filing_the_same_request_from_the_briefing_joins_the_open_case(
    customer: Any, agent: Any, seller: Any
) -> None:
    case = open_case(agent, customer, subject="Forno não aquece")
    client = client_for(seller)
    form = client.get(f"/cases/new/?party={customer.pk}&channel=visit")
    assert form.status_code == 200
    assert '<option value="visit" selected>' in form.content.decode()
    response = client.post(
        f"/cases/new/?party={customer.pk}",
        {
            "party": customer.pk,
            "case_type": "technical-assistance",
            "priority": "normal",
            "channel": "visit",
            "subject": "Forno não aquece de novo",
            "description": "Cliente reclamou na visita.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == f"/cases/{case.protocol}/?joined=1"
    assert Case.objects.filter(party=customer).count() == 1
