"""The activity screens as a user meets them: my activities by when they are due, the quick
add, planning from the customer page and the deal page, done / reschedule / cancel in the
row (htmx), the deals panel on the customer page, the home card, notes to read before a
visit."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone

from fregues.core.htmx import slot_render
from fregues.interactions.models import Interaction
from fregues.parties.models import Note
from fregues.parties.tests.factories import ContactPointFactory, PartyFactory
from fregues.sales.models import Activity

from .factories import ActivityFactory, OpportunityFactory, QuoteFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)
HX = {"HX-Request": "true"}


@pytest.fixture
def seller(make_user: Any) -> Any:
    return make_user("sales", first_name="Vera")


@pytest.fixture
def customer() -> Any:
    party = PartyFactory(name="Padaria Estrela")
    ContactPointFactory(party=party, kind="address", value="Rua das Flores, 12, São Paulo")
    return party


def client_for(user: Any) -> Client:
    """A signed-in browser that chose English (the wording checked here is the source's)."""
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def group_of(page: str, code: str) -> str:
    match = re.search(rf'<section class="card act-group act-group-{code}".*?</section>', page, re.S)
    assert match, code
    return match.group(0)


def at_local(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


# ---------------------------------------------------------------- my activities


def test_my_activities_are_grouped_by_when_they_are_due(
    seller: Any, customer: Any, make_user: Any, django_assert_max_num_queries: Any
) -> None:
    today = timezone.localdate()
    ActivityFactory(owner=seller, party=customer, subject="Atrasada", due_at=timezone.now() - DAY)
    ActivityFactory(
        owner=seller, party=customer, subject="Hoje o dia todo", due_at=at_local(today, 0),
        all_day=True,
    )  # fmt: skip
    ActivityFactory(owner=seller, subject="Na semana", due_at=timezone.now() + 3 * DAY)
    ActivityFactory(owner=seller, subject="Mais tarde", due_at=timezone.now() + 30 * DAY)
    ActivityFactory(
        owner=seller, subject="Feita ontem", status="done", done_at=timezone.now() - DAY
    )
    ActivityFactory(owner=make_user("sales"), subject="De outra pessoa")
    client = client_for(seller)
    client.get("/sales/activities/")
    with django_assert_max_num_queries(10):
        response = client.get("/sales/activities/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Atrasada" in group_of(page, "overdue") and "(overdue)" in group_of(page, "overdue")
    assert "Hoje o dia todo" in group_of(page, "today")
    assert "Na semana" in group_of(page, "week")
    assert "Mais tarde" in group_of(page, "later")
    assert "Feita ontem" in group_of(page, "done")
    assert "De outra pessoa" not in page
    assert 'id="quick-add"' in page and 'id="f-owner"' not in page  # no team view for sellers


def test_a_manager_may_look_at_a_colleagues_or_everyones(manager: Any, seller: Any) -> None:
    ActivityFactory(owner=seller, subject="Da Vera")
    client = client_for(manager)
    assert "Da Vera" not in client.get("/sales/activities/").content.decode()
    assert "Da Vera" in client.get("/sales/activities/?owner=all").content.decode()
    page = client.get(f"/sales/activities/?owner={seller.pk}").content.decode()
    assert "Da Vera" in page and 'id="f-owner"' in page
    assert (
        "Da Vera"
        not in client.get(f"/sales/activities/?owner={seller.pk}&kind=visit").content.decode()
    )


def test_marketing_does_not_see_activities(marketer: Any) -> None:
    assert client_for(marketer).get("/sales/activities/").status_code == 403


def test_the_quick_add_plans_for_a_customer_found_by_search(seller: Any, customer: Any) -> None:
    client = client_for(seller)
    options = client.get("/sales/activities/parties/", {"party_q": "Padaria"}).content.decode()
    assert f'value="{customer.pk}"' in options and "Padaria Estrela" in options
    day = (timezone.localdate() + DAY).isoformat()
    response = client.post(
        "/sales/activities/new/",
        {
            "kind": "call",
            "subject": "Ligar sobre o pedido",
            "due_date": day,
            "due_time": "14:30",
            "party": customer.pk,
            "owner": seller.pk,
            "next": "/sales/activities/",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/sales/activities/"
    activity = Activity.objects.get(subject="Ligar sobre o pedido")
    assert activity.party == customer and activity.owner == seller and not activity.all_day
    assert timezone.localtime(activity.due_at).strftime("%Y-%m-%d %H:%M") == f"{day} 14:30"


def test_a_bad_date_comes_back_in_the_form_with_nothing_written(
    seller: Any, unchanged: Any
) -> None:
    with unchanged():
        response = client_for(seller).post(
            "/sales/activities/new/",
            {"kind": "call", "subject": "Ligar", "due_date": "2026-02-30", "owner": seller.pk},
        )
    assert response.status_code == 422
    page = response.content.decode()
    assert "is not a date" in page and 'id="activity-form"' in page


# ---------------------------------------------------------------- plan from the customer and the deal


def test_plan_a_visit_from_the_customer_page(seller: Any, customer: Any) -> None:
    client = client_for(seller)
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert f'href="/sales/activities/new/?party={customer.pk}&amp;kind=visit"' in page
    form = client.get(f"/sales/activities/new/?party={customer.pk}&kind=visit").content.decode()
    assert "Padaria Estrela" in form and 'value="Visit to Padaria Estrela"' in form
    assert 'value="10:00"' in form
    day = (timezone.localdate() + 2 * DAY).isoformat()
    response = client.post(
        "/sales/activities/new/",
        {
            "kind": "visit",
            "subject": "Visita a Padaria Estrela",
            "party": customer.pk,
            "due_date": day,
            "due_time": "10:00",
            "duration_minutes": "60",
            "remind": "1440",
            "owner": seller.pk,
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/customers/{customer.pk}/"
    visit = Activity.objects.get(kind="visit")
    assert visit.location == "Rua das Flores, 12, São Paulo"
    assert visit.due_at - visit.remind_at == DAY


def test_plan_from_a_deal_fixes_its_customer(seller: Any) -> None:
    deal = OpportunityFactory(title="Fornos novos")
    client = client_for(seller)
    form = client.get(f"/sales/activities/new/?opportunity={deal.pk}").content.decode()
    assert deal.party.name in form and "Fornos novos" in form
    client.post(
        "/sales/activities/new/",
        {
            "kind": "meeting",
            "subject": "Reunião técnica",
            "party": deal.party_id,
            "opportunity": deal.pk,
            "due_date": (timezone.localdate() + DAY).isoformat(),
            "owner": seller.pk,
        },
    )
    meeting = Activity.objects.get(subject="Reunião técnica")
    assert meeting.opportunity == deal and meeting.party_id == deal.party_id and meeting.all_day


def test_the_deal_page_slot_lists_the_deals_activities(seller: Any) -> None:
    deal = OpportunityFactory()
    ActivityFactory(opportunity=deal, party=deal.party, owner=seller, subject="Enviar amostra")
    ActivityFactory(
        opportunity=deal, party=deal.party, subject="Primeira conversa", status="done",
        done_at=timezone.now(), outcome="Interessado",
    )  # fmt: skip
    request = RequestFactory().get(f"/sales/opportunities/{deal.pk}/")
    request.user = seller
    html = "".join(slot_render(request, "opportunity.side", deal))  # the quotes panel too
    assert "Enviar amostra" in html and "Primeira conversa" in html and "Interessado" in html
    assert f"/sales/activities/new/?opportunity={deal.pk}" in html


def test_editing_checks_the_version(seller: Any, customer: Any) -> None:
    activity = ActivityFactory(owner=seller, party=customer, subject="Antigo")
    client = client_for(seller)
    page = client.get(f"/sales/activities/{activity.pk}/").content.decode()
    assert 'value="Antigo"' in page
    data = {
        "kind": "call",
        "subject": "Novo",
        "party": customer.pk,
        "due_date": (timezone.localdate() + DAY).isoformat(),
        "owner": seller.pk,
        "version": activity.version,
    }
    assert client.post(f"/sales/activities/{activity.pk}/", data).status_code == 302
    stale = client.post(f"/sales/activities/{activity.pk}/", {**data, "subject": "Outro"})
    assert stale.status_code == 409 and "Someone else changed" in stale.content.decode()
    assert Activity.objects.get(pk=activity.pk).subject == "Novo"


# ---------------------------------------------------------------- in the row


def test_mark_done_in_the_row_lands_on_the_timeline(seller: Any, customer: Any) -> None:
    activity = ActivityFactory(owner=seller, party=customer, due_at=timezone.now() - HOUR)
    response = client_for(seller).post(
        f"/sales/activities/{activity.pk}/complete/",
        {"outcome": "Pediu proposta", "notes": "Quer 3 fornos.", "version": activity.version},
        headers=HX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="activity-{activity.pk}"' in html and 'data-status="done"' in html
    assert 'hx-swap-oob="beforeend:#messages"' in html and "Pediu proposta" in html
    contact = Interaction.objects.get(party=customer)
    assert contact.direction == "out" and "Quer 3 fornos." in contact.body


def test_a_bad_completion_shows_the_form_again_in_the_row(
    seller: Any, customer: Any, unchanged: Any
) -> None:
    activity = ActivityFactory(owner=seller, party=customer)
    with unchanged():
        response = client_for(seller).post(
            f"/sales/activities/{activity.pk}/complete/",
            {"outcome": "x" * 301, "version": activity.version},
            headers=HX,
        )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-status="planned"' in html and '<details class="act-pop" open>' in html


def test_reschedule_and_cancel_in_the_row(seller: Any, customer: Any) -> None:
    due = at_local(timezone.localdate(), 15)
    activity = ActivityFactory(owner=seller, party=customer, due_at=due)
    client = client_for(seller)
    moved = client.post(
        f"/sales/activities/{activity.pk}/reschedule/",
        {"days": "1", "version": activity.version},
        headers=HX,
    )
    assert moved.status_code == 200 and "Rescheduled." in moved.content.decode()
    activity.refresh_from_db()
    assert timezone.localtime(activity.due_at) == timezone.localtime(due + DAY)
    picked = client.post(
        f"/sales/activities/{activity.pk}/reschedule/",
        {"due_date": (timezone.localdate() + 5 * DAY).isoformat(), "due_time": ""},
    )
    assert picked.status_code == 302  # without htmx: back to the list
    activity.refresh_from_db()
    assert activity.all_day
    cancelled = client.post(f"/sales/activities/{activity.pk}/cancel/", {}, headers=HX)
    assert 'data-status="cancelled"' in cancelled.content.decode()
    again = client.post(f"/sales/activities/{activity.pk}/cancel/", {})
    assert again.status_code == 302  # a message says it is already cancelled
    listed = client.get("/sales/activities/").content.decode()
    assert "already cancelled" in listed


# ---------------------------------------------------------------- on other pages


def test_the_customer_page_shows_the_deals_panel(seller: Any, customer: Any, marketer: Any) -> None:
    OpportunityFactory(party=customer, title="Fornos novos", amount=Decimal("25000"), owner=seller)
    OpportunityFactory(party=customer, title="Negócio perdido", status="lost")
    QuoteFactory(party=customer, number="ORC-2026-000007", status="sent")
    ActivityFactory(party=customer, owner=seller, kind="visit", subject="Visita mensal")
    page = client_for(seller).get(f"/customers/{customer.pk}/").content.decode()
    assert 'id="sales-deals"' in page and "Fornos novos" in page
    assert "Negócio perdido" not in page and "R$25,000.00" in page and "ORC-2026-000007" in page
    assert "Visita mensal" in page and f"/sales/briefing/{customer.pk}/" in page
    assert 'id="plan-visit"' in page
    hidden = client_for(marketer).get(f"/customers/{customer.pk}/").content.decode()
    assert 'id="sales-deals"' not in hidden and "Fornos novos" not in hidden


def test_the_home_card_shows_my_day(seller: Any, agent: Any, customer: Any) -> None:
    ActivityFactory(owner=seller, party=customer, subject="Ligar cedo", due_at=timezone.now() - DAY)
    home = client_for(seller).get("/").content.decode()
    assert 'id="home-activities"' in home and 'hx-get="/sales/activities/today/"' in home
    card = client_for(seller).get("/sales/activities/today/").content.decode()
    assert 'id="home-activities"' in card and "Ligar cedo" in card
    # an agent's card stays out of sight, and empty, until something is due
    agents_home = client_for(agent).get("/").content.decode()
    assert re.search(r'id="home-activities"[^>]*hidden', agents_home, re.S)
    assert client_for(agent).get("/sales/activities/today/").content == b""
    ActivityFactory(owner=agent, subject="Retornar ligação", due_at=timezone.now() - HOUR)
    assert "Retornar ligação" in client_for(agent).get("/sales/activities/today/").content.decode()


def test_a_note_flagged_before_a_visit(
    agent: Any, customer: Any, api_for: Callable[[Any], Any]
) -> None:
    client = client_for(agent)
    response = client.post(
        f"/customers/{customer.pk}/notes/",
        {"body": "Cachorro bravo no portão.", "before_visit": "on"},
    )
    assert response.status_code == 302
    assert Note.objects.get(party=customer).before_visit
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert 'class="note-before-visit"' in page and 'name="before_visit"' in page
    api = api_for(agent)
    made = api.post(f"/parties/{customer.pk}/notes", {"body": "Outra", "before_visit": True})
    assert made.status_code == 201 and made.json()["before_visit"] is True
    listed = api.get(f"/parties/{customer.pk}/notes").json()
    assert {n["before_visit"] for n in listed} == {True}


def test_the_quotes_are_not_listed_twice_when_the_quotes_area_has_its_panel(
    seller: Any, customer: Any
) -> None:
    from fregues.core import htmx

    QuoteFactory(party=customer, number="ORC-2026-000009", status="sent")
    htmx.slot_register("party.open_work", "sales.quotes", lambda r, p: "<p>cotações</p>", order=40)
    try:
        page = client_for(seller).get(f"/customers/{customer.pk}/").content.decode()
    finally:
        del htmx._SLOTS["party.open_work"]["sales.quotes"]
    assert 'id="sales-deals"' in page and "ORC-2026-000009" not in page
    assert "<p>cotações</p>" in page
