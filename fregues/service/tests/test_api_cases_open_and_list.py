"""/api/v1/cases: opening a case (201, joined 200, similar, 422 with every field and nothing
written, 403, 401), reading one, the list with its filters and cursor, and my work."""

from __future__ import annotations

import base64
import datetime
import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from fregues.parties.models import Party
from fregues.service.models import AvoidableContact, Case, Queue

from ._helpers import opened
from .conftest import make_customer
from .factories_cases import CaseFactory, QueueFactory, agents

pytestmark = pytest.mark.django_db


# --- opening ------------------------------------------------------------------------------


def test_opening_a_case_answers_201_with_its_protocol(api: Any, customer: Party, tech: Any) -> None:
    response = opened(
        api,
        customer,
        description="Desde ontem.",
        channel="phone",
        priority="high",
        category="Avaria",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert re.fullmatch(r"\d{4}-\d{6}", body["protocol"])
    assert body["joined"] is False
    assert body["party"] == {"id": customer.pk, "name": "Ana Souza"}
    assert body["case_type"] == "technical-assistance"
    assert body["status"]["code"] == "new"
    assert body["priority"] == "high" and body["category"] == "Avaria"
    assert body["queue"] == "Suporte técnico"
    assert body["sla_policy"] == "Assistência técnica — prioridade alta"
    assert body["sla_state"] in {"ok", "warning", "breached"}
    assert len(body["tracking_code"]) == 8
    assert body["version"] == 1
    assert {t["to_status"]["code"] for t in body["allowed_transitions"]} == {
        "triaged",
        "waiting_customer",
        "closed",
    }
    assert body["headline"].startswith(body["protocol"])


def test_a_repeated_report_answers_200_joined(
    api: Any, customer: Party, case: dict[str, Any]
) -> None:
    response = opened(api, customer, subject="a máquina de lavar não liga", channel="visit")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["joined"] is True
    assert body["protocol"] == case["protocol"]
    assert body["message"].startswith(f"This customer already has case {case['protocol']}")
    assert body["version"] == case["version"] + 1
    assert Case.objects.count() == 1
    assert AvoidableContact.objects.get().reason == "repeat_report"


def test_force_new_answers_201(api: Any, customer: Party, case: dict[str, Any]) -> None:
    response = opened(api, customer, force_new=True)
    assert response.status_code == 201
    assert response.json()["protocol"] != case["protocol"]


def test_similar_lists_what_a_report_would_join(
    api: Any, customer: Party, case: dict[str, Any]
) -> None:
    params = {
        "party_id": customer.pk,
        "case_type": "technical-assistance",
        "subject": "Máquina de lavar não liga de novo",
    }
    response = api.get("/cases/similar", params)
    assert response.status_code == 200
    assert [c["protocol"] for c in response.json()] == [case["protocol"]]
    assert api.get("/cases/similar", {**params, "case_type": "nope"}).json() == []
    assert api.get("/cases/similar", {**params, "subject": "Conserto de TV"}).json() == []
    missing = api.get("/cases/similar", {"party_id": customer.pk})
    assert missing.status_code == 422
    assert {"case_type", "subject"} <= set(missing.json()["errors"])


def test_bad_input_is_422_with_every_field_and_nothing_written(
    api: Any, nothing_written: Callable
) -> None:
    with nothing_written():
        response = api.post(
            "/cases",
            {
                "party_id": 999_999,
                "case_type": "nope",
                "subject": "",
                "channel": "pigeon",
                "priority": "asap",
            },
        )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["errors"]) >= {"party_id", "case_type", "subject", "channel", "priority"}


def test_a_malformed_body_is_422_and_nothing_written(
    api: Any, customer: Party, nothing_written: Callable
) -> None:
    with nothing_written():
        missing = api.post("/cases", {"subject": "Sem cliente"})
        wrong_type = api.post("/cases", {"party_id": "abc", "case_type": "x", "subject": "s"})
    assert missing.status_code == 422
    assert set(missing.json()["errors"]) == {"party_id", "case_type"}
    assert wrong_type.status_code == 422 and "party_id" in wrong_type.json()["errors"]


def test_marketing_cannot_open_cases(
    marketing_api: Any, customer: Party, nothing_written: Callable
) -> None:
    with nothing_written():
        response = opened(marketing_api, customer)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_without_a_token_it_is_401(anonymous_api: Any, customer: Party) -> None:
    assert opened(anonymous_api, customer).status_code == 401
    assert anonymous_api.get("/cases").status_code == 401


# --- reading ----------------------------------------------------------------------------


def test_a_case_is_read_by_protocol_and_an_unknown_one_is_404(
    api: Any, case: dict[str, Any]
) -> None:
    response = api.get(f"/cases/{case['protocol']}")
    assert response.status_code == 200
    assert response.json()["id"] == case["id"]
    missing = api.get("/cases/2026-999999")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"


def test_marketing_may_read_cases(marketing_api: Any, case: dict[str, Any]) -> None:
    assert marketing_api.get(f"/cases/{case['protocol']}").status_code == 200


@pytest.fixture
def many(api: Any, customer: Party, tech: Any, licence: Any) -> dict[str, Any]:
    """Cases of two customers, types, statuses, queues and assignees, created a minute
    apart (newest first in lists)."""
    other = make_customer(given="Bruno", email="bruno@exemplo.com.br", phone=None)
    ana, bia = agents(2)
    queue = QueueFactory(strategy=Queue.Strategy.MANUAL)
    triaged = tech.circuit.statuses.get(code="triaged")
    closed = tech.circuit.statuses.get(code="closed")
    specs = [
        dict(party=customer, subject="Máquina de lavar não liga", assignee=ana),
        dict(
            party=customer,
            subject="Geladeira fazendo barulho",
            assignee=bia,
            status=triaged,
            priority="high",
        ),
        dict(party=other, subject="Forno não aquece", queue=queue, priority="urgent"),
        dict(
            party=other,
            subject="Licença de obras",
            case_type=licence,
            status=licence.circuit.statuses.get(code="submitted"),
        ),
        dict(
            party=customer,
            subject="Ar condicionado pingando",
            status=closed,
            is_open=False,
            assignee=api.user,
        ),
        dict(party=other, subject="Micro-ondas faísca", assignee=api.user),
    ]
    base = datetime.datetime(2026, 3, 2, 12, tzinfo=datetime.UTC)
    cases = []
    for n, spec in enumerate(specs):
        made = CaseFactory(**spec)
        Case.objects.filter(pk=made.pk).update(created_at=base + datetime.timedelta(minutes=n))
        cases.append(made)
    return {"cases": cases, "other": other, "ana": ana, "bia": bia, "queue": queue}


def protocols(response: Any) -> list[str]:
    assert response.status_code == 200, response.json()
    return [c["protocol"] for c in response.json()["items"]]


def test_the_list_filters(api: Any, customer: Party, many: dict[str, Any]) -> None:
    c = [x.protocol for x in many["cases"]]
    assert protocols(api.get("/cases")) == c[::-1]
    assert protocols(api.get("/cases", {"party_id": customer.pk})) == [c[4], c[1], c[0]]
    assert protocols(api.get("/cases", {"status": "triaged"})) == [c[1]]
    assert protocols(api.get("/cases", {"case_type": "licence-request"})) == [c[3]]
    assert protocols(api.get("/cases", {"queue_id": many["queue"].pk})) == [c[2]]
    assert protocols(api.get("/cases", {"assignee_id": many["bia"].pk})) == [c[1]]
    assert protocols(api.get("/cases", {"mine": "true"})) == [c[5], c[4]]
    assert protocols(api.get("/cases", {"unassigned": "true"})) == [c[3], c[2]]
    assert protocols(api.get("/cases", {"open": "false"})) == [c[4]]
    assert protocols(api.get("/cases", {"open": "true", "mine": "true"})) == [c[5]]
    assert protocols(api.get("/cases", {"priority": "urgent"})) == [c[2]]
    assert protocols(api.get("/cases", {"q": "geladeira"})) == [c[1]]
    assert protocols(api.get("/cases", {"q": c[3]})) == [c[3]]


def test_the_list_pages_with_a_cursor(api: Any, many: dict[str, Any]) -> None:
    c = [x.protocol for x in many["cases"]][::-1]
    seen = []
    cursor = None
    while True:
        params = {"limit": 4, **({"cursor": cursor} if cursor else {})}
        body = api.get("/cases", params).json()
        seen += [item["protocol"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == c


def cursor_of(*values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not-base64!",
        cursor_of(1, 2),
        cursor_of("x", "abc"),
        cursor_of("2026-03-02T12:00:00", "abc"),
        cursor_of("2026-03-02T12:00:00+00:00", 1, 2),
        "e30",
    ],
)
def test_a_bad_cursor_or_limit_is_422(api: Any, cursor: str) -> None:
    response = api.get("/cases", {"cursor": cursor})
    assert response.status_code == 422
    assert "cursor" in response.json()["errors"]
    assert api.get("/cases", {"limit": 0}).status_code == 422
    assert api.get("/cases", {"limit": 500}).status_code == 422


def test_my_work_is_the_agents_open_cases_by_sla_due(api: Any, customer: Party) -> None:
    late = opened(api, customer, subject="Pedido normal", assignee_id=api.user.pk).json()
    soon = opened(
        api, customer, subject="Forno urgente", priority="urgent", assignee_id=api.user.pk
    ).json()
    opened(api, customer, subject="Pedido de outra pessoa", force_new=True)
    response = api.get("/cases/my-work")
    assert response.status_code == 200
    assert [c["protocol"] for c in response.json()] == [soon["protocol"], late["protocol"]]
