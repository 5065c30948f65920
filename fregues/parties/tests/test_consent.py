"""The consent ledger: grants and withdrawals are rows, the current state is the latest one,
the lawful basis decides when nothing was recorded, and every sender asks the same check."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from fregues.parties.models import ConsentRecord
from fregues.parties.selectors import consent_state
from fregues.parties.services import consent_allows, consent_record
from fregues.parties.tests.factories import PartyFactory

pytestmark = pytest.mark.django_db


def state(party: Any, purpose: str, channel: str = "") -> Any:
    return next(
        s for s in consent_state(party_id=party.pk) if s.purpose == purpose and s.channel == channel
    )


def test_nothing_recorded_means_no_for_consent_and_yes_for_a_contract() -> None:
    party = PartyFactory()
    assert state(party, "marketing_email").granted is False
    assert state(party, "marketing_email").recorded is False
    assert state(party, "service_notices").granted is True  # contract: allowed until objected
    assert not consent_allows(party_id=party.pk, purpose="marketing_email", channel="email")
    assert consent_allows(party_id=party.pk, purpose="service_notices", channel="sms")
    assert not consent_allows(party_id=party.pk, purpose="no_such_purpose")
    assert consent_allows(party_id=party.pk, purpose="no_such_purpose", if_unknown=True)


def test_the_latest_record_decides_and_nothing_is_overwritten(agent: Any) -> None:
    party = PartyFactory()
    earlier = timezone.now() - datetime.timedelta(days=3)
    consent_record(
        actor=agent,
        party_id=party.pk,
        purpose="marketing_email",
        granted=True,
        source="form",
        text_version="2026-11",
        occurred_at=earlier,
    )
    assert consent_allows(party_id=party.pk, purpose="marketing_email", channel="email")
    consent_record(
        actor=agent, party_id=party.pk, purpose="marketing_email", granted=False, source="agent"
    )
    assert not consent_allows(party_id=party.pk, purpose="marketing_email", channel="email")
    assert ConsentRecord.objects.filter(party=party).count() == 2
    assert state(party, "marketing_email").source == "agent"


def test_a_channel_of_its_own(agent: Any) -> None:
    party = PartyFactory()
    consent_record(
        actor=agent, party_id=party.pk, purpose="marketing_messages", granted=True, source="portal"
    )
    consent_record(
        actor=agent,
        party_id=party.pk,
        purpose="marketing_messages",
        channel="sms",
        granted=False,
        source="portal",
    )
    assert consent_allows(party_id=party.pk, purpose="marketing_messages", channel="whatsapp")
    assert not consent_allows(party_id=party.pk, purpose="marketing_messages", channel="sms")
    assert state(party, "marketing_messages", "sms").granted is False


def test_api_records_and_reads_the_ledger(api: Any, unchanged: Any) -> None:
    party = PartyFactory()
    body = {
        "purpose": "marketing_email",
        "granted": True,
        "external_id": "form-1",
        "source": "form",
    }
    first = api.post(f"/parties/{party.pk}/consents", body)
    assert first.status_code == 201, first.json()
    again = api.post(f"/parties/{party.pk}/consents", body)
    assert again.json()["id"] == first.json()["id"]  # a retry lands once
    read = api.get(f"/parties/{party.pk}/consents").json()
    email = next(s for s in read["state"] if s["purpose"] == "marketing_email")
    assert email["granted"] is True and email["source"] == "form"
    assert len(read["history"]) == 1
    with unchanged():
        bad = api.post(
            f"/parties/{party.pk}/consents",
            {
                "purpose": "marketing_email",
                "granted": True,
                "channel": "fax",
                "source": "telepathy",
            },
        )
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"channel", "source"}
    purposes = api.get("/consent-purposes").json()
    assert {"marketing_email", "service_notices"} <= {p["code"] for p in purposes}


def test_quality_may_read_but_not_record(api_as: Any, unchanged: Any) -> None:
    party = PartyFactory()
    quality = api_as("quality_manager")
    assert quality.get(f"/parties/{party.pk}/consents").status_code == 200
    with unchanged():
        refused = quality.post(
            f"/parties/{party.pk}/consents", {"purpose": "profiling", "granted": True}
        )
    assert refused.status_code == 403


def test_the_card_grants_and_withdraws(client: Any, agent: Any) -> None:
    party = PartyFactory()
    client.force_login(agent)
    page = client.get(f"/customers/{party.pk}/")
    assert b'hx-get="/customers/%d/consents/"' % party.pk in page.content
    card = client.get(f"/customers/{party.pk}/consents/")
    assert card.status_code == 200 and "Ofertas por e-mail" in card.content.decode()
    client.post(
        f"/customers/{party.pk}/consents/record/",
        {"purpose": "marketing_email", "channel": "", "granted": "1"},
    )
    assert consent_allows(party_id=party.pk, purpose="marketing_email", channel="email")
    record = ConsentRecord.objects.get(party=party)
    assert record.source == "agent" and record.actor == agent
    refused = client.post(
        f"/customers/{party.pk}/consents/record/",
        {"purpose": "marketing_email", "channel": "fax", "granted": "0"},
    )
    assert refused.status_code == 422 and "fax" in refused.content.decode()
