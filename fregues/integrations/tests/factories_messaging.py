"""Factories of the SMS/WhatsApp tests: one provider of each kind, with known secrets."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from fregues.integrations.models import MessageProvider

TWILIO_TOKEN = "test-twilio-auth-token-0123456789"
TWILIO_ACCOUNT = "AC3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e"
WHATSAPP_SECRET = "test-meta-app-secret"
WHATSAPP_VERIFY = "test-verify-token"


class TwilioProviderFactory(DjangoModelFactory):
    class Meta:
        model = MessageProvider

    name = factory.Sequence(lambda n: f"Twilio {n}")
    kind = MessageProvider.Kind.TWILIO
    channel = "sms"
    phone_number = "+551140028922"
    account_sid = TWILIO_ACCOUNT
    auth_token = TWILIO_TOKEN


class WhatsAppProviderFactory(DjangoModelFactory):
    class Meta:
        model = MessageProvider

    name = factory.Sequence(lambda n: f"WhatsApp {n}")
    kind = MessageProvider.Kind.WHATSAPP_CLOUD
    channel = "whatsapp"
    phone_number = "+551140028922"
    phone_number_id = "106540352242922"
    access_token = "test-access-token"
    app_secret = WHATSAPP_SECRET
    verify_token = WHATSAPP_VERIFY
