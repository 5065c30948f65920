"""The ``value`` refresher on a small hand-computed base: the purchase summary (repeat days,
weeks, repeat value in the reporting currency), the scores written with a known fit, churn
risk with its reasons, the reset of customers who no longer qualify, and a full refit."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from fregues.analytics import clv
from fregues.analytics.models import CustomerFact, ExchangeRate, ValueModelFit
from fregues.analytics.refresh import RefreshWindow
from fregues.analytics.value_refresh import purchase_summary, value_refresh
from fregues.interactions.tests.factories import InteractionFactory
from fregues.parties.tests.factories import PartyFactory
from fregues.sales.tests.factories import OrderFactory
from fregues.service.models import SatisfactionSurvey, SendingPolicy
from fregues.service.tests.factories_cases import CaseFactory, case_type

pytestmark = pytest.mark.django_db

PAPER = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PAPER_GG = {"p": 6.25, "q": 3.74, "v": 15.44}


def days_ago(days: int) -> datetime.datetime:
    """Noon, local time, ``days`` days before today (day counts stay exact whatever the hour)."""
    day = timezone.localdate() - datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime(day.year, day.month, day.day, 12))


def order(party: Any, days: int, net: str, *, tax: str = "0", **fields: Any) -> Any:
    total = Decimal(net) + Decimal(tax)
    return OrderFactory(
        party=party, ordered_at=days_ago(days), total=total, tax_total=Decimal(tax), **fields
    )


def fact(party: Any, **fields: Any) -> CustomerFact:
    return CustomerFact.objects.create(party=party, refreshed_at=timezone.now(), **fields)


@pytest.fixture
def base() -> dict[str, Any]:
    """A: three order days (181, 139 and 69 days ago; two orders on the middle one), an open
    complaint and an old unresolved case. B: one order 30 days ago, lifecycle inactive.
    C: only a cancelled order (and old scores to clear). D: two USD orders (122 and 108 days
    ago) at 5 BRL per USD and a satisfaction that fell from 5 to 2."""
    a, b, c, d = (PartyFactory() for _ in range(4))
    order(a, 181, "100")
    order(a, 139, "40")
    order(a, 139, "20")
    order(a, 69, "90")
    order(b, 30, "50", tax="10")
    order(c, 20, "70", status="cancelled")
    ExchangeRate.objects.create(
        currency="USD", rate=Decimal("5"), valid_from=datetime.date(2000, 1, 1)
    )
    order(d, 122, "20", currency="USD")
    order(d, 108, "30", currency="USD")
    b.lifecycle_stage = "inactive"
    b.save()
    for party in (a, b, d):
        fact(party)
    fact(c, clv=Decimal("5"), p_alive=0.5, churn_risk=0.9, churn_reasons=[{"code": "x"}])

    complaints = case_type("licence-request")  # the policy says which types are complaints
    policy = SendingPolicy.current()
    policy.complaint_case_types.add(complaints)
    CaseFactory(party=a, case_type=complaints)
    old = CaseFactory(party=a)
    CaseFactory._meta.model.objects.filter(pk=old.pk).update(created_at=days_ago(10))
    for score, days in ((5, 60), (2, 5)):
        case = CaseFactory(party=d, is_open=False)
        SatisfactionSurvey.objects.create(
            case=case, sent_at=days_ago(days), answered_at=days_ago(days), score=score
        )
    return {"a": a, "b": b, "c": c, "d": d}


def window(*, full: bool = False) -> RefreshWindow:
    until = timezone.now() + datetime.timedelta(seconds=1)
    since = None if full else until - datetime.timedelta(hours=1)
    return RefreshWindow(since=since, until=until, today=timezone.localdate(until))


def test_purchase_summary_counts_order_days_in_weeks_and_the_reporting_currency(base: dict) -> None:
    summary = purchase_summary(window().until, None)
    rows = {
        int(pid): (x, round(t_x, 4), round(T, 4), m)
        for pid, x, t_x, T, m in zip(
            summary.party_id, summary.x, summary.t_x, summary.T, summary.mean_value, strict=True
        )
    }
    a, b, c, d = (base[k].pk for k in "abcd")
    assert c not in rows  # cancelled orders do not count
    # A: 3 order days → x = 2; t_x = 181 − 69 = 112 days = 16 weeks; T = 181 / 7 = 25.8571;
    #    repeat days worth 40 + 20 = 60 and 90 → mean 75
    assert rows[a] == (2.0, 16.0, 25.8571, 75.0)
    # B: one day → x = 0, t_x = 0, T = 30 / 7 = 4.2857, no repeat value
    assert rows[b][:3] == (0.0, 0.0, 4.2857)
    # D: x = 1, t_x = 14 days = 2 weeks, T = 122 / 7 = 17.4286; repeat 30 USD × 5 = 150 BRL
    assert rows[d] == (1.0, 2.0, 17.4286, 150.0)


def test_scores_and_churn_with_a_known_fit(base: dict) -> None:
    ValueModelFit.objects.create(
        fitted_at=timezone.now(), parameters={"bgnbd": PAPER, "gamma_gamma": PAPER_GG}
    )
    written = value_refresh(window())
    assert written == 3
    facts = {f.party_id: f for f in CustomerFact.objects.all()}
    a, b, c, d = (facts[base[k].pk] for k in "abcd")

    # P(alive) = 1 / (1 + a/(b+x−1) · ((α+T)/(α+t_x))^(r+x))
    # A: 1 / (1 + 0.793/3.426 · (30.2711/20.414)^2.243) = 1 / (1 + 0.231465 · 2.41978) = 0.64099
    assert a.p_alive == pytest.approx(0.64099, abs=1e-4)
    # D: 1 / (1 + 0.793/2.426 · (21.8426/6.414)^1.243) = 1 / (1 + 0.326875 · 4.58704) = 0.40012
    assert d.p_alive == pytest.approx(0.40012, abs=1e-4)
    assert b.p_alive == 1.0  # no repeat purchase yet
    # CLV from the same inputs; E[M] of A = 6.25 (15.44 + 2·75) / (12.5 + 2.74) = 67.848
    expected = clv.customer_lifetime_value(
        clv.BgNbdParams(**PAPER), clv.GammaGammaParams(**PAPER_GG), [2], [16], [181 / 7], [75]
    )[0]
    assert float(a.clv) == pytest.approx(expected, abs=0.01)
    assert a.expected_orders_year == pytest.approx(
        clv.bgnbd_expected_purchases(
            clv.BgNbdParams(**PAPER), clv.WEEKS_PER_YEAR, [2], [16], [181 / 7]
        )[0],
        abs=1e-4,
    )

    # A: 1 − 0.64099 · (1 − 0.30 open complaint) · (1 − 0.15 unresolved) = 0.61861
    assert a.churn_risk == pytest.approx(0.61861, abs=1e-4)
    assert [r["code"] for r in a.churn_reasons] == ["dropout", "open_complaint", "unresolved_cases"]
    assert a.churn_reasons[2]["cases"] == 1 and a.churn_reasons[2]["oldest_days"] == 10
    # B: P(alive) 1, inactive → 1 − 1 · 0.70 = 0.30
    assert b.churn_risk == pytest.approx(0.30)
    assert b.churn_reasons == [{"code": "inactive", "weight": 0.3}]
    # D: 1 − 0.40012 · (1 − 0.25 overdue: 108 days > 3 × 14) · (1 − 0.20 CSAT 5 → 2) = 0.75993
    assert d.churn_risk == pytest.approx(0.75993, abs=1e-4)
    assert [r["code"] for r in d.churn_reasons] == ["dropout", "overdue", "satisfaction_falling"]
    assert d.churn_reasons[1] == {"code": "overdue", "weight": 0.25, "days": 108, "usual_days": 14}
    assert d.churn_reasons[2] == {
        "code": "satisfaction_falling",
        "weight": 0.2,
        "last": 2,
        "before": 5.0,
    }
    # C: only a cancelled order → no scores left
    assert (c.clv, c.p_alive, c.churn_risk, c.churn_reasons) == (None, None, None, [])


def test_a_second_run_changes_nothing_and_an_idle_window_touches_nobody(base: dict) -> None:
    ValueModelFit.objects.create(
        fitted_at=timezone.now(), parameters={"bgnbd": PAPER, "gamma_gamma": PAPER_GG}
    )
    value_refresh(window())
    before = list(CustomerFact.objects.order_by("party_id").values())
    value_refresh(window())
    assert list(CustomerFact.objects.order_by("party_id").values()) == before
    later = timezone.now() + datetime.timedelta(hours=2)
    idle = RefreshWindow(
        since=later, until=later + datetime.timedelta(minutes=15), today=later.date()
    )
    assert value_refresh(idle) == 0


def test_only_customers_whose_orders_or_service_changed_are_rescored(base: dict) -> None:
    ValueModelFit.objects.create(
        fitted_at=timezone.now(), parameters={"bgnbd": PAPER, "gamma_gamma": PAPER_GG}
    )
    value_refresh(window())
    scored = dict(CustomerFact.objects.values_list("party_id", "clv"))
    mark = timezone.now()

    def since_mark() -> RefreshWindow:
        until = timezone.now() + datetime.timedelta(seconds=1)
        return RefreshWindow(since=mark, until=until, today=timezone.localdate(until))

    # a contact rewrites A's fact row (customer facts) but moves none of its scores
    InteractionFactory(party=base["a"], occurred_at=timezone.now())
    CustomerFact.objects.filter(party=base["a"]).update(refreshed_at=timezone.now())
    assert value_refresh(since_mark()) == 0
    # a new order of B rescores B alone
    order(base["b"], 1, "50")
    assert value_refresh(since_mark()) == 1
    now = dict(CustomerFact.objects.values_list("party_id", "clv"))
    assert now[base["b"].pk] != scored[base["b"].pk]
    assert {k: v for k, v in now.items() if k != base["b"].pk} == {
        k: v for k, v in scored.items() if k != base["b"].pk
    }
    # a case opened for D (a service signal) rescores D
    CaseFactory(party=base["d"])
    assert value_refresh(since_mark()) == 2  # B's order is still in the window


def test_a_missing_fact_row_is_created_for_a_live_customer(base: dict) -> None:
    ValueModelFit.objects.create(
        fitted_at=timezone.now(), parameters={"bgnbd": PAPER, "gamma_gamma": None}
    )
    newcomer = PartyFactory(lifecycle_stage="buyer")
    order(newcomer, 3, "80")
    value_refresh(window())
    row = CustomerFact.objects.get(party=newcomer)
    assert row.lifecycle_stage == "buyer" and row.p_alive == 1.0
    # without Gamma-Gamma an order is worth the customer's own average (80)
    purchases = clv.customer_lifetime_value(
        clv.BgNbdParams(**PAPER), clv.GammaGammaParams(p=1, q=2, v=1), [0], [0], [3 / 7], [0]
    )[0]
    assert float(row.clv) == pytest.approx(purchases * 80, abs=0.01)


def test_a_full_refresh_fits_the_models_on_the_base() -> None:
    # 40 customers: every fourth bought once, the others every 10 days for a while
    for i in range(40):
        party = PartyFactory()
        fact(party)
        first = 200 - i
        if i % 4 == 0:
            order(party, first, "50")
            continue
        for k in range(1 + i % 5):
            order(party, first - 10 * k * (1 + i % 3), str(40 + i))
    written = value_refresh(window(full=True))
    assert written == 40
    fit = ValueModelFit.objects.get()
    assert fit.customers == 40 and fit.repeat_customers == 24
    assert set(fit.parameters["bgnbd"]) == {"r", "alpha", "a", "b"}
    assert fit.log_likelihood < 0
    values = CustomerFact.objects.values_list("p_alive", "clv", "churn_risk")
    assert all(0 < p <= 1 and c >= 0 and 0 <= r <= 1 for p, c, r in values)
