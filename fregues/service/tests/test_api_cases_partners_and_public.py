"""/api/v1 of customer service seen from outside: work orders sent to partners and the
partner's link without an account, public tracking, and the satisfaction survey."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail

from fregues.parties.tests.factories import OrganizationFactory, PartyFactory
from fregues.service.models import SatisfactionSurvey, ServicePartner, TrackingVisit, WorkOrder
from fregues.service.services import work_order_send
from fregues.service.services.partners import work_order_token
from fregues.service.services.satisfaction import survey_token

pytestmark = pytest.mark.django_db


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
