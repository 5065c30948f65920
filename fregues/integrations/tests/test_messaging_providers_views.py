"""The providers' admin screen: admins connect a provider and see its webhook URL; secrets
never come back; other roles get a 403."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from fregues.integrations.models import MessageProvider

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def test_an_admin_connects_a_provider(make_user: Any) -> None:
    client = _client(make_user("admin"))
    refused = client.post(
        "/channels/providers/", {"name": "SMS", "kind": "twilio", "channel": "sms"}
    )
    assert refused.status_code == 422
    assert "Required for this provider." in refused.content.decode()
    assert not MessageProvider.objects.exists()
    done = client.post(
        "/channels/providers/",
        {
            "name": "SMS", "kind": "twilio", "channel": "sms", "phone_number": "(11) 4002-8922",
            "account_sid": "AC00000000000000000000000000000000", "auth_token": "very-secret",
        },
    )  # fmt: skip
    assert done.status_code == 302
    page = client.get("/channels/providers/").content.decode()
    assert "/api/v1/webhooks/inbound/twilio" in page and "+551140028922" in page
    assert "very-secret" not in page


def test_agents_may_not_configure_providers(make_user: Any) -> None:
    assert _client(make_user("agent")).get("/channels/providers/").status_code == 403
