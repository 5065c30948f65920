"""The calendar feed: a secret address serving the user's activities as iCalendar, read back
with the icalendar library the way a phone's calendar would."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from fregues.parties.tests.factories import PartyFactory
from fregues.sales.services.activities import (
    activity_cancel,
    activity_complete,
    activity_create,
    calendar_feed_get_or_create,
    calendar_feed_reset,
    calendar_token,
)
from fregues.sales.views.calendar import feed_url

from .factories import ActivityFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def seller(make_user: Any) -> Any:
    return make_user("sales", first_name="Vera", last_name="Lima")


def path_of(feed: Any) -> str:
    return urlsplit(feed_url(feed)).path


def events(response: Any) -> dict[str, Any]:
    calendar = Calendar.from_ical(response.content)
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


def test_the_feed_is_valid_icalendar_with_one_stable_event_per_activity(seller: Any) -> None:
    customer = PartyFactory(name="Padaria Estrela")
    start = (timezone.now() + DAY).replace(microsecond=0, second=0)
    visit = activity_create(
        actor=seller,
        data={
            "kind": "visit",
            "subject": "Visita de rotina",
            "party_id": customer.pk,
            "due_at": start.isoformat(),
            "duration_minutes": 90,
            "location": "Rua das Flores, 12",
            "remind_minutes_before": 30,
            "notes": "Levar catálogo",
        },
    )
    day = timezone.localdate() + 2 * DAY
    task = activity_create(
        actor=seller, data={"kind": "task", "subject": "Enviar proposta", "due_at": day.isoformat()}
    )
    gone = activity_create(
        actor=seller, data={"kind": "call", "subject": "Cancelada", "due_at": start.isoformat()}
    )
    activity_cancel(actor=seller, activity_id=gone.pk)
    ActivityFactory(owner=seller, due_at=timezone.now() - 200 * DAY)  # too old to show
    ActivityFactory(due_at=start)  # someone else's
    feed = calendar_feed_get_or_create(actor=seller)

    response = Client().get(path_of(feed))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "private" in response["Cache-Control"] and "max-age" in response["Cache-Control"]
    assert response["ETag"] and response["Last-Modified"]

    calendar = Calendar.from_ical(response.content)
    assert str(calendar["version"]) == "2.0" and "Vera Lima" in str(calendar["x-wr-calname"])
    found = events(response)
    assert len(found) == 3
    event = found[f"activity-{visit.pk}@127.0.0.1"]
    assert event.decoded("dtstart") == start
    assert event.decoded("dtend") == start + datetime.timedelta(minutes=90)
    assert str(event["summary"]) == "Visita: Visita de rotina — Padaria Estrela"
    assert str(event["location"]) == "Rua das Flores, 12"
    assert "Padaria Estrela" in str(event["description"])
    assert f"/sales/activities/{visit.pk}/briefing/" in str(event["description"])
    assert str(event["status"]) == "CONFIRMED" and event.decoded("last-modified")
    (alarm,) = event.walk("VALARM")
    assert alarm.decoded("trigger") == datetime.timedelta(minutes=-30)
    whole_day = found[f"activity-{task.pk}@127.0.0.1"]
    assert whole_day.decoded("dtstart") == day
    assert whole_day.decoded("dtend") == day + DAY
    assert not whole_day.walk("VALARM")
    assert str(found[f"activity-{gone.pk}@127.0.0.1"]["status"]) == "CANCELLED"

    # the same UID the next time, and an unchanged agenda is a 304
    again = Client().get(path_of(feed), headers={"If-None-Match": response["ETag"]})
    assert again.status_code == 304


def test_done_activities_are_marked_and_a_change_changes_the_tag(seller: Any) -> None:
    call = activity_create(
        actor=seller,
        data={"kind": "call", "subject": "Ligar", "due_at": timezone.now().isoformat()},
    )
    feed = calendar_feed_get_or_create(actor=seller)
    before = Client().get(path_of(feed))
    activity_complete(actor=seller, activity_id=call.pk, outcome="Atendeu")
    after = Client().get(path_of(feed), headers={"If-None-Match": before["ETag"]})
    assert after.status_code == 200
    (event,) = events(after).values()
    assert str(event["summary"]).startswith("✓ ")
    assert "Atendeu" in str(event["description"])


def test_a_wrong_token_is_a_404_and_a_reset_kills_the_old_address(
    seller: Any, make_user: Any
) -> None:
    feed = calendar_feed_get_or_create(actor=seller)
    old = path_of(feed)
    client = Client()
    assert client.get(old).status_code == 200
    assert client.get(f"/calendar/{seller.pk}/{'0' * 40}.ics").status_code == 404
    other = make_user("sales")
    token = calendar_token(seller.pk, feed.secret)
    assert client.get(f"/calendar/{other.pk}/{token}.ics").status_code == 404
    renewed = calendar_feed_reset(actor=seller)
    assert client.get(old).status_code == 404
    assert client.get(path_of(renewed)).status_code == 200
    seller.is_active = False
    seller.save()
    assert client.get(path_of(renewed)).status_code == 404


def test_the_page_shows_the_address_with_copy_and_reset(seller: Any) -> None:
    client = Client()
    client.force_login(seller)
    page = client.get("/sales/activities/").content.decode()
    assert 'id="calendar-show"' in page and ".ics" not in page
    shown = client.post("/sales/activities/calendar/")
    assert shown.status_code == 302 and shown["Location"].endswith("#calendar")
    page = client.get("/sales/activities/").content.decode()
    feed = calendar_feed_get_or_create(actor=seller)
    assert feed_url(feed) in page and "data-copy" in page and 'id="calendar-reset"' in page
    client.post("/sales/activities/calendar/reset/")
    page = client.get("/sales/activities/").content.decode()
    assert feed_url(feed) not in page
