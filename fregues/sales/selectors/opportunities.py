"""Reads on deals and pipelines: one deal, the filtered list with its totals, a deal's
history, the pipelines with their stages, the won/lost reasons, and the kanban board.

Weighted value = amount × effective probability (the owner's override, else the stage's;
won deals count 100 %, lost ones 0 %). Sums are per currency: amounts in different currencies
are never added together.
"""

from __future__ import annotations

import base64
import datetime
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.accounts.models import User
from fregues.core.errors import Invalid, NotFound
from fregues.core.permissions import can, require
from fregues.parties.models import Affiliation, Party

from ..filters.opportunities import OpportunityFilters
from ..models import (
    CloseReason,
    Opportunity,
    OpportunityChange,
    OpportunityStatus,
    Pipeline,
    PipelineStage,
)
from ..money import HUNDRED, ZERO, quantize

BOARD_CARDS_PER_STAGE = 50


# ---------------------------------------------------------------- arithmetic


def weighted_amount(amount: Decimal, probability: int, currency: str = "") -> Decimal:
    """``amount × probability %``, rounded to the currency's cents."""
    return quantize(Decimal(amount) * Decimal(probability) / HUNDRED, currency)


def days_in_stage(deal: Opportunity, now: datetime.datetime | None = None) -> int:
    """Whole days the deal has been in its stage."""
    return max(0, ((now or timezone.now()) - deal.stage_changed_at).days)


def is_rotting(
    deal: Opportunity, stage: PipelineStage | None = None, now: datetime.datetime | None = None
) -> bool:
    """An open deal idle in its stage longer than the stage's rotting days."""
    days = (stage or deal.stage).rotting_days
    return (
        deal.status == OpportunityStatus.OPEN
        and days is not None
        and (now or timezone.now()) - deal.stage_changed_at > datetime.timedelta(days=days)
    )


def rotting_condition(now: datetime.datetime, pipeline_id: int | None = None) -> Q:
    """Open deals idle longer than their stage allows, as one condition (one term per stage
    that has rotting days: a handful, and each can use the board index)."""
    stages = PipelineStage.objects.filter(rotting_days__isnull=False)
    if pipeline_id:
        stages = stages.filter(pipeline_id=pipeline_id)
    condition = Q(pk__in=[])
    for stage_id, days in stages.values_list("id", "rotting_days"):
        condition |= Q(
            stage_id=stage_id, stage_changed_at__lt=now - datetime.timedelta(days=days or 0)
        )
    return Q(status=OpportunityStatus.OPEN) & condition


@dataclass
class MoneyTotal:
    """Deals of one currency: how many, their sum and their weighted sum."""

    currency: str
    count: int = 0
    amount: Decimal = ZERO
    weighted: Decimal = ZERO


def _probability_of(status: str, probability: int | None) -> int:
    if status == OpportunityStatus.WON:
        return 100
    if status == OpportunityStatus.LOST:
        return 0
    return int(probability or 0)


def totals_by_currency(rows: list[dict[str, Any]]) -> list[MoneyTotal]:
    """Fold grouped rows ``{currency, status, p, n, total}`` into one total per currency
    (the default currency first). The weighting is done here, in Decimal, exactly."""
    out: dict[str, MoneyTotal] = {}
    for row in rows:
        currency = row["currency"]
        total = out.setdefault(currency, MoneyTotal(currency))
        amount = quantize(Decimal(row["total"] or 0), currency)
        total.count += row["n"]
        total.amount += amount
        probability = _probability_of(row.get("status", OpportunityStatus.OPEN), row["p"])
        total.weighted += weighted_amount(amount, probability, currency)
    default = settings.DEFAULT_CURRENCY
    return sorted(out.values(), key=lambda t: (t.currency != default, t.currency))


# ---------------------------------------------------------------- one deal


def _deals() -> QuerySet[Opportunity]:
    return Opportunity.objects.select_related(
        "party", "contact", "pipeline", "stage", "owner", "close_reason"
    )


def opportunity_get(*, actor: Any, opportunity_id: int) -> Opportunity:
    require(actor, "deal.view")
    deal = _deals().filter(pk=opportunity_id).first()
    if deal is None:
        raise NotFound(
            _("Deal %(id)s does not exist.") % {"id": opportunity_id},
            details={"id": opportunity_id},
        )
    return deal


def opportunity_history(*, actor: Any, opportunity_id: int) -> list[OpportunityChange]:
    """Every stage and status change of the deal, newest first, with who did it."""
    require(actor, "deal.view")
    return list(
        OpportunityChange.objects.filter(opportunity_id=opportunity_id)
        .select_related("from_stage", "to_stage", "actor")
        .order_by("-occurred_at", "-id")
    )


# ---------------------------------------------------------------- the list


def _filtered(actor: Any, filters: OpportunityFilters, now: datetime.datetime) -> QuerySet:
    f = filters.as_kwargs()
    qs = Opportunity.objects.all()
    if f["q"]:
        qs = qs.filter(Q(title__icontains=f["q"]) | Q(party__name__icontains=f["q"]))
    if f["pipeline_id"]:
        qs = qs.filter(pipeline_id=f["pipeline_id"])
    if f["stage_id"]:
        qs = qs.filter(stage_id=f["stage_id"])
    if f["status"]:
        qs = qs.filter(status=f["status"])
    owner_id = actor.pk if f["mine"] and getattr(actor, "pk", None) else f["owner_id"]
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if f["party_id"]:
        qs = qs.filter(party_id=f["party_id"])
    if f["close_from"]:
        qs = qs.filter(expected_close_date__gte=f["close_from"])
    if f["close_to"]:
        qs = qs.filter(expected_close_date__lte=f["close_to"])
    if f["rotting"]:
        qs = qs.filter(rotting_condition(now, f["pipeline_id"]))
    if f["amount_min"] is not None:
        qs = qs.filter(amount__gte=f["amount_min"])
    if f["amount_max"] is not None:
        qs = qs.filter(amount__lte=f["amount_max"])
    if f["currency"]:
        qs = qs.filter(currency=f["currency"])
    return qs


def _encode(value: Any, pk: int) -> str:
    raw = json.dumps([value, pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[Any, int]:
    try:
        value, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return value, int(pk)
    except (ValueError, TypeError) as exc:
        raise Invalid.field(
            "cursor", _("This cursor is not valid."), code="invalid_cursor"
        ) from exc


def _after(sort: str, cursor: str) -> Q:
    """The rows that come after ``cursor`` in the order ``sort``."""
    value, pk = _decode(cursor)
    try:
        if sort == "close":
            if value is None:
                return Q(expected_close_date__isnull=True, pk__gt=pk)
            day = datetime.date.fromisoformat(value)
            return (
                Q(expected_close_date__gt=day)
                | Q(expected_close_date=day, pk__gt=pk)
                | Q(expected_close_date__isnull=True)
            )
        if sort == "amount":
            amount = Decimal(str(value))
            return Q(amount__lt=amount) | Q(amount=amount, pk__lt=pk)
        moment = datetime.datetime.fromisoformat(value)
        if timezone.is_naive(moment):
            raise ValueError("a cursor's time carries its offset")
        return Q(updated_at__lt=moment) | Q(updated_at=moment, pk__lt=pk)
    except (ValueError, TypeError, ArithmeticError) as exc:
        raise Invalid.field(
            "cursor", _("This cursor is not valid."), code="invalid_cursor"
        ) from exc


def _cursor_of(sort: str, deal: Opportunity) -> str:
    if sort == "close":
        day = deal.expected_close_date
        return _encode(day.isoformat() if day else None, deal.pk)
    if sort == "amount":
        return _encode(str(deal.amount), deal.pk)
    return _encode(deal.updated_at.isoformat(), deal.pk)


ORDERS = {
    "recent": [F("updated_at").desc(), F("id").desc()],
    "close": [F("expected_close_date").asc(nulls_last=True), F("id").asc()],
    "amount": [F("amount").desc(), F("id").desc()],
}


def opportunity_list(
    *,
    actor: Any,
    filters: OpportunityFilters,
    cursor: str | None = None,
    limit: int = 50,
    sort: str = "recent",
    now: datetime.datetime | None = None,
) -> tuple[list[Opportunity], str | None]:
    """One keyset page of deals matching ``filters``, in the order ``sort`` (recent: last
    changed first; close: expected close soonest first; amount: largest first)."""
    require(actor, "deal.view")
    sort = sort if sort in ORDERS else "recent"
    qs = _filtered(actor, filters, now or timezone.now()).select_related(
        "party", "pipeline", "stage", "owner", "close_reason"
    )
    if cursor:
        qs = qs.filter(_after(sort, cursor))
    rows = list(qs.order_by(*ORDERS[sort])[: limit + 1])
    next_cursor = _cursor_of(sort, rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor


def opportunity_totals(
    *, actor: Any, filters: OpportunityFilters, now: datetime.datetime | None = None
) -> list[MoneyTotal]:
    """Count, sum and weighted sum per currency of every deal matching ``filters``."""
    require(actor, "deal.view")
    rows = (
        _filtered(actor, filters, now or timezone.now())
        .annotate(p=Coalesce("probability", "stage__probability"))
        .values("currency", "status", "p")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by()
    )
    return totals_by_currency(list(rows))


# ---------------------------------------------------------------- pipelines and reasons


def may_read_pipelines(actor: Any) -> bool:
    """Deal readers and report readers (marketing reads the forecast's filters) see the
    pipelines and their stages: configuration, not deals."""
    return can(actor, "deal.view") or can(actor, "sales.report")


def pipeline_list(*, actor: Any, include_inactive: bool = False) -> list[Pipeline]:
    """Pipelines in order, each with its stages in order (``active_stages`` too)."""
    if not may_read_pipelines(actor):
        require(actor, "deal.view")
    stages = PipelineStage.objects.order_by("position", "id")
    if not include_inactive:
        stages = stages.filter(is_active=True)
    pipelines = Pipeline.objects.prefetch_related(Prefetch("stages", queryset=stages))
    if not include_inactive:
        pipelines = pipelines.filter(is_active=True)
    return list(pipelines.order_by("position", "id"))


def pipeline_get(*, actor: Any, pipeline_id: int, include_inactive: bool = True) -> Pipeline:
    if not may_read_pipelines(actor):
        require(actor, "deal.view")
    stages = PipelineStage.objects.order_by("position", "id")
    if not include_inactive:
        stages = stages.filter(is_active=True)
    pipeline = (
        Pipeline.objects.prefetch_related(Prefetch("stages", queryset=stages))
        .filter(pk=pipeline_id)
        .first()
    )
    if pipeline is None:
        raise NotFound(
            _("Pipeline %(id)s does not exist.") % {"id": pipeline_id}, details={"id": pipeline_id}
        )
    return pipeline


def open_counts_by_stage(pipeline_ids: list[int]) -> dict[int, int]:
    """How many open deals each stage holds (for the setup screen: what blocks a removal)."""
    rows = (
        Opportunity.objects.filter(pipeline_id__in=pipeline_ids, status=OpportunityStatus.OPEN)
        .values("stage_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["stage_id"]: row["n"] for row in rows}


def close_reason_list(
    *, actor: Any, kind: str | None = None, include_inactive: bool = False
) -> list[CloseReason]:
    require(actor, "deal.view")
    qs = CloseReason.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return list(qs.order_by("kind", "position", "id"))


DEAL_OWNER_ROLES = ("sales", "relationship_manager", "admin")


def deal_owners() -> list[User]:
    """Active users who may own deals (salespeople, relationship managers, admins)."""
    return list(
        User.objects.filter(is_active=True, role__in=DEAL_OWNER_ROLES)
        .order_by("first_name", "last_name", "username")
        .only("id", "username", "first_name", "last_name", "role")
    )


def owner_choices(*, actor: Any) -> list[User]:
    require(actor, "deal.view")
    return deal_owners()


def party_brief(party_id: int) -> Party | None:
    """A customer's id and name (the deal form's and the list's heading)."""
    return Party.objects.filter(pk=party_id).only("id", "name", "kind").first()


def contact_choices(party: Party | None) -> list[Party]:
    """Who a deal with ``party`` may name as its contact: the people affiliated with it (an
    organisation), or the party itself (a person)."""
    if party is None:
        return []
    people = [
        a.person
        for a in Affiliation.objects.filter(organization=party, ended_on__isnull=True)
        .select_related("person")
        .order_by("-is_primary", "person__name")
    ]
    return people if people or party.kind == "organization" else [party]


# ---------------------------------------------------------------- the board


@dataclass
class BoardCard:
    """A deal as a card: its numbers and whether it needs attention."""

    deal: Opportunity
    weighted: Decimal
    days_in_stage: int
    rotting: bool
    overdue: bool


@dataclass
class BoardColumn:
    stage: PipelineStage
    count: int = 0
    totals: list[MoneyTotal] = field(default_factory=list)
    cards: list[BoardCard] = field(default_factory=list)

    @property
    def more(self) -> int:
        """Open deals of this stage not shown as cards (see the list)."""
        return max(0, self.count - len(self.cards))


@dataclass
class Board:
    pipeline: Pipeline
    pipelines: list[Pipeline]
    columns: list[BoardColumn]
    totals: list[MoneyTotal]
    owner_id: int | None
    now: datetime.datetime


CARD_FIELDS = (
    "id",
    "title",
    "amount",
    "currency",
    "probability",
    "expected_close_date",
    "stage_changed_at",
    "stage_id",
    "pipeline_id",
    "party_id",
    "owner_id",
    "status",
    "version",
    "party__id",
    "party__name",
    "party__kind",
    "owner__id",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
)


def pipeline_board(
    *,
    actor: Any,
    pipeline_id: int | None = None,
    owner_id: int | None = None,
    stage_ids: list[int] | None = None,
    per_stage: int = BOARD_CARDS_PER_STAGE,
    now: datetime.datetime | None = None,
) -> Board:
    """The kanban of one pipeline (the default one when not given): a column per active
    stage with its count, sum and weighted sum per currency, and its open deals as cards
    (the soonest expected close first; at most ``per_stage``). ``stage_ids`` limits the
    columns built (the board refreshes only the columns a move touched); the board's totals
    still cover every stage. A fixed number of queries, however many deals."""
    require(actor, "deal.view")
    now = now or timezone.now()
    pipelines = pipeline_list(actor=actor)
    pipeline = next((p for p in pipelines if p.pk == pipeline_id), None) if pipeline_id else None
    if pipeline is None and pipeline_id:
        pipeline = pipeline_get(actor=actor, pipeline_id=pipeline_id, include_inactive=False)
    if pipeline is None:
        pipeline = next((p for p in pipelines if p.is_default), None) or (
            pipelines[0] if pipelines else None
        )
    if pipeline is None:
        raise NotFound(_("There is no pipeline yet."))
    stages = list(pipeline.stages.all())
    columns = {s.pk: BoardColumn(stage=s) for s in stages}
    deals = Opportunity.objects.filter(
        pipeline=pipeline, status=OpportunityStatus.OPEN, stage_id__in=list(columns)
    )
    if owner_id:
        deals = deals.filter(owner_id=owner_id)
    grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in (
        deals.annotate(p=Coalesce("probability", "stage__probability"))
        .values("stage_id", "currency", "p")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by()
    ):
        grouped[row["stage_id"]].append(dict(row))
    all_rows: list[dict[str, Any]] = []
    for stage_id, rows in grouped.items():
        column = columns[stage_id]
        column.totals = totals_by_currency(rows)
        column.count = sum(t.count for t in column.totals)
        all_rows += rows
    if stage_ids is not None:
        wanted = set(stage_ids)
        columns = {pk: column for pk, column in columns.items() if pk in wanted}
        deals = deals.filter(stage_id__in=list(columns))
    cards = (
        deals.select_related("party", "owner")
        .only(*CARD_FIELDS)
        .annotate(
            row=Window(
                RowNumber(),
                partition_by=[F("stage_id")],
                order_by=[F("expected_close_date").asc(nulls_last=True), F("id").asc()],
            )
        )
        .filter(row__lte=per_stage)
        .order_by("stage_id", F("expected_close_date").asc(nulls_last=True), "id")
    )
    today = timezone.localdate(now)
    for deal in cards:
        column = columns[deal.stage_id]
        probability = deal.probability if deal.probability is not None else column.stage.probability
        column.cards.append(
            BoardCard(
                deal=deal,
                weighted=weighted_amount(deal.amount, probability, deal.currency),
                days_in_stage=days_in_stage(deal, now),
                rotting=is_rotting(deal, column.stage, now),
                overdue=bool(deal.expected_close_date and deal.expected_close_date < today),
            )
        )
    return Board(
        pipeline=pipeline,
        pipelines=pipelines,
        columns=list(columns.values()),
        totals=totals_by_currency(all_rows),
        owner_id=owner_id,
        now=now,
    )
