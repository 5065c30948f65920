"""/api/v1 of customer service for managers: queues, SLA policies and case types
(configuration), quality reviews, and the reports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from fregues.interactions.tests.factories import InteractionFactory
from fregues.parties.models import Party
from fregues.service.models import QualityChecklist, QualityReview, Queue, SlaPolicy

from ._helpers import opened
from .factories_cases import br_calendar

pytestmark = pytest.mark.django_db


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
