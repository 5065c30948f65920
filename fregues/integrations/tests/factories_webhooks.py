"""Factories of the outbound webhooks."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from fregues.integrations.models import WebhookSubscription
from fregues.integrations.webhooks.signing import secret_new


class WebhookSubscriptionFactory(DjangoModelFactory):
    """A receiver of every party event."""

    class Meta:
        model = WebhookSubscription

    url = factory.Sequence(lambda n: f"https://hooks.example.com/{n}")
    description = "ERP"
    event_types = factory.LazyFunction(lambda: ["party.*"])
    secret = factory.LazyFunction(secret_new)
