"""A small hand-computed portfolio for the customer facts, profitability and RFM tests.

Every figure the tests expect is worked out by hand in the comments here and in the tests.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from fregues.analytics.models import ChannelCost, ExchangeRate, QueueCost
from fregues.interactions.tests.factories import InteractionFactory
from fregues.parties.tests.factories import ContactPointFactory, PartyFactory
from fregues.sales.models import OrderLine
from fregues.sales.tests.factories import OrderFactory
from fregues.service.models import Queue, SatisfactionSurvey, SendingPolicy
from fregues.service.tests.factories_cases import CaseFactory, case_type

TODAY = datetime.date(2026, 6, 15)
D = Decimal


def at(year: int, month: int, day: int, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, tzinfo=datetime.UTC)


def costs() -> None:
    """Rates: EUR 5 from Jan, 6 from March, 7 from April; USD 5 from Jan.
    Channel costs: phone in 5.00 BRL, phone (either way) 3.00 BRL, e-mail 0.50 USD = 2.50 BRL.
    Queues: support 60 BRL/h and 20 min when none logged; the default 30 BRL/h and 10 min."""
    ExchangeRate.objects.create(currency="EUR", rate=D("5"), valid_from=datetime.date(2026, 1, 1))
    ExchangeRate.objects.create(currency="EUR", rate=D("6"), valid_from=datetime.date(2026, 3, 1))
    ExchangeRate.objects.create(currency="EUR", rate=D("7"), valid_from=datetime.date(2026, 4, 1))
    ExchangeRate.objects.create(currency="USD", rate=D("5"), valid_from=datetime.date(2026, 1, 1))
    ChannelCost.objects.create(
        channel="phone", direction="in", cost_per_contact=D("5"), currency="BRL"
    )
    ChannelCost.objects.create(
        channel="phone", direction="", cost_per_contact=D("3"), currency="BRL"
    )
    ChannelCost.objects.create(
        channel="email", direction="", cost_per_contact=D("0.5"), currency="USD"
    )
    support = Queue.objects.get(code="support")
    QueueCost.objects.create(
        queue=support, hourly_cost=D("60"), currency="BRL", default_handling_minutes=20
    )
    QueueCost.objects.create(
        queue=None, hourly_cost=D("30"), currency="BRL", default_handling_minutes=10
    )


def order(
    party: Any,
    when: datetime.datetime,
    net: str,
    *,
    currency: str = "BRL",
    tax: str = "0",
    discount: str = "0",
    status: str = "confirmed",
    lines: list[tuple[str, str | None]] | None = None,
    cost_total: str | None = None,
    payment_state: str = "unpaid",
) -> Any:
    """An order of ``net`` (after discount, before tax); ``lines`` are (quantity, unit cost)."""
    gross = D(net) + D(discount)
    made = OrderFactory(
        party=party,
        ordered_at=when,
        currency=currency,
        subtotal=gross,
        discount_total=D(discount),
        tax_total=D(tax),
        total=D(net) + D(tax),
        status=status,
        payment_state=payment_state,
        cost_total=None if cost_total is None else D(cost_total),
    )
    for n, (quantity, unit_cost) in enumerate(lines or []):
        OrderLine.objects.create(
            order=made,
            position=n,
            description=f"item {n}",
            quantity=D(quantity),
            unit_price=D("1"),
            unit_cost=None if unit_cost is None else D(unit_cost),
        )
    return made


def ana() -> Any:
    """The customer every figure is checked on.

    Orders: O1 BRL net 100 (tax 10), one line 2 × 30 = cost 60, known;
            O2 EUR net 50 on 5 March → rate 6 → 300 BRL; lines 1 × 20 EUR and one without cost
               → cost 20 EUR × 6 = 120 BRL, not known;
            O3 cancelled, 1000 BRL: ignored.
      revenue 100 + 300 = 400; cost of goods 60 + 120 = 180; cost_known false; 2 orders.
    Contacts: phone in 5.00 + phone out 3.00 + e-mail in 2.50 + chat 0 (no cost row) = 10.50.
    Cases: C1 support, 600 s + 300 s logged = 15 min × 60/h = 15.00, closed;
           C2 licensing (no row: the default), nothing logged → 10 min × 30/h = 5.00, open,
              a complaint (the sending policy names licence requests).
      25 minutes, 20.00; CSAT 4 (the only answered survey).
    Cost to serve 10.50 + 20.00 = 30.50; profit 400 − 180 − 30.50 = 189.50.
    """
    party = PartyFactory(name="Ana", birth_date=datetime.date(1990, 7, 1), country="BR")
    ContactPointFactory(
        party=party, kind="address", value="Rua A", region="RJ", country="BR", is_primary=False
    )
    ContactPointFactory(
        party=party, kind="address", value="Rua B", region="SP", country="BR", is_primary=True
    )
    order(party, at(2026, 1, 10), "100", tax="10", lines=[("2", "30")])
    order(party, at(2026, 3, 5), "50", currency="EUR", tax="5", lines=[("1", "20"), ("1", None)])
    order(party, at(2026, 2, 1), "1000", status="cancelled")
    policy = SendingPolicy.current()
    policy.complaint_case_types.set([case_type("licence-request")])
    c1 = CaseFactory(party=party, queue=Queue.objects.get(code="support"), is_open=False)
    c2 = CaseFactory(
        party=party,
        queue=Queue.objects.get(code="licensing"),
        case_type=case_type("licence-request"),
        status=case_type("licence-request").circuit.statuses.get(is_initial=True),
    )
    InteractionFactory(
        party=party,
        channel="phone",
        direction="in",
        occurred_at=at(2026, 2, 1),
        duration_seconds=600,
        regarding_type="service.case",
        regarding_id=c1.pk,
    )
    InteractionFactory(
        party=party,
        channel="phone",
        direction="out",
        occurred_at=at(2026, 2, 2),
        duration_seconds=300,
        regarding_type="service.case",
        regarding_id=c1.pk,
    )
    InteractionFactory(
        party=party,
        channel="email",
        direction="in",
        occurred_at=at(2026, 4, 1),
        duration_seconds=None,
    )
    InteractionFactory(
        party=party,
        channel="chat",
        direction="in",
        occurred_at=at(2026, 5, 1),
        duration_seconds=None,
    )
    SatisfactionSurvey.objects.create(
        case=c1, sent_at=at(2026, 2, 3), score=4, answered_at=at(2026, 2, 4)
    )
    SatisfactionSurvey.objects.create(case=c2, sent_at=at(2026, 2, 5))
    return party
