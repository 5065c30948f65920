"""Reading what files and ERPs write: dates, numbers with decimal commas, status words, and the
fingerprint that makes the same order read the same however it is spelled."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation

from fregues.core.errors import ErrorCollector
from fregues.parties.services.imports import ImportRow
from fregues.sales.services.order_fields import PAYMENT_WORDS, STATUS_WORDS, choice, moment
from fregues.sales.services.order_imports import order_import_validate
from fregues.sales.services.order_lines import clean_line


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("31/12/2025", (2025, 12, 31, 0, 0)),
        ("31/12/2025 14:30", (2025, 12, 31, 14, 30)),
        ("2025-12-31", (2025, 12, 31, 0, 0)),
        ("2025-12-31T14:30:00-03:00", (2025, 12, 31, 14, 30)),
    ],
)
def test_dates_as_people_write_them(text: str, expected: tuple[int, ...]) -> None:
    found = moment(text, ErrorCollector(), "ordered_at", "the order date")
    assert found is not None
    local = timezone.localtime(found)
    assert (local.year, local.month, local.day, local.hour, local.minute) == expected


def test_a_date_that_is_not_one() -> None:
    errors = ErrorCollector()
    assert moment("31/02/2025", errors, "ordered_at", "the order date") is None
    assert moment("amanhã", errors, "ordered_at", "the order date") is None
    assert len(errors.errors["ordered_at"]) == 2


def test_status_and_payment_words() -> None:
    errors = ErrorCollector()
    assert choice("Entregue", STATUS_WORDS, errors, "status", "") == "fulfilled"
    assert choice("CANCELADO", STATUS_WORDS, errors, "status", "") == "cancelled"
    assert choice("pago", PAYMENT_WORDS, errors, "payment_state", "") == "paid"
    assert choice("Não pago", PAYMENT_WORDS, errors, "payment_state", "") == "unpaid"
    assert choice("estornado", PAYMENT_WORDS, errors, "payment_state", "") == "refunded"
    assert not errors
    assert choice("perdido", STATUS_WORDS, errors, "status", "confirmed") == "confirmed"
    assert "status" in errors.errors


def test_numbers_with_decimal_commas_and_rounding() -> None:
    errors = ErrorCollector()
    line = clean_line(
        {
            "sku": "X",
            "quantity": "1,5",
            "unit_price": "1.234,5678",
            "discount": "10%",
            "tax_rate": "18",
        },
        0,
        errors,
    )
    assert not errors
    assert line["quantity"] == Decimal("1.500") and line["unit_price"] == Decimal("1234.5678")
    assert line["discount_percent"] == Decimal("10.00") and line["discount"] is None
    bad = ErrorCollector()
    clean_line({"sku": "X", "quantity": "dois", "unit_price": "-1"}, 1, bad)
    assert bad.errors["lines.1.quantity"] == ["Line 2: the quantity 'dois' is not a number."]
    assert "lines.1.unit_price" in bad.errors


def _rows(*cells: dict[str, str]) -> list[ImportRow]:
    return [
        ImportRow(n + 2, {k: [v] for k, v in row.items() if v}, list(row.values()))
        for n, row in enumerate(cells)
    ]


def test_the_same_order_spelled_otherwise_has_the_same_fingerprint() -> None:
    base = {
        "order_id": "PV-1",
        "ordered_at": "02/03/2026",
        "customer_external_id": "C1",
        "sku": "CAFE",
        "quantity": "2",
        "unit_price": "40,00",
        "tax_rate": "18",
        "payment_state": "pago",
    }
    other = dict(base, unit_price="40.0", quantity="2.000", payment_state="paid")
    changed = dict(base, quantity="3")
    first, second, third = (order_import_validate(_rows(row))[0] for row in (base, other, changed))
    assert first.fingerprint == second.fingerprint != third.fingerprint
    assert first.priced and first.head["_totals"].total == Decimal("94.40")


def test_a_bad_line_read_twice_is_refused_twice() -> None:
    """The lines already read are remembered only when good: an error is never skipped."""
    row = {
        "order_id": "PV-2",
        "customer_external_id": "C1",
        "sku": "CAFE",
        "quantity": "-1",
        "unit_price": "1",
    }
    for order_id in ("PV-2", "PV-3"):
        found = order_import_validate(_rows(dict(row, order_id=order_id)))[0]
        assert found.problem is not None and "more than zero" in found.problem[1]


def test_an_order_without_date_or_customer() -> None:
    nobody = order_import_validate(
        _rows({"order_id": "PV-4", "sku": "CAFE", "quantity": "1", "unit_price": "1"})
    )[0]
    assert nobody.problem is not None and nobody.problem[1].startswith("customer:")
    undated = order_import_validate(
        _rows(
            {
                "order_id": "PV-5",
                "customer_email": "a@b.com",
                "sku": "CAFE",
                "quantity": "1",
                "unit_price": "1",
                "tax_rate": "0",
            }
        )
    )[0]
    assert undated.problem is None and undated.head["ordered_at"] is None
    assert isinstance(undated.head["_state"][2], datetime.datetime | None)
