"""/api/v1/activities: plan, list with the shared filters, change, do, cancel; the calendar
address; what each role may do."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from fregues.interactions.models import Interaction
from fregues.parties.tests.factories import PartyFactory
from fregues.sales.models import Activity

from .factories import ActivityFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)
ROLES = ["agent", "relationship_manager", "quality_manager", "sales", "marketing", "admin"]


def tomorrow_at(hour: int) -> str:
    day = timezone.localdate() + DAY
    return f"{day.isoformat()}T{hour:02d}:00"


def test_plan_read_change_and_do_an_activity(
    api_as: Callable, django_capture_on_commit_callbacks: Any
) -> None:
    api = api_as("sales")
    deal = OpportunityFactory()
    created = api.post(
        "/activities",
        {
            "kind": "visit",
            "subject": "Apresentar a linha nova",
            "opportunity_id": deal.pk,
            "due_at": tomorrow_at(10),
            "remind_minutes_before": 60,
        },
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["party"] == {"id": deal.party_id, "name": deal.party.name}
    assert body["opportunity"]["id"] == deal.pk and body["channel"] == "visit"
    assert body["owner"]["id"] == api.user.pk and body["status"] == "planned"
    assert body["briefing_url"] == f"/sales/activities/{body['id']}/briefing/"
    assert body["remind_at"] is not None and body["version"] == 1

    moved = api.patch(
        f"/activities/{body['id']}", {"due_at": tomorrow_at(15)}, **{"If-Match": '"1"'}
    )
    assert moved.status_code == 200 and moved.json()["version"] == 2
    stale = api.patch(f"/activities/{body['id']}", {"subject": "x", "version": 1})
    assert stale.status_code == 409 and stale.json()["code"] == "version_conflict"

    Activity.objects.filter(pk=body["id"]).update(due_at=timezone.now() - DAY)
    done = api.post(f"/activities/{body['id']}/complete", {"outcome": "Pediu proposta"})
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "done" and done.json()["interaction_id"]
    contact = Interaction.objects.get(pk=done.json()["interaction_id"])
    assert (contact.channel, contact.direction, contact.regarding_id) == ("visit", "out", deal.pk)
    again = api.post(f"/activities/{body['id']}/complete", {})
    assert again.status_code == 409 and again.json()["code"] == "activity_done"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "visit", "subject": "Visita", "due_at": "2026-02-30"}, "due_at"),
        ({"kind": "lunch", "subject": "Almoço", "due_at": "2026-12-01"}, "kind"),
        (
            {"kind": "call", "subject": "Ligar", "due_at": "2026-12-01", "owner_id": 999999},
            "owner_id",
        ),
        ({"kind": "call", "due_at": "2026-12-01"}, "subject"),
    ],
)
def test_bad_input_is_a_422_with_nothing_written(
    api_as: Callable, unchanged: Any, body: dict[str, Any], field: str
) -> None:
    api = api_as("sales")
    with unchanged():
        response = api.post("/activities", body)
    assert response.status_code == 422
    assert field in response.json()["errors"], response.json()


def test_a_deal_of_another_customer_is_a_422(api_as: Callable, unchanged: Any) -> None:
    api = api_as("sales")
    customer, deal = PartyFactory(), OpportunityFactory()
    with unchanged():
        response = api.post(
            "/activities",
            {
                "kind": "call",
                "subject": "Ligar",
                "due_at": tomorrow_at(9),
                "party_id": customer.pk,
                "opportunity_id": deal.pk,
            },
        )
    assert response.status_code == 422 and "opportunity_id" in response.json()["errors"]


def test_the_list_filters_and_pages(
    api_as: Callable, make_user: Any, django_assert_max_num_queries: Any
) -> None:
    api = api_as("sales")
    other = make_user("sales")
    party = PartyFactory()
    now = timezone.now()
    for i in range(7):
        ActivityFactory(owner=api.user, party=party, due_at=now + (i - 2) * DAY + HOUR)
    ActivityFactory(owner=api.user, kind="visit", party=party, due_at=now + DAY)
    ActivityFactory(owner=other, due_at=now)
    ActivityFactory(owner=api.user, due_at=None, kind="task", party=None)
    with django_assert_max_num_queries(4):
        first = api.get("/activities", {"mine": "true", "limit": 5})
    assert first.status_code == 200
    page = first.json()
    assert len(page["items"]) == 5 and page["next_cursor"]
    dues = [item["due_at"] for item in page["items"]]
    assert dues == sorted(dues)
    rest = api.get("/activities", {"mine": "true", "limit": 50, "cursor": page["next_cursor"]})
    items = rest.json()["items"]
    assert len(items) == 4 and items[-1]["due_at"] is None  # undated last
    assert api.get("/activities", {"kind": "visit"}).json()["items"][0]["kind"] == "visit"
    overdue = api.get("/activities", {"mine": "true", "overdue": "true"}).json()["items"]
    assert len(overdue) == 2 and all(item["overdue"] for item in overdue)
    assert len(api.get("/activities", {"owner_id": other.pk}).json()["items"]) == 1
    assert api.get("/activities", {"kind": "lunch"}).status_code == 422
    assert api.get("/activities", {"cursor": "nonsense"}).status_code == 422


def test_cancel_and_the_calendar_address(api_as: Callable) -> None:
    api = api_as("sales")
    activity = ActivityFactory(owner=api.user)
    cancelled = api.post(f"/activities/{activity.pk}/cancel", {"reason": "Feriado"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    feed = api.get("/activities/calendar-feed").json()
    assert feed["url"].endswith(".ics") and f"/calendar/{api.user.pk}/" in feed["url"]
    assert feed["webcal_url"].startswith("webcal://")
    reset = api.post("/activities/calendar-feed/reset").json()
    assert reset["url"] != feed["url"]
    assert api.get("/activities/calendar-feed").json()["url"] == reset["url"]


def test_an_unknown_activity_is_a_404(api_as: Callable) -> None:
    api = api_as("sales")
    assert api.get("/activities/999999").status_code == 404
    assert api.post("/activities/999999/complete", {}).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_permissions_per_role(api_as: Callable, unchanged: Any, role: str) -> None:
    api = api_as(role)
    party = PartyFactory()
    existing = ActivityFactory(party=party)
    may_view = role != "marketing"
    may_change = role in {"agent", "relationship_manager", "quality_manager", "sales", "admin"}

    listed = api.get("/activities")
    assert listed.status_code == (200 if may_view else 403)
    read = api.get(f"/activities/{existing.pk}")
    assert read.status_code == (200 if may_view else 403)

    plan = {"kind": "call", "subject": "Ligar", "due_at": tomorrow_at(11), "party_id": party.pk}
    if may_change:
        assert api.post("/activities", plan).status_code == 201
        done = api.post(f"/activities/{existing.pk}/complete", {"outcome": "ok"})
        assert done.status_code == 200, done.json()
    else:
        with unchanged():
            refused = api.post("/activities", plan)
            assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
            assert api.post(f"/activities/{existing.pk}/complete", {}).status_code == 403
            assert api.patch(f"/activities/{existing.pk}", {"subject": "x"}).status_code == 403
            assert api.get("/activities/calendar-feed").status_code == 403


def test_the_endpoints_are_in_the_openapi_document(db: None) -> None:
    from django.test import Client

    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    expected = {
        "/api/v1/activities": {"get", "post"},
        "/api/v1/activities/{activity_id}": {"get", "patch", "put"},
        "/api/v1/activities/{activity_id}/complete": {"post"},
        "/api/v1/activities/{activity_id}/cancel": {"post"},
        "/api/v1/activities/calendar-feed": {"get"},
        "/api/v1/activities/calendar-feed/reset": {"post"},
        "/api/v1/parties/{party_id}/briefing": {"get"},
    }
    for path, methods in expected.items():
        assert path in paths, sorted(paths)
        assert methods <= set(paths[path]), (path, set(paths[path]))
