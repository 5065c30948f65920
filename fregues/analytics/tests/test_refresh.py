"""The reporting store's refresh: parts run in order from their watermark, a failing part keeps
its old watermark, two refreshes never run at once; the API and the home page show it."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from fregues.analytics import refresh as registry
from fregues.analytics.models import RefreshState
from fregues.analytics.refresh import RefreshWindow
from fregues.analytics.services.refresh import LEASE, OVERLAP, analytics_refresh
from fregues.core.errors import Conflict, Forbidden, Invalid

pytestmark = pytest.mark.django_db


@pytest.fixture
def parts() -> Iterator[list[tuple[str, RefreshWindow]]]:
    """Two fake parts that record the windows they were given (the real ones put back after)."""
    saved = dict(registry._REFRESHERS)
    seen: list[tuple[str, RefreshWindow]] = []
    registry._REFRESHERS.clear()

    def first(window: RefreshWindow) -> int:
        seen.append(("first", window))
        return 3

    def second(window: RefreshWindow) -> int:
        seen.append(("second", window))
        return 5

    registry.refresher_register("second", second, order=20)
    registry.refresher_register("first", first, order=10)
    yield seen
    registry._REFRESHERS.clear()
    registry._REFRESHERS.update(saved)


def test_parts_run_in_order_and_read_from_their_watermark(parts: list) -> None:
    t1 = timezone.now() - datetime.timedelta(hours=1)
    result = analytics_refresh(actor=None, now=t1)
    assert [(p.name, p.rows, p.full) for p in result.parts] == [
        ("first", 3, True),
        ("second", 5, True),
    ]
    assert [name for name, _w in parts] == ["first", "second"]
    assert parts[0][1].since is None and parts[0][1].until == t1
    assert RefreshState.objects.get(name="first").watermark == t1

    t2 = t1 + datetime.timedelta(minutes=30)
    parts.clear()
    analytics_refresh(actor=None, now=t2)
    window = parts[0][1]
    assert not window.full
    assert window.since == t1 - OVERLAP and window.until == t2
    assert RefreshState.objects.get(name="second").last_rows == 5

    parts.clear()
    analytics_refresh(actor=None, now=t2, full=True, only=["second"])
    assert [(name, w.full) for name, w in parts] == [("second", True)]


def test_a_failing_part_keeps_its_watermark_and_says_why(parts: list) -> None:
    t1 = timezone.now() - datetime.timedelta(hours=1)
    analytics_refresh(actor=None, now=t1)

    def broken(window: RefreshWindow) -> int:
        raise RuntimeError("disk full")

    registry.refresher_register("second", broken, order=20)
    with pytest.raises(RuntimeError):
        analytics_refresh(actor=None, now=t1 + datetime.timedelta(minutes=10))
    state = RefreshState.objects.get(name="second")
    assert state.watermark == t1
    assert "disk full" in state.last_error
    assert RefreshState.objects.get(name="first").watermark > t1
    # the lease is given back: the next refresh runs
    registry.refresher_register("second", lambda w: 0, order=20)
    analytics_refresh(actor=None)


def test_two_refreshes_never_run_at_once(parts: list) -> None:
    now = timezone.now()
    RefreshState.objects.create(name=registry.LEASE_NAME, lease_until=now + LEASE)
    with pytest.raises(Conflict):
        analytics_refresh(actor=None, now=now)
    assert parts == []
    # a lease left by a crashed refresh expires
    analytics_refresh(actor=None, now=now + LEASE + datetime.timedelta(seconds=1))
    assert len(parts) == 2


def test_only_admins_refresh_and_unknown_parts_are_refused(
    parts: list, manager: Any, admin: Any
) -> None:
    with pytest.raises(Forbidden):
        analytics_refresh(actor=manager)
    with pytest.raises(Invalid) as caught:
        analytics_refresh(actor=admin, only=["nope"])
    assert "only" in caught.value.errors
    analytics_refresh(actor=admin)
    from fregues.core.models import AuditEntry

    assert AuditEntry.objects.filter(action="analytics.refresh").count() == 1


def test_api_status_and_refresh_on_demand(
    parts: list, manager_api: Any, admin_api: Any, api: Any, django_capture_on_commit_callbacks: Any
) -> None:
    analytics_refresh(actor=None)
    response = manager_api.get("/analytics/refresh")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["running"] is False
    assert [p["name"] for p in body["parts"]] == ["first", "second"]
    assert body["parts"][1]["last_rows"] == 5

    assert api.get("/analytics/refresh").status_code == 403  # agents have no analytics
    assert manager_api.post("/analytics/refresh", {"full": True}).status_code == 403
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = admin_api.post("/analytics/refresh", {"full": True})
    assert response.status_code == 202
    assert response.json() == {"queued": True, "full": True}
    assert len(callbacks) == 1


def test_home_lists_the_store_for_readers_only(
    parts: list, client: Any, manager: Any, agent: Any
) -> None:
    analytics_refresh(actor=None)
    client.cookies["django_language"] = "en"
    client.force_login(agent)
    assert client.get("/analytics/").status_code == 403
    client.force_login(manager)
    page = client.get("/analytics/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Reporting store" in text and "first" in text
    assert "Rebuild everything" not in text  # only admins refresh
