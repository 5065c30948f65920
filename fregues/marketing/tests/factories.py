"""factory_boy factories of the marketing app."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from fregues.parties.models import ConsentPurpose

from ..models import Campaign, CampaignMessage, Segment


class SegmentFactory(DjangoModelFactory):
    class Meta:
        model = Segment

    name = factory.Sequence(lambda n: f"Segment {n}")
    rules = factory.LazyFunction(lambda: {"all": []})


class CampaignFactory(DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Campaign {n}")
    channel = "email"
    purpose = factory.LazyFunction(lambda: ConsentPurpose.objects.get(code="marketing_email"))
    segment = factory.SubFactory(SegmentFactory)


class CampaignMessageFactory(DjangoModelFactory):
    class Meta:
        model = CampaignMessage

    campaign = factory.SubFactory(CampaignFactory)
    language = "pt-br"
    subject = "Novidades para você, {{ first_name }}"
    body = "Olá {{ first_name }}, conheça as novidades."
