"""Outbound webhooks against a real HTTP receiver on a localhost port: a receiver that is
down, then failing, then up misses nothing and gets nothing twice, in event order; every
attempt is kept; a receiver failing for the whole window is paused and resumes later."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from fregues.core.models import AuditEntry, OutboxEvent
from fregues.core.tasks import outbox_dispatch
from fregues.integrations.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from fregues.integrations.webhooks.delivery import (
    webhook_deliveries_fan_out,
    webhook_deliveries_sweep,
    webhook_delivery_redeliver,
    webhook_subscription_ping,
)
from fregues.integrations.webhooks.services import webhook_subscription_update
from fregues.integrations.webhooks.signing import verify
from fregues.parties.services import party_create

from .factories_webhooks import WebhookSubscriptionFactory
from .webhook_receiver import Receiver

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    peer = Receiver()
    yield peer
    peer.down()


def _create_customers(capture: Any, count: int) -> None:
    """Create customers the way the screens do; the commit runs the outbox and the fan-out."""
    with capture(execute=True):
        for n in range(count):
            party_create(actor=None, data={"kind": "person", "name": f"Cliente {n}"})


def _accepted_events(receiver: Receiver, path: str) -> list[int]:
    return [
        int(json.loads(r.body)["id"].removeprefix("evt_"))
        for r in receiver.accepted
        if r.path == path
    ]


def test_a_receiver_down_then_up_misses_nothing_and_gets_nothing_twice(
    receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    everything = WebhookSubscriptionFactory(url=receiver.url("/all"), event_types=["party.*"])
    created = WebhookSubscriptionFactory(
        url=receiver.url("/created"), event_types=["party.created"]
    )
    start = timezone.now()

    _create_customers(django_capture_on_commit_callbacks, 6)  # the port is closed
    party_events = list(
        OutboxEvent.objects.filter(name__startswith="party.").values_list("pk", "name")
    )
    wanted = {
        "/all": [pk for pk, _name in party_events],
        "/created": [pk for pk, name in party_events if name == "party.created"],
    }
    assert len(wanted["/created"]) == 6
    assert receiver.requests == []
    # the first attempt of each subscription's oldest event failed; the rest wait their turn
    first = WebhookAttempt.objects.filter(delivery__subscription=everything).get()
    assert first.status_code is None and "Connection" in first.error

    receiver.answer(503)  # back, but failing
    for minutes in (1, 5, 15, 45):
        webhook_deliveries_sweep(now=start + minutes * MINUTE)
    assert receiver.requests and receiver.accepted == []

    receiver.answer(200)  # up after an hour
    webhook_deliveries_sweep(now=start + 61 * MINUTE)
    webhook_deliveries_sweep(now=start + 120 * MINUTE)

    counts = receiver.delivered_per_path()
    for path, subscription in (("/all", everything), ("/created", created)):
        deliveries = WebhookDelivery.objects.filter(subscription=subscription)
        assert deliveries.count() == len(wanted[path])
        assert set(deliveries.values_list("status", flat=True)) == {"delivered"}
        # 0 missed, 0 duplicated, in the order the events happened
        assert set(counts[path]) == {str(uid) for uid in deliveries.values_list("uid", flat=True)}
        assert set(counts[path].values()) == {1}
        assert _accepted_events(receiver, path) == wanted[path]
        subscription.refresh_from_db()
        assert subscription.failing_since is None and subscription.last_status_code == 200
    # every attempt is kept: the head of line shows the closed port, the 503s and the 200
    head = WebhookDelivery.objects.filter(subscription=everything).order_by("id").first()
    assert head is not None
    answers = [(a.status_code, bool(a.error)) for a in head.tries.all()]
    assert answers[0] == (None, True)
    assert len(answers) >= 4 and set(answers[1:-1]) == {(503, False)}
    assert answers[-1] == (200, False)
    assert head.tries.filter(status_code=503).first().response_excerpt.startswith("unavailable")


def test_every_request_is_signed_with_the_subscription_secret(
    receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    subscription = WebhookSubscriptionFactory(url=receiver.url(), event_types=["*"])
    receiver.answer(200)
    _create_customers(django_capture_on_commit_callbacks, 2)
    assert len(receiver.accepted) >= 2
    for item in receiver.accepted:
        timestamp = int(item.signature.split(",")[0].removeprefix("t="))
        assert verify(subscription.secret, item.body, item.signature, now=timestamp)
        assert item.event == json.loads(item.body)["event"]
        document = json.loads(item.body)
        assert set(document) == {"id", "event", "created_at", "data"}


def test_running_the_fan_out_again_writes_no_second_delivery(receiver: Receiver) -> None:
    WebhookSubscriptionFactory(url=receiver.url(), event_types=["party.created"])
    party_create(actor=None, data={"kind": "person", "name": "Ana"})  # no commit: not sent
    events = list(OutboxEvent.objects.filter(dispatched_at__isnull=True))
    webhook_deliveries_fan_out(events)
    webhook_deliveries_fan_out(events)  # a worker died before marking the events dispatched
    outbox_dispatch.call()  # and the next run dispatches them all again
    assert WebhookDelivery.objects.count() == 1


def test_a_receiver_failing_for_three_days_is_paused_then_resumed_with_nothing_lost(
    receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    subscription = WebhookSubscriptionFactory(url=receiver.url(), event_types=["party.created"])
    receiver.answer(500)
    start = timezone.now()
    _create_customers(django_capture_on_commit_callbacks, 3)
    webhook_deliveries_sweep(now=start + datetime.timedelta(days=1))
    webhook_deliveries_sweep(now=start + datetime.timedelta(days=3, minutes=1))

    subscription.refresh_from_db()
    assert not subscription.is_active
    assert "500" in subscription.paused_reason
    assert AuditEntry.objects.filter(summary__contains="paused").exists()
    statuses = list(
        WebhookDelivery.objects.filter(subscription=subscription)
        .order_by("id")
        .values_list("status", flat=True)
    )
    assert statuses == ["failed", "pending", "pending"]  # the later ones wait for it

    receiver.answer(200)
    with django_capture_on_commit_callbacks(execute=True):
        webhook_subscription_update(
            actor=None, subscription_id=subscription.pk, data={"is_active": True}
        )
    statuses = list(
        WebhookDelivery.objects.filter(subscription=subscription)
        .order_by("id")
        .values_list("status", flat=True)
    )
    assert statuses == ["failed", "delivered", "delivered"]
    with django_capture_on_commit_callbacks(execute=True):
        given_up = WebhookDelivery.objects.filter(status="failed").get()
        webhook_delivery_redeliver(
            actor=None, subscription_id=subscription.pk, delivery_id=given_up.pk
        )
    given_up.refresh_from_db()
    assert given_up.status == "delivered"
    subscription.refresh_from_db()
    assert subscription.is_active and subscription.paused_reason == ""


def test_a_ping_reaches_the_receiver_at_once(receiver: Receiver) -> None:
    subscription = WebhookSubscriptionFactory(url=receiver.url())
    receiver.answer(204)
    delivery = webhook_subscription_ping(actor=None, subscription_id=subscription.pk)
    assert delivery.status == "delivered"
    assert [r.event for r in receiver.requests] == ["ping"]
    receiver.down()
    delivery = webhook_subscription_ping(actor=None, subscription_id=subscription.pk)
    assert delivery.status == "failed" and delivery.tries.get().error
    assert WebhookSubscription.objects.get().failing_since is None  # a ping is no event
