"""The weighted forecast: per owner and month, open deals × their probability by expected
close month, plus the deals won in the month, per currency — the arithmetic checked by hand."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fregues.core.errors import Forbidden, Invalid
from fregues.sales.selectors.forecast import add_months, forecast

from .factories import OpportunityFactory, PipelineFactory, default_pipeline

pytestmark = pytest.mark.django_db

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
TODAY = datetime.date(2026, 3, 15)
MARCH, APRIL, MAY = datetime.date(2026, 3, 1), datetime.date(2026, 4, 1), datetime.date(2026, 5, 1)


def stage(code: str) -> Any:
    return default_pipeline().stages.get(code=code)


@pytest.fixture
def team(make_user: Any) -> dict[str, Any]:
    return {
        "ana": make_user("sales", first_name="Ana", last_name="Souza"),
        "bruno": make_user("sales", first_name="Bruno", last_name="Lima"),
    }


@pytest.fixture
def deals(team: dict[str, Any]) -> None:
    ana, bruno = team["ana"], team["bruno"]
    # Ana, March: 10 000 at 50 % (proposal) + 4 000 at the owner's 90 % → 5 000 + 3 600
    OpportunityFactory(
        owner=ana, stage=stage("proposal"), amount=Decimal("10000"), expected_close_date=MARCH
    )
    OpportunityFactory(
        owner=ana,
        stage=stage("qualification"),
        probability=90,
        amount=Decimal("4000"),
        expected_close_date=datetime.date(2026, 3, 31),
    )
    # Ana, April: 1 000 at 75 % (negotiation) → 750; and 2 000 EUR at 20 % → 400 EUR
    OpportunityFactory(
        owner=ana, stage=stage("negotiation"), amount=Decimal("1000"), expected_close_date=APRIL
    )
    OpportunityFactory(
        owner=ana,
        stage=stage("contact"),
        amount=Decimal("2000"),
        currency="EUR",
        expected_close_date=datetime.date(2026, 4, 20),
    )
    # Ana won 3 000 on 31 March at 23:30 in São Paulo (already April in UTC): March
    OpportunityFactory(
        owner=ana,
        status="won",
        amount=Decimal("3000"),
        closed_at=datetime.datetime(2026, 3, 31, 23, 30, tzinfo=SAO_PAULO),
        expected_close_date=APRIL,
    )
    # Bruno, May: 8 000 at 10 % → 800; won 5 000 in April
    OpportunityFactory(
        owner=bruno, stage=stage("qualification"), amount=Decimal("8000"), expected_close_date=MAY
    )
    OpportunityFactory(
        owner=bruno,
        status="won",
        amount=Decimal("5000"),
        closed_at=datetime.datetime(2026, 4, 2, 10, 0, tzinfo=SAO_PAULO),
    )
    # not in the months: lost, overdue, undated, after the period
    OpportunityFactory(
        owner=bruno, status="lost", amount=Decimal("99999"), expected_close_date=MARCH
    )
    OpportunityFactory(
        owner=bruno,
        stage=stage("proposal"),
        amount=Decimal("600"),
        expected_close_date=datetime.date(2026, 2, 10),
    )
    OpportunityFactory(owner=bruno, amount=Decimal("700"), expected_close_date=None)
    OpportunityFactory(
        owner=bruno, amount=Decimal("123"), expected_close_date=datetime.date(2026, 9, 1)
    )


def test_weighted_and_won_per_owner_and_month(deals: None, team: dict[str, Any]) -> None:
    result = forecast(actor=team["ana"], today=TODAY)
    assert result.months == [add_months(MARCH, i) for i in range(6)]
    assert result.currencies == ["BRL", "EUR"]
    ana, bruno = result.rows
    assert (ana.owner_name, bruno.owner_name) == ("Ana Souza", "Bruno Lima")
    march = ana.cell(MARCH, "BRL")
    assert (march.weighted, march.open_amount, march.open_count) == (
        Decimal("8600.00"),
        Decimal("14000.00"),
        2,
    )
    assert (march.won, march.won_count, march.expected) == (
        Decimal("3000.00"),
        1,
        Decimal("11600.00"),
    )
    assert ana.cell(APRIL, "BRL").weighted == Decimal("750.00")
    assert ana.cell(APRIL, "BRL").won == 0
    assert ana.cell(APRIL, "EUR").weighted == Decimal("400.00")
    assert bruno.cell(MAY, "BRL").weighted == Decimal("800.00")
    assert bruno.cell(APRIL, "BRL").won == Decimal("5000.00")
    assert bruno.cell(MARCH, "BRL").weighted == 0  # the lost deal counts for nothing
    assert result.totals.cell(MARCH, "BRL").weighted == Decimal("8600.00")
    assert result.totals.cell(APRIL, "BRL").won == Decimal("5000.00")
    assert result.totals.total("BRL").weighted == Decimal("10150.00")
    assert result.totals.total("BRL").won == Decimal("8000.00")
    loose = result.loose["BRL"]
    assert (loose.overdue_count, loose.overdue_weighted) == (1, Decimal("300.00"))
    assert (loose.undated_count, loose.undated_amount) == (1, Decimal("700.00"))


def test_the_period_pipeline_and_owner_filters(deals: None, team: dict[str, Any]) -> None:
    april_only = forecast(actor=team["ana"], start="2026-04", months=1, today=TODAY)
    assert april_only.months == [APRIL]
    assert april_only.totals.total("BRL").weighted == Decimal("750.00")
    assert april_only.totals.total("BRL").won == Decimal("5000.00")
    bruno = forecast(actor=team["ana"], owner_id=team["bruno"].pk, today=TODAY)
    assert [r.owner_name for r in bruno.rows] == ["Bruno Lima"]
    later = forecast(actor=team["ana"], start="2026-09", months=1, today=TODAY)
    assert later.totals.total("BRL").weighted == Decimal("12.30")
    other = PipelineFactory()
    OpportunityFactory(
        pipeline=other,
        stage=other.stages.get(code="last"),
        amount=Decimal("100"),
        expected_close_date=MARCH,
    )
    only_other = forecast(actor=team["ana"], pipeline_id=other.pk, today=TODAY)
    assert only_other.totals.total("BRL").weighted == Decimal("80.00")


def test_bad_periods_and_roles(team: dict[str, Any], make_user: Any) -> None:
    with pytest.raises(Invalid):
        forecast(actor=team["ana"], start="março", today=TODAY)
    with pytest.raises(Invalid):
        forecast(actor=team["ana"], months=48, today=TODAY)
    with pytest.raises(Forbidden):
        forecast(actor=make_user("agent"))
    assert forecast(actor=make_user("marketing")).rows == []


def test_the_forecast_api(deals: None, api_as: Any) -> None:
    body = api_as("marketing").get("/forecast", {"start": "2026-03", "months": 3}).json()
    assert body["months"] == ["2026-03", "2026-04", "2026-05"]
    ana = body["rows"][0]
    assert ana["owner_name"] == "Ana Souza"
    march = next(c for c in ana["cells"] if c["month"] == "2026-03" and c["currency"] == "BRL")
    assert march == {
        "month": "2026-03",
        "currency": "BRL",
        "weighted": "8600.00",
        "open_amount": "14000.00",
        "open_count": 2,
        "won": "3000.00",
        "won_count": 1,
    }
    assert api_as("sales").get("/forecast", {"start": "2026-3x"}).status_code == 422
