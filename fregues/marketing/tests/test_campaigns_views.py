"""The campaign screens: list, new, editor with preview, test, plan → confirm → send, report
with skipped-by-reason and the recipients, live progress, permissions."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from fregues.marketing.models import Campaign, CampaignRecipient

from . import campaign_support as support
from .campaign_support import Sink, consenting, new_campaign, segment_of

pytestmark = pytest.mark.django_db

smtp = support.smtp
customer = support.customer
open_case = support.open_case


def client_for(user: Any) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"  # the screens speak pt-BR unless one picks
    client.force_login(user)
    return client


def form(segment_id: int, **extra: str) -> dict[str, Any]:
    return {
        "name": "Ofertas",
        "segment_id": str(segment_id),
        "channel": "email",
        "default_language": "pt-br",
        "throttle_per_minute": "600",
        "conversion_days": "30",
        "subject_pt-br": "Oi {{ first_name }}",
        "body_pt-br": "Olá {{ first_name }}!",
        **extra,
    }


def test_the_marketer_writes_previews_tests_plans_sends_and_reads_why(
    marketer: Any, smtp: Sink, open_case: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ana = consenting("Ana", "ana@exemplo.com.br")
    bruno = consenting("Bruno", "bruno@exemplo.com.br")
    open_case(party=bruno)
    segment = segment_of(ana, bruno)
    client = client_for(marketer)

    assert client.get("/marketing/").status_code == 200
    bad = client.post(
        "/marketing/campaigns/new", form(segment.pk, **{"body_pt-br": "{% if first_name %}sem fim"})
    )
    assert bad.status_code == 422 and not Campaign.objects.exists()
    created = client.post("/marketing/campaigns/new", form(segment.pk))
    campaign = Campaign.objects.get()
    assert created.status_code == 302 and created["Location"].endswith(f"/{campaign.pk}/")

    page = client.get(f"/marketing/campaigns/{campaign.pk}/").content.decode()
    assert "Olá Ana!" in page  # the preview, for a sample member
    client.post(f"/marketing/campaigns/{campaign.pk}/test", {"to": "eu@empresa.com.br"})
    assert smtp.messages[0]["Subject"] == "[TEST] Oi Ana"

    confirm = client.post(f"/marketing/campaigns/{campaign.pk}/confirm").content.decode()
    assert "1 will get it, 1 are skipped" in confirm and "Open complaint" in confirm
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/marketing/campaigns/{campaign.pk}/send", {"scheduled_at": ""})
    campaign.refresh_from_db()
    assert campaign.status == "sent"
    report = client.get(f"/marketing/campaigns/{campaign.pk}/").content.decode()
    assert 'id="skipped-by-reason"' in report and "Open complaint" in report
    assert "Bruno" in report and "campaign-form" not in report  # sent: no editor
    progress = client.get(f"/marketing/campaigns/{campaign.pk}/progress").content.decode()
    assert 'id="kpi-sent">1<' in progress and "hx-trigger" not in progress
    listed = client.get("/marketing/").content.decode()
    assert "Ofertas" in listed


def test_progress_polls_while_sending_and_actions_pause_and_cancel(marketer: Any) -> None:
    ana = consenting("Ana", "ana@exemplo.com.br")
    campaign = new_campaign(marketer, segment_of(ana))
    CampaignRecipient.objects.create(campaign=campaign, party=ana, status="pending")
    Campaign.objects.filter(pk=campaign.pk).update(status="sending")
    client = client_for(marketer)
    progress = client.get(f"/marketing/campaigns/{campaign.pk}/progress").content.decode()
    assert 'hx-trigger="every 2s"' in progress
    client.post(f"/marketing/campaigns/{campaign.pk}/pause")
    assert Campaign.objects.get().status == "paused"
    client.post(f"/marketing/campaigns/{campaign.pk}/cancel")
    assert Campaign.objects.get().status == "cancelled"


def test_an_agent_sees_no_campaigns_and_a_manager_cannot_write(
    agent: Any, manager: Any, marketer: Any
) -> None:
    campaign = new_campaign(marketer, segment_of(consenting("Ana", "ana@exemplo.com.br")))
    assert client_for(agent).get("/marketing/").status_code == 403
    assert client_for(agent).get(f"/marketing/campaigns/{campaign.pk}/").status_code == 403
    rm = client_for(manager)
    assert rm.get(f"/marketing/campaigns/{campaign.pk}/").status_code == 200
    assert rm.get("/marketing/campaigns/new").status_code == 403
    assert rm.post(f"/marketing/campaigns/{campaign.pk}/confirm").status_code == 403
    assert rm.post(f"/marketing/campaigns/{campaign.pk}/send").status_code == 403
    assert rm.post(f"/marketing/campaigns/{campaign.pk}/pause").status_code == 403
    assert Campaign.objects.get().status == "draft"
