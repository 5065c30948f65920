"""Inbound SMS and WhatsApp webhooks from captured provider payloads, signed as the providers
sign them: messages land once on the customer's timeline, one party per person across both
channels, statuses move outbound messages, and a bad signature writes nothing."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator

import pytest
from django.apps import apps
from django.utils import timezone

from fregues.integrations.models import MessageStatus, ProviderMessage
from fregues.interactions.models import Interaction
from fregues.parties.models import ContactPoint, Party
from fregues.service.models import Case

from .factories_messaging import TwilioProviderFactory, WhatsAppProviderFactory
from .messaging_helpers import TWILIO_URL, WHATSAPP_URL, payload, post_twilio, post_whatsapp

pytestmark = pytest.mark.django_db
CUSTOMER = "+5511987654321"
OUT_WAMID = "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABEYEjI0RkE3QjA5RDE1QzdFMkQ1NQA="
OUT_SID = "SM0a1b2c3d4e5f60718293a4b5c6d7e8f9"


def _counts() -> dict[str, int]:
    return {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.app_label in {"core", "parties", "interactions", "service", "integrations"}
    }


@contextlib.contextmanager
def nothing_written() -> Iterator[None]:
    before = _counts()
    yield
    after = _counts()
    assert after == before, {k: (before[k], after[k]) for k in before if before[k] != after[k]}


def test_an_inbound_sms_is_on_the_timeline_of_a_new_suspect() -> None:
    TwilioProviderFactory()
    response = post_twilio("inbound_sms.txt")
    assert response.status_code == 200
    assert b"<Response>" in response.content
    interaction = Interaction.objects.get()
    assert (interaction.channel, interaction.direction) == ("sms", "in")
    assert "geladeira parou de gelar" in interaction.body
    assert interaction.party.lifecycle_stage == "suspect"
    assert ContactPoint.objects.get(party=interaction.party).normalized == CUSTOMER
    message = ProviderMessage.objects.get()
    assert message.interaction == interaction
    assert message.status == MessageStatus.RECEIVED


def test_a_retried_webhook_changes_nothing() -> None:
    TwilioProviderFactory()
    WhatsAppProviderFactory()
    assert post_twilio("inbound_sms.txt").status_code == 200
    assert post_whatsapp("inbound_text.json").json()["received"] == 1
    with nothing_written():
        assert post_twilio("inbound_sms.txt").status_code == 200
        again = post_whatsapp("inbound_text.json")
    assert again.json() == {"received": 0, "repeated": 1, "statuses": 0, "ignored": 0}


@pytest.mark.parametrize(
    "signature", ["", "c29tZXRoaW5nIGVsc2U=", "sha256=" + "0" * 64], ids=["missing", "b64", "hex"]
)
def test_a_bad_signature_is_403_and_writes_nothing(signature: str) -> None:
    TwilioProviderFactory()
    WhatsAppProviderFactory()
    with nothing_written():
        assert post_twilio("inbound_sms.txt", signature=signature).status_code == 403
        response = post_whatsapp("inbound_text.json", signature=signature)
        assert response.status_code == 403
        assert response.json()["code"] == "bad_signature"


def test_signed_with_another_secret_or_over_another_body_is_403() -> None:
    TwilioProviderFactory()
    WhatsAppProviderFactory()
    with nothing_written():
        assert post_twilio("inbound_sms.txt", token="someone-else").status_code == 403
        assert post_whatsapp("inbound_text.json", secret="someone-else").status_code == 403
        # the signature of the real body, sent with a changed body
        from fregues.integrations.messaging.signing import whatsapp_signature

        from .factories_messaging import WHATSAPP_SECRET

        genuine = whatsapp_signature(WHATSAPP_SECRET, payload("whatsapp/inbound_text.json"))
        forged = payload("whatsapp/inbound_text.json").replace(b"parou", b"voltou")
        assert post_whatsapp("", body=forged, signature=genuine).status_code == 403


def test_an_inactive_provider_accepts_nothing() -> None:
    TwilioProviderFactory(is_active=False)
    with nothing_written():
        assert post_twilio("inbound_sms.txt").status_code == 403


def test_twilio_signs_the_url_it_called_behind_a_proxy(settings: object) -> None:
    TwilioProviderFactory()
    settings.WEBHOOK_PUBLIC_BASE_URL = "https://crm.example.com.br"  # type: ignore[attr-defined]
    with nothing_written():  # signed over our internal address: not what Twilio signs
        assert post_twilio("inbound_sms.txt").status_code == 403
    response = post_twilio("inbound_sms.txt", base="https://crm.example.com.br")
    assert response.status_code == 200
    assert Interaction.objects.count() == 1


@pytest.mark.parametrize("first", ["sms", "whatsapp"])
def test_the_same_phone_on_sms_and_whatsapp_is_one_party(first: str) -> None:
    TwilioProviderFactory()
    WhatsAppProviderFactory()
    if first == "sms":
        post_twilio("inbound_sms.txt")
        post_whatsapp("inbound_text.json")
    else:
        post_whatsapp("inbound_text.json")
        post_twilio("inbound_sms.txt")
    assert Party.objects.count() == 1
    party = Party.objects.get()
    channels = sorted(party.interactions.values_list("channel", "network"))
    assert channels == [("sms", ""), ("social", "whatsapp")]
    # and Twilio's WhatsApp from the same number too
    post_twilio("inbound_whatsapp_image.txt")
    assert Party.objects.count() == 1
    assert party.interactions.count() == 3


def test_whatsapp_text_takes_the_profile_name() -> None:
    WhatsAppProviderFactory()
    post_whatsapp("inbound_text.json")
    interaction = Interaction.objects.get()
    assert (interaction.channel, interaction.network) == ("social", "whatsapp")
    assert interaction.party.name == "Maria Souza"
    assert interaction.subject.startswith("Oi! A geladeira")


def test_media_is_kept_as_a_reference() -> None:
    TwilioProviderFactory()
    WhatsAppProviderFactory()
    post_whatsapp("inbound_image.json")
    post_twilio("inbound_whatsapp_image.txt")
    cloud, twilio = ProviderMessage.objects.order_by("id")
    assert cloud.media == [
        {"type": "image", "id": "1003383421387256", "content_type": "image/jpeg"}
    ]
    assert "A etiqueta do produto" in cloud.interaction.body
    assert "[image] 1003383421387256" in cloud.interaction.body
    assert twilio.media[0]["content_type"] == "image/jpeg"
    assert twilio.media[0]["url"].startswith("https://api.twilio.com/")
    assert twilio.interaction.body.startswith("Foto da etiqueta")


def _sent(provider: object, message_id: str, channel: str) -> ProviderMessage:
    party = Party.objects.create(name="Maria Souza", kind="person")
    timeline, network = ("social", "whatsapp") if channel == "whatsapp" else ("sms", "")
    interaction = Interaction.objects.create(
        party=party, channel=timeline, network=network, direction="out",
        occurred_at=timezone.now(), body="Seu pedido saiu para entrega.", external_id=message_id,
    )  # fmt: skip
    return ProviderMessage.objects.create(
        provider=provider, provider_message_id=message_id, direction="out", channel=channel,
        address=CUSTOMER, interaction=interaction, status=MessageStatus.QUEUED,
    )  # fmt: skip


def test_whatsapp_statuses_move_the_message_forward_only() -> None:
    message = _sent(WhatsAppProviderFactory(), OUT_WAMID, "whatsapp")
    for name in ("status_sent.json", "status_read.json", "status_delivered.json"):
        assert post_whatsapp(name).json()["statuses"] == 1
    message.refresh_from_db()
    assert message.status == "read"  # "delivered" arriving late does not undo "read"
    assert [h.status for h in message.history.order_by("occurred_at")] == [
        "sent", "delivered", "read",
    ]  # fmt: skip
    assert message.interaction.outcome == "read"
    with nothing_written():
        assert post_whatsapp("status_read.json").json()["ignored"] == 1


def test_a_permanent_failure_shows_on_the_interaction() -> None:
    message = _sent(WhatsAppProviderFactory(), OUT_WAMID, "whatsapp")
    post_whatsapp("status_sent.json")
    post_whatsapp("status_failed.json")
    message.refresh_from_db()
    assert (message.status, message.error_code) == ("failed", "131047")
    assert message.interaction.outcome == "failed: 131047"


def test_twilio_status_callbacks() -> None:
    message = _sent(TwilioProviderFactory(), OUT_SID, "sms")
    for name in ("status_sent.txt", "status_delivered.txt"):
        assert post_twilio(name).status_code == 200
    message.refresh_from_db()
    assert message.status == "delivered"
    post_twilio("status_undelivered.txt")
    message.refresh_from_db()
    assert (message.status, message.error_code) == ("failed", "30003")
    assert message.interaction.outcome == "failed: 30003"


def test_a_status_of_a_message_we_did_not_send_is_ignored() -> None:
    WhatsAppProviderFactory()
    with nothing_written():
        assert post_whatsapp("status_sent.json").json()["ignored"] == 1


def test_the_whatsapp_verification_handshake() -> None:
    from django.test import Client

    WhatsAppProviderFactory()
    query = {
        "hub.mode": "subscribe",
        "hub.challenge": "1158201444",
        "hub.verify_token": "test-verify-token",
    }
    response = Client().get(WHATSAPP_URL, query)
    assert response.status_code == 200
    assert response.content == b"1158201444"
    assert Client().get(WHATSAPP_URL, {**query, "hub.verify_token": "guess"}).status_code == 403


def test_a_provider_with_a_case_type_keeps_one_case_per_conversation() -> None:
    from fregues.service.tests.factories_cases import case_type

    WhatsAppProviderFactory(case_type=case_type())
    post_whatsapp("inbound_text.json")
    post_whatsapp("inbound_image.json")
    case = Case.objects.get()
    assert case.channel == "social"
    assert case.subject.startswith("Oi! A geladeira")
    linked = Interaction.objects.filter(regarding_type="service.case", regarding_id=case.pk)
    assert linked.count() == 2


def test_twilio_url_is_reachable_only_by_post() -> None:
    from django.test import Client

    assert Client().get(TWILIO_URL).status_code == 405
    assert (
        json.loads(payload("whatsapp/inbound_text.json"))["object"] == "whatsapp_business_account"
    )
