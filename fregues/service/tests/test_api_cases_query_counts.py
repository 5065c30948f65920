"""/api/v1 of customer service: the query counts of the lists and of one case do not grow
with rows or history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fregues.interactions.tests.factories import InteractionFactory
from fregues.parties.models import Party
from fregues.parties.tests.factories import PartyFactory
from fregues.service.models import Case, Queue, ServicePartner, SlaPolicy

from ._helpers import opened
from .conftest import at
from .factories_cases import CaseFactory, PartnerFactory, QueueFactory, SlaPolicyFactory, agents

pytestmark = pytest.mark.django_db


# --- query counts -------------------------------------------------------------------------


def queries(call: Callable[[], Any]) -> int:
    """The queries of ``call`` once warm (the token's last use is stamped at most once a
    minute: the first request may write it)."""
    call()
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code == 200, response.json()
    return len(captured)


def add_cases(n: int, tech: Any, licence: Any) -> None:
    """Cases with everything a row shows: reporters, queues, assignees, policies, statuses."""
    policy = SlaPolicy.objects.first()
    queue = Queue.objects.get(code="support")
    people = agents(2)
    for i in range(n):
        kind = tech if i % 2 else licence
        CaseFactory(
            party=PartyFactory(),
            reporter=PartyFactory(),
            case_type=kind,
            status=kind.circuit.statuses.order_by("position")[i % 3],
            queue=queue,
            assignee=people[i % 2],
            sla_policy=policy,
            resolution_due=at(2026, 3, 2, 9),
        )


def test_the_case_list_does_not_grow_queries_with_rows(
    api: Any, tech: Any, licence: Any, django_assert_max_num_queries: Any
) -> None:
    add_cases(3, tech, licence)
    few = queries(lambda: api.get("/cases"))
    add_cases(40, tech, licence)
    many = queries(lambda: api.get("/cases"))
    assert many == few
    with django_assert_max_num_queries(4):
        response = api.get("/cases", {"limit": 200})
    assert len(response.json()["items"]) == 43


def test_one_case_does_not_grow_queries_with_its_history(
    api: Any, customer: Party, partner: ServicePartner, django_assert_max_num_queries: Any
) -> None:
    case = opened(api, customer).json()
    url = f"/cases/{case['protocol']}"
    few = queries(lambda: api.get(url))
    for n in range(10):
        InteractionFactory(party=customer, regarding_type="service.case", regarding_id=case["id"])
        api.post(
            f"{url}/transitions", {"to_status": "triaged" if n % 2 == 0 else "waiting_customer"}
        )
    many = queries(lambda: api.get(url))
    assert many == few
    with django_assert_max_num_queries(4):
        api.get(url)
    timeline_few = queries(lambda: api.get(f"{url}/timeline"))
    for _ in range(10):
        InteractionFactory(party=customer, regarding_type="service.case", regarding_id=case["id"])
    assert queries(lambda: api.get(f"{url}/timeline")) == timeline_few


def test_other_lists_do_not_grow_queries_with_rows(
    api: Any, admin_api: Any, tech: Any, licence: Any, partner: ServicePartner
) -> None:
    urls = ["/cases/my-work", "/queues", "/sla-policies", "/case-types", "/partners"]
    add_cases(2, tech, licence)
    Case.objects.update(assignee=api.user)
    before = {url: queries(lambda url=url: api.get(url)) for url in urls}
    add_cases(20, tech, licence)
    Case.objects.update(assignee=api.user)
    PartnerFactory.create_batch(5)
    SlaPolicyFactory.create_batch(5, case_type=tech)
    QueueFactory.create_batch(5)
    after = {url: queries(lambda url=url: api.get(url)) for url in urls}
    assert after == before
