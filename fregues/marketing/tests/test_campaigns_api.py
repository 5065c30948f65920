"""/api/v1/campaigns: the marketer's whole round (create, test, send, report, recipients),
the house error shape, permissions, and pinned query counts."""

from __future__ import annotations

from typing import Any

import pytest

from fregues.marketing.models import Campaign, CampaignRecipient
from fregues.parties.models import Suppression

from . import campaign_support as support
from .campaign_support import TEXTS, Sink, consenting, segment_of

pytestmark = pytest.mark.django_db

smtp = support.smtp
customer = support.customer
open_case = support.open_case


def body(segment_id: int, **extra: Any) -> dict[str, Any]:
    return {"name": "Ofertas", "segment_id": segment_id, "messages": TEXTS, **extra}


def test_the_marketer_creates_tests_sends_and_reads_the_report(
    marketing_api: Any, smtp: Sink, open_case: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ana = consenting("Ana", "ana@exemplo.com.br")
    bruno = consenting("Bruno", "bruno@exemplo.com.br")
    open_case(party=bruno)
    segment = segment_of(ana, bruno)

    created = marketing_api.post("/campaigns", body(segment.pk))
    assert created.status_code == 201, created.json()
    campaign = created.json()
    assert campaign["status"] == "draft" and campaign["purpose"] == "marketing_email"
    assert [m["language"] for m in campaign["messages"]] == ["en", "pt-br", "pt-pt"]

    tested = marketing_api.post(f"/campaigns/{campaign['id']}/test", {"to": "eu@empresa.com"})
    assert tested.status_code == 200 and smtp.messages[0]["Subject"].startswith("[TEST] ")

    with django_capture_on_commit_callbacks(execute=True):
        sent = marketing_api.post(f"/campaigns/{campaign['id']}/send", {})
    assert sent.status_code == 200, sent.json()
    assert marketing_api.get(f"/campaigns/{campaign['id']}").json()["status"] == "sent"
    assert len(smtp.messages) == 2  # the test and Ana's

    report = marketing_api.get(f"/campaigns/{campaign['id']}/report").json()
    assert (report["targeted"], report["sent"], report["skipped"]) == (2, 1, 1)
    assert report["skipped_by_reason"][0]["code"] == "open_complaint"
    skipped = marketing_api.get(
        f"/campaigns/{campaign['id']}/recipients", {"reason": "open_complaint"}
    ).json()
    assert skipped["total"] == 1 and skipped["items"][0]["party_id"] == bruno.pk
    assert skipped["items"][0]["skip_detail"]  # the case protocol

    message_id = smtp.messages[1]["Message-ID"]
    bounced = marketing_api.post("/campaigns/bounces", {"message_id": message_id})
    assert bounced.status_code == 200 and bounced.json()["status"] == "bounced"
    assert Suppression.objects.get().reason == "hard_bounce"
    unknown = marketing_api.post("/campaigns/bounces", {"message_id": "<nope@x>"})
    assert unknown.status_code == 404


def test_a_template_outside_the_safe_vocabulary_is_a_422_on_the_field(
    marketing_api: Any, unchanged: Any
) -> None:
    segment = segment_of(consenting("Ana", "ana@exemplo.com.br"))
    bad = [
        {"language": "pt-br", "subject": "Oi", "body": "{% load static %}{% static 'x' %}"},
    ]
    with unchanged():
        answer = marketing_api.post("/campaigns", body(segment.pk, messages=bad))
    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid"
    assert "messages.0.body" in answer.json()["errors"]
    for text, field in (
        ("{% if first_name %}sem fim", "messages.0.body"),
        ("{{ settings.SECRET_KEY }}", "messages.0.body"),
        ("{% include 'base.html' %}", "messages.0.body"),
        ("{{ first_name|safe }}", "messages.0.body"),
    ):
        message = [{"language": "pt-br", "subject": "Oi", "body": text}]
        answer = marketing_api.post("/campaigns", body(segment.pk, messages=message))
        assert answer.status_code == 422 and field in answer.json()["errors"], text
    no_subject = [{"language": "pt-br", "subject": "", "body": "Oi"}]
    answer = marketing_api.post("/campaigns", body(segment.pk, messages=no_subject))
    assert "messages.0.subject" in answer.json()["errors"]
    sms_purpose = marketing_api.post("/campaigns", body(segment.pk, purpose="marketing_messages"))
    assert "purpose" in sms_purpose.json()["errors"]
    assert not Campaign.objects.exists()


def test_edits_carry_the_version_and_a_started_campaign_is_frozen(
    marketing_api: Any, marketer: Any
) -> None:
    segment = segment_of(consenting("Ana", "ana@exemplo.com.br"))
    created = marketing_api.post("/campaigns", body(segment.pk)).json()
    changed = marketing_api.patch(
        f"/campaigns/{created['id']}", {"name": "Ofertas de inverno", "version": 1}
    )
    assert changed.status_code == 200 and changed.json()["version"] == 2
    stale = marketing_api.patch(f"/campaigns/{created['id']}", {"name": "X", "version": 1})
    assert stale.status_code == 409 and stale.json()["code"] == "version_conflict"
    Campaign.objects.filter(pk=created["id"]).update(status="sending")
    frozen = marketing_api.patch(f"/campaigns/{created['id']}", {"name": "Y"})
    assert frozen.status_code == 409
    paused = marketing_api.post(f"/campaigns/{created['id']}/pause")
    assert paused.json()["status"] == "paused"
    CampaignRecipient.objects.create(
        campaign_id=created["id"], party_id=segment.rules["party_ids"][0], status="sending"
    )
    resumed = marketing_api.post(f"/campaigns/{created['id']}/resume")
    assert resumed.status_code == 200
    left = CampaignRecipient.objects.get()
    assert (left.status, left.error) == ("failed", "interrupted: delivery unknown")
    cancelled = marketing_api.post(f"/campaigns/{created['id']}/cancel")
    assert cancelled.json()["status"] == "cancelled"
    assert marketing_api.post(f"/campaigns/{created['id']}/cancel").status_code == 409
    assert marketing_api.get("/campaigns/999999").status_code == 404


def test_who_may_do_what(api_as: Any) -> None:
    segment = segment_of(consenting("Ana", "ana@exemplo.com.br"))
    marketing = api_as("marketing")
    campaign = marketing.post("/campaigns", body(segment.pk)).json()
    agent = api_as("agent")
    assert agent.get("/campaigns").status_code == 403
    assert agent.get(f"/campaigns/{campaign['id']}/report").status_code == 403
    manager = api_as("relationship_manager")
    assert manager.get("/campaigns").status_code == 200
    assert manager.get(f"/campaigns/{campaign['id']}/report").status_code == 200
    assert manager.post("/campaigns", body(segment.pk)).status_code == 403
    assert manager.post(f"/campaigns/{campaign['id']}/send", {}).status_code == 403
    assert manager.post("/campaigns/bounces", {"recipient_id": 1}).status_code == 403
    assert api_as("sales").get("/campaigns").status_code == 403


def test_query_counts_do_not_grow_with_campaigns_or_recipients(
    marketing_api: Any, marketer: Any, django_assert_max_num_queries: Any
) -> None:
    from fregues.marketing.services.campaign_planning import campaign_plan

    people = [consenting(f"P{i}", f"p{i}@exemplo.com.br") for i in range(6)]
    segment = segment_of(*people)
    ids = [marketing_api.post("/campaigns", body(segment.pk)).json()["id"] for _ in range(4)]
    for campaign_id in ids:
        campaign_plan(actor=marketer, campaign_id=campaign_id)
    # auth (token, user) + count + page
    with django_assert_max_num_queries(5):
        listed = marketing_api.get("/campaigns")
    assert listed.json()["total"] == 4 and listed.json()["items"][0]["targeted"] == 6
    with django_assert_max_num_queries(5):
        report = marketing_api.get(f"/campaigns/{ids[0]}/report")
    assert report.json()["targeted"] == 6
    with django_assert_max_num_queries(6):
        page = marketing_api.get(f"/campaigns/{ids[0]}/recipients", {"limit": 4})
    assert page.json()["total"] == 6 and len(page.json()["items"]) == 4


def test_the_openapi_lists_the_campaign_endpoints(marketing_api: Any) -> None:
    paths = marketing_api.get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/campaigns",
        "/api/v1/campaigns/bounces",
        "/api/v1/campaigns/{campaign_id}",
        "/api/v1/campaigns/{campaign_id}/send",
        "/api/v1/campaigns/{campaign_id}/test",
        "/api/v1/campaigns/{campaign_id}/report",
        "/api/v1/campaigns/{campaign_id}/recipients",
        "/api/v1/campaigns/{campaign_id}/pause",
    ):
        assert path in paths, path
