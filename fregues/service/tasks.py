"""Background tasks of customer service. Idempotent; they only call services."""

from __future__ import annotations

from django_tasks import task

from .services.notices import case_notices_sweep
from .services.notices import case_notify as notify_service
from .services.sla import sla_sweep


@task()
def case_notify(case_id: int, kind: str, event_id: int) -> int | None:
    """Tell the customer of one step of their case (sent once per step)."""
    interaction = notify_service(case_id=case_id, kind=kind, event_id=event_id)
    return interaction.pk if interaction else None


@task()
def sla_sweep_task() -> dict[str, int]:
    """Record SLA warnings and breaches and escalate (enqueued every 5 minutes)."""
    return sla_sweep()


@task()
def case_notices_sweep_task() -> int:
    """Queue again the notices a lost task or a killed worker left (every minute)."""
    return case_notices_sweep()
