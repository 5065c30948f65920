"""The segment rule compiler: JSON rules → one SQL query over parties.

Rules are a tree of groups and conditions::

    {"all": [
        {"field": "lifecycle_stage", "op": "in", "value": ["client", "buyer"]},
        {"any": [{"field": "city", "op": "in", "value": ["São Paulo"]},
                 {"field": "region", "op": "in", "value": ["SP"]}]},
        {"not": {"field": "open_cases", "op": "has"}}
    ]}

``validate`` checks a tree against the registry (``segment_fields``) without touching the
database and returns it cleaned (numbers as numbers, lists deduplicated), or raises
``Invalid`` with one entry per faulty path (``rules.all.1.value``). ``compile_rules`` turns a
valid tree into a ``Q`` made of plain column tests and ``Exists(...)`` / ``IN (SELECT ...)``
subqueries, so counting, listing and freezing a segment is one statement, whatever the
database, and no member is ever filtered in Python. Merged parties are never members.

Codes that name database rows (purposes, case types, tags, products, users) are matched
inside the query; ``check_references`` (a few queries) tells the saving service which of them
do not exist, so a saved segment never names a missing purpose, while the live count stays
one query.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
from collections.abc import Iterator
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact, IsNull
from django.utils import timezone

from fregues.core.bulk import one_of
from fregues.interactions.models import Interaction
from fregues.parties.models import ConsentPurpose, ConsentRecord, ContactPoint, Party
from fregues.sales.models import Order, OrderLine
from fregues.service.models import Case
from fregues.service.services.sending import MARKETING_REGARDING

from .segment_fields import AGE_BANDS
from .segment_validation import GROUPS, check_references, conditions_of, validate

__all__ = [
    "GROUPS",
    "check_references",
    "compile_rules",
    "conditions_of",
    "members_queryset",
    "planned_without_jit",
    "spellings",
    "validate",
]

CANCELLED = "cancelled"


# ---------------------------------------------------------------- compilation


class Context:
    """What a compilation needs besides the rules: who "me" is and when "now" is."""

    def __init__(self, *, user_id: int | None = None, now: datetime.datetime | None = None):
        self.user_id = user_id
        self.now = now or timezone.now()
        self.today = timezone.localdate(self.now)
        # whether the condition being compiled is ANDed with others (see _consent)
        self.narrowed = False

    def since(self, days: int) -> datetime.datetime:
        return self.now - datetime.timedelta(days=days)


def years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _age_band(band: str, ctx: Context) -> Q:
    for code, low, high in AGE_BANDS:
        if code == band:
            q = Q(birth_date__lte=years_before(ctx.today, low))
            if high is not None:
                q &= Q(birth_date__gt=years_before(ctx.today, high + 1))
            return q
    return Q(pk__in=[])


PARTICLES = frozenset({"de", "da", "do", "das", "dos", "e", "del", "la"})


def spellings(value: str) -> list[str]:
    """The usual ways a place name is written: as typed, UPPER, lower, Title and Title with
    lower-case particles ("rio de janeiro" → "Rio de Janeiro", "sp" → "SP")."""
    text = " ".join(value.split())
    words = text.lower().split(" ")
    particles = " ".join(
        w if i and w in PARTICLES else w[:1].upper() + w[1:] for i, w in enumerate(words)
    )
    return sorted({text, text.upper(), text.lower(), text.title(), particles})


def _any_address(column: str, values: list[str]) -> Exists:
    """Some address of the party has ``column`` written as one of ``values`` (in one of its
    usual spellings). An exact ``IN`` rather than ``UPPER(city) = ...``: PostgreSQL then
    knows from its statistics how many addresses match and plans the join well (at 1 M
    parties, 0.5 s instead of 2.7 s for "clients in SP"); an expression on the column has no
    statistics."""
    wanted = sorted({s for value in values for s in spellings(value)})
    lookup = {f"{column}__in": wanted}
    return Exists(ContactPoint.objects.filter(party=OuterRef("pk"), kind="address", **lookup))


def _either(parts: list[Q]) -> Q:
    """The OR of ``parts`` (nothing matches when there are none)."""
    if not parts:
        return Q(pk__in=[])
    q = parts[0]
    for part in parts[1:]:
        q |= part
    return q


def _in_out(op: str, q: Q) -> Q:
    return q if op == "in" else ~q


def _interactions(**lookups: Any) -> Exists:
    """The party's contacts, campaign messages left out: "no contact for a year" and "uses
    e-mail" are about real conversations, not about the newsletters we sent."""
    contacts = Interaction.objects.filter(party=OuterRef("pk"), **lookups)
    return Exists(contacts.exclude(regarding_type=MARKETING_REGARDING))


def _orders(**lookups: Any) -> QuerySet[Order]:
    return Order.objects.filter(**lookups).exclude(status=CANCELLED)


def _consent(cond: dict[str, Any], ctx: Context) -> Q:
    """Consent state of a purpose (for a channel) from the ledger: the latest record that
    covers the channel (one for that channel, or one for the whole purpose) decides; with no
    record, the purpose's lawful basis does (allowed unless it needs consent) — the rule of
    ``fregues.parties.selectors.consent_state`` and of ``send_verdicts``.

    Two equivalent shapes, chosen by where the condition stands: ANDed with other conditions
    (the usual "clients in SP who allow e-mail"), each remaining party's latest record is
    read through the (party, purpose, -occurred_at) index — 1.2 s instead of 2.8 s at 1 M
    parties, since the other conditions leave few parties to probe; alone, as sets."""
    if not ctx.narrowed:
        return _consent_sets(cond)
    code, channel = cond["value"], cond.get("channel", "")
    channels = ["", channel] if channel else [""]
    purpose = ConsentPurpose.objects.filter(code=code)
    latest = Subquery(
        ConsentRecord.objects.filter(
            party=OuterRef("pk"),
            purpose_id=Subquery(purpose.values("pk")[:1]),
            channel__in=channels,
        )
        .order_by("-occurred_at", "-id")
        .values("granted")[:1],
        output_field=BooleanField(),
    )
    op = cond["op"]
    if op == "no_record":
        return Q(IsNull(latest, True))
    # two-valued (never NULL), so that a "not" around the condition keeps its meaning
    if op == "withdrawn":
        return Q(Exact(Coalesce(latest, Value(True)), False))
    without_consent = Subquery(
        purpose.annotate(
            allows=ExpressionWrapper(~Q(lawful_basis="consent"), output_field=BooleanField())
        ).values("allows")[:1],
        output_field=BooleanField(),
    )
    allowed = Coalesce(latest, without_consent, Value(False), output_field=BooleanField())
    return Q(Exact(allowed, True))


def _consent_sets(cond: dict[str, Any]) -> Q:
    """Consent as sets: the latest covering records (those with no newer one), hashed once
    and probed per party. Best when the consent condition decides alone (over a million
    parties: 2.8 s, against 3.6 s probing each party's latest record)."""
    code, channel = cond["value"], cond.get("channel", "")
    channels = ["", channel] if channel else [""]
    covering = ConsentRecord.objects.filter(
        party=OuterRef("pk"), purpose__code=code, channel__in=channels
    )
    newer = ConsentRecord.objects.filter(
        party=OuterRef("party"), purpose=OuterRef("purpose"), channel__in=channels
    ).filter(
        Q(occurred_at__gt=OuterRef("occurred_at"))
        | Q(occurred_at=OuterRef("occurred_at"), pk__gt=OuterRef("pk"))
    )
    latest = covering.filter(~Exists(newer))
    none = ~Exists(covering)
    op = cond["op"]
    if op == "no_record":
        return Q(none)
    if op == "withdrawn":
        return Q(Exists(latest.filter(granted=False)))
    not_opt_in = Exists(ConsentPurpose.objects.filter(code=code).exclude(lawful_basis="consent"))
    return Q(Exists(latest.filter(granted=True))) | (Q(none) & Q(not_opt_in))


def _products(values: list[Any]) -> Q:
    ids = [v for v in values if isinstance(v, int)]
    skus = [v for v in values if isinstance(v, str)]
    return _either(([Q(product_id__in=ids)] if ids else []) + ([Q(sku__in=skus)] if skus else []))


def _condition(cond: dict[str, Any], ctx: Context) -> Q:
    field, op = cond["field"], cond["op"]
    value: Any = cond.get("value")
    if field in ("lifecycle_stage", "language", "preferred_channel", "tier"):
        return _in_out(op, Q(**{f"{field}__in": value}))
    if field == "country":
        return _in_out(op, Q(country__in=[v.upper() for v in value]))
    if field == "kind":
        return Q(kind=value)
    if field == "age_band":
        q = _either([_age_band(band, ctx) for band in value])
        return q if op == "in" else ~q & Q(birth_date__isnull=False)
    if field in ("city", "region"):
        return _in_out(op, Q(_any_address(field, value)))
    if field == "tags":
        through = Party.tags.through.objects.filter(party_id=OuterRef("pk"))
        if op == "all":
            q = Q()
            for tag in value:
                q &= Q(Exists(_tag_filter(through, [tag])))
            return q
        has = Q(Exists(_tag_filter(through, value)))
        return has if op == "any" else ~has
    if field == "owner":
        owner = ctx.user_id if value == "me" else None if value == "none" else value
        q = Q(owner__isnull=True) if owner is None else Q(owner_id=owner)
        return q if op == "is" else ~q
    if field == "created":
        since = ctx.since(value_days(cond))
        return Q(created_at__gte=since) if op == "within" else Q(created_at__lt=since)
    if field == "last_contact":
        if op == "never":
            return ~Q(_interactions())
        recent = Q(_interactions(occurred_at__gte=ctx.since(value)))
        return recent if op == "within" else Q(_interactions()) & ~recent
    if field == "channel_used":
        lookups: dict[str, Any] = {"channel": value}
        if cond.get("days"):
            lookups["occurred_at__gte"] = ctx.since(cond["days"])
        if cond.get("inbound"):
            lookups["direction"] = "in"
        has = Q(_interactions(**lookups))
        return has if op == "has" else ~has
    if field == "open_cases":
        cases = Case.objects.filter(party=OuterRef("pk"), is_open=True)
        if cond.get("case_types"):
            cases = cases.filter(case_type__code__in=cond["case_types"])
        if cond.get("older_than"):
            cases = cases.filter(created_at__lt=ctx.since(cond["older_than"]))
        return Q(Exists(cases)) if op == "has" else ~Q(Exists(cases))
    if field == "orders":
        return _order_condition(op, cond, ctx)
    if field == "products":
        lines = OrderLine.objects.filter(_products(value)).exclude(order__status=CANCELLED)
        if cond.get("days"):
            lines = lines.filter(order__ordered_at__gte=ctx.since(cond["days"]))
        bought = Q(pk__in=lines.values("order__party_id"))
        return bought if op == "bought_any" else ~bought
    if field == "consent":
        return _consent(cond, ctx)
    raise AssertionError(f"no compiler for {field}")  # validate() lets no such field through


def value_days(cond: dict[str, Any]) -> int:
    return int(cond.get("days") or cond.get("value") or 0)


def _tag_filter(through: QuerySet[Any], tags: list[Any]) -> QuerySet[Any]:
    ids = [t for t in tags if isinstance(t, int)]
    names = [t for t in tags if isinstance(t, str)]
    parts = ([Q(tag_id__in=ids)] if ids else []) + ([Q(tag__name__in=names)] if names else [])
    return through.filter(_either(parts))


def _order_condition(op: str, cond: dict[str, Any], ctx: Context) -> Q:
    value: Any = cond.get("value")
    if op == "never":
        return ~Q(Exists(_orders(party=OuterRef("pk"))))
    if op in ("within", "not_within"):
        recent = Q(Exists(_orders(party=OuterRef("pk"), ordered_at__gte=ctx.since(value))))
        return recent if op == "within" else ~recent
    if op == "count_at_least":
        if value <= 1:
            return Q(Exists(_orders(party=OuterRef("pk"))))
        from django.db.models import Count

        many = (
            _orders()
            .order_by()
            .values("party_id")
            .annotate(n=Count("id"))
            .filter(n__gte=value)
            .values("party_id")
        )
        return Q(pk__in=many)
    # spent_at_least: the sum of the totals of the orders in that currency
    spent = (
        _orders(currency=cond["currency"])
        .order_by()
        .values("party_id")
        .annotate(spent=Sum("total"))
        .filter(spent__gte=decimal.Decimal(value))
        .values("party_id")
    )
    return Q(pk__in=spent)


def _node(node: dict[str, Any], ctx: Context) -> Q:
    if "party_ids" in node:  # a static list (one parameter however long, see core.bulk)
        return Q(pk__in=one_of(node["party_ids"]))
    if "field" in node:
        return _condition(node, ctx)
    if "not" in node:
        return ~_node(node["not"], ctx)
    if "any" in node:
        items = node["any"]
        if not items:
            return Q()
        return _either([_node(item, ctx) for item in items])
    items = node.get("all", [])
    narrowed, ctx.narrowed = ctx.narrowed, ctx.narrowed or len(items) > 1
    q = Q()
    for item in items:
        q &= _node(item, ctx)
    ctx.narrowed = narrowed
    return q


def compile_rules(
    rules: dict[str, Any], *, user_id: int | None = None, now: datetime.datetime | None = None
) -> Q:
    """A ``Q`` over ``Party`` for a valid tree (see ``validate``). ``user_id`` is who "me"
    means (owner conditions); ``now`` the moment "within N days" counts from."""
    return _node(rules, Context(user_id=user_id, now=now))


def members_queryset(
    rules: Any,
    *,
    user_id: int | None = None,
    now: datetime.datetime | None = None,
    validated: bool = False,
) -> QuerySet[Party]:
    """The parties a tree selects (merged ones never), unordered: count it, page it, or use
    it as a subquery. ``Invalid`` when the tree is not valid (unless ``validated``)."""
    clean = rules if validated else validate(rules)
    return (
        Party.objects.filter(merged_into__isnull=True)
        .filter(compile_rules(clean, user_id=user_id, now=now))
        .order_by()
    )


@contextlib.contextmanager
def planned_without_jit() -> Iterator[None]:
    """Run the statements inside with PostgreSQL's JIT compiler off (one transaction).

    A segment's query over a million parties is estimated far above ``jit_above_cost``, and
    compiling it took longer than running it: 2.1 s of a 3.3 s count at 1 M parties (see
    ``bench/segments.py``; the lifecycle backfill met the same, docs/performance.md). Other
    databases: nothing happens."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield
