"""Campaigns sent through a real SMTP server (aiosmtpd, started by the tests): who gets what,
in which language, with which headers; who is skipped and why (Case A P6); throttled
slices; at most one message per customer."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from fregues.interactions.models import Interaction
from fregues.marketing.models import Campaign, CampaignLink, CampaignRecipient
from fregues.marketing.selectors.campaigns import campaign_report
from fregues.marketing.services.campaign_planning import campaign_plan
from fregues.marketing.services.campaign_sending import campaign_send_slice
from fregues.marketing.services.campaign_tracking import campaign_bounce
from fregues.marketing.services.campaigns import campaign_schedule
from fregues.parties.models import ConsentRecord, Suppression
from fregues.parties.services import consent_record
from fregues.service.services.sending import MARKETING_REGARDING

from . import campaign_support as support
from .campaign_support import Sink, consenting, new_campaign, segment_of

# fixtures shared by the campaign tests
smtp = support.smtp
customer = support.customer
open_case = support.open_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_english() -> Iterator[None]:
    with translation.override("en"):
        yield


def send_all(campaign: Campaign, actor: Any, django_capture_on_commit_callbacks: Any) -> None:
    """Schedule now: the task queue (immediate in tests) plans, starts and sends it."""
    with django_capture_on_commit_callbacks(execute=True):
        campaign_schedule(actor=actor, campaign_id=campaign.pk)
    campaign.refresh_from_db()


def test_case_a_p6_open_complaint_and_withdrawn_consent_get_nothing_and_the_report_says_why(
    smtp: Sink,
    marketer: Any,
    open_case: Any,
    in_english: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    ana = consenting("Ana", "ana@exemplo.com.br")
    bruno = consenting("Bruno", "bruno@exemplo.com.br")  # complaint still open
    carla = consenting("Carla", "carla@exemplo.com.br")  # withdrew
    open_case(party=bruno, subject="Geladeira não gela")
    consent_record(
        actor=None, party_id=carla.pk, purpose="marketing_email", granted=False, source="portal"
    )
    campaign = new_campaign(marketer, segment_of(ana, bruno, carla))

    send_all(campaign, marketer, django_capture_on_commit_callbacks)

    assert campaign.status == "sent" and campaign.finished_at is not None
    assert [m["To"] for m in smtp.messages] == ["ana@exemplo.com.br"]
    rows = {r.party_id: r for r in CampaignRecipient.objects.filter(campaign=campaign)}
    assert rows[bruno.pk].status == "skipped" and rows[bruno.pk].skip_reason == "open_complaint"
    assert rows[bruno.pk].skip_detail  # the case's protocol
    assert rows[carla.pk].skip_reason == "consent_withdrawn"
    report = campaign_report(actor=marketer, campaign_id=campaign.pk)
    assert (report.targeted, report.sent, report.skipped) == (3, 1, 2)
    labels = {r.code: (r.label, r.count) for r in report.skipped_by_reason}
    assert labels == {
        "open_complaint": ("Open complaint", 1),
        "consent_withdrawn": ("Consent withdrawn", 1),
    }


def test_each_customer_gets_their_language_with_rfc8058_headers_and_a_timeline_entry(
    smtp: Sink, marketer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    br = consenting("Ana", "ana@exemplo.com.br", language="pt-br")
    pt = consenting("Joana", "joana@exemplo.pt", language="pt-pt")
    en = consenting("Mary", "mary@example.com", language="en")
    campaign = new_campaign(marketer, segment_of(br, pt, en))

    send_all(campaign, marketer, django_capture_on_commit_callbacks)

    (to_br,) = smtp.to("ana@exemplo.com.br")
    (to_pt,) = smtp.to("joana@exemplo.pt")
    (to_en,) = smtp.to("mary@example.com")
    assert to_br["Subject"] == "Novidades para você, Ana"
    assert to_pt["Subject"] == "Novidades para si, Joana"
    assert to_en["Subject"] == "News for you, Mary"
    body = to_br.get_content()
    assert body.startswith("Olá Ana, veja as ofertas em http")
    assert "loja.exemplo.com.br" not in body  # the link is a counted redirect
    unsubscribe, mailto = re.findall(r"<([^>]+)>", to_br["List-Unsubscribe"])
    assert "/m/u/" in unsubscribe and mailto.startswith("mailto:")
    assert unsubscribe in body
    assert to_br["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    recipient = CampaignRecipient.objects.get(campaign=campaign, party=br)
    assert recipient.status == "sent" and recipient.message_id == to_br["Message-ID"]
    note = Interaction.objects.get(pk=recipient.interaction_id)
    assert (note.direction, note.channel, note.party_id) == ("out", "email", br.pk)
    assert (note.regarding_type, note.regarding_id) == (MARKETING_REGARDING, campaign.pk)
    assert note.subject == "Novidades para você, Ana"
    assert note.body.strip() == body.replace("\r\n", "\n").strip()


def test_one_click_unsubscribe_withdraws_consent_suppresses_and_the_next_campaign_skips(
    smtp: Sink, marketer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ana = consenting("Ana", "ana@exemplo.com.br")
    first = new_campaign(marketer, segment_of(ana))
    send_all(first, marketer, django_capture_on_commit_callbacks)
    (message,) = smtp.messages
    url = re.findall(r"<([^>]+)>", message["List-Unsubscribe"])[0]
    path = url.split("://", 1)[1].split("/", 1)[1]
    client = Client(enforce_csrf_checks=True)

    assert client.get(f"/{path}").status_code == 200  # the confirm page writes nothing
    assert not Suppression.objects.exists()
    answer = client.post(
        f"/{path}", "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert answer.status_code == 200
    again = client.post(
        f"/{path}", "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert again.status_code == 200  # idempotent

    withdrawals = ConsentRecord.objects.filter(party=ana, granted=False)
    assert [(w.source, w.channel) for w in withdrawals] == [("email", "email")]
    (entry,) = Suppression.objects.all()
    assert (entry.reason, entry.party_id) == ("unsubscribe", ana.pk)
    assert CampaignRecipient.objects.get(campaign=first).unsubscribed_at is not None
    second = new_campaign(marketer, segment_of(ana), name="Outra")
    send_all(second, marketer, django_capture_on_commit_callbacks)
    assert len(smtp.messages) == 1
    assert CampaignRecipient.objects.get(campaign=second).skip_reason == "consent_withdrawn"
    assert campaign_report(actor=marketer, campaign_id=first.pk).unsubscribed == 1


def test_a_click_counts_and_redirects_only_to_the_stored_link(
    smtp: Sink, marketer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ana = consenting("Ana", "ana@exemplo.com.br")
    campaign = new_campaign(marketer, segment_of(ana))
    send_all(campaign, marketer, django_capture_on_commit_callbacks)
    body = smtp.messages[0].get_content()
    (tracked,) = re.findall(r"https?://\S+/m/c/\S+?(?=\.?\s)", body)
    path = "/" + tracked.split("://", 1)[1].split("/", 1)[1]
    client = Client()

    answer = client.get(path)
    assert answer.status_code == 302
    assert answer["Location"] == "https://loja.exemplo.com.br/ofertas"
    client.get(path)
    recipient = CampaignRecipient.objects.get(campaign=campaign)
    assert recipient.clicks == 2 and recipient.first_clicked_at is not None
    assert CampaignLink.objects.get().url == "https://loja.exemplo.com.br/ofertas"
    token = path.rsplit("/", 1)[1]
    assert client.get(f"/m/c/{token[:-2]}xx").status_code == 404
    assert client.get("/m/c/not-a-token").status_code == 404
    assert campaign_report(actor=marketer, campaign_id=campaign.pk).clicked == 1


def test_sending_in_slices_honours_the_throttle_and_rechecks_consent(
    smtp: Sink, marketer: Any
) -> None:
    people = [consenting(f"P{i}", f"p{i}@exemplo.com.br") for i in range(5)]
    campaign = new_campaign(marketer, segment_of(*people), throttle_per_minute=2)
    campaign_plan(actor=marketer, campaign_id=campaign.pk)
    Campaign.objects.filter(pk=campaign.pk).update(status="sending")
    # the fourth customer withdraws after planning, before their slice
    consent_record(
        actor=None, party_id=people[3].pk, purpose="marketing_email", granted=False, source="api"
    )

    first = campaign_send_slice(campaign.pk)
    assert (first.sent, first.more, len(smtp.received)) == (2, True, 2)
    second = campaign_send_slice(campaign.pk)
    assert (second.sent, second.skipped, second.more) == (1, 1, True)
    third = campaign_send_slice(campaign.pk)
    assert (third.sent, third.more, third.finished) == (1, False, True)
    assert len(smtp.received) == 4
    withdrawn = CampaignRecipient.objects.get(campaign=campaign, party=people[3])
    assert (withdrawn.status, withdrawn.skip_reason) == ("skipped", "consent_withdrawn")
    assert campaign_send_slice(campaign.pk).sent == 0  # sent: nothing more, ever


def test_planning_twice_does_not_duplicate_and_re_evaluates(marketer: Any) -> None:
    ana = consenting("Ana", "ana@exemplo.com.br")
    bia = consenting("Bia", "bia@exemplo.com.br")
    campaign = new_campaign(marketer, segment_of(ana, bia))
    assert campaign_plan(actor=marketer, campaign_id=campaign.pk)["pending"] == 2
    consent_record(
        actor=None, party_id=bia.pk, purpose="marketing_email", granted=False, source="api"
    )
    counts = campaign_plan(actor=marketer, campaign_id=campaign.pk)
    assert (counts["pending"], counts["skipped"]) == (1, 1)
    assert CampaignRecipient.objects.filter(campaign=campaign).count() == 2


def test_a_hard_bounce_marks_the_recipient_and_suppresses_the_address(
    smtp: Sink, marketer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ana = consenting("Ana", "ana@exemplo.com.br")
    campaign = new_campaign(marketer, segment_of(ana))
    send_all(campaign, marketer, django_capture_on_commit_callbacks)
    message_id = smtp.messages[0]["Message-ID"]

    recipient = campaign_bounce(actor=marketer, message_id=message_id)
    assert recipient.status == "bounced" and recipient.bounced_at is not None
    assert Suppression.objects.get().reason == "hard_bounce"
    report = campaign_report(actor=marketer, campaign_id=campaign.pk)
    assert (report.sent, report.bounced, report.rates["bounce_rate"]) == (1, 1, 1.0)


def test_a_test_send_is_marked_and_not_counted_nor_on_a_timeline(smtp: Sink, marketer: Any) -> None:
    from fregues.marketing.services.campaigns import campaign_test_send

    ana = consenting("Ana", "ana@exemplo.com.br")
    campaign = new_campaign(marketer, segment_of(ana))
    campaign_test_send(actor=marketer, campaign_id=campaign.pk, to="eu@empresa.com.br")
    (message,) = smtp.messages
    assert message["To"] == "eu@empresa.com.br"
    assert message["Subject"] == "[TEST] Novidades para você, Ana"
    assert not CampaignRecipient.objects.exists()
    assert not Interaction.objects.filter(regarding_type=MARKETING_REGARDING).exists()
