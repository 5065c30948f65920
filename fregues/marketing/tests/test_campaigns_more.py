"""Campaigns beyond e-mail: SMS through the sender interface, the periodic start of scheduled
campaigns, conversions counted from orders, the campaign's product in the text."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from fregues.interactions.models import Interaction
from fregues.marketing.models import Campaign, CampaignRecipient
from fregues.marketing.selectors.campaigns import campaign_report
from fregues.marketing.services.campaign_planning import campaign_plan
from fregues.marketing.services.campaign_sending import (
    INTERRUPTED,
    campaign_send_slice,
    campaigns_start_due,
)
from fregues.marketing.services.campaigns import campaign_schedule
from fregues.marketing.tasks import campaigns_due_task
from fregues.parties.services import consent_record
from fregues.sales.tests.factories import OrderFactory, ProductFactory
from fregues.service.tests.conftest import make_customer

from . import campaign_support as support
from .campaign_support import RecordingSms, Sink, consenting, new_campaign, segment_of

pytestmark = pytest.mark.django_db

smtp = support.smtp
sms = support.sms


def test_an_sms_campaign_goes_through_the_sms_sender_under_its_own_purpose(
    sms: type[RecordingSms], marketer: Any
) -> None:
    ana = make_customer(given="Ana", email=None, phone="+5511987654321")
    bia = make_customer(given="Bia", email=None, phone="+5511987654322")
    consent_record(
        actor=None, party_id=ana.pk, purpose="marketing_messages", granted=True,
        source="form", channel="sms",
    )  # fmt: skip
    campaign = new_campaign(
        marketer,
        segment_of(ana, bia),
        channel="sms",
        messages=[
            {"language": "pt-br", "body": "Oi {{ first_name }}! Sair: {{ unsubscribe_url }}"}
        ],
    )
    assert campaign.purpose.code == "marketing_messages"
    campaign_plan(actor=marketer, campaign_id=campaign.pk)
    Campaign.objects.filter(pk=campaign.pk).update(status="sending")
    result = campaign_send_slice(campaign.pk)
    assert (result.sent, result.finished) == (1, True)
    (message,) = sms.sent
    assert message["to"] == "+5511987654321" and message["body"].startswith("Oi Ana! Sair: http")
    skipped = CampaignRecipient.objects.get(party=bia)
    assert skipped.skip_reason == "no_consent"
    note = Interaction.objects.get(party=ana)
    assert (note.channel, note.direction) == ("sms", "out")


def test_the_periodic_task_starts_due_campaigns_only(
    smtp: Sink, marketer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ana = consenting("Ana", "ana@exemplo.com.br")
    later = new_campaign(marketer, segment_of(ana), name="Depois")
    soon = new_campaign(marketer, segment_of(ana), name="Agora")
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    campaign_schedule(actor=marketer, campaign_id=later.pk, at=tomorrow)
    campaign_schedule(actor=marketer, campaign_id=soon.pk, at=timezone.now())
    campaigns_due_task.enqueue()
    assert Campaign.objects.get(pk=soon.pk).status == "sent"
    assert Campaign.objects.get(pk=later.pk).status == "scheduled"
    assert len(smtp.messages) == 1
    assert campaigns_start_due(now=tomorrow + datetime.timedelta(minutes=1)) == [later.pk]


def test_a_worker_gone_silent_is_replaced_and_its_claim_marked_interrupted(
    marketer: Any,
) -> None:
    ana = consenting("Ana", "ana@exemplo.com.br")
    campaign = new_campaign(marketer, segment_of(ana))
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    Campaign.objects.filter(pk=campaign.pk).update(status="sending", started_at=long_ago)
    CampaignRecipient.objects.create(
        campaign=campaign, party=ana, status="sending", claimed_at=long_ago
    )
    assert campaigns_start_due() == [campaign.pk]
    recipient = CampaignRecipient.objects.get()
    assert (recipient.status, recipient.error) == ("failed", INTERRUPTED)


def test_orders_within_the_window_count_as_conversions(
    smtp: Sink, marketer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ana = consenting("Ana", "ana@exemplo.com.br")
    bia = consenting("Bia", "bia@exemplo.com.br")
    caio = consenting("Caio", "caio@exemplo.com.br")
    campaign = new_campaign(marketer, segment_of(ana, bia, caio), conversion_days=7)
    with django_capture_on_commit_callbacks(execute=True):
        campaign_schedule(actor=marketer, campaign_id=campaign.pk)
    now = timezone.now()
    OrderFactory(party=ana, ordered_at=now + datetime.timedelta(days=2))
    OrderFactory(party=bia, ordered_at=now + datetime.timedelta(days=9))  # too late
    OrderFactory(party=caio, ordered_at=now + datetime.timedelta(days=1), status="cancelled")
    report = campaign_report(actor=marketer, campaign_id=campaign.pk)
    assert (report.sent, report.converted) == (3, 1)
    assert report.rates["conversion_rate"] == round(1 / 3, 4)


def test_the_campaign_product_fills_preferred_product(smtp: Sink, marketer: Any) -> None:
    from fregues.marketing.services.campaigns import campaign_test_send

    ana = consenting("Ana", "ana@exemplo.com.br")
    fridge = ProductFactory(name="Geladeira Frost Free 400 L")
    campaign = new_campaign(marketer, segment_of(ana), offer_product_id=fridge.pk)
    campaign_test_send(actor=marketer, campaign_id=campaign.pk, to="eu@empresa.com.br")
    assert "veja Geladeira Frost Free 400 L em" in smtp.messages[0].get_content()
