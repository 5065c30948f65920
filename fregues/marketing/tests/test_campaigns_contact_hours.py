"""A campaign holds the customers who are outside their contact hours until their window
opens (the sending check's deferral), and sends them then."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from fregues.marketing.models import Campaign, CampaignRecipient
from fregues.marketing.services.campaign_planning import campaign_plan
from fregues.marketing.services.campaign_sending import campaign_send_slice
from fregues.parties.models import Party

from . import campaign_support as support
from .campaign_support import Sink, consenting, new_campaign, segment_of

smtp = support.smtp
customer = support.customer
open_case = support.open_case

pytestmark = pytest.mark.django_db


def test_a_customer_outside_their_contact_hours_is_held_then_sent(
    smtp: Sink, marketer: Any
) -> None:
    anytime = consenting("Ana", "ana@exemplo.com.br")
    night_owl = consenting("Bia", "bia@exemplo.com.br")
    local = timezone.localtime()
    opens = (local + datetime.timedelta(hours=2)).time().replace(second=0, microsecond=0)
    closes = (local + datetime.timedelta(hours=3)).time().replace(second=0, microsecond=0)
    Party.objects.filter(pk=night_owl.pk).update(
        contact_hours_start=opens, contact_hours_end=closes
    )
    campaign = new_campaign(marketer, segment_of(anytime, night_owl))
    campaign_plan(actor=marketer, campaign_id=campaign.pk)
    Campaign.objects.filter(pk=campaign.pk).update(status="sending")

    first = campaign_send_slice(campaign.pk)
    assert (first.sent, first.held, first.finished, first.more) == (1, 1, False, False)
    assert [m["To"] for m in smtp.messages] == ["ana@exemplo.com.br"]
    held = CampaignRecipient.objects.get(campaign=campaign, party=night_owl)
    assert held.status == "pending" and held.not_before is not None
    assert timezone.localtime(held.not_before).time() == opens
    assert campaign_send_slice(campaign.pk).sent == 0  # not yet

    # their window opens
    CampaignRecipient.objects.filter(pk=held.pk).update(
        not_before=timezone.now() - datetime.timedelta(minutes=1)
    )
    Party.objects.filter(pk=night_owl.pk).update(contact_hours_start=None, contact_hours_end=None)
    later = campaign_send_slice(campaign.pk)
    assert (later.sent, later.finished) == (1, True)
    assert sorted(m["To"] for m in smtp.messages) == ["ana@exemplo.com.br", "bia@exemplo.com.br"]
