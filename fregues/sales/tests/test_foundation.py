"""The ground every sales area stands on: money arithmetic, numbering, the seeded setup."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from fregues.sales.models import LifecycleRule, Pipeline
from fregues.sales.money import (
    clean_currency,
    document_totals,
    line_amounts,
    money,
    quantize,
    to_decimal,
)
from fregues.sales.services.common import next_number


def test_currencies_are_iso_4217() -> None:
    assert clean_currency("brl") == "BRL"
    assert clean_currency(" eur ") == "EUR"
    assert clean_currency("USD") == "USD"
    assert clean_currency("XYZ") is None
    assert clean_currency("") is None
    assert clean_currency("XAU") is None  # gold is not a currency a quote is written in


def test_decimals_read_as_people_write_them() -> None:
    assert to_decimal("1.234,56") == Decimal("1234.56")
    assert to_decimal("1234.56") == Decimal("1234.56")
    assert to_decimal(3) == Decimal(3)
    assert to_decimal("abc") is None
    assert to_decimal("NaN") is None
    assert to_decimal(True) is None


def test_line_rounds_half_up_to_cents() -> None:
    line = line_amounts(
        quantity=Decimal("3"),
        unit_price=Decimal("33.335"),
        discount_percent=Decimal("10"),
        tax_rate=Decimal("18"),
        currency="BRL",
    )
    assert line.gross == Decimal("100.01")
    assert line.discount == Decimal("10.00")
    assert line.net == Decimal("90.01")
    assert line.tax == Decimal("16.20")
    assert line.total == Decimal("106.21")


@given(
    st.lists(
        st.tuples(
            st.decimals(min_value=Decimal("0.001"), max_value=Decimal("1000"), places=3),
            st.decimals(min_value=Decimal("0"), max_value=Decimal("10000"), places=4),
            st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2),
            st.sampled_from([Decimal("0"), Decimal("6"), Decimal("18"), Decimal("23")]),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_a_document_total_is_the_sum_of_its_lines(lines: list) -> None:
    amounts = [
        line_amounts(quantity=q, unit_price=p, discount_percent=d, tax_rate=t, currency="EUR")
        for q, p, d, t in lines
    ]
    totals = document_totals(amounts)
    assert totals.total == sum(a.total for a in amounts)
    assert totals.total == totals.subtotal - totals.discount_total + totals.tax_total
    for a in amounts:
        assert a.net >= 0 and a.tax >= 0
        assert quantize(a.total, "EUR") == a.total


def test_money_reads_in_each_language() -> None:
    assert money(Decimal("1234.5"), "BRL", "pt-br") == "R$\xa01.234,50"
    assert money(Decimal("1234.5"), "USD", "en") == "$1,234.50"
    assert "€" in money(Decimal("1234.5"), "EUR", "pt-pt")


@pytest.mark.django_db
def test_document_numbers_follow_each_other() -> None:
    with transaction.atomic():
        first = next_number("quote")
        second = next_number("quote")
        order = next_number("order")
    assert first.startswith("ORC-") and first.endswith("000001")
    assert second.endswith("000002")
    assert order.startswith("PED-") and order.endswith("000001")


@pytest.mark.django_db
def test_the_seeded_setup() -> None:
    pipeline = Pipeline.objects.get(is_default=True)
    assert [s.probability for s in pipeline.stages.all()] == [10, 20, 50, 75]
    assert set(LifecycleRule.objects.values_list("kind", flat=True)) == {
        "first_paid_order",
        "repeat_order",
        "dormant",
        "referral",
        "satisfaction",
    }
