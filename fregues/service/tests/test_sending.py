"""The one check every sender makes: consent, suppression, open complaint, frequency cap."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone, translation

from fregues.interactions.tests.factories import InteractionFactory
from fregues.parties.models import Party
from fregues.parties.services import consent_record, party_merge, suppression_add, suppression_lift
from fregues.service.models import SendingPolicy
from fregues.service.services.notices import notice_route
from fregues.service.services.sending import (
    MARKETING_REGARDING,
    reason_label,
    send_verdict,
    send_verdicts,
)

from .conftest import make_customer


def grant(party: Party, purpose: str = "marketing_email", granted: bool = True, **kw: Any) -> None:
    consent_record(
        actor=None, party_id=party.pk, purpose=purpose, granted=granted, source="api", **kw
    )


def verdict(party: Party, channel: str = "email", **kw: Any) -> Any:
    return send_verdict(
        party_id=party.pk,
        purpose=kw.pop("purpose", "marketing_email"),
        channel=channel,
        marketing=kw.pop("marketing", True),
        **kw,
    )


@pytest.mark.django_db
def test_marketing_needs_a_grant_and_a_withdrawal_is_said_apart(customer: Party) -> None:
    assert verdict(customer).reason == "no_consent"
    grant(customer)
    allowed = verdict(customer)
    assert allowed.allowed and allowed.address == "ana.souza@exemplo.com.br"
    grant(customer, granted=False)
    assert verdict(customer).reason == "consent_withdrawn"
    with translation.override("en"):
        assert reason_label("consent_withdrawn") == "Consent withdrawn"


@pytest.mark.django_db
def test_an_open_case_holds_marketing_back_but_not_notices(customer: Party, open_case: Any) -> None:
    grant(customer)
    case = open_case(party=customer)
    held = verdict(customer)
    assert held.reason == "open_complaint" and held.detail == case.protocol
    # the notice about that very case still goes out
    assert notice_route(customer) is not None
    policy = SendingPolicy.current()
    policy.complaint_rule_enabled = False
    policy.save()
    assert verdict(customer).allowed


@pytest.mark.django_db
def test_the_policy_narrows_which_cases_count(
    customer: Party, open_case: Any, licence: Any
) -> None:
    grant(customer)
    open_case(party=customer, priority="low")
    policy = SendingPolicy.current()
    policy.complaint_priorities = ["high", "urgent"]
    policy.save()
    assert verdict(customer).allowed
    policy.complaint_priorities = []
    policy.save()
    policy.complaint_case_types.set([licence])
    assert verdict(customer).allowed  # a technical-assistance case is not a licence request


@pytest.mark.django_db
def test_suppression_list_hard_bounce_stops_everything_unsubscribe_only_marketing(
    customer: Party,
) -> None:
    grant(customer)
    entry = suppression_add(
        actor=None, kind="email", address="Ana.Souza@Exemplo.com.br", reason="unsubscribe"
    )
    assert entry.party_id == customer.pk  # found from the address
    assert verdict(customer).reason == "suppressed_unsubscribe"
    notice = verdict(customer, purpose="service_notices", marketing=False, if_unknown=True)
    assert notice.allowed
    again = suppression_add(
        actor=None, kind="email", address="ana.souza@exemplo.com.br", reason="unsubscribe"
    )
    assert again.pk == entry.pk
    suppression_lift(actor=None, suppression_id=entry.pk)
    assert verdict(customer).allowed
    suppression_add(
        actor=None, kind="email", address="ana.souza@exemplo.com.br", reason="hard_bounce"
    )
    assert verdict(customer).reason == "suppressed_hard_bounce"
    assert verdict(customer, purpose="service_notices", marketing=False).reason == (
        "suppressed_hard_bounce"
    )
    # notices fall back to the customer's phone
    route = notice_route(customer)
    assert route is not None and route[0] == "sms"


@pytest.mark.django_db
def test_frequency_cap_counts_marketing_messages_of_the_last_days(customer: Party) -> None:
    grant(customer)
    policy = SendingPolicy.current()
    policy.frequency_cap_count, policy.frequency_cap_days = 2, 7
    policy.save()
    now = timezone.now()
    for days in (1, 3, 10):
        InteractionFactory(
            party=customer,
            direction="out",
            channel="email",
            regarding_type=MARKETING_REGARDING,
            regarding_id=1,
            occurred_at=now - datetime.timedelta(days=days),
        )
    assert verdict(customer).reason == "frequency_cap"
    policy.frequency_cap_count = 3
    policy.save()
    assert verdict(customer).allowed


@pytest.mark.django_db
def test_no_address_merged_and_channel_rules(customer: Party) -> None:
    nobody = make_customer(given="Rui", email=None, phone=None)
    grant(nobody)
    assert verdict(nobody).reason == "no_address"
    grant(customer, purpose="marketing_messages", channel="sms")
    assert (
        verdict(customer, channel="sms", purpose="marketing_messages").address == "+5511987654321"
    )
    assert (
        verdict(customer, channel="whatsapp", purpose="marketing_messages").reason == "no_consent"
    )
    other = make_customer(given="Ana", email="ana2@exemplo.com.br", phone=None)
    party_merge(actor=None, survivor_id=customer.pk, merged_id=other.pk)
    assert verdict(other).reason == "merged"


@pytest.mark.django_db
def test_many_customers_are_answered_with_a_fixed_number_of_queries(
    django_assert_max_num_queries: Any, open_case: Any
) -> None:
    parties = [
        make_customer(given=f"C{i}", email=f"c{i}@exemplo.com.br", phone=None) for i in range(30)
    ]
    for party in parties[:20]:
        grant(party)
    open_case(party=parties[0])
    suppression_add(actor=None, kind="email", address="c1@exemplo.com.br", reason="complaint")
    SendingPolicy.current()  # (created on first use)
    with django_assert_max_num_queries(9):
        verdicts = send_verdicts(
            party_ids=[p.pk for p in parties],
            purpose="marketing_email",
            channel="email",
            marketing=True,
        )
    reasons = [verdicts[p.pk].reason for p in parties]
    assert reasons[0] == "open_complaint" and reasons[1] == "suppressed_complaint"
    assert reasons[2:20] == [""] * 18 and reasons[20:] == ["no_consent"] * 10
