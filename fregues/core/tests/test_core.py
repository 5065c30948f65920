"""The infrastructure every app relies on: errors, the audit trail, the events outbox."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.conf import settings

from fregues.core.audit import audit_record, diff, snapshot
from fregues.core.errors import (
    Conflict,
    ErrorCollector,
    Forbidden,
    Invalid,
    NotFound,
    VersionConflict,
)
from fregues.core.models import AuditEntry, OutboxEvent
from fregues.core.permissions import require
from fregues.core.tasks import EVENT_RECEIVERS
from fregues.parties.services import party_create
from fregues.parties.tests.factories import PartyFactory


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (Invalid("x"), 422, "invalid"),
        (NotFound("x"), 404, "not_found"),
        (Conflict("x"), 409, "conflict"),
        (VersionConflict("x"), 409, "version_conflict"),
        (Forbidden("x"), 403, "forbidden"),
    ],
)
def test_each_error_has_its_status_and_code(error: Any, status: int, code: str) -> None:
    assert (error.status, error.code) == (status, code)
    assert error.as_dict() == {"code": code, "message": "x", "errors": {}}


def test_error_bodies_carry_field_errors_and_details() -> None:
    error = Conflict("taken", code="contact_point_taken", details={"holder": {"id": 3}})
    assert error.as_dict() == {
        "code": "contact_point_taken",
        "message": "taken",
        "errors": {},
        "holder": {"id": 3},
    }
    collector = ErrorCollector()
    assert not collector
    collector.raise_if_any()
    collector.add("name", "required")
    collector.add("name", "too short")
    with pytest.raises(Invalid) as caught:
        collector.raise_if_any()
    assert caught.value.errors == {"name": ["required", "too short"]}


@pytest.mark.django_db
def test_require_refuses_with_the_permission_named(make_user: Any) -> None:
    with pytest.raises(Forbidden) as caught:
        require(make_user("marketing"), "interaction.view_body")
    assert caught.value.as_dict()["permission"] == "interaction.view_body"


@pytest.mark.django_db
def test_snapshot_and_diff() -> None:
    party = PartyFactory(name="Ana", birth_date=datetime.date(1990, 1, 2))
    before = snapshot(party, ["name", "birth_date", "owner"])
    assert before == {"name": "Ana", "birth_date": "1990-01-02", "owner": None}
    party.name = "Ana Maria"
    assert diff(before, snapshot(party, ["name", "birth_date", "owner"])) == {
        "name": ["Ana", "Ana Maria"]
    }


@pytest.mark.django_db
def test_audit_entries_name_the_actor_or_the_system(agent: Any) -> None:
    entry = audit_record(
        actor=agent,
        action="update",
        entity_type="x.y",
        entity_id=1,
        summary="s" * 400,
        changes={"v": [1, 2]},
    )
    assert (entry.actor, entry.actor_name) == (agent, agent.username)
    assert len(entry.summary) == 300
    system = audit_record(actor=None, action="create", entity_type="x.y", entity_id=2)
    assert (system.actor, system.actor_name) == (None, "system")


def test_tests_run_background_tasks_at_once() -> None:
    from django_tasks import task_backends
    from django_tasks.backends.immediate import ImmediateBackend

    assert isinstance(task_backends["default"], ImmediateBackend)
    assert settings.TASKS["default"]["BACKEND"].endswith("ImmediateBackend")


@pytest.mark.django_db
def test_media_goes_to_a_temporary_directory(tmp_path: Any) -> None:
    assert str(settings.MEDIA_ROOT).startswith(str(tmp_path))


@pytest.mark.django_db
def test_events_are_delivered_after_commit_in_order(
    django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    received: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(
        "fregues.core.tasks.EVENT_RECEIVERS",
        [*EVENT_RECEIVERS, lambda name, payload: received.append((name, payload))],
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        party = party_create(
            actor=None,
            data={"kind": "person", "name": "Ana"},
            contact_points=[{"kind": "email", "value": "ana@exemplo.com"}],
        )
        assert received == []  # nothing leaves before the commit
    assert callbacks
    assert [name for name, _payload in received] == ["party.created"]
    assert received[0][1]["party_id"] == party.pk
    assert not OutboxEvent.objects.filter(dispatched_at__isnull=True).exists()


@pytest.mark.django_db
def test_a_rejected_change_announces_nothing(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Invalid):
        party_create(actor=None, data={"kind": "person", "name": ""})
    assert callbacks == []
    assert not OutboxEvent.objects.exists()
    assert not AuditEntry.objects.exists()
