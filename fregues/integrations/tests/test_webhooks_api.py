"""/api/v1/webhook-subscriptions: an admin subscribes a receiver and gets the secret once;
bad input is a 422 that writes nothing; a stale version is a 409; other roles get a 403."""

from __future__ import annotations

from typing import Any

import pytest

from fregues.integrations.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from fregues.integrations.webhooks.signing import verify

from .factories_webhooks import WebhookSubscriptionFactory
from .webhook_receiver import Receiver

pytestmark = pytest.mark.django_db
URL = "/webhook-subscriptions"


def test_an_admin_subscribes_and_sees_the_secret_only_once(admin_api: Any) -> None:
    response = admin_api.post(
        URL,
        {"url": "https://erp.example.com/hooks", "event_types": ["party.created", "case.*"]},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["secret"].startswith("whsec_")
    assert body["secret_hint"] == "…" + body["secret"][-4:]
    assert body["event_types"] == ["party.created", "case.*"]
    again = admin_api.get(f"{URL}/{body['id']}").json()
    assert "secret" not in again
    assert [s["url"] for s in admin_api.get(URL).json()] == ["https://erp.example.com/hooks"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"url": "not a url", "event_types": ["party.created"]}, "url"),
        ({"url": "ftp://erp.example.com/x", "event_types": ["party.created"]}, "url"),
        ({"url": "https://erp.example.com", "event_types": ["party.exploded"]}, "event_types"),
        ({"url": "https://erp.example.com", "event_types": []}, "event_types"),
    ],
)
def test_bad_input_is_a_422_that_writes_nothing(
    admin_api: Any, payload: dict[str, Any], field: str
) -> None:
    response = admin_api.post(URL, payload)
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert not WebhookSubscription.objects.exists()


def test_a_change_with_a_stale_version_is_a_409(admin_api: Any) -> None:
    subscription = WebhookSubscriptionFactory()
    first = admin_api.patch(
        f"{URL}/{subscription.pk}", {"description": "Data warehouse", "version": 1}
    )
    assert first.status_code == 200 and first.json()["version"] == 2
    stale = admin_api.patch(f"{URL}/{subscription.pk}", {"is_active": False, "version": 1})
    assert stale.status_code == 409
    assert WebhookSubscription.objects.get().is_active
    bad = admin_api.patch(f"{URL}/{subscription.pk}", {"event_types": ["nope"], "version": 2})
    assert bad.status_code == 422
    assert WebhookSubscription.objects.get().event_types == ["party.*"]


def test_rotating_the_secret_shows_the_new_one_once(admin_api: Any) -> None:
    subscription = WebhookSubscriptionFactory()
    response = admin_api.post(f"{URL}/{subscription.pk}/rotate-secret")
    assert response.status_code == 200
    new = response.json()["secret"]
    assert new != subscription.secret
    assert WebhookSubscription.objects.get().secret == new


def test_unknown_subscriptions_and_deliveries_are_404(admin_api: Any) -> None:
    subscription = WebhookSubscriptionFactory()
    assert admin_api.get(f"{URL}/999").status_code == 404
    assert admin_api.delete(f"{URL}/999").status_code == 404
    assert admin_api.get(f"{URL}/999/deliveries").status_code == 404
    assert admin_api.post(f"{URL}/{subscription.pk}/deliveries/999/redeliver").status_code == 404


def test_only_admins_configure_webhooks(api_as: Any) -> None:
    subscription = WebhookSubscriptionFactory()
    for role in ("agent", "relationship_manager", "marketing", "sales"):
        api = api_as(role)
        assert api.get(URL).status_code == 403
        assert (
            api.post(URL, {"url": "https://x.example.com", "event_types": ["*"]}).status_code == 403
        )
        assert api.post(f"{URL}/{subscription.pk}/ping").status_code == 403
        assert api.delete(f"{URL}/{subscription.pk}").status_code == 403
    assert WebhookSubscription.objects.count() == 1


def test_deleting_a_subscription_takes_its_deliveries(admin_api: Any) -> None:
    subscription = WebhookSubscriptionFactory()
    WebhookDelivery.objects.create(
        subscription=subscription,
        event_id=1,
        event="party.created",
        body="{}",
        created_at=subscription.created_at,
    )
    assert admin_api.delete(f"{URL}/{subscription.pk}").status_code == 204
    assert not WebhookDelivery.objects.exists()


def _deliveries(subscription: WebhookSubscription, count: int) -> None:
    for n in range(count):
        delivery = WebhookDelivery.objects.create(
            subscription=subscription,
            event_id=n + 1,
            event="party.created",
            body="{}",
            created_at=subscription.created_at,
            status="failed" if n % 2 else "delivered",
            attempts=2,
        )
        for code in (503, 200):
            WebhookAttempt.objects.create(
                delivery=delivery, attempted_at=subscription.created_at, status_code=code
            )


def test_deliveries_come_in_pages_with_their_attempts(
    admin_api: Any, django_assert_max_num_queries: Any
) -> None:
    subscription = WebhookSubscriptionFactory()
    _deliveries(subscription, 7)
    with django_assert_max_num_queries(8):
        page = admin_api.get(f"{URL}/{subscription.pk}/deliveries", {"limit": 5}).json()
    assert len(page["items"]) == 5 and page["next_cursor"]
    assert [t["status_code"] for t in page["items"][0]["tries"]] == [503, 200]
    rest = admin_api.get(
        f"{URL}/{subscription.pk}/deliveries", {"limit": 5, "cursor": page["next_cursor"]}
    ).json()
    assert len(rest["items"]) == 2 and rest["next_cursor"] is None
    failed = admin_api.get(f"{URL}/{subscription.pk}/deliveries", {"status": "failed"}).json()
    assert {d["status"] for d in failed["items"]} == {"failed"} and len(failed["items"]) == 3
    assert admin_api.get(f"{URL}/{subscription.pk}/deliveries", {"status": "x"}).status_code == 422


def test_ping_and_redeliver_through_the_api(admin_api: Any) -> None:
    receiver = Receiver()
    try:
        receiver.answer(200)
        created = admin_api.post(URL, {"url": receiver.url(), "event_types": ["*"]}).json()
        ping = admin_api.post(f"{URL}/{created['id']}/ping")
        assert ping.status_code == 200
        assert ping.json()["status"] == "delivered"
        assert ping.json()["tries"][0]["status_code"] == 200
        item = receiver.requests[0]
        timestamp = int(item.signature.split(",")[0][2:])
        assert verify(created["secret"], item.body, item.signature, now=timestamp)
        again = admin_api.post(f"{URL}/{created['id']}/deliveries/{ping.json()['id']}/redeliver")
        assert again.status_code == 202 and again.json()["attempts"] == 2
        assert {r.delivery for r in receiver.requests} == {ping.json()["uid"]}
    finally:
        receiver.down()


def test_the_subscription_list_costs_the_same_for_many(
    admin_api: Any, django_assert_max_num_queries: Any
) -> None:
    WebhookSubscriptionFactory.create_batch(12)
    with django_assert_max_num_queries(4):
        rows = admin_api.get(URL).json()
    assert len(rows) == 12 and all("secret" not in row for row in rows)
