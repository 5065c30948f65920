"""The weighted forecast: what each owner is expected to close, month by month.

For each owner and month of the period: the open deals expected to close that month, weighted
(amount × effective probability), and the deals actually won that month (by the day they were
won). Per currency, never converted. Aggregates only — no deal's title or customer — so the
report is open to marketing (``sales.report``) as well as to sales.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.accounts.models import User
from fregues.core.errors import Invalid
from fregues.core.permissions import require

from ..models import Opportunity, OpportunityStatus
from ..money import ZERO, quantize
from .opportunities import deal_owners, weighted_amount

DEFAULT_MONTHS = 6
MAX_MONTHS = 24


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The first day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


@dataclass
class ForecastCell:
    """One owner (or everyone), one month, one currency."""

    weighted: Decimal = ZERO
    open_amount: Decimal = ZERO
    open_count: int = 0
    won: Decimal = ZERO
    won_count: int = 0

    def add(self, other: ForecastCell) -> None:
        self.weighted += other.weighted
        self.open_amount += other.open_amount
        self.open_count += other.open_count
        self.won += other.won
        self.won_count += other.won_count

    @property
    def expected(self) -> Decimal:
        """Won so far plus weighted still open: what the month should bring."""
        return self.won + self.weighted


@dataclass
class ForecastRow:
    owner_id: int | None
    owner_name: str
    owner: User | None = None
    cells: dict[tuple[datetime.date, str], ForecastCell] = field(default_factory=dict)

    def cell(self, month: datetime.date, currency: str) -> ForecastCell:
        return self.cells.setdefault((month, currency), ForecastCell())

    def total(self, currency: str) -> ForecastCell:
        out = ForecastCell()
        for (_month, cur), cell in self.cells.items():
            if cur == currency:
                out.add(cell)
        return out


@dataclass
class LooseEnds:
    """Open deals the months cannot place: expected close already past before the period
    began (they should be closed or given a new date), or no date at all."""

    overdue_count: int = 0
    overdue_weighted: Decimal = ZERO
    undated_count: int = 0
    undated_amount: Decimal = ZERO


@dataclass
class Forecast:
    start: datetime.date
    months: list[datetime.date]
    currencies: list[str]
    rows: list[ForecastRow]
    totals: ForecastRow
    loose: dict[str, LooseEnds]
    pipeline_id: int | None
    owner_id: int | None

    def grid(self, currency: str) -> list[tuple[ForecastRow, list[ForecastCell], ForecastCell]]:
        """Rows of one currency as (row, one cell per month, the row's total)."""
        return [
            (row, [row.cell(m, currency) for m in self.months], row.total(currency))
            for row in self.rows
            if row.total(currency).open_count or row.total(currency).won_count
        ]


def parse_month(value: Any) -> datetime.date | None:
    """``2026-11`` (or a full date) as the first day of that month; None when empty."""
    text = str(value or "").strip()
    if not text:
        return None
    try:
        if len(text) == 7:
            return datetime.date.fromisoformat(f"{text}-01")
        return month_start(datetime.date.fromisoformat(text))
    except ValueError as exc:
        raise Invalid.field("start", _("Give the first month as YYYY-MM.")) from exc


def forecast(
    *,
    actor: Any,
    start: datetime.date | str | None = None,
    months: int = DEFAULT_MONTHS,
    pipeline_id: int | None = None,
    owner_id: int | None = None,
    today: datetime.date | None = None,
) -> Forecast:
    """The forecast for ``months`` months from ``start`` (default: this month and the next
    five), of one pipeline or all, of one owner or all."""
    require(actor, "sales.report")
    if isinstance(start, str) or start is None:
        start = parse_month(start)
    today = today or timezone.localdate()
    if not 1 <= int(months) <= MAX_MONTHS:
        raise Invalid.field("months", _("Give between 1 and %(max)s months.") % {"max": MAX_MONTHS})
    first = month_start(start or today)
    month_list = [add_months(first, i) for i in range(int(months))]
    end = add_months(first, int(months))
    deals = Opportunity.objects.all()
    if pipeline_id:
        deals = deals.filter(pipeline_id=pipeline_id)
    if owner_id:
        deals = deals.filter(owner_id=owner_id)
    rows: dict[int | None, ForecastRow] = {}
    currencies: set[str] = set()

    def row_of(owner: int | None) -> ForecastRow:
        return rows.setdefault(owner, ForecastRow(owner, ""))

    open_deals = deals.filter(status=OpportunityStatus.OPEN).annotate(
        p=Coalesce("probability", "stage__probability")
    )
    for item in (
        open_deals.filter(expected_close_date__gte=first, expected_close_date__lt=end)
        .annotate(month=TruncMonth("expected_close_date"))
        .values("owner_id", "month", "currency", "p")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by()
    ):
        currency = item["currency"]
        amount = quantize(Decimal(item["total"] or 0), currency)
        cell = row_of(item["owner_id"]).cell(_as_date(item["month"]), currency)
        cell.open_count += item["n"]
        cell.open_amount += amount
        cell.weighted += weighted_amount(amount, int(item["p"] or 0), currency)
        currencies.add(currency)

    zone = timezone.get_current_timezone()
    since = datetime.datetime.combine(first, datetime.time(), tzinfo=zone)
    until = datetime.datetime.combine(end, datetime.time(), tzinfo=zone)
    for won in (
        deals.filter(status=OpportunityStatus.WON, closed_at__gte=since, closed_at__lt=until)
        .annotate(month=TruncMonth("closed_at"))
        .values("owner_id", "month", "currency")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by()
    ):
        currency = won["currency"]
        cell = row_of(won["owner_id"]).cell(_as_date(won["month"]), currency)
        cell.won_count += won["n"]
        cell.won += quantize(Decimal(won["total"] or 0), currency)
        currencies.add(currency)

    loose: dict[str, LooseEnds] = {}
    for late in (
        open_deals.filter(expected_close_date__lt=min(first, today))
        .values("currency", "p")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by()
    ):
        ends = loose.setdefault(late["currency"], LooseEnds())
        ends.overdue_count += late["n"]
        ends.overdue_weighted += weighted_amount(
            Decimal(late["total"] or 0), int(late["p"] or 0), late["currency"]
        )
    for undated in (
        open_deals.filter(expected_close_date__isnull=True)
        .values("currency")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by()
    ):
        ends = loose.setdefault(undated["currency"], LooseEnds())
        ends.undated_count += undated["n"]
        ends.undated_amount += quantize(Decimal(undated["total"] or 0), undated["currency"])

    users = {
        u.pk: u
        for u in User.objects.filter(pk__in=[k for k in rows if k]).only(
            "id", "username", "first_name", "last_name"
        )
    }
    for owner, row in rows.items():
        row.owner = users.get(owner) if owner else None
        row.owner_name = row.owner.display_name if row.owner else str(_("No owner"))
    ordered = sorted(rows.values(), key=lambda r: (r.owner_id is None, r.owner_name.lower()))
    totals = ForecastRow(None, str(_("Total")))
    for row in ordered:
        for key, cell in row.cells.items():
            totals.cells.setdefault(key, ForecastCell()).add(cell)
    default = settings.DEFAULT_CURRENCY
    return Forecast(
        start=first,
        months=month_list,
        currencies=sorted(currencies, key=lambda c: (c != default, c)),
        rows=ordered,
        totals=totals,
        loose=loose,
        pipeline_id=pipeline_id,
        owner_id=owner_id,
    )


def _as_date(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


def forecast_owners(*, actor: Any) -> list[User]:
    """Whom the forecast can be filtered by (marketing sees the people, not their deals)."""
    require(actor, "sales.report")
    return deal_owners()
