"""Next-best offer: per customer, the products bought by similar customers and not yet owned
(seed 003: offer each customer the products that fit their profile).

Item-to-item co-occurrence over non-cancelled orders, in SQL, at read time:

1. the customer's products (their orders, through the ``order_party`` index);
2. *similar customers*: who else bought one of those products — a sample of at most
   ``NEIGHBOUR_LINES`` order lines of them (a best-seller is bought by tens of thousands; a
   few thousand of its buyers say as much and keep a customer page fast);
3. what those customers bought besides, counted once per customer; the score is the share of
   similar customers who bought it (co-occurrence count normalised by the neighbours).

Products the customer owns and inactive products are never offered. A customer without
orders — or whose consent ledger does not allow ``profiling`` (under the seeded lawful basis,
*consent*, that is until they grant it; their history may not be used before) — gets the
best-sellers of their segment instead: customers of the same lifecycle stage and
region, then of the same stage, then everyone, over the latest ``RECENT_ORDERS`` orders
(the same for every customer of a segment: kept in the cache for ``CACHE_SECONDS``, under a
key that changes with every new order).

``preferred_product_name`` is what campaign templates print as ``{{ preferred_product }}``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.utils.translation import gettext as _

from fregues.core.bulk import any_of
from fregues.parties.models import ContactPoint, Party
from fregues.parties.services import consent_allows
from fregues.sales.models import Order, OrderLine, Product

NEIGHBOUR_LINES = 500
RECENT_ORDERS = 5000
SEGMENT_TOP = 50
CACHE_SECONDS = 600
PROFILING = "profiling"

_ORDER = Order._meta.db_table
_LINE = OrderLine._meta.db_table
_PRODUCT = Product._meta.db_table
_PARTY = Party._meta.db_table
_POINT = ContactPoint._meta.db_table


@dataclass(frozen=True)
class Offer:
    product_id: int
    name: str
    sku: str
    score: float  # 0..1: the share of similar customers (or of the segment) who bought it
    reason: str


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(r) for r in cursor.fetchall()]


def owned_products(party_id: int) -> list[int]:
    """The products on the customer's non-cancelled orders."""
    sql = (
        f"SELECT DISTINCT ol.product_id FROM {_LINE} ol JOIN {_ORDER} o ON o.id = ol.order_id "
        "WHERE o.party_id = %s AND o.status <> 'cancelled' AND ol.product_id IS NOT NULL"
    )
    return sorted(r[0] for r in _rows(sql, [party_id]))


def profiling_allowed(party_id: int) -> bool:
    """Whether the consent ledger lets us use the customer's history to profile them (the
    ``profiling`` purpose: granted, or not opposed under a non-consent lawful basis; a company
    that does not define the purpose does not restrict it)."""
    return consent_allows(party_id=party_id, purpose=PROFILING, if_unknown=True)


def _not_owned(column: str, owned: list[int]) -> tuple[str, list]:
    if not owned:
        return "1 = 1", []
    sql, params = any_of(column, owned)
    return f"NOT ({sql})", params


def _co_bought(party_id: int, owned: list[int], limit: int) -> list[Offer]:
    hit, hit_params = any_of("ol.product_id", owned)
    buyers_sql = (
        f"SELECT DISTINCT o.party_id FROM (SELECT ol.order_id FROM {_LINE} ol WHERE {hit} "
        f"LIMIT %s) h JOIN {_ORDER} o ON o.id = h.order_id "
        "WHERE o.party_id <> %s AND o.status <> 'cancelled'"
    )
    buyers = [r[0] for r in _rows(buyers_sql, [*hit_params, NEIGHBOUR_LINES, party_id])]
    if not buyers:
        return []
    who, who_params = any_of("o.party_id", buyers)
    skip, skip_params = _not_owned("ol.product_id", owned)
    sql = (
        f"SELECT p.id, p.name, p.sku, COUNT(DISTINCT o.party_id) AS together "
        f"FROM {_ORDER} o JOIN {_LINE} ol ON ol.order_id = o.id "
        f"JOIN {_PRODUCT} p ON p.id = ol.product_id "
        f"WHERE {who} AND o.status <> 'cancelled' AND p.is_active AND {skip} "
        "GROUP BY p.id, p.name, p.sku ORDER BY together DESC, p.name, p.id LIMIT %s"
    )
    rows = _rows(sql, [*who_params, *skip_params, limit])
    return [
        Offer(
            product_id=pk,
            name=name,
            sku=sku,
            score=round(together / len(buyers), 4),
            reason=_("Bought by %(n)s of %(m)s customers who bought the same products")
            % {"n": together, "m": len(buyers)},
        )
        for pk, name, sku, together in rows
    ]


def _segment(party_id: int) -> tuple[str, str]:
    stage = Party.objects.filter(pk=party_id).values_list("lifecycle_stage", flat=True).first()
    region = (
        ContactPoint.objects.filter(party_id=party_id, kind="address")
        .exclude(region="")
        .order_by("-is_primary", "id")
        .values_list("region", flat=True)
        .first()
    )
    return stage or "", region or ""


def _orders_stamp() -> str:
    """What the latest orders look like now (two index lookups): part of the cache key, so a
    new order shows at once."""
    rows = _rows(f"SELECT MAX(ordered_at), MAX(id) FROM {_ORDER}", [])
    moment, pk = rows[0] if rows else (None, None)
    return f"{moment}|{pk}"


def _best_sellers(stage: str, region: str) -> list[tuple]:
    """The active products bought in the latest orders, with how many customers bought each
    — of the stage and region (``near``), of the stage, and in all — the ``SEGMENT_TOP`` best
    of each. One query over the ``RECENT_ORDERS`` latest orders (the ``order_recent``
    index), kept ``CACHE_SECONDS`` per segment and state of the orders: it is the same for
    every customer of the segment, and a cold one reads some 20,000 rows."""
    key = (
        "marketing.offers.best:"
        + hashlib.sha256(f"{stage}|{region}|{_orders_stamp()}".encode()).hexdigest()[:32]
    )
    cached = cache.get(key)
    if cached is not None:
        return cached
    if region:
        near = (
            "COUNT(DISTINCT CASE WHEN pa.lifecycle_stage = %s AND EXISTS (SELECT 1 FROM "
            f"{_POINT} cp WHERE cp.party_id = o.party_id AND cp.kind = 'address' "
            "AND cp.region = %s) THEN o.party_id END)"
        )
        near_params: list[object] = [stage, region]
    else:
        near, near_params = "0", []
    sql = (
        f"SELECT p.id, p.name, p.sku, {near} AS near, "
        "COUNT(DISTINCT CASE WHEN pa.lifecycle_stage = %s THEN o.party_id END) AS same_stage, "
        "COUNT(DISTINCT o.party_id) AS everyone "
        f"FROM (SELECT id, party_id FROM {_ORDER} WHERE status <> 'cancelled' "
        "ORDER BY ordered_at DESC LIMIT %s) o "
        f"JOIN {_PARTY} pa ON pa.id = o.party_id "
        f"JOIN {_LINE} ol ON ol.order_id = o.id "
        f"JOIN {_PRODUCT} p ON p.id = ol.product_id "
        "WHERE p.is_active GROUP BY p.id, p.name, p.sku"
    )
    rows = _rows(sql, [*near_params, stage, RECENT_ORDERS])
    kept: dict[int, tuple] = {}
    for column in (3, 4, 5):
        ranked = sorted((r for r in rows if r[column]), key=lambda r: (-r[column], r[1], r[0]))
        for row in ranked[:SEGMENT_TOP]:
            kept[row[0]] = row
    best = list(kept.values())
    cache.set(key, best, CACHE_SECONDS)
    return best


def _fallback(party_id: int, owned: list[int], limit: int) -> list[Offer]:
    """The segment's best-sellers the customer does not own: of their stage and region
    first, then of their stage, then of everyone."""
    stage, region = _segment(party_id)
    mine = set(owned)
    rows = [r for r in _best_sellers(stage, region) if r[0] not in mine]
    levels = (
        (3, _("A best-seller among customers like this one in %(region)s") % {"region": region}),
        (4, _("A best-seller among customers at the same stage")),
        (5, _("A best-seller")),
    )
    offers: list[Offer] = []
    taken: set[int] = set()
    for column, reason in levels:
        ranked = sorted(
            (r for r in rows if r[column] and r[0] not in taken),
            key=lambda r: (-r[column], r[1], r[0]),
        )
        top = ranked[0][column] if ranked else 1
        for row in ranked[: limit - len(offers)]:
            taken.add(row[0])
            offers.append(Offer(row[0], row[1], row[2], round(row[column] / top, 4), reason))
        if len(offers) >= limit:
            break
    return offers


def next_best_offers(party_id: int, limit: int = 3) -> list[Offer]:
    """The ``limit`` products to offer this customer next, best first (see the module)."""
    owned = owned_products(party_id)
    offers: list[Offer] = []
    if owned and profiling_allowed(party_id):
        offers = _co_bought(party_id, owned, limit)
    if len(offers) < limit:
        have = {o.product_id for o in offers}
        more = _fallback(party_id, sorted(set(owned) | have), limit - len(offers))
        offers.extend(more)
    return offers


def preferred_product_name(party_id: int) -> str:
    """The name of the customer's top offer, "" when there is none (``{{ preferred_product }}``
    in campaign templates)."""
    offers = next_best_offers(party_id, limit=1)
    return offers[0].name if offers else ""
