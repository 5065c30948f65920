"""The customer-service screens: the cases panel on the customer page, my work on the home
page, and a new case (with the proposal to join a similar open case)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from fregues.service.models import AvoidableContact, Case
from fregues.service.selectors.cases import case_headline
from fregues.service.services import case_assign

from ._helpers import HX, client_for, html, reload
from .factories_cases import ago

pytestmark = pytest.mark.django_db


def between(page: str, start: str, end: str) -> str:
    """The part of ``page`` from the element with id ``start`` to the one with id ``end``."""
    first = page.index(f'id="{start}"')
    return page[first : page.index(f'id="{end}"', first)]


# ---------------------------------------------------------------- customer page and home


def test_customer_page_shows_open_cases_with_headline_sla_and_new_case(
    salesperson: Any, customer: Any, open_case: Callable, move: Callable, agent: Any
):
    case = open_case(priority="high")
    move(case, "triaged", "dispatched")
    case_assign(actor=agent, protocol=case.protocol, assignee_id=agent.pk)
    closed = open_case("Outro pedido")
    move(closed, "closed")
    whole = html(client_for(salesperson).get(reverse("parties:detail", args=[customer.pk])))
    page = between(whole, "party-cases", "timeline")
    assert case.protocol in page
    assert case_headline(reload(case)) in page  # "2026-… — Enviado ao parceiro hoje"
    assert "sla-ok" in page
    assert agent.display_name in page
    assert closed.protocol not in page  # only the open ones, and a link to the rest
    assert f"{reverse('service:list')}?party={customer.pk}" in page
    assert f"{reverse('service:create')}?party={customer.pk}" in page  # sales may open cases


def test_customer_page_counts_the_contacts_attached_to_each_case(
    agent: Any, customer: Any, open_case: Callable
):
    case = open_case()  # the contact that opened it is attached
    whole = html(client_for(agent).get(reverse("parties:detail", args=[customer.pk])))
    panel = between(whole, "party-cases", "timeline")
    assert case.protocol in panel
    assert "1 contact" in panel or "1 contato" in panel


def test_marketing_sees_the_open_cases_but_cannot_open_one(marketer: Any, customer, open_case):
    case = open_case()
    page = html(client_for(marketer).get(reverse("parties:detail", args=[customer.pk])))
    assert case.protocol in page
    assert 'id="new-case"' not in page
    assert (
        client_for(marketer).get(reverse("service:create"), {"party": customer.pk}).status_code
        == 403
    )


def test_home_shows_my_work_to_those_who_work_cases(
    agent: Any, marketer: Any, open_case: Callable, django_assert_max_num_queries
):
    mine = open_case(assignee_id=agent.pk)
    late = open_case("Outro", assignee_id=agent.pk)
    Case.objects.filter(pk=late.pk).update(resolution_due=ago(hours=1))
    client = client_for(agent)
    home = html(client.get(reverse("core:home")))
    assert 'id="home-my-work"' in home
    assert reverse("service:my_work_card") in home  # the card loads itself after the page
    with django_assert_max_num_queries(6):
        card = client.get(reverse("service:my_work_card"), headers=HX)
    summary = card.context["summary"]
    assert (summary.open, summary.breached, summary.waiting) == (2, 1, 0)
    assert mine.protocol in html(card) and late.protocol in html(card)
    assert 'id="home-my-work"' not in html(client_for(marketer).get(reverse("core:home")))


# ---------------------------------------------------------------- a new case


def test_new_case_form_offers_the_types_and_their_categories(agent: Any, customer: Any):
    response = client_for(agent).get(reverse("service:create"), {"party": customer.pk})
    assert response.status_code == 200
    page = html(response)
    assert 'value="technical-assistance"' in page and 'value="licence-request"' in page
    assert "Avaria" in page  # the first type's categories
    categories = client_for(agent).get(
        reverse("service:categories"), {"case_type": "licence-request"}, headers=HX
    )
    assert "Obras" in html(categories) and "Avaria" not in html(categories)


def test_new_case_without_a_customer_goes_to_the_customer_list(agent: Any):
    response = client_for(agent).get(reverse("service:create"))
    assert response.status_code == 302 and response["Location"] == reverse("parties:list")


def test_opening_a_case_shows_the_protocol_and_tracking_code(agent: Any, customer: Any):
    client = client_for(agent)
    response = client.post(
        f"{reverse('service:create')}?party={customer.pk}",
        {
            "party": customer.pk,
            "case_type": "licence-request",
            "category": "Obras",
            "priority": "normal",
            "channel": "visit",
            "subject": "Licença de obras para ampliação",
            "description": "Entregou a planta.",
        },
    )
    case = Case.objects.get(party=customer)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('service:detail', args=[case.protocol])}?opened=1"
    page = html(client.get(response["Location"]))
    assert 'id="opened-banner"' in page
    assert case.protocol in page and case.tracking_code in page
    assert reverse("service:track", args=[case.protocol]) in page
    assert case.category == "Obras" and case.channel == "visit"


def test_opening_a_case_with_errors_shows_them_and_writes_nothing(
    agent: Any, customer: Any, nothing_written: Callable
):
    with nothing_written():
        response = client_for(agent).post(
            f"{reverse('service:create')}?party={customer.pk}",
            {
                "party": customer.pk,
                "case_type": "technical-assistance",
                "subject": "",
                "priority": "normal",
                "channel": "phone",
            },
        )
    assert response.status_code == 422
    assert "field-errors" in html(response)


def test_a_similar_open_case_is_proposed_and_the_report_joins_it(
    agent: Any, customer: Any, open_case: Callable
):
    existing = open_case("Máquina de lavar não liga")
    client = client_for(agent)
    proposal = client.get(
        reverse("service:similar"),
        {
            "party": customer.pk,
            "case_type": "technical-assistance",
            "subject": "maquina de lavar nao liga mais",
        },
        headers=HX,
    )
    page = html(proposal)
    assert existing.protocol in page
    assert 'id="join-case"' in page and 'name="force_new"' in page
    nothing = client.get(
        reverse("service:similar"),
        {"party": customer.pk, "case_type": "technical-assistance", "subject": "Fatura errada"},
        headers=HX,
    )
    assert existing.protocol not in html(nothing)

    data = {
        "party": customer.pk,
        "case_type": "technical-assistance",
        "priority": "normal",
        "channel": "phone",
        "subject": "Máquina de lavar não liga mais",
    }
    joined = client.post(f"{reverse('service:create')}?party={customer.pk}", data)
    assert joined["Location"] == f"{reverse('service:detail', args=[existing.protocol])}?joined=1"
    assert Case.objects.filter(party=customer).count() == 1
    assert AvoidableContact.objects.filter(case=existing, reason="repeat_report").count() == 1
    assert 'id="joined-banner"' in html(client.get(joined["Location"]))

    separate = client.post(
        f"{reverse('service:create')}?party={customer.pk}", {**data, "force_new": "1"}
    )
    assert separate.status_code == 302 and "?opened=1" in separate["Location"]
    assert Case.objects.filter(party=customer).count() == 2
