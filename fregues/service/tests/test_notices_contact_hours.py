"""A step's notice waits for the customer's contact hours (the sending check's deferral);
the receipt with the protocol does not."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from fregues.interactions.models import Interaction
from fregues.parties.models import Party
from fregues.service.services import case_notify

pytestmark = pytest.mark.django_db

DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def test_a_transition_notice_is_held_until_the_customers_hours(
    customer: Party, open_case: Any, settings: Any
) -> None:
    case = open_case()
    local = timezone.localtime()
    opens = (local + datetime.timedelta(hours=2)).time().replace(second=0, microsecond=0)
    closes = (local + datetime.timedelta(hours=3)).time().replace(second=0, microsecond=0)
    Party.objects.filter(pk=customer.pk).update(contact_hours_start=opens, contact_hours_end=closes)
    settings.TASKS = DUMMY
    from django_tasks import default_task_backend

    assert case_notify(case_id=case.pk, kind="transition", event_id=0) is None
    assert mail.outbox == []
    held = default_task_backend.results  # type: ignore[attr-defined]
    assert len(held) == 1 and held[0].task.run_after is not None
    assert timezone.localtime(held[0].task.run_after).time() == opens

    # the receipt is not held
    assert case_notify(case_id=case.pk, kind="opened", event_id=0) is not None
    # when the hours open, the held notice goes
    Party.objects.filter(pk=customer.pk).update(contact_hours_start=None, contact_hours_end=None)
    assert case_notify(case_id=case.pk, kind="transition", event_id=0) is not None
    assert Interaction.objects.filter(party=customer, direction="out").count() == 2
