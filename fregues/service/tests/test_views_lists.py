"""The customer-service screens: my work, the case list, queues and bulk reassign."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from ._helpers import HX, client_for, html, reload
from .factories_cases import CaseFactory, QueueFactory, ago

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- lists


def test_my_work_lists_my_open_cases_by_sla_due(
    agent: Any, customer: Any, django_assert_max_num_queries
):
    later = CaseFactory(
        party=customer, assignee=agent, resolution_due=timezone.now() + datetime.timedelta(days=3)
    )
    sooner = CaseFactory(
        party=customer, assignee=agent, resolution_due=timezone.now() + datetime.timedelta(hours=2)
    )
    paused = CaseFactory(
        party=customer, assignee=agent, resolution_due=timezone.now(), sla_paused_at=timezone.now()
    )
    CaseFactory(party=customer, assignee=agent, is_open=False)
    CaseFactory(party=customer)  # nobody's
    for _ in range(20):
        CaseFactory(assignee=agent, resolution_due=timezone.now() + datetime.timedelta(days=9))
    client = client_for(agent)
    with django_assert_max_num_queries(3):
        response = client.get(reverse("service:my_work"))
    protocols = [c.protocol for c in response.context["cases"]]
    assert protocols[:2] == [sooner.protocol, later.protocol]
    assert protocols[-1] == paused.protocol
    assert len(protocols) == 23


def test_case_list_filters_and_pages_by_keyset(
    agent: Any, customer: Any, django_assert_max_num_queries
):
    for i in range(35):
        CaseFactory(subject=f"Pedido {i:02d}", created_at=ago(hours=i))
    closed = CaseFactory(party=customer, is_open=False, subject="Fechado", priority="urgent")
    client = client_for(agent)
    with django_assert_max_num_queries(8):
        first = client.get(reverse("service:list"))
    assert len(first.context["cases"]) == 30
    cursor = first.context["next_cursor"]
    assert cursor
    with django_assert_max_num_queries(3) as captured:
        second = client.get(
            reverse("service:list"), {"cursor": cursor, "fragment": "rows"}, headers=HX
        )
    assert not any("OFFSET" in q["sql"].upper() for q in captured.captured_queries)
    assert second.templates[0].name == "service/partials/case_rows.html"
    assert len(second.context["cases"]) == 6
    assert {c.pk for c in first.context["cases"]}.isdisjoint(c.pk for c in second.context["cases"])

    by_state = client.get(reverse("service:list"), {"state": "closed"}).context["cases"]
    assert [c.pk for c in by_state] == [closed.pk]
    by_priority = client.get(reverse("service:list"), {"priority": "urgent"}).context["cases"]
    assert [c.pk for c in by_priority] == [closed.pk]
    by_q = client.get(reverse("service:list"), {"q": "Pedido 07"}).context["cases"]
    assert [c.subject for c in by_q] == ["Pedido 07"]
    by_party = client.get(reverse("service:list"), {"party": customer.pk})
    assert [c.pk for c in by_party.context["cases"]] == [closed.pk]
    assert customer.name in html(by_party)
    by_status = client.get(
        reverse("service:list"), {"status": "new", "case_type": "technical-assistance"}
    )
    assert len(by_status.context["cases"]) == 30
    bad = client.get(reverse("service:list"), {"cursor": "not-a-cursor"})
    assert bad.status_code == 200 and len(bad.context["cases"]) == 30


def test_queue_view_lists_open_and_unassigned_cases(agent: Any, make_user: Callable):
    queue = QueueFactory(agents=[agent])
    taken = CaseFactory(queue=queue, assignee=agent)
    waiting = CaseFactory(queue=queue)
    CaseFactory(queue=queue, is_open=False)
    client = client_for(agent)
    everything = client.get(reverse("service:queue", args=[queue.pk]))
    assert {c.pk for c in everything.context["cases"]} == {taken.pk, waiting.pk}
    unassigned = client.get(reverse("service:queue", args=[queue.pk]), {"unassigned": "1"})
    assert [c.pk for c in unassigned.context["cases"]] == [waiting.pk]
    mine_first = client.get(reverse("service:queues"))
    assert mine_first.context["queue"].pk == queue.pk  # the agent's team's queue
    assert client.get(reverse("service:queue", args=[9999])).status_code == 404


def test_bulk_reassign_gives_the_ticked_cases_to_one_agent(agent: Any, make_user: Callable):
    other = make_user("agent", first_name="Bia")
    queue = QueueFactory(agents=[agent, other])
    cases = [CaseFactory(queue=queue, assignee=agent) for _ in range(3)]
    client = client_for(agent)
    url = reverse("service:queue", args=[queue.pk])
    response = client.post(
        reverse("service:reassign"),
        {
            "protocols": [c.protocol for c in cases[:2]],
            "assignee": other.pk,
            "queue": queue.pk,
            "next": url,
        },
    )
    assert response.status_code == 302 and response["Location"] == url
    assert [reload(c).assignee for c in cases] == [other, other, agent]
    back = client.post(
        reverse("service:reassign"),
        {"protocols": [cases[2].protocol], "assignee": "none", "queue": queue.pk, "next": url},
    )
    assert back.status_code == 302
    assert reload(cases[2]).assignee is None


def test_bulk_reassign_errors_change_nothing(
    agent: Any, salesperson: Any, make_user: Callable, nothing_written: Callable
):
    queue = QueueFactory(agents=[agent])
    case = CaseFactory(queue=queue, assignee=agent)
    client = client_for(agent)
    with nothing_written():
        none_ticked = client.post(
            reverse("service:reassign"), {"assignee": agent.pk, "queue": queue.pk}
        )
        unknown = client.post(
            reverse("service:reassign"),
            {"protocols": [case.protocol, "1999-000404"], "assignee": "none", "queue": queue.pk},
        )
        nobody_chosen = client.post(
            reverse("service:reassign"), {"protocols": [case.protocol], "queue": queue.pk}
        )
        sales = client_for(salesperson).post(
            reverse("service:reassign"),
            {"protocols": [case.protocol], "assignee": "none", "queue": queue.pk},
        )
    assert none_ticked.status_code == 422 and "alert-error" in html(none_ticked)
    assert unknown.status_code == 422 and "1999-000404" in html(unknown)
    assert nobody_chosen.status_code == 422
    assert sales.status_code == 403
    assert reload(case).assignee == agent
