"""A small hand-computed dataset for the pivot's tests (and the browser test).

Three customers with CustomerFact rows written directly (the customer-facts part is another
engineer's): A (25-34, SP), B (25-34, RJ), C (35-44, SP); two products (P1 "Eletro" cost 60,
P2 "Móveis" cost 30); BRL orders except one in USD (rate 5.00 from 2026-01-01, 5.50 from
2026-03-01); a cancelled order that must not count; interactions on phone and e-mail.

Order facts, by hand (net = quantity × unit price, no tax, no discount):
  A  P1 Eletro 2026-01  revenue 200  qty 2  cost 120  margin 80  orders 1/2
  A  P2 Móveis 2026-01  revenue  50  qty 1  cost  30  margin 20  orders 1/2   (O1 has 2 lines)
  B  P1 Eletro 2026-01  revenue 100  qty 1  cost  60  margin 40  orders 1/2
  B  -  ""     2026-01  revenue  20  qty 1  cost   0  margin  0  orders 1/2   (O2: 2 lines, 1 w/o cost)
  C  P2 Móveis 2026-02  revenue 200  qty 1  cost 150  margin 50  orders 1     (O3: 40 USD × 5.00)
  A  P1 (O4, cancelled, 5 × 100) -> nothing
Interaction facts:
  A phone in 2026-01: 2 contacts, 600 s;  B email in 2026-01: 1 contact, 0 s;
  C phone out 2026-02: 1 contact, 600 s
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.test import Client
from django.utils import timezone

from fregues.analytics.models import CustomerFact, ExchangeRate
from fregues.interactions.tests.factories import InteractionFactory
from fregues.parties.tests.factories import PartyFactory
from fregues.sales.tests.factories import OrderFactory, ProductFactory, add_lines


def screen_client(user: Any) -> Client:
    """A browser signed in as ``user``, reading the screens in English."""
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def local(year: int, month: int, day: int, hour: int = 12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, hour))


def fact(party: Any, **dims: Any) -> CustomerFact:
    return CustomerFact.objects.create(party=party, refreshed_at=timezone.now(), **dims)


def make_dataset() -> dict[str, Any]:
    a = PartyFactory(name="Ana Alves", lifecycle_stage="client")
    b = PartyFactory(name="Bruno Borges", lifecycle_stage="buyer")
    c = PartyFactory(name="Carla Costa", lifecycle_stage="client")
    fact(a, age_band="25-34", region="SP", lifecycle_stage="client", kind="person")
    fact(b, age_band="25-34", region="RJ", lifecycle_stage="buyer", kind="person")
    fact(c, age_band="35-44", region="SP", lifecycle_stage="client", kind="person")
    p1 = ProductFactory(name="Geladeira", category="Eletro", cost=Decimal("60"))
    p2 = ProductFactory(name="Cadeira", category="Móveis", cost=Decimal("30"))
    ExchangeRate.objects.create(currency="USD", rate=Decimal("5.00"), valid_from="2026-01-01")
    ExchangeRate.objects.create(currency="USD", rate=Decimal("5.50"), valid_from="2026-03-01")
    o1 = OrderFactory(party=a, ordered_at=local(2026, 1, 10))
    add_lines(o1, [(p1, "2", "100"), (p2, "1", "50")])
    o2 = OrderFactory(party=b, ordered_at=local(2026, 1, 20))
    add_lines(o2, [(p1, "1", "100"), (None, "1", "20")])
    o3 = OrderFactory(party=c, ordered_at=local(2026, 2, 5), currency="USD")
    add_lines(o3, [(p2, "1", "40")])
    o4 = OrderFactory(party=a, ordered_at=local(2026, 1, 15), status="cancelled")
    add_lines(o4, [(p1, "5", "100")])
    for _ in range(2):
        InteractionFactory(
            party=a,
            channel="phone",
            direction="in",
            occurred_at=local(2026, 1, 11),
            duration_seconds=300,
        )
    InteractionFactory(
        party=b,
        channel="email",
        direction="in",
        occurred_at=local(2026, 1, 21),
        duration_seconds=None,
    )
    InteractionFactory(
        party=c,
        channel="phone",
        direction="out",
        occurred_at=local(2026, 2, 6),
        duration_seconds=600,
    )
    return {"a": a, "b": b, "c": c, "p1": p1, "p2": p2}


def refresh_facts() -> None:
    from fregues.analytics.services.refresh import analytics_refresh

    analytics_refresh(actor=None, full=True, only=["pivot_facts"])
