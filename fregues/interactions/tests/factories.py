"""Test data for interactions: contacts on every channel over the last two years."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from fregues.accounts.tests.factories import UserFactory
from fregues.interactions.models import Interaction
from fregues.parties.tests.factories import PartyFactory

SUBJECTS = [
    "Pedido de assistência técnica",
    "Segunda via de boleto",
    "Dúvida sobre a fatura",
    "Reclamação: entrega atrasada",
    "Consulta do estado do pedido",
    "Renovação de contrato",
]


class InteractionFactory(DjangoModelFactory):
    class Meta:
        model = Interaction

    party = factory.SubFactory(PartyFactory)
    channel = "phone"
    direction = "in"
    occurred_at = factory.Sequence(
        lambda n: timezone.now() - datetime.timedelta(days=700) + datetime.timedelta(hours=n)
    )
    agent = factory.SubFactory(UserFactory)
    subject = factory.Iterator(SUBJECTS)
    body = factory.Faker("paragraph", locale="pt_BR")
    outcome = "resolvido"
    duration_seconds = 240
