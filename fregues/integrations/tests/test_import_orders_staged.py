"""The staged (set-based) orders import on PostgreSQL leaves exactly what the row-by-row import
leaves: the same orders, lines, amounts, payment states and fingerprints, the same audit
entries, events and lifecycle calls, the same counters and the same rejected-rows file — for a
dirty file with a bad row of every kind, and for the benchmark's realistic export; and a second
run of the same file changes nothing either way."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import translation

from bench.orders import catalog_rows, generate_orders
from fregues.core.models import AuditEntry, OutboxEvent
from fregues.integrations.models import ImportJob
from fregues.parties.tests.factories import ContactPointFactory, ExternalIdFactory, PartyFactory
from fregues.sales.models import Order, OrderLine, Product
from fregues.sales.services import order_import_writes
from fregues.sales.tests.factories import (
    PriceFactory,
    PriceListFactory,
    ProductFactory,
    TaxRateFactory,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="staged on PostgreSQL only"),
]

FIELDS = (
    "order_id;number;ordered_at;customer_external_id;customer_tax_id;customer_email;party_id;"
    "sku;product_external_id;description;unit;quantity;unit_price;discount_percent;discount;"
    "tax_rate;tax_code;unit_cost;currency;status;payment_state;amount_paid;paid_at;notes\n"
)


def _row(**given: str) -> str:
    names = FIELDS.strip().split(";")
    return ";".join(given.get(name, "") for name in names) + "\n"


def L(order: str, **given: str) -> str:
    base = {
        "order_id": order,
        "ordered_at": "02/03/2026",
        "customer_external_id": "C1",
        "sku": "CAFE",
        "quantity": "2",
        "unit_price": "40,00",
        "tax_rate": "18",
        "currency": "BRL",
    }
    base.update(given)
    return _row(**base)


DIRTY = "".join(
    [
        # good orders of every shape
        L("G-1") + L("G-1", sku="", description="Frete", quantity="1", unit_price="15"),
        L("G-2", customer_external_id="", customer_tax_id="529.982.247-25", discount="10%"),
        L("G-3", customer_external_id="", customer_email="Loja@Exemplo.COM", status="entregue"),
        L("G-4", payment_state="pago", paid_at="2026-03-04 10:00", notes="entrega urgente"),
        L("G-5", amount_paid="50", number="NF-5", discount="3,50", unit_cost="12,3456"),
        L("G-6", sku="", product_external_id="P-9", quantity="1,5", unit=""),
        L("G-7", unit_price="", tax_rate="", sku="PRICED"),  # price and tax from the catalogue
        L("G-8", currency="EUR", sku="LIVRO", discount_percent="12,5"),
        L("G-9", currency="JPY", unit_price="1000"),  # no cents: rounded its own way
        L("G-10", customer_external_id="OLD"),  # a merged customer: its survivor
        L("G-11", ordered_at="2026-03-07T10:30:00-03:00", payment_state="parcial"),
        L(" G-12 ", sku=" CAFE", status=" entregue "),  # spaces around cells
        L("G-13", customer_external_id="C2", tax_code="ISS", tax_rate="5"),
        L("SKIP-1"),  # stored already with the same content: skipped
        L("UPD-1", quantity="7"),  # stored with other content: updated
        # bad rows of every kind
        L(""),
        L("B-1") + L("B-1", currency="EUR"),
        L("B-2", ordered_at="31/02/2026"),
        L("B-3", currency="XYZ"),
        L("B-4", status="perdido"),
        L("B-5", payment_state="talvez"),
        L("B-6", amount_paid="-3"),
        L("B-7", amount_paid="9999"),
        L("B-8", customer_external_id=""),
        L("B-9", customer_external_id="C404"),
        L("B-10", customer_external_id="", customer_tax_id="111.444.777-35"),
        L("B-11", customer_external_id="", customer_email="ninguem@exemplo.com"),
        L("B-12", quantity="x"),
        L("B-13", quantity="-1"),
        L("B-14", quantity=""),
        L("B-15", unit_price="-2"),
        L("B-16", tax_rate="1000"),
        L("B-17", unit_cost="-1"),
        L("B-18", discount_percent="120"),
        L("B-19", discount="500"),
        L("B-20", sku="", description=""),
        L("B-21", sku="NOPE"),
        L("B-22", sku="", product_external_id="P-404"),
        L("B-23", party_id="abc"),
        L("B-24", unit_price="", sku="CAFE"),
        L("B-25", tax_rate="", tax_code="NOPE"),
        L("B-26", quantity="99999999999"),
        L("G-14") + L("B-27") + L("G-14"),  # G-14 scattered
        "B-28;only;three\n",
    ]
)


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


@pytest.fixture
def world(db: None, admin_api: Any) -> dict[str, Any]:
    parties = {}
    for n in range(1, 41):
        party = PartyFactory()
        ExternalIdFactory(party=party, source="erp", code=f"C{n}")
        parties[f"C{n}"] = party
    PartyFactory(tax_id="52998224725")
    ContactPointFactory(party=PartyFactory(), kind="email", value="loja@exemplo.com")
    survivor, old = PartyFactory(), PartyFactory()
    ExternalIdFactory(party=old, source="erp", code="OLD")
    type(old).objects.filter(pk=old.pk).update(merged_into=survivor)
    ProductFactory(sku="CAFE", name="Café 1 kg", cost=Decimal("10.5"), cost_currency="BRL")
    ProductFactory(sku="LIVRO", name="Livro", cost=Decimal("7"), cost_currency="EUR")
    ProductFactory(sku="P9", name="Parafuso", source="erp", external_id="P-9", cost=None)
    tax = TaxRateFactory(code="icms-18", rate=Decimal("18"))
    priced = ProductFactory(sku="PRICED", name="Tabelado", tax_rate=tax, cost=None)
    from fregues.sales.models import PriceList

    brl = PriceList.objects.filter(currency="BRL", is_default=True).first()
    PriceFactory(
        price_list=brl or PriceListFactory(currency="BRL", is_default=True),
        product=priced,
        unit_price=Decimal("33.3333"),
    )
    for sku, name, _price, cost, _tax in catalog_rows(60, 7):
        Product.objects.create(sku=sku, name=name, cost=Decimal(cost), cost_currency="BRL")
    for code, quantity in (("SKIP-1", 2), ("UPD-1", 1)):
        response = admin_api.put(
            f"/erp/orders/{code}?source=erp",
            {
                "customer": {"external_id": "C1"},
                "ordered_at": "2026-03-02",
                "currency": "BRL",
                "lines": [
                    {"sku": "CAFE", "quantity": quantity, "unit_price": "40.00", "tax_rate": "18"}
                ],
            },
        )
        assert response.status_code in (200, 201), response.json()
    return parties


def _import(path: Path, errors: Path) -> dict[str, Any]:
    out = io.StringIO()
    call_command(
        "import",
        "orders",
        str(path),
        "--source",
        "erp",
        "--json",
        "--errors",
        str(errors),
        stdout=out,
        stderr=io.StringIO(),
    )
    return json.loads(out.getvalue())


def _snapshot(calls: list[dict[str, Any]], mark: int) -> dict[str, Any]:
    code = dict(Order.objects.values_list("id", "external_id"))
    skip = {"id", "created_at", "updated_at"}
    orders = sorted(
        tuple(sorted((k, str(v)) for k, v in row.items() if k not in skip))
        for row in Order.objects.values()
    )
    lines = sorted(
        (
            code[row["order_id"]],
            *sorted((k, str(v)) for k, v in row.items() if k not in ("id", "order_id")),
        )
        for row in OrderLine.objects.values()
    )
    audit = []
    for entry in AuditEntry.objects.filter(pk__gt=mark, entity_type__startswith="sales.order"):
        changes = json.loads(json.dumps(entry.changes))
        if "import" in changes and "order_ids" in changes["import"]:
            changes["import"]["order_ids"] = [code[i] for i in changes["import"]["order_ids"]]
        entity = (
            code.get(entry.entity_id, entry.entity_id) if entry.entity_type == "sales.order" else 0
        )
        audit.append(
            (
                entry.action,
                entry.entity_type,
                entity,
                entry.summary,
                json.dumps(changes, sort_keys=True),
            )
        )
    events = [
        (e.name, json.dumps({k: v for k, v in e.payload.items() if k != "job_id"}, sort_keys=True))
        for e in OutboxEvent.objects.filter(name__startswith="sales.orders")
    ]
    jobs = list(
        ImportJob.objects.order_by("id").values_list(
            "rows_done", "created", "updated", "skipped", "rejected"
        )
    )
    return {
        "orders": orders,
        "lines": lines,
        "audit": audit,
        "events": events,
        "jobs": jobs,
        "calls": list(calls),
    }


def _both(tmp_path: Path, text: str, settings: Any, monkeypatch: Any) -> list[dict[str, Any]]:
    path = tmp_path / "pedidos.csv"
    path.write_text(text, encoding="utf-8")
    calls: list[dict[str, Any]] = []
    real = order_import_writes.lifecycle_rules_apply

    def counted(**kw: Any) -> Any:
        calls.append(kw)
        return real(**kw)

    monkeypatch.setattr(order_import_writes, "lifecycle_rules_apply", counted)
    mark = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    seen = []
    for staged in (False, True):
        settings.ORDER_IMPORT_STAGED = staged
        del calls[:]
        with transaction.atomic():
            runs = []
            for again in (1, 2):
                errors = tmp_path / f"rejected-{staged}-{again}.csv"
                summary = _import(path, errors)
                for volatile in (
                    "job",
                    "rows_per_second",
                    "seconds",
                    "elapsed",
                    "errors_file",
                    "steps",
                ):
                    summary.pop(volatile, None)
                summary.pop("seconds", None)
                rejected = errors.read_text(encoding="utf-8-sig") if errors.exists() else ""
                runs.append((summary, rejected))
            seen.append({"runs": runs, **_snapshot(calls, mark)})
            transaction.set_rollback(True)
    return seen


def _same(old: dict[str, Any], new: dict[str, Any]) -> None:
    for key in ("runs", "orders", "lines", "audit", "events", "jobs", "calls"):
        if new[key] != old[key]:
            gone = [x for x in old[key] if x not in new[key]][:3]
            extra = [x for x in new[key] if x not in old[key]][:3]
            pytest.fail(f"{key} differ: only before {gone!r}; only after {extra!r}")


def test_a_dirty_file_leaves_the_same_as_the_row_by_row_import(
    tmp_path: Path, world: dict[str, Any], settings: Any, monkeypatch: Any
) -> None:
    header = FIELDS
    old, new = _both(tmp_path, header + DIRTY, settings, monkeypatch)
    assert old["orders"] and old["runs"][0][1].count("\n") > 25  # it did import and reject
    assert old["runs"][1][0]["created"] == 0 and old["runs"][1][0]["updated"] == 0
    _same(old, new)


def test_the_benchmark_export_leaves_the_same_as_the_row_by_row_import(
    tmp_path: Path, world: dict[str, Any], settings: Any, monkeypatch: Any
) -> None:
    source = tmp_path / "bench.csv"
    codes = [f"C{n}" for n in range(1, 41)]
    made = generate_orders(source, codes, 4000, seed=7, products=60)
    assert made.bad_lines and made.unknown_customer_orders
    text = source.read_text(encoding="utf-8")
    monkeypatch.setattr("fregues.integrations.services.BATCH_SIZE", 700)
    old, new = _both(tmp_path, text, settings, monkeypatch)
    assert len(old["orders"]) > 500 and len(old["jobs"]) == 2
    _same(old, new)


def test_the_staged_import_took_the_set_based_path(
    tmp_path: Path, world: dict[str, Any], settings: Any, monkeypatch: Any
) -> None:
    from fregues.sales.services import order_staging

    found: list[dict[str, int]] = []
    real = order_staging.order_import_stage
    monkeypatch.setattr(
        "fregues.integrations.staged.order_import_stage",
        lambda **kw: found.append(real(**kw)) or found[-1],
    )
    settings.ORDER_IMPORT_STAGED = True
    path = tmp_path / "p.csv"
    path.write_text(FIELDS + DIRTY, encoding="utf-8")
    _import(path, tmp_path / "r.csv")
    assert found and found[0].get("create", 0) >= 8 and found[0].get("skip") == 1
    assert not connection.introspection.table_names() or not [
        t for t in connection.introspection.table_names() if t.startswith("sales_orderstage")
    ]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_checking_beside_writing_on_a_second_connection_leaves_the_same(
    tmp_path: Path, world: dict[str, Any], settings: Any, monkeypatch: Any
) -> None:
    # outside a transaction the next chunk is checked on another thread and connection while
    # the previous one is written: small chunks and batches make several of each
    from fregues.sales.models import LifecycleRule
    from fregues.sales.services import order_staging

    LifecycleRule.objects.update(is_active=False)  # both runs start from the same stages
    monkeypatch.setattr(order_staging, "CHUNK_BATCHES", 2)
    monkeypatch.setattr("fregues.integrations.services.BATCH_SIZE", 300)
    source = tmp_path / "bench.csv"
    generate_orders(source, [f"C{n}" for n in range(1, 41)], 3000, seed=11, products=60)
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(order_import_writes, "lifecycle_rules_apply", lambda **kw: calls.append(kw))
    mark = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    seen = []
    for staged in (True, False):
        settings.ORDER_IMPORT_STAGED = staged
        del calls[:]
        summary = _import(source, tmp_path / f"r-{staged}.csv")
        assert summary.get("steps", {}).get("orders", {}).get("create", 1) > 0
        rejected = (tmp_path / f"r-{staged}.csv").read_text(encoding="utf-8-sig")
        for volatile in ("job", "rows_per_second", "seconds", "errors_file", "steps"):
            summary.pop(volatile, None)
        seen.append({"runs": [(summary, rejected)], **_snapshot(calls, mark)})
        stored = ["SKIP-1", "UPD-1"]
        OrderLine.objects.exclude(order__external_id__in=stored).delete()
        Order.objects.exclude(external_id__in=stored).delete()
        AuditEntry.objects.filter(pk__gt=mark).delete()
        OutboxEvent.objects.filter(name__startswith="sales.orders").delete()
        ImportJob.objects.all().delete()
    new, old = seen
    _same(old, new)
    assert not [
        t for t in connection.introspection.table_names() if t.startswith("sales_orderstage")
    ]
