"""The lifecycle moved by facts: each rule, forward only, idempotent, with its cause."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from fregues.core.models import OutboxEvent
from fregues.core.tasks import outbox_dispatch
from fregues.parties.models import LifecycleMove, Party
from fregues.parties.tests.factories import PartyFactory
from fregues.sales.models import LifecycleRule
from fregues.sales.services.common import sales_event
from fregues.sales.services.lifecycle_rules import (
    lifecycle_rules_apply,
    lifecycle_sweep,
    on_event,
)
from fregues.sales.services.orders import order_create
from fregues.sales.tests.factories import InvoiceFactory, LeadFactory, OrderFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)


def days_ago(n: float) -> datetime.datetime:
    return NOW - datetime.timedelta(days=n)


def party(stage: str = "suspect", **fields: Any) -> Party:
    fields.setdefault("lifecycle_changed_at", NOW - datetime.timedelta(days=3000))
    return PartyFactory(lifecycle_stage=stage, **fields)


def order(p: Party, at: datetime.datetime, paid: bool = False, **fields: Any) -> Any:
    return OrderFactory(
        party=p, ordered_at=at, payment_state="paid" if paid else "unpaid", **fields
    )


def auto_moves(p: Party) -> Any:
    """The moves the rules made (not the one that created the party)."""
    return LifecycleMove.objects.filter(party=p).exclude(cause_type="")


def apply(p: Party, now: datetime.datetime = NOW) -> list[LifecycleMove]:
    moves = lifecycle_rules_apply(party_ids=[p.pk], cause_type="sales.order", now=now)
    p.refresh_from_db()
    return moves


def test_first_paid_order_makes_a_buyer_with_the_order_as_cause() -> None:
    p = party("prospect")
    o = order(p, days_ago(3), paid=True)
    [move] = apply(p)
    assert p.lifecycle_stage == "buyer"
    assert (move.from_stage, move.to_stage) == ("prospect", "buyer")
    assert (move.cause_type, move.cause_id) == ("sales.order", o.pk)
    assert o.number in move.reason
    assert move.actor is None


def test_an_unpaid_order_does_not_make_a_buyer() -> None:
    p = party()
    order(p, days_ago(3))
    assert apply(p) == []
    assert p.lifecycle_stage == "suspect"


def test_an_invoice_paid_for_the_order_counts_as_paid() -> None:
    p = party()
    o = order(p, days_ago(10))
    InvoiceFactory(party=p, order=o, payment_state="paid", issued_at=days_ago(9))
    InvoiceFactory(party=p, order=o, payment_state="paid", status="void", issued_at=days_ago(9))
    apply(p)
    assert p.lifecycle_stage == "buyer"


def test_a_void_paid_invoice_does_not() -> None:
    p = party()
    o = order(p, days_ago(10))
    InvoiceFactory(party=p, order=o, payment_state="paid", status="void", issued_at=days_ago(9))
    apply(p)
    assert p.lifecycle_stage == "suspect"


def test_cancelled_orders_are_not_facts() -> None:
    p = party()
    order(p, days_ago(10), paid=True, status="cancelled")
    order(p, days_ago(5), status="cancelled")
    apply(p)
    assert p.lifecycle_stage == "suspect"


def test_a_second_order_within_the_window_makes_a_client() -> None:
    p = party()
    order(p, days_ago(200), paid=True)
    apply(p, now=days_ago(200))
    assert p.lifecycle_stage == "buyer"
    second = order(p, days_ago(10))
    [move] = apply(p)
    assert (move.from_stage, move.to_stage) == ("buyer", "client")
    assert move.cause_id == second.pk
    assert "365" in move.reason and second.number in move.reason


def test_a_second_order_outside_the_window_does_not() -> None:
    LifecycleRule.objects.filter(kind="dormant").update(is_active=False)
    p = party("buyer")
    order(p, days_ago(500), paid=True)
    order(p, days_ago(10), paid=True)
    assert apply(p) == []
    assert p.lifecycle_stage == "buyer"


def test_the_window_is_a_parameter() -> None:
    LifecycleRule.objects.filter(kind="repeat_order").update(window_days=30)
    p = party("buyer")
    order(p, days_ago(100), paid=True)
    order(p, days_ago(40))
    apply(p)
    assert p.lifecycle_stage == "buyer"
    order(p, days_ago(20))
    apply(p)
    assert p.lifecycle_stage == "client"


def test_a_prospect_that_buys_twice_at_once_becomes_a_client() -> None:
    p = party("prospect")
    order(p, days_ago(20), paid=True)
    order(p, days_ago(10), paid=True)
    [move] = apply(p)
    assert (move.from_stage, move.to_stage) == ("prospect", "client")


def test_a_client_with_a_new_order_stays_client() -> None:
    p = party("client")
    order(p, days_ago(3), paid=True)
    assert apply(p) == []
    assert p.lifecycle_stage == "client"


def test_forward_only_an_advocate_is_never_made_a_client() -> None:
    p = party("advocate")
    order(p, days_ago(30), paid=True)
    order(p, days_ago(3), paid=True)
    assert apply(p) == []
    assert p.lifecycle_stage == "advocate"


def test_applying_twice_moves_nothing_more() -> None:
    p = party()
    order(p, days_ago(30), paid=True)
    order(p, days_ago(3))
    assert len(apply(p)) == 1
    assert apply(p) == []
    assert auto_moves(p).count() == 1


def test_inactive_customer_who_buys_again_comes_back() -> None:
    p = party("inactive", lifecycle_changed_at=days_ago(30))
    order(p, days_ago(400), paid=True)
    assert apply(p) == []  # the old order was before the move to inactive
    o = order(p, days_ago(2), paid=True)
    [move] = apply(p)
    assert (move.from_stage, move.to_stage, move.cause_id) == ("inactive", "buyer", o.pk)


def test_lost_customer_who_buys_again_comes_back_as_buyer() -> None:
    p = party("lost", lifecycle_changed_at=days_ago(30))
    order(p, days_ago(60), paid=True)
    assert apply(p) == []
    order(p, days_ago(20), paid=True)
    order(p, days_ago(2), paid=True)
    moves = apply(p)
    assert [(m.from_stage, m.to_stage) for m in moves] == [("lost", "buyer"), ("buyer", "client")]


def test_dormant_sweep_moves_customers_without_orders_to_inactive() -> None:
    gone = party("client")
    order(gone, days_ago(400), paid=True)
    recent = party("buyer")
    order(recent, days_ago(100), paid=True)
    no_orders = party("client")
    prospect = party("prospect")
    order(prospect, days_ago(400))
    assert lifecycle_sweep(now=NOW) == 1
    for p in (gone, recent, no_orders, prospect):
        p.refresh_from_db()
    assert gone.lifecycle_stage == "inactive"
    assert (recent.lifecycle_stage, no_orders.lifecycle_stage) == ("buyer", "client")
    assert prospect.lifecycle_stage == "prospect"
    move = auto_moves(gone).get()
    assert "12" in move.reason and move.cause_type == "sales.order"
    assert lifecycle_sweep(now=NOW) == 0


def test_the_dormancy_is_a_parameter_and_rules_can_be_off() -> None:
    LifecycleRule.objects.filter(kind="dormant").update(months=24)
    p = party("client")
    order(p, days_ago(400), paid=True)
    assert lifecycle_sweep(now=NOW) == 0
    LifecycleRule.objects.filter(kind="dormant").update(months=12, is_active=False)
    assert lifecycle_sweep(now=NOW) == 0
    LifecycleRule.objects.filter(kind="first_paid_order").update(is_active=False)
    q = party()
    order(q, days_ago(3), paid=True)
    assert apply(q) == []


def test_the_order_service_applies_the_rules_in_its_transaction(make_user: Any) -> None:
    p = party("prospect")
    o = order_create(
        actor=make_user("sales"),
        data={
            "party_id": p.pk,
            "currency": "BRL",
            "payment_state": "paid",
            "lines": [{"description": "Caixa", "quantity": "1", "unit_price": "10"}],
        },
    )
    p.refresh_from_db()
    assert p.lifecycle_stage == "buyer"
    assert auto_moves(p).get().cause_id == o.pk


def _deliver() -> None:
    outbox_dispatch.call()


def test_satisfaction_at_threshold_makes_an_advocate_via_the_outbox() -> None:
    from fregues.service.services.satisfaction import survey_answer, survey_create, survey_token
    from fregues.service.tests.factories_cases import CaseFactory

    happy = party("client")
    case = CaseFactory(party=happy, is_open=False)
    survey = survey_create(case=case)
    survey_answer(token=survey_token(survey), score=5, comment="Ótimo")
    _deliver()
    happy.refresh_from_db()
    assert happy.lifecycle_stage == "advocate"
    move = auto_moves(happy).get()
    assert (move.cause_type, move.cause_id) == ("service.case", case.pk)
    assert case.protocol in move.reason and "10/10" in move.reason


def test_satisfaction_below_threshold_or_from_a_prospect_moves_nobody() -> None:
    from fregues.service.tests.factories_cases import CaseFactory

    fine = party("buyer")
    prospect = party("prospect")
    on_event(
        "case.satisfaction",
        {"case_id": CaseFactory(party=fine).pk, "party_id": fine.pk, "score": 4, "protocol": "X"},
    )
    on_event("case.satisfaction", {"case_id": 1, "party_id": prospect.pk, "score": 5})
    on_event("case.satisfaction", {"party_id": fine.pk, "score": 9, "scale": 10, "case_id": 1})
    fine.refresh_from_db()
    prospect.refresh_from_db()
    assert (fine.lifecycle_stage, prospect.lifecycle_stage) == ("advocate", "prospect")
    assert auto_moves(fine).count() == 1


def test_satisfaction_threshold_is_a_parameter() -> None:
    LifecycleRule.objects.filter(kind="satisfaction").update(min_score=10)
    p = party("buyer")
    on_event("case.satisfaction", {"case_id": 1, "party_id": p.pk, "score": 9, "scale": 10})
    p.refresh_from_db()
    assert p.lifecycle_stage == "buyer"


def test_referral_makes_the_referrer_an_advocate_when_the_lead_converts() -> None:
    referrer = party("client")
    newcomer = party("prospect")
    lead = LeadFactory(name="Ana Souza", referred_by=referrer, party=newcomer)
    with transaction.atomic():
        sales_event(
            "lead.converted",
            lead_id=lead.pk,
            party_id=newcomer.pk,
            opportunity_id=None,
            referred_by_id=referrer.pk,
        )
    _deliver()
    referrer.refresh_from_db()
    assert referrer.lifecycle_stage == "advocate"
    move = auto_moves(referrer).get()
    assert (move.cause_type, move.cause_id) == ("sales.lead", lead.pk)
    assert "Ana Souza" in move.reason
    assert not OutboxEvent.objects.filter(dispatched_at__isnull=True).exists()


def test_a_referral_without_referrer_or_from_a_suspect_moves_nobody() -> None:
    suspect = party("suspect")
    on_event("sales.lead.converted", {"lead_id": 1, "party_id": 2, "referred_by_id": None})
    on_event("sales.lead.converted", {"lead_id": 1, "party_id": 2, "referred_by_id": suspect.pk})
    on_event("sales.lead.converted", {"lead_id": 1, "referred_by_id": 999_999})
    suspect.refresh_from_db()
    assert suspect.lifecycle_stage == "suspect"


def test_dormant_customer_gap_then_comeback_is_recorded_when_the_sweep_missed_it() -> None:
    # bought twice (client), nothing for two years, then a paid order: the rules read it as
    # went inactive, came back as a buyer — but a client's stage is never taken back
    p = party()
    order(p, days_ago(900), paid=True)
    order(p, days_ago(850))
    order(p, days_ago(5), paid=True)
    moves = apply(p)
    assert [m.to_stage for m in moves] == ["buyer"]
    q = party("client")
    order(q, days_ago(900), paid=True)
    order(q, days_ago(850))
    order(q, days_ago(5), paid=True)
    assert apply(q) == []


def test_now_defaults_to_the_clock() -> None:
    p = party()
    order(p, timezone.now() - datetime.timedelta(days=1), paid=True)
    lifecycle_rules_apply(party_ids=[p.pk])
    p.refresh_from_db()
    assert p.lifecycle_stage == "buyer"


def test_the_lifecycle_api_names_the_cause_of_automatic_moves(api_as: Any) -> None:
    p = party("prospect")
    o = order(p, days_ago(3), paid=True)
    apply(p)
    history = api_as("agent").get(f"/parties/{p.pk}/lifecycle").json()["history"]
    automatic = [m for m in history if m["cause_type"]]
    assert [(m["to_stage"], m["cause_type"], m["cause_id"]) for m in automatic] == [
        ("buyer", "sales.order", o.pk)
    ]
    assert automatic[0]["actor"] is None and o.number in automatic[0]["reason"]
