"""Domain events through the outbox: written with the change, delivered after commit."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from .models import OutboxEvent


def event_emit(name: str, payload: dict[str, Any]) -> OutboxEvent:
    """Record ``name`` with ``payload`` in the current transaction; deliver it on commit.

    One delivery task per transaction, however many events it emits.
    """
    event = OutboxEvent.objects.create(name=name, payload=payload)
    dispatch_on_commit()
    return event


def dispatch_on_commit() -> None:
    """One outbox delivery task once the current transaction commits (for events written
    by ``event_emit`` or in bulk), however many events it wrote."""
    connection = transaction.get_connection()
    pending = getattr(connection, "run_on_commit", [])
    if not any(
        getattr(item[1], "outbox_dispatch", False) and not getattr(item[1], "done", False)
        for item in pending
    ):
        enqueue_on_commit("fregues.core.tasks.outbox_dispatch", _marker="outbox_dispatch")


def enqueue_on_commit(task_path: str, *args: Any, _marker: str = "", **kwargs: Any) -> None:
    """Enqueue a background task once the current transaction commits (never before)."""

    def _enqueue() -> None:
        from django.utils.module_loading import import_string

        import_string(task_path).enqueue(*args, **kwargs)
        _enqueue.done = True  # type: ignore[attr-defined]

    if _marker:
        setattr(_enqueue, _marker, True)
    transaction.on_commit(_enqueue)
