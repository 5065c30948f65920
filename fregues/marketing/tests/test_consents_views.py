"""The marketer's screens: the suppression list and the sending rules; the customer page's
"Marketing reach" and "Next best offer" panels."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from fregues.parties.models import Suppression
from fregues.parties.services import consent_record, suppression_add
from fregues.parties.tests.factories import ContactPointFactory, PartyFactory
from fregues.sales.tests.factories import OrderFactory, ProductFactory, add_lines
from fregues.service.models import SendingPolicy
from fregues.service.services import case_open

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english(settings: Any) -> Iterator[None]:
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def client_of(user: Any) -> Client:
    user.language = "en"
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client


def test_the_suppression_list_adds_filters_and_lifts(marketer: Any) -> None:
    client = client_of(marketer)
    url = reverse("marketing:suppressions")
    page = client.get(url)
    assert page.status_code == 200 and "No address is suppressed." in page.content.decode()
    added = client.post(
        url, {"kind": "email", "address": "Spam.Me@Example.com", "reason": "manual", "note": "x"}
    )
    assert added.status_code == 302
    entry = Suppression.objects.get()
    assert entry.address == "spam.me@example.com" and entry.source == "staff"
    suppression_add(actor=None, kind="email", address="gone@example.com", reason="hard_bounce")
    listed = client.get(url).content.decode()
    assert "spam.me@example.com" in listed and "gone@example.com" in listed
    only_bounces = client.get(url, {"reason": "hard_bounce"}).content.decode()
    assert "gone@example.com" in only_bounces and "spam.me@example.com" not in only_bounces
    lifted = client.post(reverse("marketing:suppression_lift", args=[entry.pk]))
    assert lifted.status_code == 302
    entry.refresh_from_db()
    assert entry.lifted_at is not None
    row = '<span class="mono">spam.me@example.com</span>'
    assert row not in client.get(url).content.decode()
    assert row in client.get(url, {"lifted": "1"}).content.decode()


def test_a_bad_address_comes_back_in_the_form(marketer: Any) -> None:
    client = client_of(marketer)
    response = client.post(
        reverse("marketing:suppressions"), {"kind": "email", "address": "nope", "reason": "manual"}
    )
    assert response.status_code == 422 and Suppression.objects.count() == 0
    assert 'id="suppression-form"' in response.content.decode()


def test_an_agent_sees_the_list_but_may_not_add(agent: Any) -> None:
    client = client_of(agent)
    page = client.get(reverse("marketing:suppressions"))
    assert page.status_code == 200 and 'id="suppression-form"' not in page.content.decode()
    refused = client.post(reverse("marketing:suppressions"), {"address": "a@b.com"})
    assert refused.status_code == 403 and Suppression.objects.count() == 0


def test_the_sending_rules_screen_saves_and_refuses_a_stale_version(marketer: Any) -> None:
    client = client_of(marketer)
    url = reverse("marketing:policy")
    page = client.get(url).content.decode()
    assert 'name="frequency_cap_count"' in page and "technical-assistance" in page
    version = SendingPolicy.current().version
    data = {
        "complaint_rule_enabled": "on",
        "complaint_case_types": ["technical-assistance"],
        "complaint_priorities": ["high"],
        "frequency_cap_count": "2",
        "frequency_cap_days": "10",
        "version": str(version),
    }
    assert client.post(url, data).status_code == 302
    policy = SendingPolicy.current()
    assert (policy.frequency_cap_count, policy.frequency_cap_days) == (2, 10)
    assert list(policy.complaint_case_types.values_list("code", flat=True)) == [
        "technical-assistance"
    ]
    stale = client.post(url, {**data, "frequency_cap_count": "7"})
    assert stale.status_code == 409 and "Someone else changed" in stale.content.decode()
    assert SendingPolicy.current().frequency_cap_count == 2
    bad = client.post(url, {**data, "version": str(policy.version), "frequency_cap_days": "999"})
    assert bad.status_code == 422 and SendingPolicy.current().frequency_cap_days == 10


def test_only_marketing_and_admins_open_the_sending_rules(agent: Any) -> None:
    assert client_of(agent).get(reverse("marketing:policy")).status_code == 403


def test_the_customer_page_says_why_the_customer_gets_nothing_and_what_to_offer(
    marketer: Any, agent: Any
) -> None:
    ana = PartyFactory(name="Ana Souza")
    ContactPointFactory(party=ana, kind="email", value="ana@exemplo.com.br")
    consent_record(
        actor=None, party_id=ana.pk, purpose="marketing_email", granted=True, source="form"
    )
    opened = case_open(
        actor=agent,
        party_id=ana.pk,
        case_type="technical-assistance",
        subject="Forno não aquece",
        force_new=True,
        notify=False,
    )
    oven, mixer = ProductFactory(name="Forno"), ProductFactory(name="Batedeira")
    add_lines(OrderFactory(party=ana), [(oven, 1, 100)])
    add_lines(OrderFactory(party=PartyFactory()), [(oven, 1, 100), (mixer, 1, 100)])
    client = client_of(marketer)
    page = client.get(reverse("parties:detail", args=[ana.pk])).content.decode()
    reach_url = reverse("marketing:party_reach", args=[ana.pk])
    offers_url = reverse("marketing:party_offers", args=[ana.pk])
    assert f'hx-get="{reach_url}"' in page and f'hx-get="{offers_url}"' in page
    reach = client.get(reach_url).content.decode()
    assert 'id="party-reach"' in reach
    assert f"Open complaint — case {opened.case.protocol}" in reach
    assert "No consent for this purpose" in reach  # SMS was never granted
    offers = client.get(offers_url).content.decode()
    assert 'id="party-offers"' in offers and "Batedeira" in offers
    assert client.get(reverse("marketing:party_offers", args=[999999])).status_code == 404


def test_a_customer_with_nothing_to_offer_gets_no_offers_panel(agent: Any) -> None:
    ze = PartyFactory(name="Zé")
    response = client_of(agent).get(reverse("marketing:party_offers", args=[ze.pk]))
    assert response.status_code == 200 and response.content == b""
