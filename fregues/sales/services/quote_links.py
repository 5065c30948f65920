"""A quote's journey to the customer and back: sending, the e-mail with the PDF, and the
signed link through which the customer, without an account, accepts or declines it.

The link carries the quote's id and its ``access_key`` signed with Django's signing (salt
below), so it cannot be guessed or altered; each send draws a new key, which kills the links
sent before. The link works until the quote's ``valid_until`` (after that the quote is
expired). Accepting makes the order (``orders.order_create``) with the quote's lines and wins
the deal (``opportunities.opportunity_win``), as the system (``actor=None``).
"""

from __future__ import annotations

import datetime
import hmac
import ipaddress
import logging
import secrets
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record
from fregues.core.errors import Conflict, ErrorCollector, Invalid, NotFound, ServiceError
from fregues.core.events import enqueue_on_commit
from fregues.core.permissions import require
from fregues.interactions.services import interaction_record
from fregues.parties.models import ContactPoint
from fregues.parties.normalize import normalize_email
from fregues.parties.selectors import suppressions_for

from ..models import OpportunityStatus, Quote, QuoteStatus
from ..money import money
from .common import QUOTE_REGARDING, check_version, locked, now_or, sales_event
from .opportunities import opportunity_win
from .orders import order_create

log = logging.getLogger(__name__)

SALT = "fregues.sales.quote-link"
SENDABLE = {QuoteStatus.DRAFT, QuoteStatus.SENT, QuoteStatus.EXPIRED}


def audit_quote(
    actor: Any, quote: Quote, action: str, summary: str, changes: dict[str, Any]
) -> None:
    """An audit entry about ``quote``, shown on its customer's page ("ORC-...: sent to...")."""
    audit_record(
        actor=actor,
        action=action,
        instance=quote,
        party_id=quote.party_id,
        summary=f"{quote.number}: {summary}"[:300],
        changes=changes,
    )


# ---------------------------------------------------------------- the link


def quote_token(quote: Quote) -> str:
    """The signed key of the customer's link (empty while the quote was never sent)."""
    if not quote.access_key:
        return ""
    return signing.Signer(salt=SALT).sign_object([quote.pk, quote.access_key], compress=True)


def quote_public_url(quote: Quote) -> str:
    """The address sent to the customer: PUBLIC_BASE_URL + /q/<signed key>."""
    token = quote_token(quote)
    if not token:
        return ""
    path = reverse("sales:quote_public", args=[token])
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def _bad_link() -> NotFound:
    return NotFound(
        _("This quote link is not valid: it may have been replaced by a newer one."),
        code="bad_link",
    )


def _from_token(key: str, *, lock: bool) -> Quote:
    try:
        quote_id, access_key = signing.Signer(salt=SALT).unsign_object(key)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise _bad_link() from exc
    qs = Quote.objects.select_for_update() if lock else Quote.objects
    quote = qs.filter(pk=quote_id).first() if isinstance(quote_id, int) else None
    if (
        quote is None
        or not quote.access_key
        or not isinstance(access_key, str)
        or not hmac.compare_digest(quote.access_key, access_key)
    ):
        raise _bad_link()
    return quote


def _expire_if_due(quote: Quote, today: datetime.date) -> bool:
    """Mark a sent quote past its validity expired (in the caller's transaction)."""
    if quote.status != QuoteStatus.SENT or not quote.valid_until or quote.valid_until >= today:
        return False
    quote.status = QuoteStatus.EXPIRED
    quote.version += 1
    quote.save(update_fields=["status", "version", "updated_at"])
    audit_quote(None, quote, "update", _("expired"), {"status": [QuoteStatus.SENT, quote.status]})
    sales_event("quote.expired", quote_id=quote.pk, party_id=quote.party_id)
    return True


def quotes_expire(*, today: datetime.date | None = None) -> int:
    """Mark every sent quote past its validity expired (the daily sweep; opening a link does
    the same for one quote on the way), so lists and forecasts stop counting them. Each is
    its own small transaction; running it twice changes nothing. Returns how many expired."""
    today = today or timezone.localdate()
    due = list(
        Quote.objects.filter(status=QuoteStatus.SENT, valid_until__lt=today).values_list(
            "pk", flat=True
        )
    )
    expired = 0
    for quote_id in due:
        with transaction.atomic():
            quote = Quote.objects.select_for_update().filter(pk=quote_id).first()
            if quote is not None and _expire_if_due(quote, today):
                expired += 1
    return expired


def quote_open_by_key(*, key: str, today: datetime.date | None = None) -> Quote:
    """The quote behind a customer's link (404 for a wrong, altered or replaced one). A sent
    quote whose validity has passed is marked expired on the way."""
    today = today or timezone.localdate()
    quote = _from_token(key, lock=False)
    if quote.status == QuoteStatus.SENT and quote.valid_until and quote.valid_until < today:
        with transaction.atomic():
            quote = _from_token(key, lock=True)
            _expire_if_due(quote, today)
    return quote


def _answerable(quote: Quote) -> None:
    """409 unless the customer may still answer ``quote`` (expiring it when due)."""
    if quote.status == QuoteStatus.SENT:
        return
    messages = {
        QuoteStatus.ACCEPTED: (
            _("This quote was already accepted on %(date)s."),
            "already_accepted",
            quote.accepted_at,
        ),
        QuoteStatus.DECLINED: (
            _("This quote was declined on %(date)s."),
            "already_declined",
            quote.declined_at,
        ),
        QuoteStatus.EXPIRED: (
            _("This quote expired on %(date)s: ask us for a new one."),
            "quote_expired",
            quote.valid_until,
        ),
        QuoteStatus.CANCELLED: (
            _("This quote was withdrawn. Ask us for a new one."),
            "quote_cancelled",
            None,
        ),
    }
    message, code, when = messages.get(
        QuoteStatus(quote.status),
        (_("This quote cannot be answered."), "quote_closed", None),
    )
    if isinstance(when, datetime.datetime):
        when = timezone.localtime(when)
    date = formats.date_format(when) if when else ""
    raise Conflict(message % {"date": date}, code=code)


# ---------------------------------------------------------------- sending


def quote_recipient(quote: Quote) -> str:
    """The contact person's primary e-mail, else the customer's."""
    for party_id in (quote.contact_id, quote.party_id):
        if not party_id:
            continue
        point = (
            ContactPoint.objects.filter(party_id=party_id, kind="email")
            .order_by("-is_primary", "id")
            .first()
        )
        if point is not None:
            return point.value
    return ""


def quote_send(
    *, actor: Any, quote_id: int, to: str | None = None, version: int | None = None
) -> Quote:
    """Send a quote to the customer by e-mail (``to``; by default the contact's, else the
    customer's primary e-mail; none → 422).

    The quote becomes *sent* with a new access key (links sent before stop working), an
    outbound e-mail is recorded on the customer's timeline regarding the quote, and the
    delivery (PDF attached, signed link) is queued for after the commit.
    """
    require(actor, "deal.change")
    quote = Quote.objects.filter(pk=quote_id).first()
    if quote is None:
        raise NotFound(_("Quote %(id)s does not exist.") % {"id": quote_id})
    errors = ErrorCollector()
    address = (to or "").strip() or quote_recipient(quote)
    if not address:
        errors.add(
            "to",
            _("%(name)s has no e-mail address: type the address to send the quote to.")
            % {"name": quote.party.name},
        )
    else:
        try:
            address = normalize_email(address, field="to")
        except Invalid as exc:
            for message in exc.errors.get("to", [exc.message]):
                errors.add("to", message)
        else:
            if "hard_bounce" in suppressions_for(kind="email", addresses=[address]).get(
                address, []
            ):
                errors.add(
                    "to",
                    _(
                        "Mail to %(to)s bounced: it is on the suppression list. Use another "
                        "address, or lift the entry once the address works again."
                    )
                    % {"to": address},
                )
    if not quote.lines.exists():
        errors.add("lines", _("Add at least one line before sending the quote."))
    today = timezone.localdate()
    if quote.valid_until and quote.valid_until < today:
        errors.add(
            "valid_until",
            _("The quote was valid until %(date)s: extend its validity before sending it.")
            % {"date": formats.date_format(quote.valid_until)},
        )
    errors.raise_if_any()
    with transaction.atomic():
        quote = locked(Quote, quote_id, _("Quote"))
        check_version(quote, version)
        if quote.status not in SENDABLE:
            raise Conflict(
                _("Quote %(number)s is %(status)s: duplicate it to send a new version.")
                % {"number": quote.number, "status": quote.get_status_display().lower()},
                code="quote_closed",
            )
        before = quote.status
        quote.status = QuoteStatus.SENT
        quote.access_key = secrets.token_urlsafe(24)
        quote.sent_at = timezone.now()
        quote.sent_to = address
        quote.delivered_at = None
        quote.version += 1
        quote.save()
        interaction_record(
            actor=actor,
            data={
                "channel": "email",
                "direction": "out",
                "subject": _("Quote %(number)s sent") % {"number": quote.number},
                "body": _("%(total)s, valid until %(date)s.")
                % {
                    "total": money(quote.total, quote.currency, translation.get_language() or ""),
                    "date": formats.date_format(quote.valid_until) if quote.valid_until else "—",
                },
                "regarding_type": QUOTE_REGARDING,
                "regarding_id": quote.pk,
            },
            party_id=quote.party_id,
            address=address,
        )
        audit_quote(
            actor,
            quote,
            "update",
            _("sent to %(to)s") % {"to": address},
            {"status": [before, quote.status], "sent_to": address},
        )
        sales_event("quote.sent", quote_id=quote.pk, party_id=quote.party_id, to=address)
        enqueue_on_commit("fregues.sales.tasks.quote_deliver_task", quote.pk, quote.access_key)
    return quote


def _email_body(quote: Quote, link: str) -> str:
    person = quote.contact if quote.contact_id else quote.party
    greeting = person.first_name if person is not None and person.is_person else ""
    lines = [
        _("Hello %(name)s,") % {"name": greeting} if greeting else _("Hello,"),
        "",
        _("Please find attached our quote %(number)s%(title)s, for a total of %(total)s.")
        % {
            "number": quote.number,
            "title": f" ({quote.title})" if quote.title else "",
            "total": money(quote.total, quote.currency, quote.language),
        },
    ]
    if quote.valid_until:
        lines.append(
            _("It is valid until %(date)s.")
            % {"date": formats.date_format(quote.valid_until, "DATE_FORMAT")}
        )
    lines += [
        "",
        _("You can read it, accept it or decline it here, no account needed:"),
        link,
        "",
        _("Kind regards,"),
        quote.owner.display_name if quote.owner else settings.COMPANY_NAME,
        settings.COMPANY_NAME,
    ]
    return "\n".join(lines)


def quote_deliver(*, quote_id: int, access_key: str) -> bool:
    """The background half of ``quote_send``: e-mail the PDF and the signed link to the
    address the quote was sent to. Runs once per send: a repeat for the same access key, or
    a delivery for a send since replaced (another key), does nothing and answers False."""
    from ..pdf import quote_pdf  # fpdf2 is loaded only where a PDF is made
    from ..selectors.quotes import quote_for_document

    with transaction.atomic():
        quote = Quote.objects.select_for_update().filter(pk=quote_id).first()
        if (
            quote is None
            or not access_key
            or not hmac.compare_digest(quote.access_key or "", access_key)
            or quote.status != QuoteStatus.SENT
            or quote.delivered_at is not None
            or not quote.sent_to
        ):
            return False
        quote = quote_for_document(quote_id=quote_id)
        link = quote_public_url(quote)
        with translation.override(quote.language or settings.LANGUAGE_CODE):
            subject = _("Quote %(number)s from %(company)s") % {
                "number": quote.number,
                "company": settings.COMPANY_NAME,
            }
            body = _email_body(quote, link)
            document = quote_pdf(quote, link=link)
        message = EmailMessage(
            subject=subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[quote.sent_to],
            reply_to=[quote.owner.email] if quote.owner and quote.owner.email else None,
        )
        message.attach(f"{quote.number}.pdf", document, "application/pdf")
        message.send(fail_silently=False)
        Quote.objects.filter(pk=quote.pk).update(delivered_at=timezone.now())
    return True


# ---------------------------------------------------------------- the customer's answer


def _clean_ip(ip: Any) -> str | None:
    try:
        return str(ipaddress.ip_address(str(ip or "").strip()))
    except ValueError:
        return None


def _order_data(quote: Quote) -> dict[str, Any]:
    """What ``order_create`` receives for an accepted quote: its lines, as they were."""
    return {
        "party_id": quote.party_id,
        "currency": quote.currency,
        "source": "quote",
        "quote_id": quote.pk,
        "opportunity_id": quote.opportunity_id,
        "owner_id": quote.owner_id,
        "notes": _("From quote %(number)s, accepted by %(name)s.")
        % {"number": quote.number, "name": quote.accepted_by},
        "lines": [
            {
                "product_id": line.product_id,
                "sku": line.sku,
                "description": line.description,
                "unit": line.unit,
                "quantity": str(line.quantity),
                "unit_price": str(line.unit_price),
                "discount_percent": str(line.discount_percent),
                "tax_rate": str(line.tax_rate),
                "unit_cost": (
                    str(line.product.cost)
                    if line.product is not None and line.product.cost is not None
                    else None
                ),
            }
            for line in quote.lines.select_related("product")
        ],
    }


def _record_answer(quote: Quote, subject: str, body: str) -> None:
    interaction_record(
        actor=None,
        data={
            "channel": "web_form",
            "direction": "in",
            "subject": subject,
            "body": body,
            "regarding_type": QUOTE_REGARDING,
            "regarding_id": quote.pk,
        },
        party_id=quote.party_id,
    )


def quote_accept(
    *, key: str, name: str, ip: Any = None, now: datetime.datetime | None = None
) -> Quote:
    """The customer accepts the quote through its signed link, typing their name.

    The quote is marked accepted (name, IP, time); the order is created with the quote's
    lines; the linked deal is won; an inbound contact "Quote accepted" lands on the timeline.
    A wrong or replaced link is a 404; an expired, answered or withdrawn quote a 409.
    """
    now = now_or(now)
    today = timezone.localdate(now)
    errors = ErrorCollector()
    typed = " ".join(str(name or "").split())
    if len(typed) < 2:
        errors.add("name", _("Type your full name to accept the quote."))
    elif len(typed) > 200:
        errors.add("name", _("At most %(n)s characters.") % {"n": 200})
    _from_token(key, lock=False)  # a bad link is a 404 before anything else
    with transaction.atomic():  # an expired quote is marked so, and stays so
        quote = _from_token(key, lock=True)
        _expire_if_due(quote, today)
    _answerable(quote)
    errors.raise_if_any()
    with transaction.atomic():
        quote = _from_token(key, lock=True)
        _answerable(quote)
        quote.status = QuoteStatus.ACCEPTED
        quote.accepted_at = now
        quote.accepted_by = typed
        quote.accepted_ip = _clean_ip(ip)
        quote.version += 1
        quote.save()
        order = order_create(actor=None, data=_order_data(quote))
        deal_won = _win_deal(quote)
        _record_answer(
            quote,
            _("Quote %(number)s accepted") % {"number": quote.number},
            _("Accepted by %(name)s through the quote's link (%(ip)s). Order %(order)s.")
            % {"name": typed, "ip": quote.accepted_ip or "?", "order": order.number},
        )
        audit_quote(
            "customer",
            quote,
            "update",
            _("accepted by %(name)s") % {"name": typed},
            {
                "status": [QuoteStatus.SENT, quote.status],
                "accepted_by": typed,
                "accepted_ip": quote.accepted_ip,
                "order": order.pk,
            },
        )
        sales_event(
            "quote.accepted",
            quote_id=quote.pk,
            party_id=quote.party_id,
            order_id=order.pk,
            opportunity_id=quote.opportunity_id,
            opportunity_won=deal_won,
        )
    return quote


def _win_deal(quote: Quote) -> bool:
    """Win the quote's deal (when it has one still open or lost). A refusal of the deals'
    service does not undo the customer's acceptance: it is logged and the deal stays."""
    deal = quote.opportunity
    if deal is None or deal.status == OpportunityStatus.WON:
        return False
    try:
        with transaction.atomic():
            opportunity_win(
                actor=None,
                opportunity_id=deal.pk,
                note=_("Quote %(number)s accepted by %(name)s.")
                % {"number": quote.number, "name": quote.accepted_by},
            )
    except ServiceError as exc:
        log.warning("quote %s accepted, deal %s not won: %s", quote.pk, deal.pk, exc.message)
        return False
    return True


def quote_decline(*, key: str, reason: str = "", now: datetime.datetime | None = None) -> Quote:
    """The customer declines the quote through its signed link, saying why (optional)."""
    now = now_or(now)
    today = timezone.localdate(now)
    reason = " ".join(str(reason or "").split())
    if len(reason) > 300:
        raise Invalid.field("reason", _("At most %(n)s characters.") % {"n": 300})
    _from_token(key, lock=False)
    with transaction.atomic():  # an expired quote is marked so, and stays so
        quote = _from_token(key, lock=True)
        _expire_if_due(quote, today)
    _answerable(quote)
    with transaction.atomic():
        quote = _from_token(key, lock=True)
        _answerable(quote)
        quote.status = QuoteStatus.DECLINED
        quote.declined_at = now
        quote.decline_reason = reason
        quote.version += 1
        quote.save()
        _record_answer(
            quote,
            _("Quote %(number)s declined") % {"number": quote.number},
            reason or _("No reason given."),
        )
        audit_quote(
            "customer",
            quote,
            "update",
            _("declined"),
            {"status": [QuoteStatus.SENT, quote.status], "decline_reason": reason},
        )
        sales_event("quote.declined", quote_id=quote.pk, party_id=quote.party_id)
    return quote
