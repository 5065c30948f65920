"""The telephony system retries: the same event delivered several times at the same moment is
still taken once (PostgreSQL, where deliveries really run side by side)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from fregues.integrations.models import Call, CallEvent
from fregues.integrations.telephony.services import call_event_record
from fregues.interactions.models import Interaction

from .factories_telephony import agent_beto, caller_joao, payload


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_event_delivered_four_times_at_once_is_taken_once() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections (PostgreSQL)")
    joao = caller_joao()
    agent_beto()
    event = payload("ended", duration_seconds=60)  # the call's first and last event
    start = threading.Barrier(4)
    created: list[bool] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            start.wait()
            created.append(call_event_record(actor=None, data=dict(event)).created)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(created) == [False, False, False, True]
    assert Call.objects.count() == 1
    assert CallEvent.objects.count() == 1
    assert Interaction.objects.filter(party=joao, channel="phone").count() == 1
