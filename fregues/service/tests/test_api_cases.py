"""/api/v1 of customer service: every endpoint, its bad input (422 with field errors and
nothing written), 404, 409, 403 by role, the public endpoints without an account, and the
query counts of the lists."""

from __future__ import annotations

import base64
import datetime
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fregues.interactions.tests.factories import InteractionFactory
from fregues.parties.models import Party
from fregues.parties.tests.factories import OrganizationFactory, PartyFactory
from fregues.service.models import (
    AvoidableContact,
    Case,
    QualityChecklist,
    QualityReview,
    Queue,
    SatisfactionSurvey,
    ServicePartner,
    SlaPolicy,
    TrackingVisit,
    WorkOrder,
)
from fregues.service.services import work_order_send
from fregues.service.services.partners import work_order_token
from fregues.service.services.satisfaction import survey_token

from .conftest import at, make_customer
from .factories_cases import (
    CaseFactory,
    PartnerFactory,
    QueueFactory,
    SlaPolicyFactory,
    agents,
    br_calendar,
)

pytestmark = pytest.mark.django_db


def opened(api: Any, party: Party, **body: Any) -> Any:
    body.setdefault("case_type", "technical-assistance")
    body.setdefault("subject", "Máquina de lavar não liga")
    return api.post("/cases", {"party_id": party.pk, **body})


@pytest.fixture
def case(api: Any, customer: Party) -> dict[str, Any]:
    response = opened(api, customer, priority="high", category="Avaria")
    assert response.status_code == 201, response.json()
    return response.json()


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


# --- changing ----------------------------------------------------------------------------


def test_patch_changes_with_the_version_read(api: Any, case: dict[str, Any]) -> None:
    url = f"/cases/{case['protocol']}"
    response = api.patch(
        url,
        {"subject": "Lavadora não centrifuga", "priority": "urgent", "version": case["version"]},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["subject"] == "Lavadora não centrifuga"
    assert body["sla_policy"] == "Assistência técnica — prioridade urgente"
    assert body["version"] == case["version"] + 1
    assert body["category"] == "Avaria"  # untouched

    stale = api.patch(url, {"subject": "Outra coisa", "version": case["version"]})
    assert stale.status_code == 409
    assert stale.json()["code"] == "version_conflict"
    assert stale.json()["current_version"] == body["version"]
    stale_header = api.patch(url, {"subject": "Outra coisa"}, **{"If-Match": '"1"'})
    assert stale_header.status_code == 409
    fresh_header = api.patch(
        url, {"subject": "Outra coisa"}, **{"If-Match": f'"{body["version"]}"'}
    )
    assert fresh_header.status_code == 200
    assert Case.objects.get(pk=case["id"]).subject == "Outra coisa"


def test_patch_bad_input_is_422_and_nothing_written(
    api: Any, case: dict[str, Any], nothing_written: Callable
) -> None:
    url = f"/cases/{case['protocol']}"
    with nothing_written():
        bad = api.patch(url, {"subject": "", "priority": "asap", "queue_id": 999_999})
        null = api.patch(url, {"subject": None})
        typed = api.patch(url, {"priority": 3, "version": "x"})
        header = api.patch(url, {"subject": "X"}, **{"If-Match": "abc"})
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"subject", "priority", "queue_id"}
    assert null.status_code == 422 and "subject" in null.json()["errors"]
    assert typed.status_code == 422
    assert header.status_code == 422 and "If-Match" in header.json()["errors"]
    assert api.patch("/cases/2026-999999", {"subject": "X"}).status_code == 404


def test_marketing_cannot_change_cases(marketing_api: Any, case: dict[str, Any]) -> None:
    url = f"/cases/{case['protocol']}"
    assert marketing_api.patch(url, {"subject": "X"}).status_code == 403
    assert marketing_api.post(f"{url}/transitions", {"to_status": "triaged"}).status_code == 403


# --- transitions ------------------------------------------------------------------------


def test_transitions_list_and_move(api: Any, case: dict[str, Any]) -> None:
    url = f"/cases/{case['protocol']}/transitions"
    allowed = api.get(url)
    assert allowed.status_code == 200
    assert {s["code"] for s in allowed.json()} == {"triaged", "waiting_customer", "closed"}

    moved = api.post(
        url, {"to_status": "triaged", "comment": "Avaria no motor", "version": case["version"]}
    )
    assert moved.status_code == 200, moved.json()
    assert moved.json()["status"]["code"] == "triaged"
    alias = api.post(url, {"status": "dispatched"})
    assert alias.status_code == 200 and alias.json()["status"]["code"] == "dispatched"


def test_a_forbidden_transition_is_422_with_the_allowed_ones(
    api: Any, case: dict[str, Any], nothing_written: Callable
) -> None:
    url = f"/cases/{case['protocol']}/transitions"
    with nothing_written():
        response = api.post(url, {"to_status": "resolved"})
        stale = api.post(url, {"to_status": "triaged", "version": 99})
        missing = api.post(url, {})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "forbidden_transition"
    assert set(body["allowed"]) == {"triaged", "waiting_customer", "closed"}
    assert "to_status" in body["errors"]
    assert stale.status_code == 409
    assert missing.status_code == 422 and "to_status" in missing.json()["errors"]
    assert api.post("/cases/2026-999999/transitions", {"to_status": "x"}).status_code == 404
    assert api.get("/cases/2026-999999/transitions").status_code == 404


def test_the_timeline_shows_events_and_contacts(
    api: Any, case: dict[str, Any], marketing_api: Any
) -> None:
    api.post(f"/cases/{case['protocol']}/transitions", {"to_status": "triaged"})
    response = api.get(f"/cases/{case['protocol']}/timeline")
    assert response.status_code == 200
    kinds = [item["kind"] for item in response.json()]
    assert kinds[0] in {"event:created", "interaction"}
    assert {"event:created", "event:transition", "interaction"} <= set(kinds)
    contact = next(i for i in response.json() if i["kind"] == "interaction")
    assert contact["data"]["channel"] == "phone"
    # marketing sees that there was a contact, not what was said
    hidden = marketing_api.get(f"/cases/{case['protocol']}/timeline").json()
    assert next(i for i in hidden if i["kind"] == "interaction")["data"]["body"] is None
    assert api.get("/cases/2026-999999/timeline").status_code == 404


# --- assignment ---------------------------------------------------------------------------


def test_assign_by_hand_auto_and_unassign(api: Any, customer: Party) -> None:
    ana, bia = agents(2)
    queue = QueueFactory(strategy=Queue.Strategy.ROUND_ROBIN, agents=[ana, bia])
    case = opened(api, customer, queue_id=queue.pk).json()
    assert case["assignee"]["id"] == ana.pk
    url = f"/cases/{case['protocol']}/assign"

    by_hand = api.post(url, {"assignee_id": api.user.pk, "version": case["version"]})
    assert by_hand.status_code == 200 and by_hand.json()["assignee"]["id"] == api.user.pk
    auto = api.post(url, {"auto": True})
    assert auto.json()["assignee"]["id"] == bia.pk
    nobody = api.post(url, {})
    assert nobody.json()["assignee"] is None
    assert api.post(url, {"assignee_id": 1, "version": 1}).status_code == 409
    assert api.post(url, {"assignee_id": 999_999}).status_code == 422
    assert api.post("/cases/2026-999999/assign", {}).status_code == 404


def test_a_salesperson_cannot_assign(api_as: Callable, case: dict[str, Any]) -> None:
    sales = api_as("sales")
    assert sales.post(f"/cases/{case['protocol']}/assign", {"auto": True}).status_code == 403


def test_bulk_reassign_all_or_nothing(api: Any, customer: Party, nothing_written: Callable) -> None:
    (ana,) = agents(1)
    cases = [opened(api, customer, subject=f"Pedido {n}", force_new=True).json() for n in range(3)]
    listed = [c["protocol"] for c in cases]

    with nothing_written():
        bad = api.post(
            "/cases/reassign", {"protocols": [*listed, "2026-999999"], "assignee_id": ana.pk}
        )
        unknown_user = api.post("/cases/reassign", {"protocols": listed, "assignee_id": 999_999})
        empty = api.post("/cases/reassign", {"protocols": [], "assignee_id": ana.pk})
    assert bad.status_code == 422 and "protocols" in bad.json()["errors"]
    assert unknown_user.status_code == 422
    assert empty.status_code == 422

    response = api.post("/cases/reassign", {"protocols": listed, "assignee_id": ana.pk})
    assert response.status_code == 200
    assert [c["assignee"]["id"] for c in response.json()] == [ana.pk] * 3


# --- contacts -----------------------------------------------------------------------------


def test_attaching_a_contact_as_a_status_inquiry(
    api: Any, customer: Party, case: dict[str, Any], nothing_written: Callable
) -> None:
    call = InteractionFactory(party=customer, agent=api.user, direction="in")
    url = f"/cases/{case['protocol']}/interactions"
    response = api.post(url, {"interaction_id": call.pk, "status_inquiry": True})
    assert response.status_code == 200, response.json()
    assert AvoidableContact.objects.get(interaction=call).reason == "status_inquiry"

    with nothing_written():
        unknown = api.post(url, {"interaction_id": 999_999})
        missing = api.post(url, {})
    assert unknown.status_code == 422 and "interaction_id" in unknown.json()["errors"]
    assert missing.status_code == 422
    assert (
        api.post("/cases/2026-999999/interactions", {"interaction_id": call.pk}).status_code == 404
    )


# --- partners and work orders -----------------------------------------------------------


def test_sending_and_listing_work_orders(
    api: Any,
    case: dict[str, Any],
    partner: ServicePartner,
    nothing_written: Callable,
    django_capture_on_commit_callbacks: Any,
) -> None:
    url = f"/cases/{case['protocol']}/work-orders"
    api.post(f"/cases/{case['protocol']}/transitions", {"to_status": "triaged"})
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            url,
            {
                "partner_id": partner.pk,
                "instructions": "Levar peça.",
                "transition_to": "dispatched",
            },
        )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["partner_name"] == "Técnicos Unidos" and body["status"] == "sent"
    assert "/partner/work-orders/" in body["link"]
    assert any(m.to == [partner.email] for m in mail.outbox)
    assert api.get(f"/cases/{case['protocol']}").json()["status"]["code"] == "dispatched"

    listed = api.get(url)
    assert listed.status_code == 200
    assert [o["id"] for o in listed.json()] == [body["id"]]
    assert listed.json()[0]["link"] is None  # the signed link is shown once

    with nothing_written():
        bad = api.post(url, {"partner_id": 999_999})
        missing = api.post(url, {})
    assert bad.status_code == 422 and "partner_id" in bad.json()["errors"]
    assert missing.status_code == 422
    assert api.post("/cases/2026-999999/work-orders", {"partner_id": partner.pk}).status_code == 404


def test_partners_are_listed_and_registered_by_admins(
    api: Any, admin_api: Any, partner: ServicePartner, nothing_written: Callable
) -> None:
    assert [p["name"] for p in api.get("/partners").json()] == ["Técnicos Unidos"]
    org = OrganizationFactory(name="Refrigeração Polar")
    body = {"party_id": org.pk, "email": "os@polar.com.br", "skills": "frio"}
    person = PartyFactory()
    with nothing_written():
        assert api.post("/partners", body).status_code == 403
        bad = admin_api.post("/partners", {"party_id": org.pk, "email": "nope"})
        unknown = admin_api.post("/partners", {"party_id": 999_999, "email": "a@b.com.br"})
        person = admin_api.post("/partners", {"party_id": person.pk, "email": "a@b.com.br"})
    assert bad.status_code == 422 and "email" in bad.json()["errors"]
    assert unknown.status_code == 422 and "party_id" in unknown.json()["errors"]
    assert person.status_code == 422 and "party_id" in person.json()["errors"]
    created = admin_api.post("/partners", body)
    assert created.status_code == 201
    assert created.json()["name"] == "Refrigeração Polar"
    assert ServicePartner.objects.count() == 2


def test_the_partner_link_works_without_an_account(
    anonymous_api: Any,
    open_case: Callable,
    partner: ServicePartner,
    agent: Any,
    nothing_written: Callable,
) -> None:
    order = work_order_send(actor=agent, protocol=open_case().protocol, partner_id=partner.pk)
    url = f"/partner/work-orders/{work_order_token(order)}"

    shown = anonymous_api.get(url)
    assert shown.status_code == 200
    assert shown.json()["case_protocol"] == order.case.protocol
    updated = anonymous_api.post(url, {"status": "in_progress", "notes": "A caminho."})
    assert updated.status_code == 200
    assert updated.json()["status"] == "in_progress"
    assert "A caminho." in updated.json()["partner_notes"]

    with nothing_written():
        bad_status = anonymous_api.post(url, {"status": "teleported"})
        bad_token = anonymous_api.post("/partner/work-orders/forged", {"status": "done"})
        missing = anonymous_api.post(url, {})
    assert bad_status.status_code == 422 and "status" in bad_status.json()["errors"]
    assert bad_token.status_code == 404
    assert missing.status_code == 422
    assert anonymous_api.get("/partner/work-orders/forged").status_code == 404
    WorkOrder.objects.filter(pk=order.pk).update(
        expires_at=order.sent_at - datetime.timedelta(days=1)
    )
    expired = anonymous_api.get(url)
    assert expired.status_code == 404 and expired.json()["code"] == "link_expired"


# --- public tracking ---------------------------------------------------------------------


def test_tracking_shows_the_history_and_only_the_first_name(
    anonymous_api: Any, api: Any, case: dict[str, Any]
) -> None:
    api.post(
        f"/cases/{case['protocol']}/transitions",
        {"to_status": "triaged", "comment": "Nota interna"},
    )
    response = anonymous_api.get(
        f"/track/{case['protocol']}", {"code": case["tracking_code"].lower(), "lang": "en"}
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["first_name"] == "Ana"
    assert body["status"] == "Triaged"
    assert body["status_description"] == "Your request was reviewed and classified."
    assert body["history"][0]["description"] == "We have received your request."
    in_portuguese = anonymous_api.get(
        f"/track/{case['protocol']}", {"code": case["tracking_code"], "lang": "pt-br"}
    ).json()
    assert in_portuguese["status"] == "Em triagem"
    assert in_portuguese["status_description"] == "O pedido foi analisado e classificado."
    assert [h["status"] for h in body["history"]] == ["New", "Triaged"]
    text = str(body)
    for private in ("Souza", "ana.souza", "987654321", "Nota interna", "Máquina"):
        assert private not in text
    assert TrackingVisit.objects.filter(case_id=case["id"]).count() == 2


@pytest.mark.parametrize("code", ["çãoáé", "\u00e9" * 8, "🙂", "A" * 500])
def test_any_garbage_code_is_a_404(anonymous_api: Any, case: dict[str, Any], code: str) -> None:
    response = anonymous_api.get(f"/track/{case['protocol']}", {"code": code})
    assert response.status_code == 404


def test_a_wrong_code_is_the_same_404_as_an_unknown_protocol(
    anonymous_api: Any, case: dict[str, Any]
) -> None:
    wrong = anonymous_api.get(f"/track/{case['protocol']}", {"code": "AAAAAAAA"})
    none = anonymous_api.get(f"/track/{case['protocol']}")
    unknown = anonymous_api.get("/track/2026-999999", {"code": case["tracking_code"]})
    assert wrong.status_code == none.status_code == unknown.status_code == 404
    assert wrong.json() == none.json() == unknown.json()
    assert not TrackingVisit.objects.exists()


# --- satisfaction ------------------------------------------------------------------------


def test_answering_the_survey_once(
    anonymous_api: Any, api: Any, case: dict[str, Any], nothing_written: Callable
) -> None:
    api.post(f"/cases/{case['protocol']}/transitions", {"to_status": "closed"})
    survey = SatisfactionSurvey.objects.get(case_id=case["id"])
    url = f"/csat/{survey_token(survey)}"

    with nothing_written():
        too_high = anonymous_api.post(url, {"score": 6})
        too_low = anonymous_api.post(url, {"score": 0})
        text = anonymous_api.post(url, {"score": "great"})
        missing = anonymous_api.post(url, {"comment": "sem nota"})
        forged = anonymous_api.post("/csat/forged", {"score": 5})
    for bad in (too_high, too_low, text, missing):
        assert bad.status_code == 422 and "score" in bad.json()["errors"]
    assert forged.status_code == 404

    answered = anonymous_api.post(url, {"score": 4, "comment": "Rápido e educado."})
    assert answered.status_code == 200
    assert answered.json()["score"] == 4
    again = anonymous_api.post(url, {"score": 1})
    assert again.status_code == 409 and again.json()["code"] == "already_answered"
    survey.refresh_from_db()
    assert (survey.score, survey.comment) == (4, "Rápido e educado.")


# --- configuration -------------------------------------------------------------------------


def test_queues_are_listed_by_all_and_created_by_admins(
    api: Any,
    admin_api: Any,
    manager_api: Any,
    nothing_written: Callable,
    case: dict[str, Any],
) -> None:
    listed = api.get("/queues")
    assert listed.status_code == 200
    support = next(q for q in listed.json() if q["code"] == "support")
    assert support["open_cases"] == 1 and support["strategy"] == "least_loaded"

    body = {"code": "vip", "name": "Clientes VIP", "strategy": "round_robin"}
    with nothing_written():
        assert api.post("/queues", body).status_code == 403
        assert manager_api.post("/queues", body).status_code == 403
        bad = admin_api.post(
            "/queues", {"code": "", "name": "", "strategy": "random", "team_id": 999_999}
        )
        taken = admin_api.post("/queues", {"code": "support", "name": "Outra"})
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"code", "name", "strategy", "team_id"}
    assert taken.status_code == 409
    created = admin_api.post("/queues", body)
    assert created.status_code == 201 and created.json()["code"] == "vip"
    assert Queue.objects.filter(code="vip").exists()


def test_sla_policies_are_configured_by_admins(
    api: Any, admin_api: Any, nothing_written: Callable
) -> None:
    listed = api.get("/sla-policies")
    assert listed.status_code == 200
    assert "Padrão" in {p["name"] for p in listed.json()}

    body = {
        "name": "Ouro urgente",
        "case_type": "technical-assistance",
        "priority": "urgent",
        "customer_tier": "gold",
        "first_response_minutes": 30,
        "resolution_minutes": 240,
        "calendar_id": br_calendar().pk,
    }
    with nothing_written():
        assert api.post("/sla-policies", body).status_code == 403
        bad = admin_api.post(
            "/sla-policies",
            {
                **body,
                "case_type": "nope",
                "priority": "asap",
                "calendar_id": 999_999,
                "first_response_minutes": 500,
            },
        )
        negative = admin_api.post("/sla-policies", {**body, "resolution_minutes": -5})
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {
        "case_type",
        "priority",
        "calendar_id",
        "first_response_minutes",
    }
    assert negative.status_code == 422 and "resolution_minutes" in negative.json()["errors"]

    created = admin_api.post("/sla-policies", body)
    assert created.status_code == 201, created.json()
    policy = created.json()
    assert policy["case_type"] == "technical-assistance" and policy["warning_percent"] == 80

    url = f"/sla-policies/{policy['id']}"
    changed = admin_api.patch(url, {"resolution_minutes": 300})
    assert changed.status_code == 200, changed.json()
    assert changed.json()["resolution_minutes"] == 300
    assert changed.json()["name"] == "Ouro urgente"  # untouched
    with nothing_written():
        assert api.patch(url, {"resolution_minutes": 10}).status_code == 403
        inverted = admin_api.patch(url, {"first_response_minutes": 400})
        assert inverted.status_code == 422
        assert admin_api.patch("/sla-policies/999999", {"name": "X"}).status_code == 404
        for field in (
            "first_response_minutes",
            "resolution_minutes",
            "warning_percent",
            "calendar_id",
            "name",
            "is_active",
        ):
            nulled = admin_api.patch(url, {field: None})
            assert nulled.status_code == 422, (field, nulled.json())
            assert field in nulled.json()["errors"]
    assert SlaPolicy.objects.get(pk=policy["id"]).first_response_minutes == 30
    off = admin_api.patch(
        url, {"is_active": False, "case_type": None, "priority": "", "customer_tier": None}
    )
    assert off.status_code == 200
    assert (off.json()["is_active"], off.json()["case_type"]) == (False, None)


def test_case_types_with_their_statuses(api: Any) -> None:
    response = api.get("/case-types")
    assert response.status_code == 200
    types = {t["code"]: t for t in response.json()}
    assert [s["code"] for s in types["licence-request"]["statuses"]] == [
        "submitted",
        "document_check",
        "waiting_customer",
        "technical_review",
        "legal_review",
        "decision",
        "issued",
        "refused",
    ]
    assert [s["code"] for s in types["technical-assistance"]["statuses"]] == [
        "new",
        "triaged",
        "dispatched",
        "in_progress",
        "waiting_customer",
        "resolved",
        "closed",
    ]


# --- quality ------------------------------------------------------------------------------


def test_quality_review_is_for_quality_managers_and_admins(
    api: Any, api_as: Callable, admin_api: Any, customer: Party, nothing_written: Callable
) -> None:
    quality = api_as("quality_manager")
    checklist = QualityChecklist.objects.get(name="Atendimento")
    call = InteractionFactory(party=customer, agent=api.user, occurred_at=timezone.now())
    scores = {"greeting": 100, "history": 50, "protocol": 100, "resolution": 100, "next_steps": 0}
    body = {"checklist_id": checklist.pk, "interaction_id": call.pk, "scores": scores}

    relationship = api_as("relationship_manager")
    with nothing_written():
        for forbidden in (api, relationship):
            assert forbidden.get("/quality/checklists").status_code == 403
            assert forbidden.get("/quality/sample").status_code == 403
            assert forbidden.post("/quality/reviews", body).status_code == 403
        bad = quality.post("/quality/reviews", {**body, "scores": {"greeting": 101, "bogus": 5}})
        both = quality.post("/quality/reviews", {**body, "case_id": 1})
        unknown = quality.post("/quality/reviews", {**body, "checklist_id": 999_999})
    assert bad.status_code == 422
    assert {"scores.greeting", "scores.bogus", "scores.history"} <= set(bad.json()["errors"])
    assert both.status_code == 422
    assert unknown.status_code == 422 and "checklist_id" in unknown.json()["errors"]

    assert quality.get("/quality/checklists").json()[0]["name"] == "Atendimento"
    assert call.pk in quality.get("/quality/sample").json()["interactions"]
    created = quality.post("/quality/reviews", body)
    assert created.status_code == 201, created.json()
    # (100·1 + 50·2 + 100·2 + 100·3 + 0·2) / 10
    assert created.json()["score_percent"] == 70.0
    assert created.json()["agent_id"] == api.user.pk
    assert admin_api.post("/quality/reviews", body).status_code == 201
    assert QualityReview.objects.count() == 2


# --- reports ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/reports/sla", "/reports/avoidable-contacts", "/reports/satisfaction", "/reports/quality"],
)
def test_reports_are_for_managers(api: Any, api_as: Callable, path: str) -> None:
    assert api.get(path).status_code == 403
    assert api_as("sales").get(path).status_code == 403
    for role in ("relationship_manager", "quality_manager", "admin"):
        response = api_as(role).get(path)
        assert response.status_code == 200, (role, response.json())
        assert response.json() == []


def test_reports_reject_an_unknown_grouping(api_as: Callable) -> None:
    quality = api_as("quality_manager")
    assert quality.get("/reports/sla", {"by": "moon"}).status_code == 422
    assert quality.get("/reports/satisfaction", {"by": "moon"}).status_code == 422
    assert quality.get("/reports/sla", {"since": "yesterday"}).status_code == 422


def test_reports_through_the_api(api: Any, api_as: Callable, customer: Party) -> None:
    case = opened(api, customer).json()
    call = InteractionFactory(
        party=customer, agent=api.user, direction="in", occurred_at=timezone.now()
    )
    api.post(
        f"/cases/{case['protocol']}/interactions",
        {"interaction_id": call.pk, "status_inquiry": True},
    )
    quality = api_as("quality_manager")
    sla = quality.get("/reports/sla", {"by": "case_type"}).json()
    assert sla[0]["group"] == "Assistência técnica" and sla[0]["cases"] == 1
    avoidable = quality.get("/reports/avoidable-contacts").json()
    assert [(r["case_type"], r["reason"], r["contacts"]) for r in avoidable] == [
        ("Assistência técnica", "status_inquiry", 1)
    ]


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
