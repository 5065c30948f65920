"""Writes of "My orders": the customer answers a quote from the portal.

The answer goes through the sales services behind the quote's signed link
(``quote_accept`` / ``quote_decline``), so accepting in the portal has exactly the effects of
accepting through the e-mail: the quote accepted, the order made, the deal won, the contact on
the timeline. The portal adds its own audit entry naming the signed-in customer.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record
from fregues.core.errors import Conflict
from fregues.parties.models import Party
from fregues.sales.models import Quote
from fregues.sales.services.quote_links import (
    quote_accept,
    quote_decline,
    quote_open_by_key,
    quote_token,
)

from ..selectors.orders import portal_quote_get


def _key_of(party: Party, number: str) -> tuple[Quote, str]:
    """The customer's quote and its link's key; a quote without a live link (never sent, or
    answered long ago) cannot be answered (409). Expires it on the way when its validity has
    passed (in its own transaction, so it stays expired)."""
    quote = portal_quote_get(party=party, number=number)
    key = quote_token(quote)
    if not key:
        raise Conflict(_("This quote cannot be answered."), code="quote_closed")
    quote_open_by_key(key=key)
    return quote, key


def portal_quote_accept(
    *, actor: Any, party: Party, number: str, name: str = "", ip: Any = None
) -> Quote:
    """The signed-in customer accepts their quote ``number``, signing with ``name`` (their
    own name when empty). 404 for another customer's quote; 409 when already answered,
    expired or withdrawn."""
    _quote, key = _key_of(party, number)
    signature = " ".join(str(name or "").split()) or party.name
    with transaction.atomic():
        quote = quote_accept(key=key, name=signature, ip=ip)
        audit_record(
            actor=actor,
            action="portal.quote_accept",
            instance=quote,
            party_id=party.pk,
            summary=_("%(number)s accepted in the portal") % {"number": quote.number},
            changes={"accepted_by": quote.accepted_by},
        )
    return quote


def portal_quote_decline(*, actor: Any, party: Party, number: str, reason: str = "") -> Quote:
    """The signed-in customer declines their quote ``number``, saying why (optional)."""
    _quote, key = _key_of(party, number)
    with transaction.atomic():
        quote = quote_decline(key=key, reason=reason)
        audit_record(
            actor=actor,
            action="portal.quote_decline",
            instance=quote,
            party_id=party.pk,
            summary=_("%(number)s declined in the portal") % {"number": quote.number},
            changes={"decline_reason": quote.decline_reason},
        )
    return quote
