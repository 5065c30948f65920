"""/api/v1/cases: changing a case with the version read, moving it along its circuit, the
timeline, assignment and bulk reassign, and attaching a contact."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fregues.interactions.tests.factories import InteractionFactory
from fregues.parties.models import Party
from fregues.service.models import AvoidableContact, Case, Queue

from ._helpers import opened
from .factories_cases import QueueFactory, agents

pytestmark = pytest.mark.django_db


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
