"""The pivot's dimensions, measures and facts, as data.

A *fact* is a table the pivot groups (the order and interaction facts of ``facts_pivot``, or
``CustomerFact`` alone); every fact is joined to ``CustomerFact`` (alias ``c``) for the
customer's dimensions. A *dimension* is a fixed SQL fragment yielding text (never NULL, ``''``
for unknown), the facts it exists in, and how its values are labelled; a *measure* is a fixed
SQL aggregate per fact it can be computed from. Requests name codes only: the engine never
puts a caller's text into SQL, so adding a dimension (the service facts' case type or queue,
when that table exists) is one ``dimension_register`` call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .db import analytics_db
from .dimensions import AGE_BAND_LABELS

CUSTOMER = "customer"
ORDER = "order"
INTERACTION = "interaction"

# The customer dimensions exist in every fact (through the join to CustomerFact).
ANY_FACT = frozenset({CUSTOMER, ORDER, INTERACTION})
TIMED = frozenset({ORDER, INTERACTION})

Labeler = Callable[[list[str]], dict[str, str]]


@dataclass(frozen=True)
class Fact:
    """A table the pivot groups: ``FROM <table> f`` joined to CustomerFact ``c`` (or
    CustomerFact itself as ``c`` when ``table`` is empty)."""

    code: str
    table: str
    month: str = ""  # the column the date range filters (empty: no dates)


@dataclass(frozen=True)
class Dimension:
    code: str
    label: str | Promise
    facts: frozenset[str]
    sql: Callable[[str], str]  # vendor -> SQL text expression
    labeler: Labeler | None = None
    natural_order: bool = False  # rows in value order (time, age) rather than by measure
    group: str | Promise = ""


@dataclass(frozen=True)
class Measure:
    code: str
    label: str | Promise
    sql: dict[str, str]  # fact code -> SQL aggregate
    kind: str = "number"  # money | count | number
    places: int = 2
    per_customer: bool = True  # meaningful for one customer (the drill-down shows it)
    # Additive measures: the sums they are made of (per fact) and how they combine. The
    # engine groups by (row, column) once and adds the totals up itself: one parallel scan
    # on PostgreSQL instead of GROUPING SETS, which cannot run in parallel (2.6x slower at
    # 4 M fact rows, see docs/analytics/an-pivot.md). Distinct counts have no parts.
    parts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    combine: Callable[[list[Decimal | None]], Decimal | None] | None = None


def _first(parts: list[Decimal | None]) -> Decimal | None:
    return parts[0]


def _ratio(parts: list[Decimal | None]) -> Decimal | None:
    top, bottom = parts
    return None if top is None or not bottom else top / bottom


def _minutes(parts: list[Decimal | None]) -> Decimal | None:
    return None if parts[0] is None else parts[0] / 60


FACTS: dict[str, Fact] = {}
DIMENSIONS: dict[str, Dimension] = {}
MEASURES: dict[str, Measure] = {}


def fact_register(fact: Fact) -> None:
    FACTS[fact.code] = fact


def dimension_register(dimension: Dimension) -> None:
    DIMENSIONS[dimension.code] = dimension


def measure_register(measure: Measure) -> None:
    MEASURES[measure.code] = measure


# ---- labels ---------------------------------------------------------------------------------


def _choices(choices: list[tuple[str, str]]) -> Labeler:
    def label(values: list[str]) -> dict[str, str]:
        names = {code: str(name) for code, name in choices}
        return {v: names.get(v, v) for v in values}

    return label


def _lazy_choices(import_path: str) -> Labeler:
    """Labels from a TextChoices class imported when first used (the registry is imported
    before the apps are ready)."""

    def label(values: list[str]) -> dict[str, str]:
        module, name = import_path.rsplit(".", 1)
        choices = getattr(__import__(module, fromlist=[name]), name).choices
        return _choices(choices)(values)

    return label


def _by_id(model_path: str, text: Callable[[models.Model], str]) -> Labeler:
    """Labels of ids read in one query (through the analytics database)."""

    def label(values: list[str]) -> dict[str, str]:
        from django.apps import apps

        model = apps.get_model(model_path)
        ids = [int(v) for v in values if v.isdigit()]
        found = {
            str(o.pk): text(o)
            for o in model._default_manager.using(analytics_db()).filter(pk__in=ids)
        }
        return {v: found.get(v, v) for v in values}

    return label


def _age_bands(values: list[str]) -> dict[str, str]:
    return {v: str(AGE_BAND_LABELS.get(v, v)) for v in values}


def _text(column: str) -> Callable[[str], str]:
    return lambda vendor: f"COALESCE({column}, '')"


def _id_text(column: str) -> Callable[[str], str]:
    return lambda vendor: f"COALESCE(CAST({column} AS TEXT), '')"


def _month_text(column: str, pattern: str) -> Callable[[str], str]:
    """A date column as text: 'YYYY-MM' (month), 'YYYY' (year), 'YYYY-Qn' (quarter)."""

    def sql(vendor: str) -> str:
        if pattern == "quarter":
            if vendor == "postgresql":
                return f"COALESCE(to_char({column}, 'YYYY-\"Q\"Q'), '')"
            return (
                f"COALESCE(strftime('%%Y', {column}) || '-Q' || "
                f"((CAST(strftime('%%m', {column}) AS INTEGER) + 2) / 3), '')"
            )
        if vendor == "postgresql":
            return (
                f"COALESCE(to_char({column}, '{'YYYY-MM' if pattern == 'month' else 'YYYY'}'), '')"
            )
        return f"COALESCE(strftime('{'%%Y-%%m' if pattern == 'month' else '%%Y'}', {column}), '')"

    return sql


WHO = _("Customer")
WHAT = _("Product")
HOW = _("Contact")
WHEN = _("Time")

fact_register(Fact(CUSTOMER, ""))
fact_register(Fact(ORDER, "analytics_orderfact", month="f.month"))
fact_register(Fact(INTERACTION, "analytics_interactionfact", month="f.month"))

for _dim in [
    Dimension("age_band", _("Age band"), ANY_FACT, _text("c.age_band"), _age_bands, True, WHO),
    Dimension("region", _("Region"), ANY_FACT, _text("c.region"), None, False, WHO),
    Dimension("country", _("Country"), ANY_FACT, _text("c.country"), None, False, WHO),
    Dimension(
        "lifecycle_stage",
        _("Lifecycle stage"),
        ANY_FACT,
        _text("c.lifecycle_stage"),
        _lazy_choices("fregues.parties.models.LifecycleStage"),
        False,
        WHO,
    ),
    Dimension("tier", _("Tier"), ANY_FACT, _text("c.tier"), None, False, WHO),
    Dimension(
        "kind",
        _("Kind"),
        ANY_FACT,
        _text("c.kind"),
        _lazy_choices("fregues.parties.models.PartyKind"),
        False,
        WHO,
    ),
    Dimension(
        "owner",
        _("Owner"),
        ANY_FACT,
        _id_text("c.owner_id"),
        _by_id("accounts.User", lambda u: u.get_full_name() or u.get_username()),  # type: ignore[attr-defined]
        False,
        WHO,
    ),
    Dimension("rfm_segment", _("RFM segment"), ANY_FACT, _text("c.rfm_segment"), None, False, WHO),
    Dimension("quadrant", _("Value quadrant"), ANY_FACT, _text("c.quadrant"), None, False, WHO),
    Dimension(
        "cohort_month",
        _("Cohort (first order)"),
        ANY_FACT,
        _month_text("c.cohort_month", "month"),
        None,
        True,
        WHO,
    ),
    Dimension(
        "product",
        _("Product"),
        frozenset({ORDER}),
        _id_text("f.product_id"),
        _by_id("sales.Product", lambda p: p.name),  # type: ignore[attr-defined]
        False,
        WHAT,
    ),
    Dimension(
        "category",
        _("Product category"),
        frozenset({ORDER}),
        _text("f.category"),
        None,
        False,
        WHAT,
    ),
    Dimension(
        "channel",
        _("Channel"),
        frozenset({INTERACTION}),
        _text("f.channel"),
        _lazy_choices("fregues.interactions.models.Channel"),
        False,
        HOW,
    ),
    Dimension(
        "direction",
        _("Direction"),
        frozenset({INTERACTION}),
        _text("f.direction"),
        _lazy_choices("fregues.interactions.models.Direction"),
        False,
        HOW,
    ),
    Dimension("month", _("Month"), TIMED, _month_text("f.month", "month"), None, True, WHEN),
    Dimension("quarter", _("Quarter"), TIMED, _month_text("f.month", "quarter"), None, True, WHEN),
    Dimension("year", _("Year"), TIMED, _month_text("f.month", "year"), None, True, WHEN),
]:
    dimension_register(_dim)

for _measure in [
    Measure(
        "customers",
        _("Customers"),
        {
            CUSTOMER: "COUNT(*)",
            ORDER: "COUNT(DISTINCT f.party_id)",
            INTERACTION: "COUNT(DISTINCT f.party_id)",
        },
        kind="count",
        places=0,
        per_customer=False,
    ),
    Measure(
        "revenue",
        _("Revenue"),
        {ORDER: "SUM(f.revenue)"},
        "money",
        2,
        True,
        {ORDER: ("SUM(f.revenue)",)},
        _first,
    ),
    Measure(
        "margin",
        _("Margin"),
        {ORDER: "SUM(f.margin)"},
        "money",
        2,
        True,
        {ORDER: ("SUM(f.margin)",)},
        _first,
    ),
    Measure(
        "quantity",
        _("Quantity"),
        {ORDER: "SUM(f.quantity)"},
        "number",
        3,
        True,
        {ORDER: ("SUM(f.quantity)",)},
        _first,
    ),
    Measure(
        "orders",
        _("Orders"),
        {ORDER: "SUM(f.orders)"},
        "number",
        2,
        True,
        {ORDER: ("SUM(f.orders)",)},
        _first,
    ),
    Measure(
        "average_ticket",
        _("Average ticket"),
        {ORDER: "SUM(f.revenue) * 1.0 / NULLIF(SUM(f.orders), 0)"},
        kind="money",
        parts={ORDER: ("SUM(f.revenue)", "SUM(f.orders)")},
        combine=_ratio,
    ),
    Measure(
        "contacts",
        _("Contacts"),
        {INTERACTION: "SUM(f.contacts)"},
        "count",
        0,
        True,
        {INTERACTION: ("SUM(f.contacts)",)},
        _first,
    ),
    Measure(
        "contact_minutes",
        _("Contact minutes"),
        {INTERACTION: "SUM(f.duration_seconds) / 60.0"},
        places=1,
        parts={INTERACTION: ("SUM(f.duration_seconds)",)},
        combine=_minutes,
    ),
]:
    measure_register(_measure)

# The order in which a fact is chosen when several could answer (the smallest first).
FACT_PREFERENCE = [CUSTOMER, ORDER, INTERACTION]
