"""`fregues import orders FILE`: one row per order line, grouped into orders; customers and
products matched like the ERP endpoint; rejected orders whole; re-runs change nothing."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from fregues.core.models import AuditEntry
from fregues.integrations.models import ImportJob
from fregues.integrations.services import import_job_create, import_job_run
from fregues.parties.tests.factories import ContactPointFactory, ExternalIdFactory, PartyFactory
from fregues.sales.models import Order, OrderLine
from fregues.sales.services import order_import_writes, order_imports
from fregues.sales.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "Pedido;Data;Cliente;CPF/CNPJ;E-mail;SKU;Descrição;Quantidade;Preço unitário;Desconto;"
    "Imposto %;Custo;Moeda;Situação;Pagamento\n"
)
ROWS = (
    # two lines of one order, a customer by code
    "PV-1;02/03/2026;C1;;;CAFE;;2;40,00;;18;20;BRL;confirmado;pago\n"
    "PV-1;02/03/2026;C1;;;;Frete;1;15,00;;;;BRL;confirmado;pago\n"
    # by CPF, with a 10 % discount written as such
    "PV-2;2026-03-05;;529.982.247-25;;CAFE;;1;40;10%;0;;BRL;entregue;pendente\n"
    # by e-mail
    "PV-3;2026-03-06;;;Loja@Exemplo.com;CAFE;;3;40;;;;BRL;;\n"
    # a line for a product that does not exist: the whole order is refused
    "PV-4;2026-03-07;C1;;;CAFE;;1;40;;;;BRL;;\n"
    "PV-4;2026-03-07;C1;;;NOPE;;1;40;;;;BRL;;\n"
    # a negative quantity
    "PV-5;2026-03-07;C1;;;CAFE;;-1;40;;;;BRL;;\n"
    # an unknown customer
    "PV-6;2026-03-07;C404;;;CAFE;;1;40;;;;BRL;;\n"
    # an unknown currency
    "PV-7;2026-03-07;C1;;;CAFE;;1;40;;;;XYZ;;\n"
)


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    by_code = PartyFactory()
    ExternalIdFactory(party=by_code, source="erp", code="C1")
    by_tax = PartyFactory(tax_id="52998224725")
    by_email = PartyFactory()
    ContactPointFactory(party=by_email, kind="email", value="loja@exemplo.com")
    ProductFactory(sku="CAFE", name="Café 1 kg", cost=None)
    return {"code": by_code, "tax": by_tax, "email": by_email}


def write(tmp_path: Path, text: str, name: str = "pedidos.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("import", "orders", *args, "--json", stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def test_a_file_of_order_lines_becomes_orders(tmp_path: Path, world: dict[str, Any]) -> None:
    errors = tmp_path / "rejected.csv"
    summary = run(str(write(tmp_path, HEADER + ROWS)), "--source", "erp", "--errors", str(errors))
    assert summary["status"] == "done"
    assert (summary["rows"], summary["created"], summary["rejected"]) == (9, 3, 5)
    one = Order.objects.get(external_id="PV-1")
    assert one.party_id == world["code"].pk and one.source == "erp" and one.number == "PV-1"
    assert [line.description for line in one.lines.all()] == ["Café 1 kg", "Frete"]
    assert one.total == Decimal("109.40")  # 2 × 40 + 18 % tax + 15
    assert one.payment_state == "paid" and one.amount_paid == one.total
    assert one.ordered_at.date().isoformat() == "2026-03-02"
    assert one.cost_total is None  # the freight line has no cost
    two = Order.objects.get(external_id="PV-2")
    assert two.party_id == world["tax"].pk and two.status == "fulfilled"
    assert two.total == Decimal("36.00") and two.payment_state == "unpaid"
    assert Order.objects.get(external_id="PV-3").party_id == world["email"].pk
    rejected = {
        int(row[0]): row[1] for row in list(csv.reader(errors.open(encoding="utf-8-sig")))[1:]
    }
    assert set(rejected) == {6, 7, 8, 9, 10}
    assert "NOPE" in rejected[7] and "see line 7" in rejected[6]
    assert "more than zero" in rejected[8]
    assert "C404" in rejected[9]
    assert "XYZ" in rejected[10]
    entry = AuditEntry.objects.get(entity_type="sales.order_import")
    assert entry.summary == "3 orders imported from pedidos.csv"
    assert one.pk in entry.changes["import"]["order_ids"]


def test_running_the_same_file_again_changes_nothing(tmp_path: Path, world: dict[str, Any]) -> None:
    path = write(tmp_path, HEADER + ROWS)
    run(str(path), "--source", "erp")
    before = (
        list(Order.objects.values_list("id", "version", "content_hash")),
        OrderLine.objects.count(),
        AuditEntry.objects.filter(entity_type__startswith="sales.order").count(),
    )
    second = run(str(path), "--source", "erp")
    assert (second["created"], second["updated"], second["skipped"]) == (0, 0, 3)
    after = (
        list(Order.objects.values_list("id", "version", "content_hash")),
        OrderLine.objects.count(),
        AuditEntry.objects.filter(entity_type__startswith="sales.order").count(),
    )
    assert after == before


def test_a_changed_order_is_updated_with_its_lines_replaced(
    tmp_path: Path, world: dict[str, Any]
) -> None:
    run(str(write(tmp_path, HEADER + ROWS)), "--source", "erp")
    changed = HEADER + "PV-1;02/03/2026;C1;;;CAFE;;5;40,00;;18;20;BRL;confirmado;pago\n"
    summary = run(str(write(tmp_path, changed, "v2.csv")), "--source", "erp")
    assert (summary["created"], summary["updated"]) == (0, 1)
    order = Order.objects.get(external_id="PV-1")
    assert order.version == 2 and order.lines.count() == 1
    assert order.total == Decimal("236.00") and order.cost_total == Decimal("100.00")
    entry = AuditEntry.objects.get(entity_id=order.pk, action="update")
    assert entry.changes["total"] == ["109.40", "236.00"]


def test_a_dry_run_writes_nothing(tmp_path: Path, world: dict[str, Any], unchanged: Any) -> None:
    out = io.StringIO()
    with unchanged():
        call_command(
            "import",
            "orders",
            str(write(tmp_path, HEADER + ROWS)),
            "--source",
            "erp",
            "--dry-run",
            "--json",
            stdout=out,
            stderr=io.StringIO(),
        )
    summary = json.loads(out.getvalue())
    assert summary["created"] == 3 and summary["rejected"] == 5
    assert not ImportJob.objects.exists()


def test_an_order_split_across_the_file_is_refused_and_batches_keep_orders_whole(
    tmp_path: Path, world: dict[str, Any], monkeypatch: Any
) -> None:
    from fregues.integrations import services

    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    rows = (
        "PV-8;2026-03-07;C1;;;CAFE;;1;40;;;;BRL;;\n"
        "PV-8;2026-03-07;C1;;;CAFE;;2;40;;;;BRL;;\n"
        "PV-8;2026-03-07;C1;;;CAFE;;3;40;;;;BRL;;\n"
        "PV-9;2026-03-07;C1;;;CAFE;;1;40;;;;BRL;;\n"
        "PV-8;2026-03-07;C1;;;CAFE;;4;40;;;;BRL;;\n"
    )
    summary = run(str(write(tmp_path, HEADER + rows)), "--source", "erp")
    assert (summary["created"], summary["rejected"]) == (2, 1)
    assert Order.objects.get(external_id="PV-8").lines.count() == 3


def test_lines_of_one_order_must_agree_on_the_order(tmp_path: Path, world: dict[str, Any]) -> None:
    rows = "PV-10;2026-03-07;C1;;;CAFE;;1;40;;;;BRL;;\nPV-10;2026-03-07;C1;;;CAFE;;1;40;;;;EUR;;\n"
    errors = tmp_path / "r.csv"
    summary = run(str(write(tmp_path, HEADER + rows)), "--source", "erp", "--errors", str(errors))
    assert summary["rejected"] == 2 and not Order.objects.exists()
    assert "EUR" in errors.read_text(encoding="utf-8-sig")


def test_the_lifecycle_rules_run_once_per_batch(
    tmp_path: Path, world: dict[str, Any], monkeypatch: Any
) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(order_import_writes, "lifecycle_rules_apply", lambda **kw: calls.append(kw))
    run(str(write(tmp_path, HEADER + ROWS)), "--source", "erp")
    assert len(calls) == 1 and calls[0]["cause_type"] == "sales.order"
    assert calls[0]["party_ids"] == sorted(p.pk for p in world.values())


def test_the_mapping_needs_an_order_id_quantity_and_price(
    tmp_path: Path, world: dict[str, Any]
) -> None:
    with pytest.raises(CommandError, match="order_id"):
        run(str(write(tmp_path, "Cliente;SKU\nC1;CAFE\n")))


def test_roles_that_may_not_record_orders_may_not_import_them(
    tmp_path: Path, world: dict[str, Any], make_user: Any
) -> None:
    marketer = make_user("marketing")  # may import customers, not orders
    with pytest.raises(Exception, match="not allow"):
        import_job_create(actor=marketer, kind="orders", file=write(tmp_path, HEADER + ROWS))
    manager = make_user("relationship_manager")
    job = import_job_create(
        actor=manager, kind="orders", file=write(tmp_path, HEADER + ROWS), source="erp"
    )
    job = import_job_run(actor=manager, job_id=job.pk)
    assert job.status == "done" and job.created == 3


def test_the_api_takes_an_orders_file(
    tmp_path: Path, world: dict[str, Any], api_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    api = api_as("admin")
    with (
        write(tmp_path, HEADER + ROWS).open("rb") as handle,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = api.upload("/imports", {"file": handle, "kind": "orders", "source": "erp"})
    assert response.status_code == 202, response.json()
    job = api.get(f"/imports/{response.json()['id']}").json()
    assert job["status"] == "done" and job["created"] == 3 and job["rejected"] == 5
    assert job["rejected_url"]


def test_an_order_saved_meanwhile_by_the_erp_is_updated_not_doubled(
    tmp_path: Path, world: dict[str, Any], monkeypatch: Any, admin_api: Any
) -> None:
    # PV-1 arrives from the ERP while the file is read: its batch, planned with PV-1 as new,
    # collides at COPY and is written again order by order (PV-1 updated from the file)
    admin_api.put(
        "/erp/orders/PV-1?source=erp",
        {
            "customer": {"external_id": "C1"},
            "lines": [{"sku": "CAFE", "quantity": 9, "unit_price": "1"}],
        },
    )
    real_existing = order_imports._existing
    hidden: list[str] = []

    def existing_but_pv1_the_first_time(source: str, codes: list[str]) -> dict[str, Any]:
        found = real_existing(source, codes)
        if "PV-1" in found and not hidden:
            hidden.append(found.pop("PV-1")[1])
        return found

    monkeypatch.setattr(order_imports, "_existing", existing_but_pv1_the_first_time)
    summary = run(str(write(tmp_path, HEADER + ROWS)), "--source", "erp")
    assert (summary["created"], summary["updated"], summary["rejected"]) == (2, 1, 5)
    assert Order.objects.count() == 3
    one = Order.objects.get(external_id="PV-1")
    assert one.version == 2 and one.lines.count() == 2 and one.total == Decimal("109.40")
