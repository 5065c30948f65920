"""The webhook admin screens: an admin subscribes with checkboxes, sees the secret once, sees
the deliveries with each attempt and redelivers or pings from the page; others get a 403."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fregues.integrations.models import WebhookAttempt, WebhookDelivery, WebhookSubscription

from .factories_webhooks import WebhookSubscriptionFactory
from .webhook_receiver import Receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(admin: Any) -> Client:
    client = Client()
    client.force_login(admin)
    client.cookies["django_language"] = "en"
    return client


def test_an_admin_subscribes_from_the_form_and_sees_the_secret_once(admin_client: Client) -> None:
    page = admin_client.get(reverse("channels:webhook_create"))
    assert page.status_code == 200
    assert b'value="case.transitioned"' in page.content
    response = admin_client.post(
        reverse("channels:webhook_create"),
        {
            "url": "https://erp.example.com/hooks",
            "description": "ERP",
            "event_types": ["party.created", "sales.order.created"],
            "is_active": "on",
        },
    )
    assert response.status_code == 201
    subscription = WebhookSubscription.objects.get()
    assert subscription.event_types == ["party.created", "sales.order.created"]
    assert subscription.secret.encode() in response.content
    detail = admin_client.get(reverse("channels:webhook_detail", args=[subscription.pk]))
    assert subscription.secret.encode() not in detail.content
    listing = admin_client.get(reverse("channels:webhooks"))
    assert b"https://erp.example.com/hooks" in listing.content and b"Healthy" in listing.content


def test_the_form_shows_what_the_service_refuses_and_keeps_nothing(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("channels:webhook_create"), {"url": "erp", "event_types": []}
    )
    assert response.status_code == 422
    assert b"Enter a full http:// or https:// address." in response.content
    assert b"Choose at least one event." in response.content
    assert not WebhookSubscription.objects.exists()


def test_editing_with_a_stale_version_says_someone_else_changed_it(admin_client: Client) -> None:
    subscription = WebhookSubscriptionFactory()
    url = reverse("channels:webhook_edit", args=[subscription.pk])
    assert b'value="party.*"' in admin_client.get(url).content  # a prefix set through the API
    form = {"url": subscription.url, "event_types": ["party.*"], "is_active": "on"}
    assert admin_client.post(url, form | {"version": 1, "description": "A"}).status_code == 302
    stale = admin_client.post(url, form | {"version": 1, "description": "B"})
    assert stale.status_code == 409
    assert WebhookSubscription.objects.get().description == "A"


def test_the_page_shows_each_attempt_and_redelivers(admin_client: Client) -> None:
    subscription = WebhookSubscriptionFactory(failing_since=timezone.now())
    delivery = WebhookDelivery.objects.create(
        subscription=subscription,
        event_id=1,
        event="party.created",
        body="{}",
        created_at=timezone.now(),
        status="pending",
        attempts=1,
        next_attempt_at=timezone.now(),
    )
    WebhookAttempt.objects.create(
        delivery=delivery,
        attempted_at=timezone.now(),
        error="ConnectionRefusedError: refused",
        duration_ms=3,
    )
    page = admin_client.get(reverse("channels:webhook_detail", args=[subscription.pk]))
    assert b"ConnectionRefusedError" in page.content and b"Failing" in page.content
    fragment = admin_client.post(
        reverse("channels:webhook_redeliver", args=[subscription.pk, delivery.pk]),
        headers={"HX-Request": "true"},
    )
    assert fragment.status_code == 200 and b'id="wh-deliveries"' in fragment.content


def test_ping_from_the_page_shows_the_receiver_answer(admin_client: Client) -> None:
    receiver = Receiver()
    try:
        receiver.answer(200)
        subscription = WebhookSubscriptionFactory(url=receiver.url())
        fragment = admin_client.post(
            reverse("channels:webhook_ping", args=[subscription.pk]),
            headers={"HX-Request": "true"},
        )
        assert b"ping" in fragment.content and b"Delivered" in fragment.content
    finally:
        receiver.down()


def test_only_admins_see_the_screens_and_the_link(client: Client, make_user: Any) -> None:
    subscription = WebhookSubscriptionFactory()
    client.force_login(make_user("relationship_manager"))
    assert client.get(reverse("channels:webhooks")).status_code == 403
    assert client.get(reverse("channels:webhook_detail", args=[subscription.pk])).status_code == 403
    assert client.post(reverse("channels:webhook_ping", args=[subscription.pk])).status_code == 403
    assert b"/channels/webhooks/" not in client.get(reverse("parties:list")).content
    client.force_login(make_user("admin"))
    assert b"/channels/webhooks/" in client.get(reverse("parties:list")).content
