"""The orders part of the benchmark: a catalogue, an ERP's export of order lines at scale, and
``fregues import orders FILE`` measured twice (the first load, then the same file again, which
must change nothing).

    python -m bench --customers 100000 --interactions 0 --order-lines 1000000 --skip-http

The customers are those the run loaded (their codes read back from the database, so the file
names only customers Freguês knows, whichever loader ran), plus a small share of unknown codes
and bad lines, as a real export has: the rejected-rows path is measured too. The file is what
a Brazilian ERP writes: ``;``-separated, decimal commas, Portuguese headers, one row per order
line, the lines of an order together.

Child commands (run in Freguês's environment, like ``bench.inproc``)::

    python -m bench.orders catalog N     # N products with SKU, price and cost, by bulk insert
    python -m bench.orders codes FILE    # the customer codes, one a line, into FILE
"""

from __future__ import annotations

import csv
import json
import os
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ORDER_HEADER = [
    "Pedido",
    "Data",
    "Cliente",
    "SKU",
    "Descrição",
    "Quantidade",
    "Preço unitário",
    "Desconto",
    "Imposto %",
    "Custo",
    "Moeda",
    "Situação",
    "Pagamento",
]
GENERATOR_VERSION = 2
PRODUCTS = 2_000
UNKNOWN_CUSTOMER_SHARE = 0.001  # orders naming a code Freguês does not know
BAD_LINE_SHARE = 0.0005  # lines with a negative quantity or an unknown SKU
TAXES = ("0", "5", "12", "18", "18", "18")
STATUSES = ("confirmado", "confirmado", "entregue", "entregue", "entregue", "cancelado")
PAYMENTS = ("pago", "pago", "pago", "pendente", "parcial")


def catalog_rows(count: int, seed: int) -> list[tuple[str, str, str, str, str]]:
    """``(sku, name, price, cost, tax %)`` for ``count`` products, the same for the same
    seed (a product's tax is the product's, as an ERP's is)."""
    rng = random.Random(seed ^ 0xCA7)
    words = ("Café", "Açúcar", "Parafuso", "Cabo", "Filtro", "Tinta", "Papel", "Óleo", "Lâmpada")
    out = []
    for n in range(1, count + 1):
        price = round(rng.uniform(2, 900), 2)
        cost = round(price * rng.uniform(0.4, 0.8), 2)
        name = f"{words[n % len(words)]} {n:05d}"
        tax = TAXES[int(rng.random() * len(TAXES))]
        out.append((f"SKU-{n:05d}", name, f"{price:.2f}", f"{cost:.2f}", tax))
    return out


@dataclass
class OrdersFile:
    path: str
    lines: int = 0
    orders: int = 0
    unknown_customer_orders: int = 0
    bad_lines: int = 0
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def _comma(value: float, places: int = 2) -> str:
    return f"{value:.{places}f}".replace(".", ",")


def generate_orders(
    path: Path, codes: list[str], lines: int, seed: int, products: int = PRODUCTS
) -> OrdersFile:
    """Write ``lines`` order lines (1–12 per order, about 5 on average) for customers drawn
    from ``codes``, 2021–2025, BRL; a few orders name an unknown customer and a few lines are
    bad (negative quantity, unknown SKU)."""
    started = time.perf_counter()
    rng = random.Random(seed)
    random_ = rng.random
    catalog = catalog_rows(products, seed)
    result = OrdersFile(str(path))
    days = [
        f"{d:02d}/{m:02d}/{y}"
        for y in range(2021, 2026)
        for m in range(1, 13)
        for d in range(1, 29)
    ]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(ORDER_HEADER)
        written = 0
        number = 0
        while written < lines:
            number += 1
            if random_() < UNKNOWN_CUSTOMER_SHARE:
                customer = f"X{number:09d}"
                result.unknown_customer_orders += 1
            else:
                customer = codes[int(random_() * len(codes))]
            count = min(lines - written, 1 + int(rng.expovariate(1 / 4)))
            count = min(count, 12)
            when = days[int(random_() * len(days))]
            status = STATUSES[int(random_() * len(STATUSES))]
            payment = (
                PAYMENTS[int(random_() * len(PAYMENTS))] if status != "cancelado" else "pendente"
            )
            order_id = f"PV{number:09d}"
            for _line in range(count):
                sku, _name, price, cost, tax = catalog[int(random_() * len(catalog))]
                quantity = 1 + int(rng.expovariate(1 / 3))
                if random_() < BAD_LINE_SHARE:
                    result.bad_lines += 1
                    if random_() < 0.5:
                        quantity = -quantity
                    else:
                        sku = "SKU-NOPE"
                discount = _comma(random_() * 10) if random_() < 0.2 else ""
                writer.writerow(
                    [
                        order_id,
                        when,
                        customer,
                        sku,
                        "",
                        str(quantity),
                        price.replace(".", ","),
                        discount,
                        tax,
                        cost.replace(".", ","),
                        "BRL",
                        status,
                        payment if status != "cancelado" else "",
                    ]
                )
            written += count
            result.orders += 1
    result.lines = written
    result.seconds = round(time.perf_counter() - started, 2)
    return result


# -- measured in a benchmark run ------------------------------------------------------------
def _child(run: Any, *args: str) -> dict[str, Any]:
    from .runner import StepError
    from .util import run as run_command

    result = run_command([sys.executable, "-m", "bench.orders", *args], run.env)
    if result.returncode != 0:
        raise StepError(f"bench.orders {' '.join(args)} failed: {result.tail()}")
    return result.last_json() or {}


def orders_file(run: Any) -> OrdersFile:
    """The catalogue loaded, the customers' codes read back, the file generated (or reused:
    the same codes, lines and seed give the same file)."""
    import hashlib

    args = run.args
    run.details["orders_catalog"] = _child(run, "catalog", str(PRODUCTS), str(args.seed))
    codes_path = run.dir / "codes.txt"
    run.details["orders_codes"] = _child(run, "codes", str(codes_path))
    text = codes_path.read_bytes()
    digest = hashlib.sha1(text).hexdigest()[:12]
    data = args.work / "data"
    data.mkdir(parents=True, exist_ok=True)
    path = data / f"orders-{args.order_lines}-{args.seed}-{digest}-v{GENERATOR_VERSION}.csv"
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists():
        return OrdersFile(**json.loads(meta.read_text()))
    codes = text.decode().split()
    if not codes:
        raise RuntimeError("no customer codes in the database: the customers did not load")
    made = generate_orders(path, codes, args.order_lines, args.seed)
    meta.write_text(json.dumps(vars(made)))
    return made


def raw_limit(engine: str, target: str, path: str) -> dict[str, Any]:
    """What the database does with the same file and no application: PostgreSQL ``COPY`` into
    a plain text table; SQLite the parsed rows by ``executemany`` in one transaction."""
    columns = ", ".join(f"c{i} text" for i in range(len(ORDER_HEADER)))
    started = time.perf_counter()
    if engine == "postgres":
        import psycopg

        with psycopg.connect(target, autocommit=True) as conn:
            conn.execute(
                f"DROP TABLE IF EXISTS bench_raw_orders; CREATE TABLE bench_raw_orders ({columns})"
            )
            with (
                open(path, "rb") as handle,
                conn.cursor().copy(
                    "COPY bench_raw_orders FROM STDIN (FORMAT csv, DELIMITER ';', HEADER)"
                ) as copy,
            ):
                while chunk := handle.read(1 << 20):
                    copy.write(chunk)
            counted = conn.execute("SELECT count(*) FROM bench_raw_orders").fetchone()
            rows = counted[0] if counted else 0
            seconds = time.perf_counter() - started
            conn.execute("DROP TABLE bench_raw_orders")
    else:
        import sqlite3

        lite = sqlite3.connect(target)
        lite.execute("PRAGMA journal_mode=WAL")
        lite.execute("PRAGMA synchronous=NORMAL")
        lite.execute(f"CREATE TABLE bench_raw_orders ({columns})")
        marks = ", ".join("?" * len(ORDER_HEADER))
        with open(path, newline="", encoding="utf-8") as handle, lite:
            reader = csv.reader(handle, delimiter=";")
            next(reader)
            lite.executemany(f"INSERT INTO bench_raw_orders VALUES ({marks})", reader)
        rows = lite.execute("SELECT count(*) FROM bench_raw_orders").fetchone()[0]
        seconds = time.perf_counter() - started
        lite.execute("DROP TABLE bench_raw_orders")
        lite.close()
    return {"rows": rows, "seconds": round(seconds, 3), "rows_per_second": round(rows / seconds)}


def measure(run: Any) -> None:
    """The orders import on ``run``'s database: the file once, then again (which must change
    nothing), the raw-SQL limit beside it, and the tables' counts."""
    made = orders_file(run)
    run.details["orders_file"] = vars(made)
    target = str(run.dir / "raw.sqlite3") if run.engine == "sqlite" else run.pg_url
    found = raw_limit(run.engine, target, made.path)
    run.details["raw_orders"] = found
    run.metrics["raw_orders_rows_per_s"] = found["rows_per_second"]
    if getattr(run.args, "orders_without_lifecycle", False):
        run.details["orders_lifecycle_off"] = _child(run, "lifecycle-off")
    run.details["orders_load_average"] = {"before": list(os.getloadavg())}
    for name in ("import_orders", "import_orders_again"):
        what = "fregues import orders FILE --json"
        result = run.checked(run.fregues("import", "orders", made.path, "--json"), what)
        data = result.last_json() or {}
        rows = int(data.get("rows") or 0)
        data["wall_seconds"] = round(result.seconds, 2)
        data["wall_rows_per_second"] = round(rows / result.seconds) if result.seconds else None
        data["peak_rss_mb"] = result.max_rss_mb
        run.details[name] = data
        run.details["orders_load_average"][name] = list(os.getloadavg())
        run.metrics[f"{name}_rows_per_s"] = data.get("rows_per_second")
    again = run.details["import_orders_again"]
    if again.get("created") or again.get("updated"):
        run.notes.append(
            f"orders: the second run of the same file created {again.get('created')} and "
            f"updated {again.get('updated')} orders (it should change nothing)"
        )
    db = run.raw()
    try:
        run.details["orders_counts"] = {
            table: db.scalar(f"SELECT count(*) FROM {table}")
            for table in ("sales_order", "sales_orderline", "sales_product")
        }
    finally:
        db.close()


# -- child commands (inside Freguês's Django) -----------------------------------------------
def _setup() -> None:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fregues.settings")
    import django

    django.setup()


def load_catalog(count: int, seed: int) -> dict[str, Any]:
    """Insert the catalogue (skipping SKUs already there)."""
    from decimal import Decimal

    from django.db import transaction

    from fregues.sales.models import Product

    started = time.perf_counter()
    have = set(Product.objects.values_list("sku", flat=True))
    fresh = [
        Product(sku=sku, name=name, cost=Decimal(cost), cost_currency="BRL", unit="un")
        for sku, name, _price, cost, _tax in catalog_rows(count, seed)
        if sku not in have
    ]
    with transaction.atomic():
        Product.objects.bulk_create(fresh, batch_size=1000)
    return {"products": len(fresh), "seconds": round(time.perf_counter() - started, 3)}


def dump_codes(path: str) -> dict[str, Any]:
    """Every customer code (external id) into ``path``, one a line."""
    from django.db import connection

    started = time.perf_counter()
    count = 0
    with connection.cursor() as cursor, open(path, "w", encoding="utf-8") as out:
        cursor.execute("SELECT code FROM parties_externalid ORDER BY id")
        while True:
            rows = cursor.fetchmany(50_000)
            if not rows:
                break
            out.write("".join(f"{code}\n" for (code,) in rows))
            count += len(rows)
    return {"codes": count, "seconds": round(time.perf_counter() - started, 3)}


def lifecycle_off() -> dict[str, Any]:
    """Switch off the lifecycle rules that orders drive (first paid order, repeat, dormant):
    what the import alone costs, the moves left to ``fregues lifecycle backfill``."""
    from fregues.sales.models import LifecycleRule

    kinds = ("first_paid_order", "repeat_order", "dormant")
    return {"rules_off": LifecycleRule.objects.filter(kind__in=kinds).update(is_active=False)}


def main(argv: list[str]) -> int:
    _setup()
    if argv[:1] == ["catalog"] and len(argv) in (2, 3):
        result = load_catalog(int(argv[1]), int(argv[2]) if len(argv) == 3 else 2026)
    elif argv[:1] == ["lifecycle-off"]:
        result = lifecycle_off()
    elif argv[:1] == ["codes"] and len(argv) == 2:
        result = dump_codes(argv[1])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
