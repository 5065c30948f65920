"""The pivot engine against the hand-computed dataset of ``pivot_data`` (cells, totals,
distinct customers that do not add up, "others", filters, the date range, 422s)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from fregues.analytics.pivot import OTHERS, pivot_run
from fregues.analytics.pivot_drill import pivot_cell_party_ids, pivot_drill
from fregues.core.errors import Forbidden, Invalid

from .pivot_data import make_dataset, refresh_facts

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture(autouse=True)
def _english() -> Any:
    """The engine's labels ("unknown", "others") are read in English."""
    with translation.override("en"):
        yield


@pytest.fixture
def data() -> dict[str, Any]:
    d = make_dataset()
    refresh_facts()
    return d


def _table(result: dict[str, Any]) -> dict[str, Any]:
    rows = [v["value"] for v in result["rows"]["values"]]
    cols = [v["value"] for v in result["columns"]["values"]] if result["columns"] else []
    return {
        "cells": {
            (r, c): v
            for r, line in zip(rows, result["cells"] or [[] for _r in rows], strict=True)
            for c, v in zip(cols, line, strict=True)
            if v is not None
        },
        "rows": dict(zip(rows, result["row_totals"], strict=True)),
        "cols": dict(zip(cols, result["column_totals"], strict=True)),
        "total": result["total"],
    }


def test_age_band_by_category_revenue(data: dict[str, Any]) -> None:
    result = pivot_run(
        actor=None, definition={"rows": "age_band", "columns": "category", "measure": "revenue"}
    )
    t = _table(result)
    assert t["cells"] == {
        ("25-34", "Eletro"): D("300.00"),  # A 200 + B 100
        ("25-34", "Móveis"): D("50.00"),  # A
        ("25-34", ""): D("20.00"),  # B's line without a product
        ("35-44", "Móveis"): D("200.00"),  # C: 40 USD × 5.00
    }
    assert t["rows"] == {"25-34": D("370.00"), "35-44": D("200.00")}
    assert t["cols"] == {"Eletro": D("300.00"), "Móveis": D("250.00"), "": D("20.00")}
    assert t["total"] == D("570.00")
    assert [v["value"] for v in result["rows"]["values"]] == ["25-34", "35-44"]
    assert result["columns"]["values"][2]["label"] == "unknown"


def test_distinct_customers_do_not_add_up(data: dict[str, Any]) -> None:
    t = _table(
        pivot_run(
            actor=None,
            definition={"rows": "age_band", "columns": "category", "measure": "customers"},
        )
    )
    assert t["cells"] == {
        ("25-34", "Eletro"): 2,  # A, B
        ("25-34", "Móveis"): 1,  # A
        ("25-34", ""): 1,  # B
        ("35-44", "Móveis"): 1,  # C
    }
    assert t["rows"] == {"25-34": 2, "35-44": 1}  # A and B once, not 2 + 1 + 1
    assert t["cols"] == {"Eletro": 2, "Móveis": 2, "": 1}  # Móveis: A and C
    assert t["total"] == 3


def test_one_dimension_average_ticket_and_margin(data: dict[str, Any]) -> None:
    ticket = _table(
        pivot_run(actor=None, definition={"rows": "age_band", "measure": "average_ticket"})
    )
    # 25-34: 370 / (4 lines × 1/2 order = 2 orders) = 185; 35-44: 200 / 1; all: 570 / 3 = 190
    assert ticket["rows"] == {"25-34": D("185.00"), "35-44": D("200.00")}
    assert ticket["total"] == D("190.00")
    margin = _table(pivot_run(actor=None, definition={"rows": "product", "measure": "margin"}))
    # Geladeira: A 80 + B 40; Cadeira: A 20 + C 50; no product: 0
    assert margin["rows"] == {
        str(data["p1"].pk): D("120.00"),
        str(data["p2"].pk): D("70.00"),
        "": D("0.00"),
    }
    labels = pivot_run(actor=None, definition={"rows": "product", "measure": "margin"})
    assert [v["label"] for v in labels["rows"]["values"]] == ["Geladeira", "Cadeira", "unknown"]


def test_region_by_channel_contacts_and_minutes(data: dict[str, Any]) -> None:
    t = _table(
        pivot_run(
            actor=None, definition={"rows": "region", "columns": "channel", "measure": "contacts"}
        )
    )
    assert t["cells"] == {("SP", "phone"): 3, ("RJ", "email"): 1}  # A 2 + C 1; B 1
    assert t["total"] == 4
    minutes = _table(
        pivot_run(
            actor=None,
            definition={"rows": "region", "columns": "channel", "measure": "contact_minutes"},
        )
    )
    assert minutes["cells"][("SP", "phone")] == D("20.0")  # (600 + 600) s / 60


def test_filters_date_range_and_time_dimensions(data: dict[str, Any]) -> None:
    t = _table(
        pivot_run(
            actor=None,
            definition={
                "rows": "month",
                "measure": "revenue",
                "filters": {"region": ["SP"]},
                "date_from": "2026-01-01",
                "date_to": "2026-01-31",
            },
        )
    )
    assert t["rows"] == {"2026-01": D("250.00")}  # A's January: 200 + 50 (C's February is out)
    q = _table(
        pivot_run(
            actor=None, definition={"rows": "quarter", "columns": "year", "measure": "orders"}
        )
    )
    assert q["cells"] == {("2026-Q1", "2026"): D("3.00")}  # O1, O2, O3 (O4 cancelled)


def test_others_fold_the_values_past_the_limit(data: dict[str, Any]) -> None:
    result = pivot_run(
        actor=None,
        definition={
            "rows": "category",
            "columns": "age_band",
            "measure": "customers",
            "row_limit": 1,
        },
    )
    t = _table(result)
    # top category by customers: Eletro (A, B) or Móveis (A, C) tie at 2 -> the first by value
    assert list(t["rows"]) == ["Eletro", OTHERS]
    assert t["rows"][OTHERS] == 3  # Móveis (A, C) and "" (B): three customers
    assert t["cells"][(OTHERS, "25-34")] == 2  # A and B
    assert t["cells"][(OTHERS, "35-44")] == 1


def test_bad_requests_name_every_field() -> None:
    with pytest.raises(Invalid) as bad:
        pivot_run(
            actor=None,
            definition={"rows": "nope", "columns": "", "measure": "x", "filters": {"zzz": ["1"]}},
        )
    assert set(bad.value.errors) == {"rows", "measure", "filters.zzz"}
    with pytest.raises(Invalid) as mixed:
        pivot_run(
            actor=None, definition={"rows": "product", "columns": "channel", "measure": "revenue"}
        )
    assert set(mixed.value.errors) == {"columns"}
    with pytest.raises(Invalid) as same:
        pivot_run(
            actor=None, definition={"rows": "region", "columns": "region", "measure": "customers"}
        )
    assert set(same.value.errors) == {"columns"}
    with pytest.raises(Invalid) as dates:
        pivot_run(
            actor=None,
            definition={"rows": "region", "measure": "customers", "date_from": "2026-02-30"},
        )
    assert set(dates.value.errors) == {"date_from"}


def test_drill_lists_the_customers_of_a_cell(data: dict[str, Any], make_user: Any) -> None:
    definition = {"rows": "age_band", "columns": "category", "measure": "revenue"}
    listed = pivot_drill(
        actor=make_user("relationship_manager"), definition=definition, row="25-34", column="Eletro"
    )
    assert listed["count"] == 2
    assert [(r["name"], r["lifecycle_stage"], r["value"]) for r in listed["results"]] == [
        ("Ana Alves", "client", D("200.00")),
        ("Bruno Borges", "buyer", D("100.00")),
    ]
    hidden = pivot_drill(
        actor=make_user("marketing"), definition=definition, row="25-34", column="Eletro"
    )
    assert [(r["name"], r["value"]) for r in hidden["results"]] == [
        ("Ana Alves", None),
        ("Bruno Borges", None),
    ]
    assert pivot_cell_party_ids(
        actor=None, definition=definition, row="25-34", column=None
    ) == sorted([data["a"].pk, data["b"].pk])
    with pytest.raises(Forbidden):
        pivot_drill(actor=make_user("agent"), definition=definition, row="25-34")
    with pytest.raises(Invalid):
        pivot_drill(actor=None, definition=definition, row=OTHERS)


def test_others_of_an_additive_measure_are_added_up(data: dict[str, Any]) -> None:
    t = _table(
        pivot_run(
            actor=None,
            definition={
                "rows": "category",
                "columns": "region",
                "measure": "revenue",
                "row_limit": 1,
                "column_limit": 1,
            },
        )
    )
    # categories by revenue: Eletro 300, Móveis 250, "" 20 -> Eletro kept, the rest others
    # regions by revenue: SP 450 (A 250 + C 200), RJ 120 (B) -> SP kept, RJ others
    assert t["rows"] == {"Eletro": D("300.00"), OTHERS: D("270.00")}
    assert t["cols"] == {"SP": D("450.00"), OTHERS: D("120.00")}
    assert t["cells"] == {
        ("Eletro", "SP"): D("200.00"),  # A
        ("Eletro", OTHERS): D("100.00"),  # B in RJ
        (OTHERS, "SP"): D("250.00"),  # A's Móveis 50 + C's Móveis 200
        (OTHERS, OTHERS): D("20.00"),  # B's line without a product
    }
    assert t["total"] == D("570.00")
