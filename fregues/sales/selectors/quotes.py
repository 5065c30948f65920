"""Reads of quotes: the list (filters, keyset pages, totals per currency), one quote with its
lines, a deal's and a customer's quotes, and the editor's preview of lines not yet saved."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from fregues.core.errors import ErrorCollector, Invalid, NotFound
from fregues.core.permissions import ADMIN, RELATIONSHIP_MANAGER, SALES, require
from fregues.parties.models import ContactPoint, Party
from fregues.parties.selectors import party_survivor_id

from ..models import (
    Opportunity,
    OpportunityStatus,
    Order,
    PriceList,
    Quote,
    QuoteLine,
    QuoteStatus,
)
from ..money import DocumentTotals, clean_currency, document_totals
from ..services.quotes import CleanLine, clean_lines

OPEN = (QuoteStatus.DRAFT, QuoteStatus.SENT)
DEAL_OWNER_ROLES = (SALES, RELATIONSHIP_MANAGER, ADMIN)


def _words(q: str) -> list[str]:
    return [w for w in (q or "").split() if w][:6]


def quote_list(
    *,
    actor: Any,
    party_id: int | None = None,
    status: str | None = None,
    owner_id: int | None = None,
    opportunity_id: int | None = None,
    q: str = "",
) -> QuerySet[Quote]:
    """Quotes, newest first; ``status`` "open" = drafts and sent ones; ``q``: every word in
    the number, the title or the customer's name."""
    require(actor, "deal.view")
    qs = Quote.objects.select_related("party", "owner", "opportunity")
    if party_id:
        qs = qs.filter(party_id=party_id)
    if status == "open":
        qs = qs.filter(status__in=OPEN)
    elif status:
        qs = qs.filter(status=status)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if opportunity_id:
        qs = qs.filter(opportunity_id=opportunity_id)
    for word in _words(q):
        qs = qs.filter(
            Q(number__icontains=word) | Q(title__icontains=word) | Q(party__name__icontains=word)
        )
    return qs.order_by("-id")


def _encode(pk: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([pk]).encode()).decode().rstrip("=")


def quote_page(
    qs: QuerySet[Quote], cursor: str | None, limit: int
) -> tuple[list[Quote], str | None]:
    """One page of ``qs`` (newest first) after ``cursor``, and the next cursor."""
    if cursor:
        try:
            (pk,) = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
            qs = qs.filter(pk__lt=int(pk))
        except (ValueError, TypeError) as exc:
            raise Invalid.field(
                "cursor", _("This cursor is not valid."), code="invalid_cursor"
            ) from exc
    rows = list(qs.order_by("-id")[: limit + 1])
    next_cursor = _encode(rows[limit - 1].pk) if len(rows) > limit else None
    return rows[:limit], next_cursor


def quote_totals(qs: QuerySet[Quote]) -> list[dict[str, Any]]:
    """The filtered quotes' count and total per currency (``[{currency, count, total}]``)."""
    rows: Any = (
        qs.order_by()
        .values("currency")
        .annotate(count=Count("id"), total=Sum("total"))
        .order_by("currency")
    )
    return [dict(row) for row in rows]


def quote_get(*, actor: Any, quote_id: int) -> Quote:
    """One quote with its lines, customer, contact, deal, owner and price list."""
    require(actor, "deal.view")
    quote = (
        Quote.objects.select_related("party", "contact", "opportunity", "owner", "price_list")
        .prefetch_related(
            Prefetch("lines", queryset=QuoteLine.objects.select_related("product")),
        )
        .filter(pk=quote_id)
        .first()
    )
    if quote is None:
        raise NotFound(_("Quote %(id)s does not exist.") % {"id": quote_id})
    return quote


def quote_for_document(*, quote_id: int) -> Quote:
    """A quote with what its PDF prints (the customer's contact points too); no permission
    check: the caller has checked it (staff) or holds the quote's signed link (customer)."""
    quote = (
        Quote.objects.select_related("party", "contact", "owner")
        .prefetch_related(
            "lines",
            Prefetch(
                "party__contact_points",
                queryset=ContactPoint.objects.order_by("kind", "-is_primary", "id"),
            ),
        )
        .filter(pk=quote_id)
        .first()
    )
    if quote is None:
        raise NotFound(_("Quote %(id)s does not exist.") % {"id": quote_id})
    return quote


def quote_order(quote: Quote) -> Order | None:
    """The order an accepted quote became (None before)."""
    if quote.status != QuoteStatus.ACCEPTED:
        return None
    return Order.objects.filter(quote_id=quote.pk).only("id", "number", "party_id").first()


def quotes_for_opportunity(*, actor: Any, opportunity_id: int) -> list[Quote]:
    """A deal's quotes, newest first (the deal page's panel)."""
    require(actor, "deal.view")
    return list(
        Quote.objects.filter(opportunity_id=opportunity_id).select_related("owner").order_by("-id")
    )


def open_quotes_for_party(*, actor: Any, party_id: int, limit: int = 5) -> list[Quote]:
    """A customer's drafts and sent quotes, newest first (the customer page's panel)."""
    require(actor, "deal.view")
    return list(
        Quote.objects.filter(party_id=party_id, status__in=OPEN)
        .select_related("owner")
        .order_by("-id")[:limit]
    )


@dataclass
class LinesPreview:
    """What the quote editor shows before saving: the good lines (by their place in the list
    sent), each line's problems, the totals of the good lines."""

    currency: str
    price_list: PriceList | None
    lines: dict[int, CleanLine] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    totals: DocumentTotals | None = None

    def line_errors(self, index: int) -> list[str]:
        prefix = f"lines.{index}"
        return [
            message
            for name, messages in self.errors.items()
            if name == prefix or name.startswith(prefix + ".")
            for message in messages
        ]


def quote_lines_preview(
    *,
    actor: Any,
    lines: list[dict[str, Any]],
    price_list_id: int | None,
    currency: str | None,
    kept_product_ids: frozenset[int] = frozenset(),
) -> LinesPreview:
    """The lines as ``quote_lines_set`` would store them, computed and written nowhere."""
    require(actor, "deal.view")
    price_list = PriceList.objects.filter(pk=price_list_id).first() if price_list_id else None
    code = price_list.currency if price_list else clean_currency(currency) or ""
    errors = ErrorCollector()
    clean = clean_lines(
        lines,
        price_list=price_list,
        currency=code,
        errors=errors,
        kept_product_ids=kept_product_ids,
    )
    return LinesPreview(
        currency=code,
        price_list=price_list,
        lines={line.index: line for line in clean},
        errors=errors.errors,
        totals=document_totals([line.amounts for line in clean]),
    )


@dataclass
class EditorChoices:
    """What the quote editor offers for a customer: its people, its deals, the price lists
    and the salespeople."""

    contacts: list[Party]
    deals: list[Opportunity]
    price_lists: list[PriceList]
    owners: list[Any]


def quote_editor_choices(
    *, actor: Any, party: Party, keep_deal_id: int | None = None
) -> EditorChoices:
    require(actor, "deal.view")
    people = list(
        Party.objects.filter(affiliations__organization=party, merged_into__isnull=True)
        .distinct()
        .order_by("name")[:200]
    )
    deals = list(
        Opportunity.objects.filter(party=party)
        .filter(Q(status=OpportunityStatus.OPEN) | Q(pk=keep_deal_id or 0))
        .order_by("-id")[:100]
    )
    owners = list(
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(role__in=DEAL_OWNER_ROLES) | Q(is_superuser=True))
        .order_by("first_name", "last_name", "username")
    )
    return EditorChoices(
        contacts=people,
        deals=deals,
        price_lists=list(PriceList.objects.filter(is_active=True).order_by("currency", "name")),
        owners=owners,
    )


def party_for_quote(*, actor: Any, party_id: int) -> Party:
    """The customer a new quote is for (following a merge), or 404."""
    require(actor, "deal.view")
    party = Party.objects.filter(pk=party_id).first()
    if party is None:
        raise NotFound(_("Party %(id)s does not exist.") % {"id": party_id})
    if party.merged_into_id:
        party = Party.objects.get(pk=party_survivor_id(party.pk))
    return party


def opportunity_for_quote(*, actor: Any, opportunity_id: int) -> Opportunity:
    require(actor, "deal.view")
    deal = Opportunity.objects.select_related("party").filter(pk=opportunity_id).first()
    if deal is None:
        raise NotFound(_("Deal %(id)s does not exist.") % {"id": opportunity_id})
    return deal
