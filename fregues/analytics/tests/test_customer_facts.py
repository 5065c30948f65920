"""The customer facts: every dimension and measure of a hand-computed customer, live parties
only, and the incremental refresh touching only the customers whose records changed."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from fregues.analytics.facts_customers import customer_facts_refresh
from fregues.analytics.models import CustomerFact
from fregues.analytics.refresh import RefreshWindow
from fregues.parties.tests.factories import OrganizationFactory, PartyFactory

from .value_data import TODAY, ana, costs, order

pytestmark = pytest.mark.django_db
D = Decimal


def full(now: datetime.datetime | None = None) -> int:
    return customer_facts_refresh(RefreshWindow(None, now or timezone.now(), TODAY))


def test_every_figure_of_a_hand_computed_customer() -> None:
    costs()
    party = ana()
    full()
    fact = CustomerFact.objects.get(party=party)
    assert (fact.kind, fact.age_band, fact.region, fact.country) == ("person", "35-44", "SP", "BR")
    assert fact.first_channel == "phone"
    assert fact.cohort_month == datetime.date(2026, 1, 1)
    assert fact.created_month == timezone.now().date().replace(day=1)
    assert fact.orders_count == 2
    assert fact.first_order_at == datetime.datetime(2026, 1, 10, 12, tzinfo=datetime.UTC)
    assert fact.last_order_at == datetime.datetime(2026, 3, 5, 12, tzinfo=datetime.UTC)
    assert fact.revenue == D("400.00")  # 100 + 50 EUR × 6
    assert fact.cost_of_goods == D("180.00")  # 2 × 30 + 20 EUR × 6
    assert fact.cost_known is False  # one EUR line had no cost
    assert fact.contacts_count == 4
    assert fact.last_contact_at == datetime.datetime(2026, 5, 1, 12, tzinfo=datetime.UTC)
    assert fact.contacts_cost == D("10.50")  # 5 + 3 + 0.50 USD × 5 + 0 (chat)
    assert (fact.cases_count, fact.open_cases, fact.complaints_count) == (2, 1, 1)
    assert fact.handling_minutes == 25  # 15 logged + 10 by default
    assert fact.cases_cost == D("20.00")  # 15/60 × 60 + 10/60 × 30
    assert fact.csat_avg == 4.0
    assert fact.cost_to_serve == D("30.50")
    assert fact.profit == D("189.50")  # 400 − 180 − 30.50


def test_cost_known_from_lines_or_the_orders_cost_and_rates_before_the_first() -> None:
    party = PartyFactory(birth_date=None)
    # every line costed: 3 × 10 = 30; no lines but cost_total 12 → known; rate before the
    # first on file: EUR 20 net on 1 Jan 2025 at the earliest rate (4) = 80
    from fregues.analytics.models import ExchangeRate

    ExchangeRate.objects.create(currency="EUR", rate=D("4"), valid_from=datetime.date(2026, 1, 1))
    order(party, timezone.now(), "50", lines=[("3", "10")])
    order(party, timezone.now(), "20", currency="EUR", cost_total="12")
    order(
        party,
        datetime.datetime(2025, 1, 1, 12, tzinfo=datetime.UTC),
        "20",
        currency="EUR",
        cost_total="0",
    )
    full()
    fact = CustomerFact.objects.get(party=party)
    assert fact.revenue == D("210.00")  # 50 + 20 × 4 + 20 × 4
    assert fact.cost_of_goods == D("78.00")  # 30 + 12 × 4 + 0
    assert fact.cost_known is True
    assert fact.age_band == ""


def test_only_live_parties_have_a_row_and_blank_ones_have_zeros() -> None:
    survivor = PartyFactory()
    PartyFactory(merged_into=survivor, merged_at=timezone.now())
    PartyFactory(anonymised_at=timezone.now())
    org = OrganizationFactory(country="PT")
    full()
    assert set(CustomerFact.objects.values_list("party_id", flat=True)) == {survivor.pk, org.pk}
    fact = CustomerFact.objects.get(party=org)
    assert (fact.kind, fact.age_band, fact.region, fact.country) == ("organization", "", "", "PT")
    assert (fact.orders_count, fact.revenue, fact.profit, fact.first_channel) == (0, 0, 0, "")
    assert fact.cohort_month is None and fact.csat_avg is None


def test_incremental_refresh_touches_only_what_changed() -> None:
    costs()
    a = ana()
    other = PartyFactory()
    order(other, datetime.datetime(2026, 2, 1, tzinfo=datetime.UTC), "10")
    t1 = timezone.now()
    full(t1)
    before_other = CustomerFact.objects.get(party=other).refreshed_at
    # one order of Ana's changes: only her row is rewritten
    o1 = a.orders.get(currency="BRL", status="confirmed")
    o1.total, o1.tax_total = D("210"), D("10")  # net 100 → 200
    o1.save()
    t2 = timezone.now()
    written = customer_facts_refresh(RefreshWindow(t1, t2, TODAY))
    assert written == 1
    fact = CustomerFact.objects.get(party=a)
    assert fact.revenue == D("500.00") and fact.refreshed_at == t2
    assert fact.profit == D("289.50")
    assert CustomerFact.objects.get(party=other).refreshed_at == before_other
    # the other party is merged into Ana: its row goes, hers is refreshed
    other.merged_into, other.merged_at = a, timezone.now()
    other.save()
    customer_facts_refresh(RefreshWindow(t2, timezone.now(), TODAY))
    assert not CustomerFact.objects.filter(party=other).exists()
    assert CustomerFact.objects.filter(party=a).exists()
    # a second run over the same window changes nothing it would not rewrite the same way
    assert CustomerFact.objects.count() == 1
