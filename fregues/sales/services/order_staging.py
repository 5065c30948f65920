"""The orders import on PostgreSQL, set-based: the file staged with COPY, read, checked, matched
and priced by a few SQL statements over the whole file (``order_import_stage``), then written
batch by batch with INSERT … SELECT (``order_staged_batches``).

Why: row by row, a line cost ≈ 54 µs of Python (docs/performance.md, *Orders*); PostgreSQL
does the same joins and sums over a staged file in a few µs a line. Nothing is read differently:

- every *distinct* value of the file (a price, a date, a status word, a tax id) is read once by
  the row-by-row path's own functions (``order_values``) into a dictionary table, and SQL joins
  each row to its reading; amounts are ``money.line_amounts`` in ``numeric`` (half-up rounding
  to cents, exact products; only currencies with cents take this path);
- the fingerprint (``content_hash``) is built from the same texts in the same order and hashed
  with the same SHA-256, so the staged and the row-by-row imports skip the same orders;
- an order SQL cannot vouch for — any value that reads as a problem, a cell with spaces around
  it, lines that disagree, a changed order, a customer not found or found merged, a product
  missing, a line without its price or tax — is marked ``python``: its rows go through
  ``order_import_validate`` / ``_plan`` as before, which reject it (same reasons) or plan it.

The staging tables are UNLOGGED (nothing to recover after a crash: the file is read again) and
dropped at the end of the run (or, after a killed run, by ``order_stage_sweep``).

Linear in the file's size: the staged rows are partitioned by chunk (a chunk's statements read
only its partition, whatever the planner thinks of the batch index), the file's stored orders
and customers are matched once (``order_stage_match``: one hash join each over the file's
distinct order ids and customer keys, kept in tables keyed by batch), and the number of chunks
is bounded (``chunk_batches``), so each chunk's joins to those tables cost a fixed share.
"""

from __future__ import annotations

import contextlib
import datetime
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, connection

from fregues.core.permissions import require

from ..money import MAX_AMOUNT
from .order_imports import _ORDER_LEVEL
from .order_values import READERS, readings

# Python's str.strip() removes these: a cell starting or ending with one is read by the
# row-by-row path (which strips), never compared raw here.
_SPACE = (
    "\\t\\n\\u000b\\f\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029"
    "\\u202f\\u205f\\u3000"
)
_PADDED = f"^[{_SPACE}]|[{_SPACE}]$"

# The order's own fields (they must agree across its lines), as the row-by-row path reads them.
HEAD = _ORDER_LEVEL


# Batches read, checked and matched together (one set of statements): small enough that the
# writer starts early and the next chunk is checked beside it (``order_import_stage``), and
# no more than CHUNKS chunks a file, so the joins to the file-wide tables stay linear.
CHUNK_BATCHES = 10
CHUNKS = 20
# Staging tables left by a run that was killed are dropped once they are this old.
STALE_HOURS = 6
_PREFIX = "sales_orderstage_"
_STARTED = "fregues staging, run began "


def chunk_batches(batches_estimate: int) -> int:
    """Batches per chunk for a file of about ``batches_estimate`` batches: CHUNK_BATCHES, or
    more for files of more than CHUNKS × CHUNK_BATCHES batches."""
    return max(CHUNK_BATCHES, math.ceil(batches_estimate / CHUNKS))


@dataclass
class Stage:
    """A staged file: its tables (named after the run) and which column holds each field."""

    tag: str
    width: int
    fields: dict[str, int] = field(default_factory=dict)  # field → cell index
    chunk: int = CHUNK_BATCHES
    made: list[str] = field(default_factory=list)

    def table(self, part: str) -> str:
        return connection.ops.quote_name(f"{_PREFIX}{self.tag}_{part}")

    def of(self, part: str, batch: int) -> str:
        """The table ``part`` of the chunk that holds ``batch``."""
        return self.table(f"{part}{batch // self.chunk}")

    @property
    def names(self) -> list[str]:
        return [self.table(p) for p in ("rows", "dict", "seen", "cust")] + self.made


def order_stage_open(
    *, actor: Any, tag: str, width: int, fields: dict[str, int], chunk: int = CHUNK_BATCHES
) -> Stage:
    """Create the run's staging table: ``b`` (the engine's batch), ``line``, ``k`` (the order
    id as the engine groups it), ``n`` (cells in the row) and one text column per cell;
    partitioned by ``b`` into one UNLOGGED partition per chunk of ``chunk`` batches (made as
    the rows arrive, ``order_stage_copy``)."""
    require(actor, "data.import")
    require(actor, "order.change")
    stage = Stage(tag, width, fields, chunk)
    order_stage_drop(stage)
    cells = ", ".join(f"c{i} text" for i in range(width))
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {stage.table('rows')} (b int NOT NULL, line int NOT NULL, "
            f"k text NOT NULL, n int NOT NULL, {cells}) PARTITION BY RANGE (b)"
        )
        # when the run began, for ``order_stage_sweep`` (a killed run leaves its tables)
        cursor.execute("SELECT now()")
        started = cursor.fetchone()[0].isoformat()
        cursor.execute(f"COMMENT ON TABLE {stage.table('rows')} IS %s", [_STARTED + started])
    return stage


def order_stage_copy(
    stage: Stage,
    rows: Iterable[Sequence[Any]],
    staged: Callable[[int], None] | None = None,
) -> None:
    """COPY ``(b, line, k, n, *cells)`` rows (in batch order) into the staging table, each
    chunk into its own partition; ``staged(lines)`` after each chunk (the job's progress)."""
    columns = ", ".join(["b", "line", "k", "n", *(f"c{i}" for i in range(stage.width))])
    rows = iter(rows)
    row = next(rows, None)
    count = 0
    with connection.cursor() as cursor, connection.wrap_database_errors:
        while row is not None:
            chunk = row[0] // stage.chunk
            part = stage.table(f"rows_p{chunk}")
            cursor.execute(
                f"CREATE UNLOGGED TABLE {part} PARTITION OF {stage.table('rows')} "
                f"FOR VALUES FROM ({chunk * stage.chunk}) TO ({(chunk + 1) * stage.chunk})"
            )
            with cursor.cursor.copy(f"COPY {part} ({columns}) FROM STDIN") as copy:
                while row is not None and row[0] // stage.chunk == chunk:
                    copy.write_row(row)
                    count += 1
                    row = next(rows, None)
            if staged:
                staged(count)


def order_stage_drop(stage: Stage) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS " + ", ".join(stage.names))


def order_stage_sweep(*, keep: Iterable[Any] = (), hours: float = STALE_HOURS) -> list[str]:
    """Drop the staging tables that killed runs left behind: those of runs that began more
    than ``hours`` ago (the time ``order_stage_open`` wrote on the rows table) and whose tag
    is not in ``keep`` (the running jobs); returns the tables dropped. PostgreSQL only."""
    if connection.vendor != "postgresql":
        return []
    kept = {str(tag) for tag in keep}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, obj_description(c.oid, 'pg_class'), now() "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') "
            "AND NOT c.relispartition AND starts_with(c.relname, %s)",
            [_PREFIX],
        )
        found = cursor.fetchall()
        began: dict[str, datetime.datetime] = {}
        for name, note, _now in found:
            if name.endswith("_rows") and (note or "").startswith(_STARTED):
                began[name[len(_PREFIX) : -len("_rows")]] = datetime.datetime.fromisoformat(
                    note[len(_STARTED) :]
                )
        dropped = []
        for name, _note, now in found:
            tag = name[len(_PREFIX) :].split("_", 1)[0]
            at = began.get(tag)
            # a table without its run's start (an older version's run) counts as old
            if tag in kept or (at is not None and now - at < datetime.timedelta(hours=hours)):
                continue
            cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(name)}")
            dropped.append(name)
    return sorted(dropped)


def _f(stage: Stage, name: str) -> str:
    """A field's value in a staged row (NULL when empty or not in the file, as the engine
    leaves an empty cell out of a row's values)."""
    at = stage.fields.get(name)
    return f"nullif(s.c{at}, '')" if at is not None else "NULL::text"


def _k(stage: Stage, name: str) -> str:
    """A field's dictionary key ('' when empty)."""
    at = stage.fields.get(name)
    return f"coalesce(s.c{at}, '')" if at is not None else "''"


def _discount_key(stage: Stage) -> str:
    return f"{_k(stage, 'discount_percent')} || chr(31) || {_k(stage, 'discount')}"


def _dictionaries(stage: Stage) -> None:
    """Read every distinct value of the dictionary fields once (``order_values``)."""
    rows = stage.table("rows")
    out: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for name in READERS:
            key = _discount_key(stage) if name == "discount" else _k(stage, name)
            if key == "''":
                raws = [""]
            else:
                cursor.execute(f"SELECT DISTINCT {key} FROM {rows} s")
                raws = sorted({"", *(r[0] for r in cursor.fetchall())})
            out.extend(readings(name, raws))
        cursor.execute(
            f"CREATE UNLOGGED TABLE {stage.table('dict')} (f text, raw text, ok bool, "
            "num numeric, txt text, ts timestamptz, num2 numeric, txt2 text, k1 text, k2 text)"
        )
        with (
            connection.wrap_database_errors,
            cursor.cursor.copy(f"COPY {stage.table('dict')} FROM STDIN") as copy,
        ):
            for row in out:
                copy.write_row(row)
        cursor.execute(f"CREATE INDEX ON {stage.table('dict')} (f, raw)")
        cursor.execute(f"ANALYZE {stage.table('dict')}")


def _lines_sql(stage: Stage, c: int) -> str:
    """One row per staged line: its readings, product, amounts, and whether it is plain."""
    f, k, d = (lambda n: _f(stage, n)), (lambda n: _k(stage, n)), stage.table("dict")
    mapped = [f"s.c{i}" for i in sorted(set(stage.fields.values()))]
    clean = " AND ".join(f"{c} !~ '{_PADDED}'" for c in mapped) or "true"
    heads = ", ".join(f"{f(h)} AS h_{h}" for h in HEAD)
    joins = "\n".join(
        f"LEFT JOIN {d} {alias} ON {alias}.f = '{name}' AND {alias}.raw = {key}"
        for alias, name, key in (
            ("q", "quantity", k("quantity")),
            ("p", "unit_price", k("unit_price")),
            ("t", "tax_rate", k("tax_rate")),
            ("u", "unit_cost", k("unit_cost")),
            ("dc", "discount", _discount_key(stage)),
            ("de", "description", k("description")),
        )
    )
    return f"""
WITH r AS (
  SELECT s.b, s.line, s.k,
    ({clean}) AND s.k <> '' AND {f("product_id")} IS NULL AND {f("party_id")} IS NULL
      AND coalesce(q.ok, false) AND coalesce(p.ok, false) AND coalesce(t.ok, false)
      AND ({f("unit_cost")} IS NULL OR coalesce(u.ok, false)) AND coalesce(dc.ok, false)
      AS plain,
    {heads},
    left(coalesce({f("sku")}, ''), 60) AS sku,
    left(coalesce({f("product_external_id")}, ''), 120) AS ext,
    coalesce(de.txt, '') AS descr,
    left(coalesce({f("unit")}, ''), 20) AS unit,
    left(coalesce({f("tax_code")}, ''), 40) AS tax_code,
    q.num AS qn, q.txt AS qt, p.num AS pn, p.txt AS pt, t.num AS tn, t.txt AS tt,
    u.num AS cn, coalesce(u.txt, '') AS ct,
    dc.num AS pct, dc.txt AS pctt, dc.num2 AS dam, dc.txt2 AS damt
  FROM {stage.table("rows")} s
  {joins}
  WHERE s.b >= {c * stage.chunk} AND s.b < {(c + 1) * stage.chunk}
), m AS (
  SELECT r.*,
    CASE WHEN r.ext <> '' THEN coalesce(pe.id, CASE WHEN r.sku <> '' THEN ps.id END)
         WHEN r.sku <> '' THEN ps.id END AS prod_id
  FROM r
  LEFT JOIN sales_product ps ON r.sku <> '' AND ps.sku = r.sku
  LEFT JOIN sales_product pe
    ON r.ext <> '' AND pe.external_id <> '' AND pe.source = %(source)s AND pe.external_id = r.ext
)
SELECT m.b, m.line, m.k, {", ".join(f"m.h_{h}" for h in HEAD)},
  m.plain AND (m.sku <> '' OR m.ext <> '' OR m.descr <> '')
    AND m.qn * m.pn < 1e20 AND g.gross - dd.disc >= 0
    AND g.gross - dd.disc + tx.tax <= {MAX_AMOUNT} AS ok,
  m.prod_id IS NOT NULL OR (m.sku = '' AND m.ext = '') AS found,
  '|' || m.sku || '|' || m.ext || '|' || m.descr || '|' || m.unit || '|' || m.qt || '|'
    || m.pt || '|' || m.pctt || '|' || m.damt || '|' || m.tt || '|' || m.tax_code || '|'
    || m.ct AS ltext,
  m.prod_id,
  CASE WHEN m.sku <> '' THEN m.sku ELSE coalesce(pr.sku, '') END AS w_sku,
  CASE WHEN m.descr <> '' THEN m.descr ELSE left(coalesce(pr.name, ''), 300) END AS w_descr,
  CASE WHEN m.unit <> '' THEN m.unit ELSE coalesce(pr.unit, '') END AS w_unit,
  m.tax_code, m.qn, m.pn, m.pct, m.tn, m.cn, pr.cost AS pcost, pr.cost_currency AS pcc,
  g.gross, dd.disc, g.gross - dd.disc AS net, tx.tax, g.gross - dd.disc + tx.tax AS total
FROM m
LEFT JOIN sales_product pr ON pr.id = m.prod_id
CROSS JOIN LATERAL (SELECT round(m.qn * m.pn, 2) AS gross) g
CROSS JOIN LATERAL (
  SELECT CASE WHEN m.dam IS NOT NULL THEN round(m.dam, 2)
              ELSE round(g.gross * m.pct / 100, 2) END AS disc
) dd
CROSS JOIN LATERAL (SELECT round((g.gross - dd.disc) * m.tn / 100, 2) AS tax) tx
"""


def _orders_sql(stage: Stage, c: int) -> str:
    """One row per order of a batch (grouped as ``order_import_validate`` groups)."""
    agree = " AND ".join(f"count(DISTINCT h_{h}) <= 1" for h in HEAD)
    heads = ", ".join(f"max(h_{h}) AS h_{h}" for h in HEAD)
    return f"""
SELECT b, k, min(line) AS first_line, count(*) AS n, bool_and(ok) AND {agree} AS ok,
  bool_and(found) AS found, {heads},
  sum(gross) AS subtotal, sum(disc) AS discount_total, sum(tax) AS tax_total,
  bool_and(cn IS NOT NULL OR pcost IS NOT NULL) AS all_cost,
  min(pcc) FILTER (WHERE cn IS NULL AND pcost IS NOT NULL AND pcc <> '') AS pcc_min,
  max(pcc) FILTER (WHERE cn IS NULL AND pcost IS NOT NULL AND pcc <> '') AS pcc_max,
  sum(qn * coalesce(cn, round(pcost, 4))) AS cost_sum,
  string_agg(ltext, chr(31) ORDER BY line) AS ltexts
FROM {stage.table(f"lin{c}")} GROUP BY b, k
"""


def _heads_sql(stage: Stage, c: int) -> str:
    """The orders with their heads read, customers matched, fingerprints and what to do."""
    d = stage.table("dict")
    joins = "\n".join(
        f"LEFT JOIN {d} {a} ON {a}.f = '{name}' AND {a}.raw = coalesce(o.h_{name}, '')"
        for a, name in (
            ("cu", "currency"),
            ("oa", "ordered_at"),
            ("pa", "paid_at"),
            ("st", "status"),
            ("ps", "payment_state"),
            ("ap", "amount_paid"),
            ("tx", "customer_tax_id"),
            ("em", "customer_email"),
        )
    )
    return f"""
SELECT o.*, cu.txt AS currency, oa.ts AS ordered_at, pa.ts AS paid_at_given, st.txt AS status,
  ps.txt AS state_given, ap.num AS paid_given,
  left(coalesce(o.h_number, ''), 60) AS number, left(coalesce(o.h_notes, ''), 5000) AS notes,
  left(coalesce(o.h_customer_external_id, ''), 120) AS cext, coalesce(tx.k1, '') AS k1,
  coalesce(tx.k2, '') AS k2, coalesce(em.txt, '') AS email,
  o.ok AND o.h_party_id IS NULL AND coalesce(cu.ok AND oa.ok AND st.ok AND ps.ok, false)
    AND (o.h_paid_at IS NULL OR coalesce(pa.ok, false))
    AND (o.h_amount_paid IS NULL OR coalesce(ap.ok, false))
    AND (left(coalesce(o.h_customer_external_id, ''), 120) <> '' OR tx.txt <> ''
         OR em.txt <> '') AS head_ok,
  encode(sha256(convert_to(
    'amount_paid=' || coalesce(ap.txt, '') || chr(31) || 'currency=' || cu.txt || chr(31)
    || 'customer=|' || left(coalesce(o.h_customer_external_id, ''), 120) || '|'
    || coalesce(tx.txt, '') || '|' || coalesce(em.txt, '') || chr(31)
    || 'notes=' || left(coalesce(o.h_notes, ''), 5000) || chr(31)
    || 'number=' || left(coalesce(o.h_number, ''), 60) || chr(31)
    || 'ordered_at=' || oa.txt || chr(31) || 'paid_at=' || coalesce(pa.txt, '') || chr(31)
    || 'payment_state=' || ps.txt || chr(31) || 'status=' || st.txt || chr(31) || o.ltexts,
    'UTF8')), 'hex') AS fingerprint
FROM ({_orders_sql(stage, c)}) o
{joins}
"""


def _customers_sql(stage: Stage) -> str:
    """Each distinct way the file's orders name a customer (an order's fields as
    ``_orders_sql`` takes them: the non-empty value of its lines), matched as
    ``customers_find`` matches; once for the whole file."""
    f, d = (lambda n: _f(stage, n)), stage.table("dict")
    return f"""
SELECT k.*, e.party_id AS code_pid, cp.merged_into_id AS code_merged,
  coalesce(
    (SELECT min(id) FROM parties_party
     WHERE k.k1 <> '' AND tax_id <> '' AND merged_into_id IS NULL AND tax_id = k.k1),
    (SELECT min(id) FROM parties_party
     WHERE k.k2 <> '' AND tax_id <> '' AND merged_into_id IS NULL AND tax_id = k.k2)
  ) AS tax_pid,
  em.n AS email_n, em.pid AS email_pid, em.merged AS email_merged
FROM (
  SELECT DISTINCT left(coalesce(o.cext, ''), 120) AS cext, coalesce(tx.k1, '') AS k1,
    coalesce(tx.k2, '') AS k2, coalesce(em.txt, '') AS email
  FROM (
    SELECT max({f("customer_external_id")}) AS cext, max({f("customer_tax_id")}) AS tax,
      max({f("customer_email")}) AS email
    FROM {stage.table("rows")} s GROUP BY s.b, s.k
  ) o
  LEFT JOIN {d} tx ON tx.f = 'customer_tax_id' AND tx.raw = coalesce(o.tax, '')
  LEFT JOIN {d} em ON em.f = 'customer_email' AND em.raw = coalesce(o.email, '')
) k
LEFT JOIN parties_externalid e ON k.cext <> '' AND e.source = %(source)s AND e.code = k.cext
LEFT JOIN parties_party cp ON cp.id = e.party_id
LEFT JOIN LATERAL (
  SELECT count(DISTINCT c.party_id) AS n, min(c.party_id) AS pid,
         bool_or(p.merged_into_id IS NOT NULL) AS merged
  FROM parties_contactpoint c JOIN parties_party p ON p.id = c.party_id
  WHERE k.email <> '' AND c.kind = 'email' AND c.network = '' AND c.normalized = k.email
) em ON true
"""


# What to do with each order: 'skip' (stored with the same fingerprint), 'create' (everything
# checked, customer and products found), 'python' (the row-by-row path decides); with the
# payment state and amount as ``orders.payment_fields`` gives them and the cost total.
def _decide_sql(stage: Stage, c: int) -> str:
    return f"""
SELECT h.*, x.total, y.amount_paid, z.payment_state,
  coalesce(h.paid_at_given, CASE WHEN z.payment_state = 'paid' THEN h.ordered_at END) AS paid_at,
  CASE WHEN h.all_cost AND (h.pcc_min IS NULL
    OR (h.pcc_min = h.currency AND h.pcc_max = h.currency)) THEN round(h.cost_sum, 2) END
    AS cost_total,
  w.party_id,
  CASE WHEN NOT (h.head_ok AND y.amount_paid <= x.total AND x.total <= {MAX_AMOUNT})
         THEN 'python'
       WHEN so.id IS NOT NULL AND so.content_hash = h.fingerprint THEN 'skip'
       WHEN so.id IS NULL AND w.party_id IS NOT NULL AND h.found THEN 'create'
       ELSE 'python' END AS action
FROM {stage.table(f"ordh{c}")} h
CROSS JOIN LATERAL (SELECT h.subtotal - h.discount_total + h.tax_total AS total) x
CROSS JOIN LATERAL (
  SELECT coalesce(h.paid_given, CASE WHEN h.state_given = 'paid' THEN x.total ELSE 0 END)
    AS amount_paid
) y
CROSS JOIN LATERAL (
  SELECT CASE WHEN h.state_given <> '' THEN h.state_given WHEN y.amount_paid <= 0 THEN 'unpaid'
    WHEN y.amount_paid >= x.total THEN 'paid' ELSE 'partial' END AS payment_state
) z
LEFT JOIN {stage.table("seen")} so ON so.k = h.k
LEFT JOIN {stage.table("cust")} c ON h.head_ok AND c.cext = h.cext AND c.k1 = h.k1
  AND c.k2 = h.k2 AND c.email = h.email
CROSS JOIN LATERAL (
  SELECT CASE WHEN c.cext <> '' AND c.code_pid IS NOT NULL THEN
      CASE WHEN c.code_merged IS NULL THEN c.code_pid END
    WHEN c.tax_pid IS NOT NULL THEN c.tax_pid
    WHEN c.email_n = 1 AND NOT c.email_merged THEN c.email_pid END AS party_id
) w
"""


def order_stage_read(*, actor: Any, stage: Stage) -> None:
    """Index the staged rows by batch and read every distinct value once (the dictionary)."""
    require(actor, "data.import")
    rows = stage.table("rows")
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE INDEX ON {rows} (b)")
        cursor.execute(f"ANALYZE {rows} (b)")
    _dictionaries(stage)


def order_stage_match(*, actor: Any, stage: Stage, source: str) -> None:
    """Match the whole file's stored orders (by ``(source, external_id)``) and customers
    once, into tables the chunks' decisions join (``seen`` keyed by the order id — batches
    never share an order, so an order written by one batch is never another batch's stored
    one —, ``cust`` by the customer's key), however many chunks the file has."""
    require(actor, "data.import")
    seen, cust = stage.table("seen"), stage.table("cust")
    params = {"source": source}
    with connection.cursor() as cursor:
        # a file's worth of keys: the default 4 MB of work_mem sent the re-run of 5 M lines
        # to disk for minutes; JIT compiles these plans for seconds each
        cursor.execute("SET work_mem = '256MB'")
        cursor.execute("SET jit = off")
        try:
            cursor.execute(
                f"CREATE UNLOGGED TABLE {seen} AS "
                "SELECT so.external_id AS k, so.id, so.content_hash FROM sales_order so "
                "WHERE so.external_id <> '' AND so.source = %(source)s "
                f"AND so.external_id IN (SELECT k FROM {stage.table('rows')})",
                params,
            )
            cursor.execute(f"CREATE INDEX ON {seen} (k)")
            cursor.execute(f"ANALYZE {seen}")
            cursor.execute(f"CREATE UNLOGGED TABLE {cust} AS {_customers_sql(stage)}", params)
            cursor.execute(f"ANALYZE {cust}")
        finally:
            with contextlib.suppress(DatabaseError):  # an aborted transaction resets them
                cursor.execute("RESET work_mem")
                cursor.execute("RESET jit")


def order_import_stage(*, actor: Any, stage: Stage, source: str, chunk: int) -> dict[str, int]:
    """Read, check, match and price the staged orders of chunk ``chunk`` (its batches; see the
    module's docstring); returns how many orders each action got. May run on another thread
    (its own connection) while the batches of the previous chunk are written."""
    require(actor, "data.import")
    require(actor, "order.change")
    params = {"source": source}
    c = chunk
    names = {p: stage.table(f"{p}{c}") for p in ("lin", "ordh", "ord")}
    stage.made.extend(names.values())
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE UNLOGGED TABLE {names['lin']} AS {_lines_sql(stage, c)}", params)
        cursor.execute(f"CREATE INDEX ON {names['lin']} (b, k)")
        cursor.execute(f"ANALYZE {names['lin']} (b, k)")
        cursor.execute(f"CREATE UNLOGGED TABLE {names['ordh']} AS {_heads_sql(stage, c)}")
        cursor.execute(f"CREATE UNLOGGED TABLE {names['ord']} AS {_decide_sql(stage, c)}", params)
        cursor.execute(f"CREATE INDEX ON {names['ord']} (b)")
        cursor.execute(f"ANALYZE {names['ord']} (b, action)")
        cursor.execute(f"SELECT action, count(*) FROM {names['ord']} GROUP BY action")
        return {action: count for action, count in cursor.fetchall()}
