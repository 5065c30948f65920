"""/api/v1/channels/providers: admins connect SMS/WhatsApp accounts; secrets are write-only;
a stale version is a 409; a provider that carried messages cannot be deleted."""

from __future__ import annotations

from typing import Any

import pytest

from fregues.core.models import AuditEntry
from fregues.integrations.models import MessageProvider

from .factories_messaging import TwilioProviderFactory

pytestmark = pytest.mark.django_db
SECRETS = ("secret-token", "meta-access", "meta-secret", "meta-verify")


def _whatsapp() -> dict[str, Any]:
    return {
        "name": "WhatsApp Atendimento",
        "kind": "whatsapp_cloud",
        "phone_number_id": "106540352242922",
        "access_token": "meta-access",
        "app_secret": "meta-secret",
        "verify_token": "meta-verify",
    }


def test_create_read_and_no_secret_ever_comes_back(admin_api: Any) -> None:
    created = admin_api.post("/channels/providers", _whatsapp())
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["channel"] == "whatsapp"
    assert body["secrets_set"] == ["access_token", "app_secret", "verify_token"]
    assert body["webhook_path"] == "/api/v1/webhooks/inbound/whatsapp"
    for response in (created, admin_api.get(f"/channels/providers/{body['id']}"),
                     admin_api.get("/channels/providers")):  # fmt: skip
        for secret in SECRETS:
            assert secret not in response.content.decode()
    audit = AuditEntry.objects.filter(entity_type="integrations.messageprovider")
    assert all(secret not in str(a.changes) for a in audit for secret in SECRETS)


def test_what_each_kind_needs(admin_api: Any, unchanged: Any) -> None:
    with unchanged():
        response = admin_api.post("/channels/providers", {"name": "SMS", "kind": "twilio"})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"phone_number", "account_sid", "auth_token"}
    assert not MessageProvider.objects.exists()


def test_patch_keeps_secrets_left_out_and_checks_the_version(admin_api: Any) -> None:
    provider = TwilioProviderFactory()
    changed = admin_api.patch(
        f"/channels/providers/{provider.pk}", {"version": 1, "name": "SMS São Paulo"}
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["version"] == 2
    provider.refresh_from_db()
    assert provider.auth_token == "test-twilio-auth-token-0123456789"
    stale = admin_api.patch(f"/channels/providers/{provider.pk}", {"version": 1, "name": "X"})
    assert stale.status_code == 409
    assert stale.json()["code"] == "version_conflict"
    provider.refresh_from_db()
    assert provider.name == "SMS São Paulo"
    rotated = admin_api.patch(
        f"/channels/providers/{provider.pk}", {"auth_token": "new-token"}, **{"If-Match": '"2"'}
    )
    assert rotated.status_code == 200
    provider.refresh_from_db()
    assert provider.auth_token == "new-token"


def test_delete(admin_api: Any) -> None:
    provider = TwilioProviderFactory()
    assert admin_api.delete(f"/channels/providers/{provider.pk}").status_code == 204
    assert admin_api.get(f"/channels/providers/{provider.pk}").status_code == 404


def test_a_provider_that_carried_messages_is_deactivated_not_deleted(admin_api: Any) -> None:
    from .messaging_helpers import post_twilio

    provider = TwilioProviderFactory()
    post_twilio("inbound_sms.txt")
    response = admin_api.delete(f"/channels/providers/{provider.pk}")
    assert response.status_code == 409
    assert response.json()["code"] == "provider_in_use"
