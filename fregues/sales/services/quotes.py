"""Quotes: offers to a customer with priced lines, valid until a date.

A quote is written as a draft (by hand, from a deal or from a customer), sent by e-mail with a
PDF and a signed link (see ``quote_links``: sending, delivery, the customer's acceptance),
and answered by the customer. Only drafts are edited: editing a sent quote makes it a draft
again and the link the customer holds stops working. Lines are set all at once and checked
together; money goes through ``fregues.sales.money`` so a quote's total is the sum of its
lines, the same on the screen, in the API, in the PDF and on the order it becomes.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from fregues.core.audit import diff, snapshot
from fregues.core.errors import Conflict, ErrorCollector
from fregues.core.permissions import require
from fregues.parties.models import Affiliation, Party
from fregues.parties.selectors import party_survivor_id

from ..models import (
    Opportunity,
    PriceList,
    Quote,
    QuoteLine,
    QuoteStatus,
)
from .catalog import default_price_list
from .catalog_fields import int_or_none
from .common import (
    check_version,
    currency_or_error,
    live_party,
    locked,
    next_number,
    sales_event,
    user_or_none,
)
from .quote_lines import CleanLine, clean_lines, write_lines
from .quote_links import (
    audit_quote,
    quote_accept,
    quote_decline,
    quote_deliver,
    quote_open_by_key,
    quote_public_url,
    quote_recipient,
    quote_send,
    quote_token,
)

__all__ = [
    "CleanLine",
    "clean_lines",
    "quote_accept",
    "quote_cancel",
    "quote_create",
    "quote_decline",
    "quote_deliver",
    "quote_duplicate",
    "quote_lines_set",
    "quote_open_by_key",
    "quote_public_url",
    "quote_recipient",
    "quote_send",
    "quote_token",
    "quote_update",
]

QUOTE_FIELDS = (
    "number",
    "party",
    "contact",
    "opportunity",
    "price_list",
    "owner",
    "status",
    "title",
    "language",
    "valid_until",
    "terms",
    "currency",
    "total",
)
# A quote in these states is still the salesperson's to change (editing a sent or expired one
# makes it a draft again); the others were answered or withdrawn: duplicate them instead.
EDITABLE = {QuoteStatus.DRAFT, QuoteStatus.SENT, QuoteStatus.EXPIRED}
LANGUAGES = ("pt-br", "pt-pt", "en")


def quote_language(value: Any) -> str:
    """``value`` as one of the languages quotes are written in (pt-br, pt-pt, en), or ""."""
    text = str(value or "").strip().lower().replace("_", "-")
    if text in LANGUAGES:
        return text
    if text.startswith("pt-pt") or text == "pt-ao" or text == "pt-mz":
        return "pt-pt"
    if text.startswith("pt"):
        return "pt-br"
    if text.startswith("en"):
        return "en"
    return ""


def _default_language(party: Party) -> str:
    return quote_language(party.language) or quote_language(settings.LANGUAGE_CODE) or "pt-br"


# ---------------------------------------------------------------- the header


def _date(value: Any, errors: ErrorCollector, field: str) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    parsed = parse_date(str(value or "").strip()) if value else None
    if parsed is None:
        errors.add(field, _("Use a date such as 2026-12-31."))
    return parsed


def _user(value: Any, errors: ErrorCollector, field: str) -> Any:
    if value in (None, ""):
        return None
    user_id = int_or_none(value)
    user = (
        get_user_model().objects.filter(pk=user_id, is_active=True).first()
        if user_id is not None
        else None
    )
    if user is None:
        errors.add(field, _("User %(id)s does not exist.") % {"id": value})
    return user


def _opportunity(value: Any, party: Party | None, errors: ErrorCollector) -> Opportunity | None:
    if value in (None, ""):
        return None
    deal_id = int_or_none(value)
    deal = Opportunity.objects.filter(pk=deal_id).first() if deal_id is not None else None
    if deal is None:
        errors.add("opportunity_id", _("Deal %(id)s does not exist.") % {"id": value})
        return None
    if party is not None and party_survivor_id(deal.party_id) != party.pk:
        errors.add(
            "opportunity_id",
            _("The deal “%(title)s” is another customer's: choose a deal of %(name)s.")
            % {"title": deal.title, "name": party.name},
        )
    return deal


def _contact(value: Any, party: Party | None, errors: ErrorCollector) -> Party | None:
    if value in (None, ""):
        return None
    contact_id = int_or_none(value)
    contact = Party.objects.filter(pk=contact_id).first() if contact_id is not None else None
    if contact is None:
        errors.add("contact_id", _("Party %(id)s does not exist.") % {"id": value})
        return None
    if contact.merged_into_id:
        contact = Party.objects.get(pk=party_survivor_id(contact.pk))
    if party is not None and contact.pk != party.pk:
        related = Affiliation.objects.filter(
            Q(person=contact, organization=party) | Q(person=party, organization=contact)
        ).exists()
        if not related:
            errors.add(
                "contact_id",
                _("%(contact)s is not a contact of %(name)s.")
                % {"contact": contact.name, "name": party.name},
            )
    return contact


def _price_list(value: Any, errors: ErrorCollector) -> PriceList | None:
    list_id = int_or_none(value)
    price_list = PriceList.objects.filter(pk=list_id).first() if list_id is not None else None
    if price_list is None:
        errors.add("price_list_id", _("Price list %(id)s does not exist.") % {"id": value})
    elif not price_list.is_active:
        errors.add(
            "price_list_id",
            _("The price list %(name)s is no longer in use.") % {"name": price_list.name},
        )
    return price_list


def _money_basis(
    data: dict[str, Any],
    errors: ErrorCollector,
    current: Quote | None,
    deal: Opportunity | None,
) -> tuple[str, PriceList | None]:
    """The quote's currency and price list: the list's currency when a list is named, else the
    currency sent, else (new quotes) the deal's, else the default; the list, when none is
    named, is the default one of that currency."""
    given_list = data.get("price_list_id")
    named = "price_list_id" in data and given_list not in (None, "")
    price_list = _price_list(given_list, errors) if named else None
    if data.get("currency") not in (None, ""):
        currency = currency_or_error(data.get("currency"), errors)
    elif price_list is not None:
        currency = price_list.currency
    elif current is not None:
        currency = current.currency
    elif deal is not None and deal.currency:
        currency = deal.currency
    else:
        currency = settings.DEFAULT_CURRENCY
    if price_list is not None and currency and price_list.currency != currency:
        errors.add(
            "price_list_id",
            _("The price list %(name)s is in %(list)s, the quote in %(quote)s.")
            % {"name": price_list.name, "list": price_list.currency, "quote": currency},
        )
    if not named and currency:
        if current is None or ("price_list_id" not in data and currency != current.currency):
            price_list = default_price_list(currency)
        elif "price_list_id" not in data:
            price_list = current.price_list
    return currency, price_list


def _validity(data: dict[str, Any], errors: ErrorCollector, creating: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "valid_until" in data and data.get("valid_until") not in (None, ""):
        valid = _date(data.get("valid_until"), errors, "valid_until")
        if valid is not None and valid < timezone.localdate():
            errors.add("valid_until", _("The validity cannot end in the past."))
        out["valid_until"] = valid
    elif creating or "valid_until" in data:
        out["valid_until"] = timezone.localdate() + datetime.timedelta(
            days=settings.QUOTE_VALID_DAYS
        )
    return out


def _texts(data: dict[str, Any], errors: ErrorCollector) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, size in (("title", 200), ("terms", 5000)):
        if name in data:
            text = str(data.get(name) or "").strip()
            if len(text) > size:
                errors.add(name, _("At most %(n)s characters.") % {"n": size})
            out[name] = text
    if "language" in data and data.get("language") not in (None, ""):
        language = quote_language(data.get("language"))
        if not language:
            errors.add("language", _("Write quotes in pt-br, pt-pt or en."))
        out["language"] = language
    return out


# ---------------------------------------------------------------- writes


def quote_create(*, actor: Any, data: dict[str, Any]) -> Quote:
    """Write a draft quote for a customer (``party_id``; or the customer of ``opportunity_id``).

    ``data``: ``party_id``, ``contact_id`` (a person of the customer), ``opportunity_id`` (a
    deal of the same customer), ``price_list_id`` / ``currency`` (the list's currency, else the
    currency sent, else the deal's, else DEFAULT_CURRENCY; the default list of that currency
    when none is named), ``valid_until`` (today + QUOTE_VALID_DAYS), ``language`` (the
    customer's), ``title``, ``terms``, ``owner_id`` (the actor) and ``lines`` (optional).
    """
    require(actor, "deal.change")
    errors = ErrorCollector()
    deal_given = data.get("opportunity_id") not in (None, "")
    party: Party | None
    if data.get("party_id") in (None, "") and deal_given:
        deal = _opportunity(data.get("opportunity_id"), None, errors)
        party = live_party(deal.party_id, errors) if deal else None
    else:
        party = live_party(data.get("party_id"), errors)
        deal = _opportunity(data.get("opportunity_id"), party, errors)
    contact = _contact(data.get("contact_id"), party, errors)
    currency, price_list = _money_basis(data, errors, None, deal)
    fields = {**_validity(data, errors, True), **_texts(data, errors)}
    owner = (
        _user(data.get("owner_id"), errors, "owner_id")
        if data.get("owner_id") not in (None, "")
        else user_or_none(actor) or (deal.owner if deal else None)
    )
    lines = clean_lines(data.get("lines"), price_list=price_list, currency=currency, errors=errors)
    errors.raise_if_any()
    assert party is not None
    with transaction.atomic():
        quote = Quote(
            number=next_number("quote"),
            party=party,
            contact=contact,
            opportunity=deal,
            price_list=price_list,
            owner=owner,
            currency=currency,
            language=fields.get("language") or _default_language(party),
            title=fields.get("title", "") or (deal.title if deal else ""),
            terms=fields.get("terms", ""),
            valid_until=fields["valid_until"],
        )
        quote.save()
        write_lines(quote, lines)
        quote.save()
        audit_quote(
            actor, quote, "create", f"{quote.total} {quote.currency}", snapshot(quote, QUOTE_FIELDS)
        )
        sales_event(
            "quote.created",
            quote_id=quote.pk,
            party_id=party.pk,
            opportunity_id=deal.pk if deal else None,
        )
    return quote


def _ensure_editable(quote: Quote) -> None:
    if quote.status not in EDITABLE:
        raise Conflict(
            _(
                "Quote %(number)s is %(status)s and can no longer change: duplicate it to make "
                "a new version."
            )
            % {"number": quote.number, "status": quote.get_status_display().lower()},
            code="quote_closed",
        )


def quote_update(
    *, actor: Any, quote_id: int, data: dict[str, Any], version: int | None = None
) -> Quote:
    """Change a quote's header (and its lines, when ``data`` has ``lines``), all checked
    together. Only drafts are edited: a sent (or expired) quote changed goes back to draft and
    the link the customer holds stops working (``quote.link_revoked`` says so); an accepted,
    declined or cancelled one is a 409. A stale ``version`` is a 409."""
    require(actor, "deal.change")
    current = Quote.objects.select_related("party", "price_list").filter(pk=quote_id).first()
    if current is None:
        locked(Quote, quote_id, _("Quote"))  # 404
    assert current is not None
    errors = ErrorCollector()
    if "party_id" in data and data.get("party_id") not in (None, ""):
        party_id = int_or_none(data.get("party_id"))
        if party_id is None or party_survivor_id(party_id) != current.party_id:
            errors.add(
                "party_id", _("A quote's customer does not change: write a new quote instead.")
            )
    fields: dict[str, Any] = {}
    if "opportunity_id" in data:
        fields["opportunity"] = _opportunity(data.get("opportunity_id"), current.party, errors)
    if "contact_id" in data:
        fields["contact"] = _contact(data.get("contact_id"), current.party, errors)
    if "owner_id" in data:
        fields["owner"] = _user(data.get("owner_id"), errors, "owner_id")
    money_sent = "price_list_id" in data or "currency" in data
    if money_sent:
        currency, price_list = _money_basis(data, errors, current, None)
        fields["currency"] = currency
        fields["price_list"] = price_list
    fields.update(_validity(data, errors, False))
    fields.update(_texts(data, errors))
    kept = frozenset(
        QuoteLine.objects.filter(quote=current, product__isnull=False).values_list(
            "product_id", flat=True
        )
    )
    lines: list[CleanLine] | None = None
    if "lines" in data:
        lines = clean_lines(
            data.get("lines") or [],
            price_list=fields.get("price_list", current.price_list),
            currency=fields.get("currency", current.currency),
            errors=errors,
            kept_product_ids=kept,
        )
    elif money_sent and fields["currency"] != current.currency and current.lines.exists():
        errors.add(
            "currency",
            _("The lines are priced in %(old)s: send them again with their prices in %(new)s.")
            % {"old": current.currency, "new": fields["currency"]},
        )
    errors.raise_if_any()
    return _save(actor, quote_id, version, fields, lines)


def quote_lines_set(
    *, actor: Any, quote_id: int, lines: list[dict[str, Any]], version: int | None = None
) -> Quote:
    """Replace all the lines of a quote at once, checked together (see ``clean_lines``)."""
    return quote_update(actor=actor, quote_id=quote_id, data={"lines": lines}, version=version)


def _save(
    actor: Any,
    quote_id: int,
    version: int | None,
    fields: dict[str, Any],
    lines: list[CleanLine] | None,
) -> Quote:
    with transaction.atomic():
        quote = locked(Quote, quote_id, _("Quote"))
        check_version(quote, version)
        _ensure_editable(quote)
        before = snapshot(quote, QUOTE_FIELDS)
        lines_before = quote.lines.count()
        for name, value in fields.items():
            setattr(quote, name, value)
        if lines is not None:
            write_lines(quote, lines)
        changes = diff(before, snapshot(quote, QUOTE_FIELDS))
        if lines is not None:
            changes["lines"] = [lines_before, len(lines)]
        revoked = False
        if quote.status != QuoteStatus.DRAFT:
            revoked = quote.status == QuoteStatus.SENT and bool(quote.access_key)
            changes["status"] = [quote.status, QuoteStatus.DRAFT.value]
            quote.status = QuoteStatus.DRAFT
            quote.access_key = ""
        quote.version += 1
        quote.save()
        audit_quote(actor, quote, "update", _("changed"), changes)
        sales_event("quote.updated", quote_id=quote.pk, party_id=quote.party_id)
    quote.link_revoked = revoked  # type: ignore[attr-defined]
    return quote


def quote_cancel(*, actor: Any, quote_id: int, version: int | None = None) -> Quote:
    """Withdraw a quote (a draft, or one sent and not answered): its link then says it was
    withdrawn. An accepted quote has an order: cancel the order instead (409)."""
    require(actor, "deal.change")
    with transaction.atomic():
        quote = locked(Quote, quote_id, _("Quote"))
        check_version(quote, version)
        if quote.status == QuoteStatus.CANCELLED:
            return quote
        if quote.status in (QuoteStatus.ACCEPTED, QuoteStatus.DECLINED):
            raise Conflict(
                _("Quote %(number)s was already %(status)s by the customer.")
                % {"number": quote.number, "status": quote.get_status_display().lower()},
                code="quote_answered",
            )
        before = quote.status
        quote.status = QuoteStatus.CANCELLED
        quote.version += 1
        quote.save()
        audit_quote(actor, quote, "update", _("cancelled"), {"status": [before, quote.status]})
        sales_event("quote.cancelled", quote_id=quote.pk, party_id=quote.party_id)
    return quote


def quote_duplicate(*, actor: Any, quote_id: int) -> Quote:
    """A new draft from any quote (a new version of a declined one, the same offer to the
    same customer again): same customer, deal, price list, texts and lines (prices as they
    were), a new number and a fresh validity."""
    require(actor, "deal.change")
    with transaction.atomic():
        source = locked(Quote, quote_id, _("Quote"))
        party = Party.objects.get(pk=party_survivor_id(source.party_id))
        quote = Quote.objects.create(
            number=next_number("quote"),
            party=party,
            contact_id=source.contact_id,
            opportunity_id=source.opportunity_id,
            price_list_id=source.price_list_id,
            owner=user_or_none(actor) or source.owner,
            currency=source.currency,
            language=source.language,
            title=source.title,
            terms=source.terms,
            valid_until=timezone.localdate() + datetime.timedelta(days=settings.QUOTE_VALID_DAYS),
            subtotal=source.subtotal,
            discount_total=source.discount_total,
            tax_total=source.tax_total,
            total=source.total,
        )
        copies = []
        for line in source.lines.all():
            line.pk = None
            line.quote = quote
            copies.append(line)
        QuoteLine.objects.bulk_create(copies)
        audit_quote(
            actor,
            quote,
            "create",
            _("copy of %(number)s") % {"number": source.number},
            {**snapshot(quote, QUOTE_FIELDS), "copied_from": source.pk},
        )
        sales_event(
            "quote.created", quote_id=quote.pk, party_id=quote.party_id, copied_from=source.pk
        )
    return quote
